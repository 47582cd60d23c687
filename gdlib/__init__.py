"""gdlib: the small numpy library behind the book's chapters.

``functions`` (test objectives), ``optimizers`` (update rules), ``run`` (trajectories) and
``check`` (gradient checking) load with the package; ``plotting`` and ``widgets`` load
matplotlib and ipywidgets, so import them where you draw: ``from gdlib import plotting``.
"""
from . import check, functions, optimizers, run

__version__ = "0.1.0"

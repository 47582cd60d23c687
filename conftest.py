"""Repository-wide pytest setup.

nbval opens the ``--nbval-sanitize-with`` file relative to the current directory;
make the path from pyproject.toml absolute so that ``pytest`` also works when it is
started from a sub-folder (e.g. ``cd chapters && pytest``).
"""
from pathlib import Path


def pytest_configure(config):
    path = getattr(config.option, "nbval_sanitize_with", None)
    if path and not Path(path).is_absolute():
        candidate = Path(config.rootpath) / path
        if candidate.exists():
            config.option.nbval_sanitize_with = str(candidate)

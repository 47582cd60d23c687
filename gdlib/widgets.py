"""ipywidgets explorers: drag a slider, see the path redrawn.

In Jupyter the sliders recompute; on the website (no kernel) nothing recomputes, so every
explorer in the book sits next to a static twin (``plotting.small_multiples`` or an animation).
"""
import inspect
import warnings

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from . import plotting
from .run import DivergenceWarning, minimize

LOG_SLIDERS = {"eta", "eps", "weight_decay"}
"""Hyperparameters spanning orders of magnitude get a logarithmic slider."""


def slider(name, low, high, value, step=None):
    """A float slider for hyperparameter ``name``: logarithmic for learning rates and epsilons."""
    style = {"description_width": "initial"}
    if name in LOG_SLIDERS:
        return W.FloatLogSlider(value=value, min=np.log10(low), max=np.log10(high), step=0.05,
                                description=name, style=style, readout_format=".2e", continuous_update=True)
    return W.FloatSlider(value=value, min=low, max=high, step=step or (high - low) / 100,
                         description=name, style=style, readout_format=".3f", continuous_update=True)


def _accepted(factory, params):
    names = inspect.signature(factory).parameters
    return {k: v for k, v in params.items() if k in names}


def run_path(objective, factory, theta0, steps, **params):
    """One run of ``factory(**params)`` from ``theta0``, quietly: divergence is reported in the title."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        traj = minimize(objective, factory(**_accepted(factory, params)), theta0, steps)
    return traj


def describe(traj):
    """A one-line summary of a single run for a plot title."""
    k = int(np.asarray(traj.diverged).max())
    if k >= 0:
        return f"diverged at step {k}"
    return f"after {traj.steps} steps: J = {traj.values[-1]:.3g}"


def draw_run(ax, objective, traj, label=None):
    """Draw one run on ``ax``: contour and path for 2-D objectives, curve and iterates for 1-D."""
    if objective.dim == 1:
        plotting.curve_1d(objective, traj.thetas, ax=ax, label=label, annotate=4)
    else:
        plotting.contour_paths(objective, {label or traj.optimizer.name: traj.thetas}, ax=ax)
    ax.set_title(describe(traj), fontsize=10)
    return ax


def explorer(objective, optimizer, params, theta0, steps=50, start_sliders=True):
    """An interactive explorer: hyperparameter sliders (and the start point) redraw the path.

    objective: an Objective, or a dict of name -> Objective (a dropdown chooses)
    optimizer: a factory from ``gdlib.optimizers``, or a dict of name -> factory
    params:    dict name -> (low, high, value) for each slider; a factory receives only the
               parameters it accepts
    theta0:    the initial start point (sliders for it span the objective's box)
    """
    objectives = objective if isinstance(objective, dict) else {objective.name: objective}
    factories = optimizer if isinstance(optimizer, dict) else {optimizer.__name__: optimizer}
    controls = {name: slider(name, *spec) for name, spec in params.items()}
    pick_objective = W.Dropdown(options=list(objectives), description="objective")
    pick_optimizer = W.Dropdown(options=list(factories), description="optimizer")
    first = objectives[pick_objective.value]
    starts = {}
    if start_sliders:
        box = [first.box] if first.dim == 1 else first.box
        for i, (low, high) in enumerate(box):
            starts[f"start{i + 1}"] = W.FloatSlider(value=float(np.ravel(theta0)[i]), min=low, max=high,
                                                     step=(high - low) / 200, description=f"θ₀[{i + 1}]")
    steps_slider = W.IntSlider(value=steps, min=1, max=max(4 * steps, 200), description="steps")
    out = W.Output()

    def redraw(*_):
        obj = objectives[pick_objective.value]
        start = np.array([s.value for s in starts.values()]) if starts else np.asarray(theta0, float)
        values = {name: c.value for name, c in controls.items()}
        traj = run_path(obj, factories[pick_optimizer.value], start, steps_slider.value, **values)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6, 4))
            draw_run(ax, obj, traj, label=pick_optimizer.value)
            plt.show()

    widgets = [*controls.values(), *starts.values(), steps_slider]
    if len(objectives) > 1:
        widgets.insert(0, pick_objective)
    if len(factories) > 1:
        widgets.insert(0, pick_optimizer)
    for w in widgets + [pick_objective, pick_optimizer]:
        w.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox(widgets[i:i + 3]) for i in range(0, len(widgets), 3)] + [out])

"""ipywidgets explorers: drag a slider, see the path redrawn.

In Jupyter the sliders recompute; on the website (no kernel) nothing recomputes, so every
explorer in the book sits next to a static twin (``plotting.small_multiples`` or an animation).
The runs come from :mod:`gdlib.run` and :mod:`gdlib.train`, the pictures from
:mod:`gdlib.plotting` (``draw_run``, ``draw_schedule_run``, ``draw_clipped``): this module only
wires sliders to them.
"""
import inspect

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from . import plotting, run, schedules, train
from .optimizers import sgd
from .run import minimize

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


def _run(objective, factory, theta0, steps, params):
    """One run of ``factory`` with the slider values it accepts; divergence shows in the title, not as a warning."""
    return minimize(objective, factory(**_accepted(factory, params)), theta0, steps, warn=False)


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

    def fit_start_sliders(change):
        """Give the start sliders the newly chosen objective's box."""
        obj = objectives[change["new"]]
        box = [obj.box] if obj.dim == 1 else obj.box
        for slider_, (low, high) in zip(starts.values(), box):
            with slider_.hold_trait_notifications():
                slider_.min, slider_.max = min(low, slider_.min), max(high, slider_.max)
                slider_.value = float(np.clip(slider_.value, low, high))
                slider_.min, slider_.max, slider_.step = low, high, (high - low) / 200

    pick_objective.observe(fit_start_sliders, names="value")

    def redraw(*_):
        obj = objectives[pick_objective.value]
        start = np.array([s.value for s in starts.values()]) if starts else np.asarray(theta0, float)
        values = {name: c.value for name, c in controls.items()}
        traj = _run(obj, factories[pick_optimizer.value], start, steps_slider.value, values)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6, 4))
            plotting.draw_run(ax, obj, traj, label=pick_optimizer.value)
            plt.show()

    shown = [*controls.values(), *starts.values(), steps_slider]
    if len(objectives) > 1:
        shown.insert(0, pick_objective)
    if len(factories) > 1:
        shown.insert(0, pick_optimizer)
    for w in shown + [pick_objective, pick_optimizer]:
        w.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox(shown[i:i + 3]) for i in range(0, len(shown), 3)] + [out])


# --- learning-rate schedules and gradient clipping ------------------------------

SCHEDULE_KINDS = ("constant", "step_decay", "exponential", "inverse_time", "cosine")
"""The schedules ``schedule_explorer`` offers (each can get a linear warm-up in front)."""


def make_schedule(kind, eta0, steps, drop=0.5, every=50, k=0.01, t0=20.0, warmup_steps=0):
    """A schedule of ``gdlib.schedules`` by name; ``cosine`` anneals over ``steps``; optional warm-up."""
    base = {"constant": lambda: schedules.constant(eta0),
            "step_decay": lambda: schedules.step_decay(eta0, drop, every),
            "exponential": lambda: schedules.exponential(eta0, k),
            "inverse_time": lambda: schedules.inverse_time(eta0, t0),
            "cosine": lambda: schedules.cosine(eta0, steps)}[kind]()
    return schedules.warmup(base, warmup_steps) if warmup_steps > 0 else base


def schedule_explorer(objective, theta0, steps=200, noise=1.0, seed=0, eta0=0.1):
    """Pick a schedule and its parameters; see eta_t and the loss of SGD with noisy gradients.

    The gradient noise is N(0, noise^2) per coordinate (``run.noisy`` with a constant variance),
    drawn from ``np.random.default_rng(seed)`` afresh at every redraw, so equal settings redraw equally.
    """
    pick = W.Dropdown(options=list(SCHEDULE_KINDS), value="cosine", description="schedule")
    controls = {"eta0": W.FloatLogSlider(value=eta0, min=-3, max=0, step=0.05, description="eta0",
                                         readout_format=".2e"),
                "drop": W.FloatSlider(value=0.5, min=0.05, max=1.0, step=0.05, description="drop"),
                "every": W.IntSlider(value=max(1, steps // 4), min=1, max=steps, description="every"),
                "k": W.FloatLogSlider(value=0.01, min=-4, max=0, step=0.05, description="k",
                                      readout_format=".2e"),
                "t0": W.FloatLogSlider(value=20.0, min=0, max=3, step=0.05, description="t0"),
                "warmup_steps": W.IntSlider(value=0, min=0, max=steps // 2, description="warm-up")}
    out = W.Output()

    def redraw(*_):
        values = {name: c.value for name, c in controls.items()}
        schedule = make_schedule(pick.value, steps=steps, **values)
        grad = run.noisy(objective.grad, eta=noise ** 2, gamma=0.0, rng=np.random.default_rng(seed))
        traj = minimize(objective, sgd(eta=schedule), theta0, steps, grad_fn=grad, warn=False)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 3.6))
            plotting.draw_schedule_run(ax, schedule, traj, label=repr(schedule))
            fig.tight_layout()
            plt.show()

    for w in [pick, *controls.values()]:
        w.observe(redraw, names="value")
    redraw()
    items = [pick, *controls.values()]
    return W.VBox([W.HBox(items[i:i + 3]) for i in range(0, len(items), 3)] + [out])


def clipping_explorer(objective, theta0, eta=0.1, steps=40, box=None):
    """A threshold slider (and norm/value/none) redraws the path of clipped gradient descent."""
    mode = W.ToggleButtons(options=["none", "norm", "value"], value="norm", description="clip")
    threshold = W.FloatLogSlider(value=1.0, min=-2, max=3, step=0.05, description="threshold c",
                                 style={"description_width": "initial"})
    out = W.Output()

    def redraw(*_):
        grad = None if mode.value == "none" else run.clipped(objective.grad, threshold.value, by=mode.value)
        traj = minimize(objective, sgd(eta=eta), theta0, steps, grad_fn=grad, warn=False)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 4))
            plotting.draw_clipped(ax, objective, traj, box=box)
            plt.show()

    mode.observe(redraw, names="value")
    threshold.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([mode, threshold]), out])


def fit_explorer(model, data, theta0, batch_sizes=None, eta=(1e-3, 1.0, 0.1), epochs=5, seed=0, box=None):
    """Drag the batch size and the learning rate of ``gdlib.train.fit`` on a two-parameter model.

    Left: the path of the weights on the contours of the training loss; right: the full
    training loss against the number of examples seen. ``batch_sizes`` (default 1, 2, 4, ...
    and N) are the slider's stops; ``eta = (low, high, value)`` a log slider; every redraw
    shuffles with ``np.random.default_rng(seed)``, so the same settings give the same picture.
    """
    N = data.n
    sizes = batch_sizes or sorted({2 ** k for k in range(int(np.log2(N)) + 1)} | {N})
    objective = model.objective(data, box=box)
    pick_b = W.SelectionSlider(options=list(sizes), value=sizes[len(sizes) // 2], description="batch size")
    pick_eta = slider("eta", *eta)
    pick_epochs = W.IntSlider(value=epochs, min=1, max=max(4 * epochs, 20), description="epochs")
    out = W.Output()

    def redraw(*_):
        batches = train.minibatches(pick_b.value, rng=np.random.default_rng(seed))
        hist = train.fit(model, data, sgd(pick_eta.value), pick_epochs.value, batches, theta0=theta0, warn=False)
        steps, losses = train.loss_along_path(model, data, hist)
        seen = np.r_[0, hist.step_examples][steps]
        with out:
            out.clear_output(wait=True)
            fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
            plotting.contour_paths(objective, {f"b = {hist.batch_size}": hist.thetas}, ax=ax1,
                                   markers=hist.updates <= 100)
            ax2.plot(seen / N, losses - objective.min_value, color=plotting.PALETTE[0])
            ax2.set(yscale="log", xlabel="epochs (examples seen / N)", ylabel=r"$J(w) - J^*$")
            status = f"diverged in epoch {int(hist.diverged)}" if hist.diverged >= 0 else \
                f"{hist.updates} updates, final J - J* = {losses[-1] - objective.min_value:.2e}"
            ax2.set_title(status, fontsize=10)
            fig.tight_layout()
            plt.show()

    for w in (pick_b, pick_eta, pick_epochs):
        w.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([pick_b, pick_eta, pick_epochs]), out])

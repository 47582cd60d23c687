"""ipywidgets explorers: drag a slider, see the path redrawn.

In Jupyter the sliders recompute; on the website (no kernel) nothing recomputes, so every
explorer in the book sits next to a static twin (``plotting.small_multiples`` or an animation).
"""
import inspect

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from . import plotting
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


def run_path(objective, factory, theta0, steps, **params):
    """One run of ``factory(**params)`` from ``theta0``, without a warning: ``describe`` reports divergence."""
    return minimize(objective, factory(**_accepted(factory, params)), theta0, steps, warn=False)


def describe(traj):
    """A one-line summary of a single run for a plot title (growth by 100x counts as diverging)."""
    k = int(np.asarray(traj.diverged).max())
    if k >= 0:
        return f"diverged at step {k}"
    first, last = float(traj.values[0]), float(traj.values[-1])
    floor = traj.objective.min_value or 0.0
    if last - floor > 100 * max(first - floor, 1e-12):
        return f"diverging: J grew from {first:.3g} to {last:.3g} in {traj.steps} steps"
    return f"after {traj.steps} steps: J = {last:.3g}"


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


# --- learning-rate schedules and gradient clipping ------------------------------

SCHEDULE_KINDS = ("constant", "step_decay", "exponential", "inverse_time", "cosine")
"""The schedules ``schedule_explorer`` offers (each can get a linear warm-up in front)."""


def make_schedule(kind, eta0, steps, drop=0.5, every=50, k=0.01, t0=20.0, warmup_steps=0):
    """A schedule of ``gdlib.schedules`` by name; ``cosine`` anneals over ``steps``; optional warm-up."""
    from . import schedules
    base = {"constant": lambda: schedules.constant(eta0),
            "step_decay": lambda: schedules.step_decay(eta0, drop, every),
            "exponential": lambda: schedules.exponential(eta0, k),
            "inverse_time": lambda: schedules.inverse_time(eta0, t0),
            "cosine": lambda: schedules.cosine(eta0, steps)}[kind]()
    return schedules.warmup(base, warmup_steps) if warmup_steps > 0 else base


def noisy_run(objective, optimizer, theta0, steps, noise=1.0, seed=0):
    """``run.minimize`` with the gradient plus N(0, noise^2) noise per coordinate, seeded (repeatable)."""
    rng = np.random.default_rng(seed)
    theta0 = np.asarray(theta0, dtype=float)
    grad_fn = lambda theta: objective.grad(theta) + noise * rng.standard_normal(np.shape(theta))  # noqa: E731
    return minimize(objective, optimizer, theta0, steps, grad_fn=grad_fn, warn=False)


def draw_schedule_run(ax, schedule, traj, label=None):
    """The loss of ``traj`` (log scale, left axis) and the schedule's eta_t (right axis) on one panel."""
    t = np.arange(traj.steps)
    gap = traj.values - (traj.objective.min_value or 0.0)
    ax.plot(np.arange(traj.steps + 1), gap, color=plotting.PALETTE[0], lw=1)
    ax.set_yscale("log")
    ax.set(xlabel="step t", ylabel=r"$J(\theta_t) - J^*$")
    right = ax.twinx()
    right.plot(t, np.broadcast_to(schedule(t), t.shape), color=plotting.PALETTE[1], lw=2)
    right.set_ylabel(r"$\eta_t$", color=plotting.PALETTE[1])
    right.set_ylim(bottom=0)
    right.grid(False)
    ax.set_title(f"{label}\n{describe(traj)}" if label else describe(traj), fontsize=9)
    return ax


def schedule_explorer(objective, theta0, steps=200, noise=1.0, seed=0, eta0=0.1):
    """Pick a schedule and its parameters; see eta_t and the loss of SGD with noisy gradients."""
    from .optimizers import sgd
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
        traj = noisy_run(objective, sgd(eta=schedule), theta0, steps, noise, seed)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 3.6))
            draw_schedule_run(ax, schedule, traj, label=repr(schedule))
            fig.tight_layout()
            plt.show()

    for w in [pick, *controls.values()]:
        w.observe(redraw, names="value")
    redraw()
    items = [pick, *controls.values()]
    return W.VBox([W.HBox(items[i:i + 3]) for i in range(0, len(items), 3)] + [out])


def clipped_run(objective, optimizer, theta0, steps, threshold=None, mode="norm"):
    """A run whose every gradient is clipped by norm or by value at ``threshold`` (None: unclipped)."""
    from .train import clip_by_norm, clip_by_value
    if threshold is None:
        return minimize(objective, optimizer, theta0, steps, warn=False)
    if mode not in ("norm", "value"):
        raise ValueError(f"mode must be 'norm' or 'value', got {mode!r}")
    clip = (clip_by_norm if mode == "norm" else clip_by_value)(threshold)
    return minimize(objective, optimizer, theta0, steps, grad_fn=lambda theta: clip(objective.grad(theta)), warn=False)


def draw_clipped(ax, objective, traj, box=None, title=None):
    """A clipped (or unclipped) run on the contours, with the largest distance it was thrown."""
    plotting.contour_paths(objective, {traj.optimizer.name: traj.thetas}, ax=ax, box=box, legend=False)
    jumps = np.linalg.norm(np.diff(traj.thetas, axis=0), axis=-1)
    longest = float(np.nanmax(jumps)) if np.any(np.isfinite(jumps)) else float("nan")
    ax.set_title(title or f"longest step {longest:.2f}; {describe(traj)}", fontsize=9)
    return ax


def clipping_explorer(objective, theta0, eta=0.1, steps=40, box=None):
    """A threshold slider (and norm/value/none) redraws the path of clipped gradient descent."""
    from .optimizers import sgd
    mode = W.ToggleButtons(options=["none", "norm", "value"], value="norm", description="clip")
    threshold = W.FloatLogSlider(value=1.0, min=-2, max=3, step=0.05, description="threshold c",
                                 style={"description_width": "initial"})
    out = W.Output()

    def redraw(*_):
        c = None if mode.value == "none" else threshold.value
        traj = clipped_run(objective, sgd(eta=eta), theta0, steps, c, mode.value)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 4))
            draw_clipped(ax, objective, traj, box=box)
            plt.show()

    mode.observe(redraw, names="value")
    threshold.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([mode, threshold]), out])


def fit_explorer(model, data, w0, batch_sizes=None, eta=(1e-3, 1.0, 0.1), epochs=5, seed=0, box=None):
    """Drag the batch size and the learning rate of ``gdlib.train.fit`` on a two-parameter model.

    Left: the path of the weights on the contours of the training loss; right: the full
    training loss against the number of examples seen. ``batch_sizes`` (default 1, 2, 4, ...
    and N) are the slider's stops; ``eta = (low, high, value)`` a log slider; every redraw
    shuffles with ``np.random.default_rng(seed)``, so the same settings give the same picture.
    """
    from . import train
    from .optimizers import sgd

    N = data.n
    sizes = batch_sizes or sorted({2 ** k for k in range(int(np.log2(N)) + 1)} | {N})
    objective = model.objective(data, box=box)
    pick_b = W.SelectionSlider(options=list(sizes), value=sizes[len(sizes) // 2], description="batch size")
    pick_eta = slider("eta", *eta)
    pick_epochs = W.IntSlider(value=epochs, min=1, max=max(4 * epochs, 20), description="epochs")
    out = W.Output()

    def redraw(*_):
        hist = train.fit(model, data, sgd(pick_eta.value), batch_size=pick_b.value, epochs=pick_epochs.value,
                         rng=np.random.default_rng(seed), w0=w0, warn=False)
        steps, losses = train.loss_along_path(model, data, hist)
        seen = np.r_[0, hist.step_examples][steps]
        with out:
            out.clear_output(wait=True)
            fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
            plotting.contour_paths(objective, {f"b = {hist.batch_size}": hist.path}, ax=ax1,
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

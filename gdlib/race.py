"""The optimizer race: up to six optimizers side by side on one objective, redrawn fast.

``Race(...)`` is the widget (display it in Jupyter); ``race_runs`` races optimizers in one
``minimize`` call without any widget; ``RaceView`` draws paths over contours cached once per
objective, so that a redraw of six runs of 500 steps stays well under 100 ms
(``bench/widget_redraw.py`` measures it).
"""
import ipywidgets as W
import numpy as np

from . import functions, optimizers, plotting
from .run import Trajectory, describe, minimize

RACE_OPTIMIZERS = optimizers.SURVEY
"""The optimizers a race lane can run: the survey's, ``gdlib.optimizers.SURVEY`` (default hyperparameters but eta)."""

_SLOW = ("sgd", "momentum", "nag")          # learning rate multiplies the raw gradient
RACE_PRESETS = {
    # objective: (start, plotting box, eta of SGD/Momentum/NAG, of Adagrad, of RMSprop, of Adam/AdaMax/Nadam/AMSGrad)
    "beale": ((1.0, 1.5), ((-0.5, 4.0), (-1.5, 2.5)), 1e-3, 0.3, 0.01, 0.05),
    "saddle": ((1.0, 1e-3), ((-2.0, 2.0), (-2.0, 2.0)), 0.01, 0.1, 0.01, 0.01),
    "rosenbrock": ((-1.5, 2.5), ((-2.0, 2.0), (-1.0, 3.0)), 1e-3, 0.3, 0.01, 0.05),
    "himmelblau": ((0.0, 0.0), ((-5.0, 5.0), (-5.0, 5.0)), 5e-3, 0.5, 0.05, 0.1),
    "ill_conditioned": ((-8.0, 2.0), ((-10.0, 10.0), (-3.0, 3.0)), 0.01, 1.0, 0.05, 0.1),
    "bowl": ((-3.0, 2.5), ((-3.5, 3.5), (-3.5, 3.5)), 0.05, 1.0, 0.05, 0.1),
    "rastrigin": ((3.3, 2.4), ((-5.12, 5.12), (-5.12, 5.12)), 1e-3, 0.3, 0.03, 0.03),
}
"""A start point, a box and learning rates that give a readable race on each 2-D objective."""


def race_eta(objective_name, optimizer_name):
    """The preset learning rate of ``optimizer_name`` on an objective (Adadelta: its multiplier, 1)."""
    _, _, slow, adagrad, rms, adam_family = RACE_PRESETS.get(objective_name, (None, None, 0.01, 0.1, 0.01, 0.01))
    if optimizer_name == "adadelta":
        return 1.0
    if optimizer_name in _SLOW:
        return slow
    return {"adagrad": adagrad, "rmsprop": rms}.get(optimizer_name, adam_family)


def lanes(opts):
    """One Optimizer that advances ``opts[i]`` on row ``i`` of theta (shape (len(opts), d)).

    Each row is updated by its own optimizer as a separate run would be, so one ``minimize``
    call races several optimizers. It is cheaper than one call per optimizer: the runner's
    per-step bookkeeping, the objective's value and the gradient at the current points are
    computed once for all rows (NAG's look-ahead gradient is asked for separately). ``grad_fn``
    must be deterministic (a noisy gradient would be drawn in another order than in separate runs).
    """
    opts = list(opts)

    def init(theta):
        if theta.shape[0] != len(opts):
            raise ValueError(f"theta0 must have one row per optimizer ({len(opts)}), got shape {theta.shape}")
        return tuple(o.init(theta[i]) for i, o in enumerate(opts))

    def update(theta, grad_fn, state):
        G = grad_fn(theta)                      # every lane's gradient at its own point, in one call
        new_theta, new_state = np.empty_like(theta), []
        for i, (o, s) in enumerate(zip(opts, state)):
            row, g = theta[i], G[i]

            def lane_grad(x, row=row, g=g):     # the batched value where the lane asks at its own point
                return g if x.shape == row.shape and (x == row).all() else grad_fn(x)

            new_theta[i], s = o.update(row, lane_grad, s)
            new_state.append(s)
        return new_theta, tuple(new_state)

    return optimizers.Optimizer("lanes", {"lanes": [o.name for o in opts]}, init, update)


def race_runs(objective, contenders, theta0, steps):
    """Race ``contenders`` (label -> Optimizer) from ``theta0``: label -> Trajectory of one run.

    All lanes run in one ``minimize`` call (see ``lanes``); each lane's path equals
    ``minimize(objective, optimizer, theta0, steps)`` exactly.
    """
    labels, opts = list(contenders), list(contenders.values())
    if not opts:
        return {}
    start = np.tile(np.asarray(theta0, dtype=float), (len(opts), 1))
    traj = minimize(objective, lanes(opts), start, steps, warn=False)
    return {label: Trajectory(traj.thetas[:, i], traj.values[:, i], traj.diverged[i], opt, objective)
            for i, (label, opt) in enumerate(zip(labels, opts))}


class RaceView:
    """The race's picture: a cached contour background per objective, paths redrawn as PNG bytes.

    ``redraw(settings)`` runs the races that are not cached yet and returns the PNG;
    ``settings`` is a dict with ``objective`` (an Objective), ``lanes`` (a list of
    ``(optimizer name, eta)``), ``theta0``, ``steps`` and optionally ``scale`` (multiplies every eta).
    After a redraw, ``trajectories`` holds the runs drawn, ``labels`` the legend entries and
    ``timings`` the seconds spent computing and rendering.
    """

    def __init__(self, max_lanes=6, figsize=(5.0, 4.0), dpi=80, cache_size=256):
        self.max_lanes, self.figsize, self.dpi, self.cache_size = max_lanes, figsize, dpi, cache_size
        self.canvases, self.cache = {}, {}
        self.trajectories, self.labels, self.timings, self.png = {}, [], {}, b""

    def canvas(self, objective):
        """The persistent canvas of ``objective`` (built, contours and all, on first use)."""
        if objective.name not in self.canvases:
            box = RACE_PRESETS[objective.name][1] if objective.name in RACE_PRESETS else None
            self.canvases[objective.name] = plotting.PathCanvas(objective, box=box, lines=self.max_lanes,
                                                                figsize=self.figsize, dpi=self.dpi)
        return self.canvases[objective.name]

    def runs(self, objective, entries, theta0, steps, scale=1.0):
        """Trajectories for each lane ``(optimizer name, eta)``, from the cache or computed together in one call."""
        if len(entries) > self.max_lanes:
            raise ValueError(f"a race has at most {self.max_lanes} lanes, got {len(entries)}")
        start = tuple(float(x) for x in np.ravel(theta0))
        keys = [(objective.name, name, float(eta) * float(scale), start, int(steps)) for name, eta in entries]
        missing = {key: optimizers.ALL[key[1]](eta=key[2]) for key in dict.fromkeys(keys) if key not in self.cache}
        if missing:
            fresh = race_runs(objective, dict(zip(range(len(missing)), missing.values())), start, int(steps))
            for key, traj in zip(missing, fresh.values()):
                self.cache[key] = traj
            while len(self.cache) > self.cache_size:
                self.cache.pop(next(iter(self.cache)))
        return [self.cache[key] for key in keys]

    def redraw(self, settings):
        """Compute (or fetch) the runs of ``settings``, draw them, return PNG bytes."""
        import time
        objective = settings["objective"]
        entries = list(settings["lanes"])
        scale = settings.get("scale", 1.0)
        t0 = time.perf_counter()
        trajs = self.runs(objective, entries, settings["theta0"], settings["steps"], scale)
        t1 = time.perf_counter()
        self.labels = [f"{name} (η={eta * scale:.2g}): {describe(traj)}" for (name, eta), traj in zip(entries, trajs)]
        self.trajectories = dict(zip(self.labels, trajs))
        canvas = self.canvas(objective)
        self.png = canvas.draw({label: t.thetas for label, t in self.trajectories.items()}, legend=False)
        self.timings = {"compute": t1 - t0, "render": time.perf_counter() - t1}
        return self.png

    def legend_html(self):
        """The legend of the last redraw as HTML (colour, optimizer, eta, outcome), shown beside the image."""
        from matplotlib.colors import to_hex
        rows = "".join(f'<div><span style="color:{to_hex(plotting.PALETTE[i % len(plotting.PALETTE)])}">&#9632;</span> '
                       f"{label}</div>" for i, label in enumerate(self.labels))
        return f'<div style="font-size:12px;line-height:1.5">{rows}</div>'


def _eta_slider(value):
    """A logarithmic learning-rate slider from 1e-5 to 10."""
    return W.FloatLogSlider(value=value, min=-5, max=1, step=0.05, description="eta", readout_format=".2e",
                            style={"description_width": "initial"}, continuous_update=True)


class Race:
    """The optimizer race widget: up to six lanes (optimizer + learning rate) on one objective.

    Controls: the objective, each lane's optimizer (or none) and learning rate, a shared
    multiplier of all learning rates, the start point and the number of steps. ``redraw()``
    works without a front end (tests and benchmarks call it); ``settings()`` reads the controls.
    ``etas`` (optimizer name -> learning rate) and ``theta0`` override the presets of
    ``RACE_PRESETS``. Display the object (or ``.box``) in Jupyter.
    """

    def __init__(self, objectives=None, lane_names=("sgd", "momentum", "nag", "adagrad", "rmsprop", "adam"),
                 objective="beale", steps=500, max_lanes=6, etas=None, theta0=None):
        if objectives is None:
            objectives = {name: functions.ALL[name] for name in RACE_PRESETS}
        self.objectives = dict(objectives)
        if len(lane_names) > max_lanes:
            raise ValueError(f"at most {max_lanes} lanes, got {len(lane_names)}")
        self.view = RaceView(max_lanes=max_lanes)
        self._hold = False
        self.pick_objective = W.Dropdown(options=list(self.objectives), value=objective, description="objective")
        names = list(lane_names) + [None] * (max_lanes - len(lane_names))
        self.pick = [W.Dropdown(options=[("—", None)] + [(n, n) for n in RACE_OPTIMIZERS], value=n,
                                description=f"lane {i + 1}", layout=W.Layout(width="200px")) for i, n in enumerate(names)]
        self.eta = [_eta_slider(race_eta(objective, n) if n else 0.01) for n in names]
        for i, n in enumerate(names):
            if etas and n in etas:
                self.eta[i].value = etas[n]
        self.scale = W.FloatLogSlider(value=1.0, min=-2, max=2, step=0.05, description="× all η",
                                      readout_format=".2f")
        start = theta0 if theta0 is not None else RACE_PRESETS.get(objective, ((0.0, 0.0),))[0]
        self.start = [W.FloatSlider(value=float(start[i]), min=-5, max=5, step=0.01, readout_format=".3f",
                                    description=f"θ₀[{i + 1}]") for i in range(2)]
        self._set_start_ranges()
        for s, v in zip(self.start, start):
            s.value = float(v)
        self.steps = W.IntSlider(value=steps, min=1, max=1000, description="steps")
        self.image = W.Image(format="png", layout=W.Layout(width="420px"))
        self.legend = W.HTML()
        self.pick_objective.observe(self._objective_changed, names="value")
        for i, p in enumerate(self.pick):
            p.observe(lambda change, i=i: self._lane_changed(i), names="value")
        for w in [*self.eta, self.scale, *self.start, self.steps]:
            w.observe(self.redraw, names="value")
        lanes_box = [W.HBox([p, e]) for p, e in zip(self.pick, self.eta)]
        self.box = W.VBox([W.HBox([self.pick_objective, self.steps, self.scale]), W.HBox(self.start),
                           W.HBox([W.VBox(lanes_box), self.image]), self.legend])
        self.redraw()

    def _set_start_ranges(self):
        box = self.objectives[self.pick_objective.value].box
        for s, (low, high) in zip(self.start, box):
            s.min, s.max = -1e9, 1e9            # widen first so that setting min/max never clashes with value
            s.min, s.max, s.step = low, high, (high - low) / 400

    def _objective_changed(self, change):
        name = change["new"]
        self._hold = True
        self._set_start_ranges()
        for s, v in zip(self.start, RACE_PRESETS.get(name, ((0.0, 0.0),))[0]):
            s.value = float(v)
        for p, e in zip(self.pick, self.eta):
            if p.value:
                e.value = race_eta(name, p.value)
        self._hold = False
        self.redraw()

    def _lane_changed(self, i):
        if self.pick[i].value:
            self._hold = True
            self.eta[i].value = race_eta(self.pick_objective.value, self.pick[i].value)
            self._hold = False
        self.redraw()

    def settings(self):
        """The race the controls describe, as ``RaceView.redraw`` takes it."""
        return {"objective": self.objectives[self.pick_objective.value],
                "lanes": [(p.value, e.value) for p, e in zip(self.pick, self.eta) if p.value],
                "theta0": np.array([s.value for s in self.start]), "steps": self.steps.value,
                "scale": self.scale.value}

    def redraw(self, *_):
        """Recompute what changed and redraw; returns the PNG bytes shown."""
        if self._hold:
            return self.image.value
        self.image.value = self.view.redraw(self.settings())
        self.legend.value = self.view.legend_html()
        return self.image.value

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)

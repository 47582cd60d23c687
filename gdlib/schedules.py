r"""Learning-rate schedules: $\eta_t$ as a function of the step $t$ (Ruder 2016, section 3).

A schedule is a callable ``eta(t)`` where ``t`` is the number of updates already completed
(0 for the first update), which is how every optimizer in ``gdlib.optimizers`` calls it::

    opt = gdlib.optimizers.sgd(eta=gdlib.schedules.cosine(eta0=0.1, total=200))

* ``t`` may be an int or an array of steps (``eta(np.arange(200))`` gives the whole curve).
* Parameters may be arrays that broadcast: ``eta0`` of shape ``(K, 1)`` gives K schedules for
  K runs of shape ``(K, d)`` in one call.
* Every schedule has a readable ``__name__`` and ``repr``, e.g. ``cosine(eta0=0.1, total=200)``.
* Bad arguments raise ``ValueError`` naming the argument and its valid range.

``ReduceOnPlateau`` is the one schedule that looks at the data: a value with a state
(``PlateauState``) that ``gdlib.train.fit`` updates after each epoch, lowering the rate when the
loss stops improving.
"""
from typing import NamedTuple

import numpy as np

from ._validate import integer, real, real_array


def _show(value):
    if isinstance(value, Schedule):
        return repr(value)
    if np.ndim(value) == 0:
        return f"{float(value):g}"
    return f"array{np.shape(value)}"


def _steps(t):
    """The step(s) at which a schedule is evaluated: finite reals >= 0, a number or an array (a list too)."""
    if isinstance(t, (list, tuple, np.ndarray)):
        t = real_array("t (the number of completed steps)", t, nonempty=False)
    else:
        t = np.asarray(real("t (the number of completed steps)", t), dtype=float)
    if np.any(t < 0):
        raise ValueError("t (the number of completed steps) must be >= 0")
    return t


def _out(value):
    """0-d arrays become numpy scalars; arrays stay arrays."""
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


class Schedule:
    """Base class: a named callable ``eta(t)`` with its parameters in ``params``."""

    def __init__(self, kind, **params):
        self.kind = kind
        self.params = params
        self.__name__ = f"{kind}({', '.join(f'{k}={_show(v)}' for k, v in params.items())})"

    def __repr__(self):
        return self.__name__

    def __call__(self, t):
        return _out(np.asarray(self.value(_steps(t)), dtype=float))

    def value(self, t):                     # pragma: no cover - every subclass defines it
        raise NotImplementedError


class _Closed(Schedule):
    """A schedule given by a closed form ``formula(t, **params)``."""

    def __init__(self, kind, formula, **params):
        super().__init__(kind, **params)
        self._formula = formula

    def value(self, t):
        return self._formula(t, **self.params)


def constant(eta0):
    r"""$\eta_t = \eta_0$ (``eta0`` >= 0, a number or an array with one value per run)."""
    real("eta0", eta0, low=0)
    return _Closed("constant", lambda t, eta0: eta0 + 0 * t, eta0=eta0)


def step_decay(eta0, drop=0.5, every=10):
    r"""Step decay: $\eta_t = \eta_0\, \mathrm{drop}^{\lfloor t / \mathrm{every} \rfloor}$.

    The rate is multiplied by ``drop`` in (0, 1] every ``every`` steps (> 0).
    """
    real("eta0", eta0, low=0)
    real("drop", drop, low=0, high=1, low_open=True)
    real("every", every, low=0, low_open=True)
    return _Closed("step_decay", lambda t, eta0, drop, every: eta0 * np.power(drop, np.floor(t / every)),
                   eta0=eta0, drop=drop, every=every)


def exponential(eta0, k):
    r"""Exponential decay: $\eta_t = \eta_0\, e^{-k t}$ with $k \ge 0$."""
    real("eta0", eta0, low=0)
    real("k", k, low=0)
    return _Closed("exponential", lambda t, eta0, k: eta0 * np.exp(-k * t), eta0=eta0, k=k)


def inverse_time(eta0, t0):
    r"""The $1/t$ schedule: $\eta_t = \dfrac{\eta_0}{1 + t / t_0}$ with $t_0 > 0$.

    It satisfies the Robbins-Monro conditions $\sum_t \eta_t = \infty$, $\sum_t \eta_t^2 < \infty$;
    $t_0$ sets how long the rate stays near $\eta_0$ ("search, then converge",
    Darken & Moody 1992).
    """
    real("eta0", eta0, low=0)
    real("t0", t0, low=0, low_open=True)
    return _Closed("inverse_time", lambda t, eta0, t0: eta0 / (1 + t / t0), eta0=eta0, t0=t0)


def cosine(eta0, total, eta_min=0.0):
    r"""Cosine annealing (SGDR without restarts, Loshchilov & Hutter 2017):

    $\eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})\left(1 + \cos\dfrac{\pi \min(t, T)}{T}\right)$,
    $T$ = ``total`` > 0; after $T$ steps the rate stays at $\eta_{\min}$ (0 <= eta_min <= eta0).
    """
    real("eta0", eta0, low=0)
    real("total", total, low=0, low_open=True)
    real("eta_min", eta_min, low=0)
    if np.any(np.asarray(eta_min) > np.asarray(eta0)):
        raise ValueError(f"eta_min must lie in [0, eta0], got eta_min={_show(eta_min)} > eta0={_show(eta0)}")

    def formula(t, eta0, total, eta_min):
        return eta_min + 0.5 * (eta0 - eta_min) * (1 + np.cos(np.pi * np.minimum(t, total) / total))

    return _Closed("cosine", formula, eta0=eta0, total=total, eta_min=eta_min)


def range_test(eta_min, eta_max, steps):
    r"""The learning-rate range test's exponential sweep (Smith 2017):

    $\eta_t = \eta_{\min} (\eta_{\max} / \eta_{\min})^{t / (\mathrm{steps} - 1)}$, so that
    $\eta_0 = \eta_{\min}$ and $\eta_{\mathrm{steps}-1} = \eta_{\max}$ (0 < eta_min <= eta_max,
    steps >= 2). Train a short run with it and plot the loss against $\eta_t$.
    """
    real("eta_min", eta_min, low=0, low_open=True)
    real("eta_max", eta_max, low=0, low_open=True)
    steps = integer("steps", steps, low=2)
    if np.any(np.asarray(eta_max) < np.asarray(eta_min)):
        raise ValueError("eta_max must be >= eta_min")

    def formula(t, eta_min, eta_max, steps):
        return eta_min * np.power(eta_max / eta_min, t / (steps - 1))

    return _Closed("range_test", formula, eta_min=eta_min, eta_max=eta_max, steps=steps)


class _Warmup(Schedule):
    def __init__(self, schedule, steps, start):
        super().__init__("warmup", schedule=schedule, steps=steps, start=start)
        self.schedule, self.steps, self.start = schedule, steps, start

    def value(self, t):
        target = self.schedule(self.steps)
        ramp = target * (self.start + (1 - self.start) * t / self.steps)
        return np.where(t < self.steps, ramp, self.schedule(t))


def warmup(schedule, steps, start=0.0):
    r"""Linear warm-up (Goyal et al. 2017) in front of another schedule:

    $\eta_t = \eta^{\mathrm{base}}_{S}\left(s + (1 - s)\dfrac{t}{S}\right)$ for $t < S$, and
    $\eta_t = \eta^{\mathrm{base}}_t$ for $t \ge S$, with $S$ = ``steps`` > 0 and $s$ = ``start``
    in [0, 1] (the fraction of the target rate at $t = 0$; 0 by default). The ramp ends exactly at
    the wrapped schedule's value, so the rate is continuous, and the wrapped schedule keeps
    counting from $t = 0$ (as Goyal et al.'s step decay does). ``schedule`` may be a number
    (a constant rate).
    """
    if not callable(schedule):
        schedule = constant(real("schedule", schedule, low=0))
    real("steps", steps, low=0, low_open=True)
    real("start", start, low=0, high=1)
    return _Warmup(schedule, steps, start)


class PlateauState(NamedTuple):
    """The state of :class:`ReduceOnPlateau` (a value, like every optimizer's state).

    eta:   the rate in force (one per run, shape ``(K, 1)`` for K runs)
    best:  the best loss observed so far (inf before the first finite one)
    bad:   observations in a row that did not improve on ``best``
    count: observations so far
    """
    eta: np.ndarray
    best: np.ndarray
    bad: np.ndarray
    count: int


class ReduceOnPlateau(Schedule):
    r"""Lower the rate when the loss stops improving: $\eta \leftarrow \max(\mathrm{factor}\cdot\eta,\ \eta_{\min})$.

    A value with a state, like an optimizer: ``state = plateau.init()``, then
    ``state = plateau.observe(state, loss)`` once per epoch; ``state.eta`` is the rate in force.
    An observation *improves* if ``loss < best - threshold * |best|`` (a relative threshold); after
    ``patience`` observations in a row without improvement the rate is multiplied by ``factor``
    (0 < factor < 1), never going below ``eta_min`` (0 <= eta_min <= eta0), and the count starts
    again. A NaN or infinite loss never improves and never becomes ``best``.

    With :func:`gdlib.train.fit`, pass it as the optimizer's rate, ``optimizers.sgd(eta=plateau)``:
    the optimizer then runs at ``eta0`` and ``fit`` observes the training loss after every epoch
    and multiplies the following steps by ``state.eta / eta0`` (the states are in
    ``History.plateau``). For rules whose step is proportional to the rate (SGD, Adagrad, RMSprop,
    the Adam family, PyTorch-form momentum) that is the same as running at ``state.eta``; the
    survey's momentum velocity and Adadelta's step average keep the unscaled steps. Outside
    ``fit`` (e.g. in ``run.minimize``) nothing is observed and the rate stays ``eta0``.

    For K runs ``observe`` takes K losses (shape ``(K,)``) and keeps one rate per run, shape
    ``(K, 1)`` like any broadcast hyperparameter. ``torch.optim.lr_scheduler.ReduceLROnPlateau``
    waits for ``patience + 1`` bad epochs; here ``patience`` bad observations suffice. Either way
    ``factor``, ``patience`` and ``threshold`` are fixed before training and do not adapt to the
    data set (Ruder 2016, section 3).
    """

    def __init__(self, eta0, factor=0.5, patience=2, threshold=1e-4, eta_min=0.0):
        real("eta0", eta0, low=0, low_open=True)
        real("factor", factor, low=0, high=1, low_open=True, high_open=True)
        patience = integer("patience", patience, low=1)
        real("threshold", threshold, low=0)
        real("eta_min", eta_min, low=0)
        if np.any(np.asarray(eta_min, dtype=float) > np.asarray(eta0, dtype=float)):
            raise ValueError(f"eta_min must lie in [0, eta0], got eta_min={_show(eta_min)} > eta0={_show(eta0)}")
        super().__init__("ReduceOnPlateau", eta0=eta0, factor=factor, patience=patience,
                         threshold=threshold, eta_min=eta_min)
        self.eta0, self.factor, self.patience = eta0, factor, patience
        self.threshold, self.eta_min = threshold, eta_min

    def init(self, runs=()):
        """The state before any observation, for runs of shape ``runs`` (``()``: one run; ``(K,)``: K runs)."""
        shape = np.broadcast_shapes(np.shape(self.eta0), tuple(runs) + (1,) if len(runs) else ())
        eta = np.broadcast_to(np.asarray(self.eta0, dtype=float), shape).copy()
        return PlateauState(eta, np.full(shape, np.inf), np.zeros(shape, dtype=int), 0)

    def observe(self, state, loss):
        """The state after one more epoch's ``loss`` (shape ``()`` or ``(K,)``); ``state`` is not changed."""
        if not isinstance(state, PlateauState):
            raise TypeError(f"state must be a PlateauState from ReduceOnPlateau.init, got {type(state).__name__}")
        loss = np.asarray(loss, dtype=float)
        if loss.ndim:                   # K runs: losses (K,) -> (K, 1), the hyperparameters' layout
            loss = loss[..., None]
        try:
            fits = np.broadcast_shapes(loss.shape, state.eta.shape) == state.eta.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"loss has shape {np.shape(loss)[:-1] if loss.ndim else ()}, but the state holds "
                             f"rates of shape {state.eta.shape}")
        first = np.isinf(state.best)
        ref = np.where(first, 0.0, state.best)
        improved = np.isfinite(loss) & (first | (loss < ref - self.threshold * np.abs(ref)))
        best = np.where(improved, loss, state.best)
        bad = np.where(improved, 0, state.bad + 1)
        reduce = bad >= self.patience
        eta = np.where(reduce, np.maximum(state.eta * self.factor, self.eta_min), state.eta)
        return PlateauState(eta, best, np.where(reduce, 0, bad), state.count + 1)

    def value(self, t):
        return self.eta0 + 0 * t

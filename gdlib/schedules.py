r"""Learning-rate schedules: $\eta_t$ as a function of the step $t$ (Ruder 2016, section 3).

A schedule is a callable ``eta(t)`` where ``t`` is the number of updates already completed
(0 for the first update), which is how every optimizer in ``gdlib.optimizers`` calls it::

    opt = gdlib.optimizers.sgd(eta=gdlib.schedules.cosine(eta0=0.1, total=200))

* ``t`` may be an int or an array of steps (``eta(np.arange(200))`` gives the whole curve).
* Parameters may be arrays that broadcast: ``eta0`` of shape ``(K, 1)`` gives K schedules for
  K runs of shape ``(K, d)`` in one call.
* Every schedule has a readable ``__name__`` and ``repr``, e.g. ``cosine(eta0=0.1, total=200)``.
* Bad arguments raise ``ValueError`` naming the argument and its valid range.

``ReduceOnPlateau`` is the one schedule that looks at the data: ``observe(loss)`` after each
epoch (``gdlib.train.fit`` calls it) lowers the rate when the loss stops improving.
"""
import numpy as np

from ._validate import check_range


def _show(value):
    if isinstance(value, Schedule):
        return repr(value)
    if np.ndim(value) == 0:
        return f"{float(value):g}"
    return f"array{np.shape(value)}"


def _steps(t):
    t = np.asarray(t, dtype=float)
    if np.any(t < 0) or np.any(np.isnan(t)):
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
    r"""$\eta_t = \eta_0$."""
    check_range("eta0", eta0, low=0)
    return _Closed("constant", lambda t, eta0: eta0 + 0 * t, eta0=eta0)


def step_decay(eta0, drop=0.5, every=10):
    r"""Step decay: $\eta_t = \eta_0\, \mathrm{drop}^{\lfloor t / \mathrm{every} \rfloor}$.

    The rate is multiplied by ``drop`` in (0, 1] every ``every`` steps (> 0).
    """
    check_range("eta0", eta0, low=0)
    check_range("drop", drop, low=0, high=1, low_open=True)
    check_range("every", every, low=0, low_open=True)
    return _Closed("step_decay", lambda t, eta0, drop, every: eta0 * drop ** np.floor(t / every),
                   eta0=eta0, drop=drop, every=every)


def exponential(eta0, k):
    r"""Exponential decay: $\eta_t = \eta_0\, e^{-k t}$ with $k \ge 0$."""
    check_range("eta0", eta0, low=0)
    check_range("k", k, low=0)
    return _Closed("exponential", lambda t, eta0, k: eta0 * np.exp(-k * t), eta0=eta0, k=k)


def inverse_time(eta0, t0):
    r"""The $1/t$ schedule: $\eta_t = \dfrac{\eta_0}{1 + t / t_0}$ with $t_0 > 0$.

    It satisfies the Robbins-Monro conditions $\sum_t \eta_t = \infty$, $\sum_t \eta_t^2 < \infty$;
    $t_0$ sets how long the rate stays near $\eta_0$ ("search, then converge",
    Darken & Moody 1992).
    """
    check_range("eta0", eta0, low=0)
    check_range("t0", t0, low=0, low_open=True)
    return _Closed("inverse_time", lambda t, eta0, t0: eta0 / (1 + t / t0), eta0=eta0, t0=t0)


def cosine(eta0, total, eta_min=0.0):
    r"""Cosine annealing (SGDR without restarts, Loshchilov & Hutter 2017):

    $\eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})\left(1 + \cos\dfrac{\pi \min(t, T)}{T}\right)$,
    $T$ = ``total`` > 0; after $T$ steps the rate stays at $\eta_{\min}$ (0 <= eta_min <= eta0).
    """
    check_range("eta0", eta0, low=0)
    check_range("total", total, low=0, low_open=True)
    check_range("eta_min", eta_min, low=0)
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
    check_range("eta_min", eta_min, low=0, low_open=True)
    check_range("eta_max", eta_max, low=0, low_open=True)
    check_range("steps", steps, low=2)
    if np.any(np.asarray(eta_max) < np.asarray(eta_min)):
        raise ValueError("eta_max must be >= eta_min")

    def formula(t, eta_min, eta_max, steps):
        return eta_min * (eta_max / eta_min) ** (t / (steps - 1))

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
        schedule = constant(schedule)
    check_range("steps", steps, low=0, low_open=True)
    check_range("start", start, low=0, high=1)
    return _Warmup(schedule, steps, start)


class ReduceOnPlateau(Schedule):
    r"""Lower the rate when the loss stops improving: $\eta \leftarrow \mathrm{factor}\cdot\eta$.

    ``observe(loss)`` is called once per epoch (``gdlib.train.fit`` does it). An observation
    *improves* if ``loss < best - threshold * |best|`` (a relative threshold); after ``patience``
    observations in a row without improvement the rate is multiplied by ``factor`` (0 < factor < 1),
    never going below ``eta_min``, and the count starts again. ``eta(t)`` is the current rate
    whatever ``t`` is.

    For K runs at once ``observe`` takes K losses (shape ``(K,)``, as ``train.fit`` passes them)
    and keeps one rate per run, shape ``(K, 1)`` like any broadcast hyperparameter.

    ``torch.optim.lr_scheduler.ReduceLROnPlateau`` waits for ``patience + 1`` bad epochs; here
    ``patience`` bad observations suffice. Either way ``factor``, ``patience`` and ``threshold``
    are fixed before training and do not adapt to the data set (Ruder 2016, section 3).

    State: ``eta`` (current rate), ``best``, ``bad`` (non-improving observations in a row),
    ``reductions`` (the 0-based indices of the observations that lowered the rate), ``etas``
    (the rate in force after each observation). ``reset()`` starts afresh.
    """

    def __init__(self, eta0, factor=0.5, patience=2, threshold=1e-4, eta_min=0.0):
        check_range("eta0", eta0, low=0)
        check_range("factor", factor, low=0, high=1, low_open=True, high_open=True)
        if not isinstance(patience, (int, np.integer)) or patience < 1:
            raise ValueError(f"patience must be an integer >= 1, got {patience!r}")
        check_range("threshold", threshold, low=0)
        check_range("eta_min", eta_min, low=0)
        super().__init__("ReduceOnPlateau", eta0=eta0, factor=factor, patience=patience,
                         threshold=threshold, eta_min=eta_min)
        self.eta0, self.factor, self.patience = eta0, factor, patience
        self.threshold, self.eta_min = threshold, eta_min
        self.reset()

    def reset(self):
        """Forget every observation: back to ``eta0``."""
        self.eta = np.asarray(self.eta0, dtype=float)
        self.best = np.asarray(np.inf)
        self.bad = np.asarray(0)
        self.count = 0
        self.reductions = []
        self.etas = []

    def observe(self, loss):
        """Record one epoch's loss; lower the rate if it has plateaued. Returns the current rate."""
        loss = np.asarray(loss, dtype=float)
        if loss.ndim:                   # K runs: losses (K,) -> (K, 1), the hyperparameters' layout
            loss = loss[..., None]
        first = np.isinf(self.best)
        best = np.where(first, 0.0, self.best)
        improved = first | (loss < best - self.threshold * np.abs(best))
        self.best = np.where(improved, loss, self.best)
        self.bad = np.where(improved, 0, self.bad + 1)
        reduce = self.bad >= self.patience
        self.eta = np.where(reduce, np.maximum(self.eta * self.factor, self.eta_min), self.eta)
        self.bad = np.where(reduce, 0, self.bad)
        if np.any(reduce):
            self.reductions.append(self.count)
        self.count += 1
        self.etas.append(_out(self.eta.copy()))
        return _out(self.eta)

    def value(self, t):
        return self.eta + 0 * t


ALL = {"constant": constant, "step_decay": step_decay, "exponential": exponential,
       "inverse_time": inverse_time, "cosine": cosine, "warmup": warmup,
       "range_test": range_test, "ReduceOnPlateau": ReduceOnPlateau}
"""Every schedule constructor by name."""

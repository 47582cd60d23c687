r"""The one iteration loop of gdlib, and the gradient wrappers every runner shares.

Every runner in gdlib advances an optimizer with the same loop (``_loop`` below):

.. code-block:: text

    state = optimizer.init(theta_0)
    for t = 0, 1, ..., steps - 1:
        theta_{t+1}, state = optimizer.update(theta_t, g_t, state)     # g_t: the gradient at step t
        theta_{t+1} = project(theta_{t+1})                             # optional
    stop a run (NaN from then on) as soon as its theta or its value is inf or NaN

:func:`minimize` runs it on an objective (its values along the path), :func:`iterate` on a bare
gradient (an online stream, a stale read, a worker's batch), and :func:`gdlib.train.fit` on the
mini-batches of a data set. ``t`` is the number of updates already completed (0 for the first),
the same count a schedule ``eta(t)`` receives.

**Gradients.** ``grad_fn(theta)`` is a plain gradient. A gradient that depends on the step is
marked with :func:`stepwise`: ``stepwise(lambda theta, t: ...)``; the loop then hands the
optimizer ``theta -> grad_fn(theta, t)`` at step ``t`` (the optimizer still decides *where* to
ask: NAG asks at its look-ahead point). The wrappers :func:`clipped`, :func:`noisy` and
:func:`delayed` take a gradient (plain or stepwise) and return one, so they compose:
``noisy(clipped(f.grad, 5.0), eta=0.3, rng=rng)``.

**Broadcasting.** ``theta0`` of shape ``(..., d)`` is one run per leading index; with
deterministic gradients K runs in one call equal K separate calls bit for bit (a noisy gradient
draws its noise for all runs at once, so its K runs see other draws than K separate calls).

**Divergence** is handled once, here: a run whose parameters or value become inf or NaN is stopped
(NaN from that step on), ``diverged`` records the step, and one :class:`DivergenceWarning`
summarises all such runs (``warn=False`` silences it).
"""
import warnings
from typing import Any, NamedTuple, Optional

import numpy as np

from ._validate import as_generator, as_gradient, as_params, choice, integer, real


class DivergenceWarning(UserWarning):
    """Some runs produced inf or NaN and were stopped."""


class Trajectory(NamedTuple):
    """What :func:`minimize` and :func:`iterate` return (``...`` are the run axes of ``theta0``).

    thetas:    (steps + 1, ..., d) the path, the start first; NaN from the step a run diverged
    values:    (steps + 1, ...)    the objective along the path (None for ``iterate`` without ``value``)
    diverged:  (...)               the step at which a run blew up (inf or NaN), -1 if it did not
    optimizer, objective:          what was run (``objective`` is None for ``iterate``)
    states:    the optimizer's state after every step, stacked (the state NamedTuple with a
               leading axis of length steps + 1, ``init``'s state first), if ``record_state=True``;
               entries after a run diverged are not meaningful
    state:     the optimizer's state after the last step (always kept: it costs nothing), e.g.
               Adagrad's accumulated ``G`` after an epoch
    """
    thetas: np.ndarray
    values: Optional[np.ndarray]
    diverged: np.ndarray
    optimizer: Any
    objective: Any
    states: Any = None
    state: Any = None

    @property
    def final(self):
        """The last point of every run, shape (..., d)."""
        return self.thetas[-1]

    @property
    def steps(self):
        """The number of updates (the path has steps + 1 points)."""
        return self.thetas.shape[0] - 1


# --- step-aware gradients ---------------------------------------------------------------------

class Stepwise:
    """A function of the parameters and the step, ``fn(theta, t)``, marked so that the loop passes ``t``.

    ``t`` is the number of updates completed before the step that asks (0 for the first update).
    Build one with :func:`stepwise`; call it as ``g(theta, t)``.
    """
    __slots__ = ("fn", "__name__")

    def __init__(self, fn, name=None):
        if not callable(fn):
            raise TypeError(f"stepwise needs a function (theta, t) -> gradient, got {type(fn).__name__}")
        self.fn = fn
        self.__name__ = name or getattr(fn, "__name__", "stepwise")

    def __call__(self, theta, t):
        return self.fn(theta, t)

    def __repr__(self):
        return f"stepwise({self.__name__})"


def stepwise(fn, name=None):
    """Mark ``fn(theta, t)`` as a gradient (or value) that depends on the step ``t``.

    Example, an online stream where step ``t`` sees example ``t``::

        stream = run.stepwise(lambda w, t: X[t] * ((X[t] * w).sum(-1) - y[t])[..., None])
        run.iterate(optimizers.adagrad(eta=0.5), stream, np.zeros(2), steps=len(X))
    """
    return fn if isinstance(fn, Stepwise) else Stepwise(fn, name)


def at_step(fn, t):
    """The plain function ``theta -> fn(theta[, t])`` an optimizer calls during step ``t``."""
    if isinstance(fn, Stepwise):
        return lambda theta: fn.fn(theta, t)
    return fn


def _evaluate(fn, theta, t):
    return fn.fn(theta, t) if isinstance(fn, Stepwise) else fn(theta)


def _wrap(inner, outer, name):
    """``outer(inner, theta, t)`` as a gradient: stepwise if ``inner`` is, or if ``outer`` needs ``t``."""
    if isinstance(inner, Stepwise) or getattr(outer, "needs_t", False):
        return Stepwise(lambda theta, t: outer(inner, theta, t), name)

    def plain(theta):
        return outer(inner, theta, None)

    plain.__name__ = name
    return plain


def _check_callable(name, fn):
    if not callable(fn):
        raise TypeError(f"{name} must be a function theta -> gradient (or run.stepwise(...)), got {type(fn).__name__}")


# --- gradient wrappers: clipping, annealed noise, staleness -----------------------------------

def clip_by_norm(c):
    r"""The map $g \mapsto g \cdot \min(1, c / \|g\|_2)$ on one gradient (Pascanu et al. 2013, ``pascanu2013difficulty``).

    The norm is taken along the last axis, so each run's gradient is rescaled on its own; the
    direction is kept, only the length is capped at ``c`` > 0. Wrap a gradient function with
    :func:`clipped`.
    """
    real("c", c, low=0, low_open=True)

    def clip(g):
        norm = np.linalg.norm(g, axis=-1, keepdims=True)
        return g * np.where(norm > c, c / np.where(norm > 0, norm, 1.0), 1.0)

    clip.__name__ = f"clip_by_norm({c:g})" if np.ndim(c) == 0 else "clip_by_norm(array)"
    return clip


def clip_by_value(c):
    r"""The map clamping every coordinate of a gradient to $[-c, c]$, ``c`` > 0 (the direction may change)."""
    real("c", c, low=0, low_open=True)

    def clip(g):
        return np.clip(g, -c, c)

    clip.__name__ = f"clip_by_value({c:g})" if np.ndim(c) == 0 else "clip_by_value(array)"
    return clip


def clipped(grad_fn, c, by="norm"):
    r"""``grad_fn`` with every gradient clipped at ``c`` > 0: by its norm (``by="norm"``,
    $g \cdot \min(1, c/\|g\|)$) or coordinate by coordinate (``by="value"``, $\max(-c, \min(c, g))$).

    Clipping by norm keeps the direction (Pascanu et al. 2013, ``pascanu2013difficulty``); clipping
    by value does not. Returns a gradient of the same kind (plain or stepwise) as ``grad_fn``.
    """
    _check_callable("grad_fn", grad_fn)
    choice("by", by, ("norm", "value"))
    clip = (clip_by_norm if by == "norm" else clip_by_value)(c)

    def outer(inner, theta, t):
        return clip(_evaluate(inner, theta, t))

    return _wrap(grad_fn, outer, f"{clip.__name__} of {getattr(grad_fn, '__name__', 'grad')}")


def noisy(grad_fn, eta, gamma=0.55, rng=None):
    r"""``grad_fn`` plus Gaussian noise whose variance is annealed (Neelakantan et al. 2015,
    ``neelakantan2015adding``): $g_t \leftarrow g_t + N(0, \sigma_t^2 I)$, $\sigma_t^2 = \eta / (1 + t)^\gamma$.

    Symbols: $\eta$ = ``eta`` >= 0 is the noise scale (not the learning rate; the paper tries
    0.01, 0.3 and 1), $\gamma$ = ``gamma`` >= 0 (the paper's 0.55; 0 gives a constant variance
    ``eta``), $t$ = completed updates. ``rng`` (a numpy Generator or an integer seed) is required:
    the noise is repeatable. Returns a stepwise gradient; one draw of shape ``theta.shape`` per call.
    """
    _check_callable("grad_fn", grad_fn)
    real("eta", eta, low=0)
    real("gamma", gamma, low=0)
    if rng is None:
        raise ValueError("noisy needs rng=np.random.default_rng(seed): the noise must be repeatable")
    rng = as_generator(rng)

    def outer(inner, theta, t):
        g = _evaluate(inner, theta, t)
        sigma = np.sqrt(eta / (1.0 + t) ** gamma)                 # sigma_t^2 = eta / (1 + t)^gamma
        return g + sigma * rng.standard_normal(np.shape(g))

    outer.needs_t = True
    return _wrap(grad_fn, outer, f"noisy(eta={eta:g}, gamma={gamma:g}) {getattr(grad_fn, '__name__', 'grad')}"
                 if np.ndim(eta) == 0 and np.ndim(gamma) == 0 else "noisy gradient")


def delayed(grad_fn, tau):
    r"""A stale gradient: at step $t$ the gradient of the point asked about $\tau$ steps earlier,
    $g_t = \nabla J(\theta_{t-\tau})$ ($\theta_0$ for $t < \tau$).

    This is the gradient an asynchronous worker delivers when its read of the parameters is
    ``tau`` updates old (stale-gradient SGD, Lian et al. 2015, ``lian2015asynchronous``). With a
    stepwise ``grad_fn`` the stale point is combined with the *current* step's data,
    ``grad_fn(theta_{t-tau}, t)``: a fresh sample evaluated at old parameters. ``tau`` = 0 is
    ``grad_fn`` itself.

    The wrapper remembers the first point asked about at each step (the iterate, or NAG's
    look-ahead point), so it holds ``tau + 1`` points; a run that starts again at ``t = 0`` starts
    with an empty memory. Returns a stepwise gradient.
    """
    _check_callable("grad_fn", grad_fn)
    tau = integer("tau", tau, low=0, high=10 ** 6)
    seen, last = {}, [-1]

    def outer(inner, theta, t):
        if t < last[0]:                                      # a new run: forget the old one
            seen.clear()
        last[0] = t
        if t not in seen:
            seen[t] = np.array(theta, dtype=float)
            for old in [k for k in seen if k < t - tau]:
                del seen[old]
        stale = max((k for k in seen if k <= t - tau), default=min(seen))
        return _evaluate(inner, seen[stale], t)

    outer.needs_t = True
    return _wrap(grad_fn, outer, f"delayed(tau={tau}) {getattr(grad_fn, '__name__', 'grad')}")


# --- the loop ---------------------------------------------------------------------------------

MAX_RECORDED = 2 ** 28
"""The most floats a runner records along a path (2 GiB): more is refused with a clear error."""


def _check_steps(steps, size):
    steps = integer("steps", steps, low=0)
    if (steps + 1) * max(size, 1) > MAX_RECORDED:
        raise ValueError(f"steps = {steps:,} would record {(steps + 1) * size:,} floats along the path "
                         f"(limit {MAX_RECORDED:,}); use fewer steps or fewer runs")
    return steps


def _check_optimizer(optimizer):
    if hasattr(optimizer, "init") and hasattr(optimizer, "update"):
        return
    if callable(optimizer):
        name = getattr(optimizer, "__name__", "factory")
        raise TypeError(f"optimizer must be an optimizer such as optimizers.{name}(eta=0.1), got the factory "
                        f"{name} itself: call it with its hyperparameters")
    raise TypeError(f"optimizer must have init and update (e.g. optimizers.sgd(eta=0.1)), got {type(optimizer).__name__}")


def _check_start(theta0, name="theta0"):
    """The start as a float array of shape (..., d): real and finite (a NaN start is not a learning-rate problem)."""
    theta = as_params(theta0, name)
    if not np.all(np.isfinite(theta)):
        raise ValueError(f"{name} must be finite, got inf or NaN in {int((~np.isfinite(theta)).sum())} of its "
                         f"{theta.size} entries")
    return theta


def _checked(raw):
    """``raw`` with its result checked where the optimizer asks (no extra gradient call)."""
    if isinstance(raw, Stepwise):
        return Stepwise(lambda point, t: as_gradient(raw.fn(point, t), np.asarray(point)), raw.__name__)
    return lambda point: as_gradient(raw(point), np.asarray(point))


class _Loop(NamedTuple):
    thetas: np.ndarray          # (len(keep), ..., d)
    values: Optional[np.ndarray]
    diverged: np.ndarray        # step (start + k) at which a run blew up, -1 if not
    states: Any
    theta: np.ndarray           # the last point (NaN for runs that diverged)
    state: Any                  # the last optimizer state


def _stack(states):
    """A list of equal-structure states (NamedTuples, tuples, arrays) as one state with a leading axis."""
    first = states[0]
    if first is None:
        return None
    if isinstance(first, tuple):
        fields = [_stack([s[i] for s in states]) for i in range(len(first))]
        return type(first)(*fields) if hasattr(first, "_fields") else tuple(fields)
    return np.stack([np.asarray(s) for s in states])


def _loop(optimizer, grad, theta, steps, *, state=None, start=0, value=None, project=None,
          keep=None, record_state=False):
    """Advance ``optimizer`` ``steps`` times from ``theta`` (validated by the caller); see the module docstring.

    ``start`` is the step count of ``theta`` (the loop asks ``grad`` for steps start, start + 1,
    ...); ``value`` (plain or stepwise) is evaluated at every iterate, ``value(theta_k, start + k)``
    for k = 0..steps; ``keep`` (sorted local indices in [0, steps]) says which iterates (and
    states) to record, default all.
    """
    runs = theta.shape[:-1]
    state = optimizer.init(theta) if state is None else state
    keep = np.arange(steps + 1) if keep is None else np.asarray(keep, dtype=int)
    slot = np.full(steps + 1, -1)
    slot[keep] = np.arange(len(keep))
    slot = slot.tolist()                         # plain ints: the loop below is per-step overhead
    thetas = np.full((len(keep),) + theta.shape, np.nan)
    values = None if value is None else np.full((steps + 1,) + runs, np.nan)
    diverged = np.full(runs, -1)
    states = [] if record_state else None
    stepwise_value = isinstance(value, Stepwise)
    last = steps
    with np.errstate(all="ignore"):              # overflow is detected below, not reported per operation
        for k in range(steps + 1):
            t = start + k
            finite = np.isfinite(theta).all()
            if value is not None:
                values[k] = value.fn(theta, t) if stepwise_value else value(theta)
                finite = finite and np.isfinite(values[k]).all()
            if not finite:                       # some run blew up: find which, record the step
                ok = np.all(np.isfinite(theta), axis=-1)
                if value is not None:
                    ok = ok & np.isfinite(values[k])
                diverged[~ok & (diverged < 0)] = t
            if slot[k] >= 0:
                thetas[slot[k]] = theta
                if record_state:
                    states.append(state)
            if k == steps or (not finite and np.all(diverged >= 0)):
                last = k
                break
            theta, state = optimizer.update(theta, at_step(grad, t), state)
            if project is not None:
                shape, theta = theta.shape, project(theta)
                if type(theta) is not np.ndarray or theta.shape != shape:
                    raise ValueError(f"project must return a numpy array of theta's shape {shape}, "
                                     f"got {getattr(theta, 'shape', type(theta).__name__)}")
    blown = diverged >= 0
    if np.any(blown):                            # stop each blown run at its step: NaN from there on
        cut = np.where(blown, diverged - start, steps + 1)
        thetas[keep.reshape((-1,) + (1,) * len(runs)) >= cut] = np.nan
        if values is not None:
            values[np.arange(steps + 1).reshape((-1,) + (1,) * len(runs)) >= cut] = np.nan
        theta = np.where(blown[..., None], np.nan, theta)
    if record_state:
        states += [state] * (int(np.sum(keep > last)))     # after an early stop: repeat the last state
        states = _stack(states)
    return _Loop(thetas, values, diverged, states, theta, state)


def iterate(optimizer, grad_fn, theta0, steps, *, value=None, project=None, record_state=False, warn=True):
    """Run ``optimizer`` for ``steps`` updates from ``theta0`` on the gradient ``grad_fn``; a :class:`Trajectory`.

    grad_fn:      ``grad_fn(theta)``, or ``stepwise(lambda theta, t: ...)`` for a gradient that
                  depends on the step (an online stream, a worker's batch); see the wrappers.
    value:        optional ``value(theta)`` (or stepwise) recorded at every iterate and watched
                  for divergence; without it only the parameters are watched.
    project:      optional ``project(theta) -> theta`` applied after every update (a projection
                  onto the feasible set; the optimizer's state is not projected).
    record_state: keep the optimizer's state after every step (``Trajectory.states``).
    warn:         one DivergenceWarning if some run diverged.
    """
    _check_optimizer(optimizer)
    _check_callable("grad_fn", grad_fn)
    if value is not None and not callable(value):
        raise TypeError(f"value must be a function theta -> value, got {type(value).__name__}")
    if project is not None and not callable(project):
        raise TypeError(f"project must be a function theta -> theta, got {type(project).__name__}")
    theta = _check_start(theta0)
    steps = _check_steps(steps, theta.size)
    out = _loop(optimizer, _checked(grad_fn), theta, steps, value=value, project=project, record_state=record_state)
    if warn:
        warn_diverged(optimizer.name, out.diverged, "at step", "the path stops there")
    return Trajectory(out.thetas, out.values, out.diverged, optimizer, None, out.states, out.state)


def minimize(objective, optimizer, theta0, steps, grad_fn=None, warn=True, *, project=None, record_state=False):
    """Run ``optimizer`` on ``objective`` for ``steps`` updates from ``theta0``; a :class:`Trajectory`.

    ``theta0`` of shape ``(d,)`` is one run; of shape ``(K, d)`` (or any ``(..., d)``) it is K runs
    advanced together, each with its own hyperparameters if the optimizer was given arrays.
    ``grad_fn`` replaces ``objective.grad``: a plain or stepwise gradient, e.g. a wrapped one
    (``run.noisy(objective.grad, eta=0.3, rng=rng)``). ``project`` and ``record_state`` as in
    :func:`iterate`. A run whose parameters or value become inf or NaN is stopped there: its path
    is NaN from that step on, ``diverged`` records the step, and one ``DivergenceWarning``
    summarises all such runs (``warn=False``: none).
    """
    for member in ("f", "grad"):
        if not callable(getattr(objective, member, None)):
            raise TypeError(f"objective must have methods f and grad (e.g. functions.beale), got {type(objective).__name__}")
    _check_optimizer(optimizer)
    if grad_fn is not None:
        _check_callable("grad_fn", grad_fn)
    if project is not None and not callable(project):
        raise TypeError(f"project must be a function theta -> theta, got {type(project).__name__}")
    theta = _check_start(theta0)
    dim = getattr(objective, "dim", theta.shape[-1])
    if theta.shape[-1] != dim:
        raise ValueError(f"theta0 has {theta.shape[-1]} coordinates in its last axis, "
                         f"but {getattr(objective, 'name', 'the objective')} takes {dim}")
    steps = _check_steps(steps, theta.size)
    with np.errstate(all="ignore"):
        start_value = objective.f(theta)
    if not np.all(np.isfinite(start_value)):
        raise ValueError(f"{getattr(objective, 'name', 'the objective')} is not finite at theta0")
    grad = _checked(objective.grad if grad_fn is None else grad_fn)
    out = _loop(optimizer, grad, theta, steps, value=objective.f, project=project, record_state=record_state)
    if warn:
        warn_diverged(optimizer.name, out.diverged, "at step", "the path stops there")
    return Trajectory(out.thetas, out.values, out.diverged, optimizer, objective, out.states, out.state)


def warn_diverged(who, diverged, when, consequence, stacklevel=2):
    """One DivergenceWarning summarising every run whose entry in ``diverged`` is >= 0."""
    blown = np.asarray(diverged) >= 0
    if not np.any(blown):
        return
    total = blown.size
    runs = "the run" if total == 1 else f"{int(blown.sum())} of {total} runs"
    first = int(np.asarray(diverged)[blown].min())
    warnings.warn(f"{who}: {runs} diverged (first {when} {first}); {consequence}. "
                  f"A smaller learning rate may help.", DivergenceWarning, stacklevel=stacklevel + 1)


def envelope_rate(path, t1, t2, width):
    r"""The rate per step at which $|x_t|$ shrinks (< 1) or grows (> 1) along a path, from step t1 to t2.

    $\big(\text{peak}(t_2) / \text{peak}(t_1)\big)^{1/(t_2 - t_1)}$, where $\text{peak}(t)$ is
    $\max |x_s|$ over the ``width`` steps $s = t - \text{width} + 1, \dots, t$: peaks rather than
    single values, so that an oscillation (momentum's, a delayed gradient's) does not hide the
    envelope when ``width`` covers a period. ``path`` has the step on axis 0 (any other axes are
    runs or coordinates, each measured separately). A path that overflowed counts as growing
    (rate inf). Compare with a linear rate's prediction, e.g. $(\sqrt\kappa - 1)/(\sqrt\kappa + 1)$.
    """
    path = np.abs(np.asarray(path, dtype=float))
    t1, t2 = integer("t1", t1, low=0), integer("t2", t2, low=0, high=path.shape[0] - 1)
    width = integer("width", width, low=1)
    if not width - 1 <= t1 < t2:
        raise ValueError(f"need width - 1 <= t1 < t2 (a full window before t1), got t1 = {t1}, t2 = {t2}, "
                         f"width = {width}")
    peak = lambda t: path[t - width + 1:t + 1].max(axis=0)           # noqa: E731
    with np.errstate(all="ignore"):
        rate = (peak(t2) / peak(t1)) ** (1.0 / (t2 - t1))
    return np.where(np.isfinite(rate), rate, np.inf)


def describe(traj):
    """A one-line summary of a single run for a plot title (growth by 100x counts as diverging)."""
    k = int(np.asarray(traj.diverged).max())
    if k >= 0:
        return f"diverged at step {k}"
    first, last = float(traj.values[0]), float(traj.values[-1])
    floor = getattr(traj.objective, "min_value", None) or 0.0
    if last - floor > 100 * max(first - floor, 1e-12):
        return f"diverging: J grew from {first:.3g} to {last:.3g} in {traj.steps} steps"
    return f"after {traj.steps} steps: J = {last:.3g}"

"""Running an optimizer on an objective: the whole path, the values, and where runs diverged."""
import warnings
from typing import Any, NamedTuple

import numpy as np

from ._validate import as_params


class DivergenceWarning(UserWarning):
    """Some runs produced inf or NaN and were stopped."""


class Trajectory(NamedTuple):
    """What ``minimize`` returns.

    thetas:   (steps + 1, ..., d) the path, starting point first; NaN after a run diverged
    values:   (steps + 1, ...)    the objective along the path
    diverged: (...)               the step at which a run blew up (inf or NaN), -1 if it did not
    """
    thetas: np.ndarray
    values: np.ndarray
    diverged: np.ndarray
    optimizer: Any
    objective: Any

    @property
    def final(self):
        """The last point of every run, shape (..., d)."""
        return self.thetas[-1]

    @property
    def steps(self):
        return self.thetas.shape[0] - 1


def minimize(objective, optimizer, theta0, steps, grad_fn=None, warn=True):
    """Run ``optimizer`` on ``objective`` for ``steps`` updates from ``theta0``.

    ``theta0`` of shape ``(d,)`` is one run; of shape ``(K, d)`` (or any ``(..., d)``) it is K runs
    advanced together, each with its own hyperparameters if the optimizer was given arrays.
    ``grad_fn`` replaces ``objective.grad`` (e.g. a noisy gradient). A run whose parameters or
    value become inf or NaN is stopped there: its path is NaN from that step on, ``diverged``
    records the step, and one ``DivergenceWarning`` summarises all such runs.
    """
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    theta = as_params(theta0)
    dim = getattr(objective, "dim", theta.shape[-1])
    if theta.shape[-1] != dim:
        raise ValueError(f"theta0 has {theta.shape[-1]} coordinates in its last axis, "
                         f"but {getattr(objective, 'name', 'the objective')} takes {dim}")
    raw_grad = objective.grad if grad_fn is None else grad_fn

    def grad_fn(point):                      # checked where the optimizer asks: no extra call
        g = raw_grad(point)
        if np.shape(g) != np.shape(point):
            raise ValueError(f"the gradient has shape {np.shape(g)} but theta has shape {np.shape(point)}")
        return g

    state = optimizer.init(theta)
    thetas = np.full((steps + 1,) + theta.shape, np.nan)
    values = np.full((steps + 1,) + theta.shape[:-1], np.nan)
    diverged = np.full(theta.shape[:-1], -1)
    with np.errstate(all="ignore"):          # overflow is detected below, not reported per operation
        thetas[0], values[0] = theta, objective.f(theta)
        for k in range(1, steps + 1):
            theta, state = optimizer.update(theta, grad_fn, state)
            thetas[k], values[k] = theta, objective.f(theta)
            blown = ~(np.isfinite(values[k]) & np.all(np.isfinite(theta), axis=-1)) & (diverged < 0)
            diverged[blown] = k
            if np.all(diverged >= 0):
                break
    stopped = np.arange(steps + 1).reshape((-1,) + (1,) * diverged.ndim) >= np.where(diverged < 0, steps + 1, diverged)
    values[stopped] = np.nan
    thetas[stopped] = np.nan
    if warn:
        warn_diverged(optimizer.name, diverged, "at step", "the path stops there")
    return Trajectory(thetas, values, diverged, optimizer, objective)


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

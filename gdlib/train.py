r"""Training a model on data: epochs, mini-batches, shuffling, clipping, and what was seen on the way.

``fit`` runs an optimizer of :mod:`gdlib.optimizers` on the loss of a model of
:mod:`gdlib.models` over a :class:`gdlib.datasets.Dataset`. With $N$ examples and batch size $b$,
an epoch is $\lceil N/b \rceil$ updates

$$\theta \leftarrow \theta - \eta\, \frac1{|B|}\sum_{i \in B} \nabla J_i(\theta)$$

over consecutive slices $B$ of the (reshuffled) order of the examples: ``batch_size=None`` (or
$N$) is batch gradient descent, ``1`` stochastic gradient descent, anything between mini-batch
gradient descent (Ruder 2016, section 2). As in ``torch.utils.data.DataLoader(drop_last=False)``
the last, partial batch of an epoch is kept, so every example is used exactly once per epoch.

Like :func:`gdlib.run.minimize`, ``fit`` runs K configurations at once when the weights have
shape ``(K, dim)`` or the optimizer's hyperparameters have shape ``(K, 1)``; all runs see the
same sequence of mini-batches.
"""
import math
from typing import NamedTuple, Optional

import numpy as np

from ._validate import as_generator, as_params, check_range
from .run import warn_diverged


class History(NamedTuple):
    """What ``fit`` returns (``...`` are the leading axes of the weights, one per run).

    w:              (..., dim)   the final weights
    path:           (R, ..., dim) the weights at the updates ``path_steps`` (``w0`` first)
    path_steps:     (R,)         update counts of the path entries: 0, r, 2r, ... and the last
    step_loss:      (T, ...)     the loss on the mini-batch of update k, at the weights the
                                 gradient was taken at (before the update): free, but noisy
    step_examples:  (T,)         examples seen after update k
    epoch_loss:     (E + 1, ...) the full training loss at ``w0`` and after each epoch
    examples_seen:  (E + 1,)     examples seen at those records: 0, N, 2N, ...
    test_loss:      (E + 1, ...) the loss on ``eval_data`` at the same records, or None
    diverged:       (...)        the epoch (1, 2, ...) in which a run became inf/NaN, -1 if never
    batch_size, updates_per_epoch: the b and ceil(N / b) used

    The full training loss at every update, if needed, is ``model.loss(history.path, X, y)``
    (vectorised over the path; see ``loss_along_path``). Entries after a run diverged are NaN.
    """
    w: np.ndarray
    path: np.ndarray
    path_steps: np.ndarray
    step_loss: np.ndarray
    step_examples: np.ndarray
    epoch_loss: np.ndarray
    examples_seen: np.ndarray
    test_loss: Optional[np.ndarray]
    diverged: np.ndarray
    batch_size: int
    updates_per_epoch: int

    @property
    def epochs(self):
        return len(self.examples_seen) - 1

    @property
    def updates(self):
        return len(self.step_examples)


def clip_by_norm(c):
    r"""Gradient clipping by norm: $g \leftarrow g \cdot \min(1, c / \|g\|_2)$ (Pascanu et al. 2013).

    The norm is taken along the last axis, so each run's gradient vector is rescaled on its own;
    the direction is kept, only the length is capped at ``c``.
    """
    check_range("c", c, low=0, low_open=True)

    def clip(g):
        norm = np.linalg.norm(g, axis=-1, keepdims=True)
        return g * np.where(norm > c, c / np.where(norm > 0, norm, 1.0), 1.0)

    clip.__name__ = f"clip_by_norm({c:g})"
    return clip


def clip_by_value(c):
    r"""Gradient clipping by value: every coordinate is clamped to $[-c, c]$ (the direction may change)."""
    check_range("c", c, low=0, low_open=True)

    def clip(g):
        return np.clip(g, -c, c)

    clip.__name__ = f"clip_by_value({c:g})"
    return clip


def _runs_shape(w, optimizer):
    """The shape of w after broadcasting against array hyperparameters (e.g. eta of shape (K, 1))."""
    shapes = [w.shape]
    for value in optimizer.hyperparameters.values():
        if value is None or callable(value) or isinstance(value, (bool, str)):
            continue
        shapes.append(np.shape(value))
    return np.broadcast_shapes(*shapes)


def fit(model, data, optimizer, batch_size=None, epochs=1, shuffle=True, rng=None, clip=None,
        w0=None, eval_data=None, record_every=1, warn=True):
    """Train ``model`` on ``data`` with ``optimizer``; returns a :class:`History`.

    batch_size:   None or >= N: batch GD (one update per epoch); 1: SGD; b: mini-batch GD with
                  ceil(N / b) updates per epoch (the last batch has N mod b rows if that is not 0).
    epochs:       passes over the data.
    shuffle:      True: a fresh permutation of the examples from ``rng`` every epoch (``rng`` is
                  then required); False: the stored order every epoch.
    clip:         None or a function g -> g applied to every mini-batch gradient
                  (``clip_by_norm(c)``, ``clip_by_value(c)``).
    w0:           start weights, shape (dim,) or (K, dim); default zeros (broadcast to the
                  hyperparameters' run axes).
    eval_data:    a Dataset whose loss is recorded with the training loss, once per epoch.
    record_every: keep the weights in ``path`` every that many updates (1: every update).

    The optimizer's ``eta`` may be a schedule ``eta(t)`` (t = updates done). If it also has a
    method ``observe(loss)``, it is called after every epoch with that epoch's full training
    loss (a float for one run, an array for K runs): that is how a reduce-on-plateau schedule
    learns about progress. A run whose loss or weights become inf/NaN is stopped (its weights
    are NaN from then on, ``diverged`` records the epoch); ``fit`` returns early once every run
    has diverged and then issues one ``DivergenceWarning``.
    """
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if not isinstance(record_every, (int, np.integer)) or record_every < 1:
        raise ValueError(f"record_every must be a positive integer, got {record_every!r}")
    X, y = np.asarray(data.X, dtype=float), np.asarray(data.y, dtype=float)
    N = X.shape[0]
    if batch_size is None:
        b = N
    elif isinstance(batch_size, (int, np.integer)) and batch_size >= 1:
        b = min(int(batch_size), N)
    else:
        raise ValueError(f"batch_size must be None or a positive integer, got {batch_size!r}")
    if shuffle:
        if rng is None:
            raise ValueError("shuffle=True needs rng=np.random.default_rng(seed) (or shuffle=False)")
        rng = as_generator(rng)

    w = as_params(model.init() if w0 is None else w0)
    if w.shape[-1] != model.dim:
        raise ValueError(f"w0 has {w.shape[-1]} entries in its last axis, but {model!r} has {model.dim} parameters")
    w = np.broadcast_to(w, _runs_shape(w, optimizer)).copy()
    runs = w.shape[:-1]
    state = optimizer.init(w)
    observe = getattr(optimizer.hyperparameters.get("eta"), "observe", None)

    U = math.ceil(N / b)
    T = epochs * U
    path_steps = np.unique(np.r_[np.arange(0, T + 1, record_every), T])
    path_slot = {int(k): i for i, k in enumerate(path_steps)}
    path = np.full((len(path_steps),) + w.shape, np.nan)
    step_loss = np.full((T,) + runs, np.nan)
    sizes = np.r_[np.full(U - 1, b), N - (U - 1) * b]                  # the last batch may be partial
    step_examples = np.cumsum(np.tile(sizes, epochs))
    epoch_loss = np.full((epochs + 1,) + runs, np.nan)
    test_loss = None if eval_data is None else np.full((epochs + 1,) + runs, np.nan)
    diverged = np.full(runs, -1)

    def record_epoch(e):
        epoch_loss[e] = model.loss(w, X, y)
        if eval_data is not None:
            test_loss[e] = model.loss(w, eval_data.X, eval_data.y)

    def stop_blown(e, loss):
        nonlocal w
        blown = ~(np.isfinite(loss) & np.all(np.isfinite(w), axis=-1)) & (diverged < 0)
        if np.any(blown):
            diverged[blown] = e
            w = np.where((diverged >= 0)[..., None], np.nan, w)

    order = np.arange(N)
    k = 0
    with np.errstate(all="ignore"):        # overflow is detected and reported once, not per operation
        path[0] = w
        record_epoch(0)
        for e in range(1, epochs + 1):
            idx = rng.permutation(N) if shuffle else order
            for j in range(U):
                rows = idx[j * b:(j + 1) * b]
                Xb, yb = X[rows], y[rows]
                step_loss[k] = model.loss(w, Xb, yb)
                if clip is None:
                    grad_fn = lambda v: model.grad(v, Xb, yb)                 # noqa: E731
                else:
                    grad_fn = lambda v: clip(model.grad(v, Xb, yb))           # noqa: E731
                w, state = optimizer.update(w, grad_fn, state)
                k += 1
                stop_blown(e, step_loss[k - 1])
                if k in path_slot:
                    path[path_slot[k]] = w
            record_epoch(e)
            stop_blown(e, epoch_loss[e])
            if np.all(diverged >= 0):
                break
            if observe is not None:
                observe(float(epoch_loss[e]) if np.ndim(epoch_loss[e]) == 0 else epoch_loss[e].copy())

    if warn:
        warn_diverged(f"fit with {optimizer.name}", diverged, "in epoch", "the weights are NaN from there on")
    return History(w, path, path_steps, step_loss, step_examples, epoch_loss,
                   np.arange(epochs + 1) * N, test_loss, diverged, b, U)


def loss_along_path(model, data, history):
    """The full loss on ``data`` at every recorded point of the path: ``(path_steps, losses)``."""
    with np.errstate(all="ignore"):
        return history.path_steps, model.loss(history.path, data.X, data.y)


def sample_batch_grads(model, w, data, batch_size, draws, rng):
    r"""``draws`` mini-batch gradients at fixed weights ``w``: shape ``(draws, ..., dim)``.

    Each mini-batch is ``batch_size`` distinct rows drawn uniformly without replacement (one
    random permutation per draw, all drawn at once), the sampling that a shuffled epoch performs.
    Their covariance has trace $\dfrac{\sigma^2}{b}\dfrac{N-b}{N-1}$, with $\sigma^2$ the
    trace of the covariance of the per-example gradients over the data set.
    """
    rng = as_generator(rng)
    N = data.n
    if not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= N:
        raise ValueError(f"batch_size must be an integer in [1, {N}], got {batch_size!r}")
    rows = np.argsort(rng.random((draws, N)), axis=1)[:, :batch_size]      # (draws, b)
    w = np.asarray(w, dtype=float)
    Xb, yb = data.X[rows], data.y[rows]                                    # (draws, b, d), (draws, b)
    if w.ndim > 1:                                                         # runs: put draws first
        Xb = Xb.reshape((draws,) + (1,) * (w.ndim - 1) + Xb.shape[1:])
        yb = yb.reshape((draws,) + (1,) * (w.ndim - 1) + yb.shape[1:])
    return model.grad(w, Xb, yb)

r"""Training a model on data: mini-batches, epochs, early stopping, and what was seen on the way.

Three composable pieces and one runner:

* :func:`minibatches` -- how an epoch is cut into mini-batches: reshuffled every epoch (explicit
  ``rng``), in a fixed order, or in a given curriculum order;
* gradient wrappers from :mod:`gdlib.run` (``clipped``, ``noisy``, ``delayed``), applied to the
  mini-batch gradient with ``fit(..., wrap=...)``;
* :func:`early_stopping` -- computed from a finished :class:`History` (patience, best weights);
* :func:`fit` -- runs an optimizer of :mod:`gdlib.optimizers` on the loss of a model over a
  :class:`gdlib.datasets.Dataset`, with the one loop of :mod:`gdlib.run`. A
  :class:`gdlib.schedules.ReduceOnPlateau` given as the optimizer's ``eta`` is observed after
  every epoch.

With $N$ examples and batch size $b$, an epoch is $\lceil N/b \rceil$ updates

$$\theta \leftarrow \theta - \eta\, \frac1{|B|}\sum_{i \in B} \nabla J_i(\theta)$$

over consecutive slices $B$ of the epoch's order of the examples: ``size=None`` (or $N$) is batch
gradient descent, ``1`` stochastic gradient descent, anything between mini-batch gradient descent
(Ruder 2016, section 2). As in ``torch.utils.data.DataLoader(drop_last=False)`` the last, partial
batch of an epoch is kept, so every example is used exactly once per epoch.

Like :func:`gdlib.run.minimize`, ``fit`` runs K configurations at once when the weights have
shape ``(K, dim)`` or the optimizer's hyperparameters have shape ``(K, 1)``; all runs see the
same sequence of mini-batches.
"""
import math
from typing import Any, NamedTuple, Optional

import numpy as np

from ._validate import as_generator, choice, integer, real, real_array
from .run import MAX_RECORDED, _check_optimizer, _check_start, _checked, _loop, stepwise, warn_diverged
from .schedules import ReduceOnPlateau



# --- mini-batches -----------------------------------------------------------------------------

class MiniBatches(NamedTuple):
    """How every epoch is cut into mini-batches; build it with :func:`minibatches`."""
    size: Optional[int]
    order: Any
    rng: Optional[np.random.Generator]

    def batch_size(self, n):
        """The batch size b used on n examples (``size=None`` or larger than n: n)."""
        return n if self.size is None else min(self.size, n)

    def per_epoch(self, n):
        """Updates per epoch on n examples: ceil(n / b)."""
        return math.ceil(n / self.batch_size(n))

    def rows(self, n, epochs):
        """Yield the row indices of every update, epoch after epoch (``per_epoch(n)`` arrays per epoch).

        ``"shuffle"`` draws one permutation from ``rng`` at the start of each epoch (lazily, so
        the draws happen in epoch order); ``"fixed"`` uses ``0, 1, ..., n-1``; a curriculum uses
        its order (a 1-D order for every epoch, or row ``e`` of a 2-D one for epoch ``e``).
        """
        b, U = self.batch_size(n), self.per_epoch(n)
        orders = self._orders(n, epochs)
        for e in range(epochs):
            order = orders(e)
            for j in range(U):
                yield order[j * b:(j + 1) * b]

    def _orders(self, n, epochs):
        if isinstance(self.order, str):
            if self.order == "shuffle":
                return lambda e: self.rng.permutation(n)
            fixed = np.arange(n)
            return lambda e: fixed
        order = self.order
        want = (n,) if order.ndim == 1 else (epochs, n)
        if order.shape[-1] != n or (order.ndim == 2 and order.shape[0] < epochs):
            raise ValueError(f"order must have shape {want} for {n} examples and {epochs} epochs, got {order.shape}")
        rows = order.reshape(-1, n)
        if not np.array_equal(np.sort(rows, axis=-1), np.broadcast_to(np.arange(n), rows.shape)):
            raise ValueError(f"order must list every example 0..{n - 1} exactly once per epoch (a permutation)")
        return (lambda e: order) if order.ndim == 1 else (lambda e: order[e])


def minibatches(size=None, order="shuffle", rng=None):
    """How each epoch is cut into mini-batches of ``size`` rows (``None``: the whole data set).

    order: ``"shuffle"`` -- a fresh permutation from ``rng`` every epoch (``rng``, a numpy
           Generator or an integer seed, is then required); ``"fixed"`` -- the stored order every
           epoch; or a curriculum: an integer array, a permutation of the N examples used every
           epoch (shape ``(N,)``), or one permutation per epoch (shape ``(epochs, N)``).

    The value's ``rows(n, epochs)`` generates the row indices of every update; :func:`fit` uses it.
    Reshuffling every epoch is the survey's advice (Ruder 2016, section 5.1); a meaningful order is
    curriculum learning (Bengio et al. 2009, ``bengio2009curriculum``).
    """
    if size is not None:
        size = integer("size", size, low=1)
    if isinstance(order, str):
        choice("order", order, ("shuffle", "fixed"))
        if order == "shuffle":
            if rng is None:
                raise ValueError("order='shuffle' needs rng=np.random.default_rng(seed) (or order='fixed')")
            rng = as_generator(rng)
    else:
        arr = real_array("order", order)
        if arr.ndim not in (1, 2) or not np.all(arr == np.round(arr)):
            raise ValueError(f"order must be 'shuffle', 'fixed' or an integer array of shape (N,) or "
                             f"(epochs, N), got shape {arr.shape}")
        order = arr.astype(int)
    return MiniBatches(size, order, rng)


# --- the history of a training run ------------------------------------------------------------

class History(NamedTuple):
    """What ``fit`` returns (``...`` are the leading axes of the weights, one per run).

    thetas:         (R, ..., dim) the weights at the updates ``path_steps`` (``theta0`` first)
    path_steps:     (R,)          update counts of those records: 0, r, 2r, ... and the last
    step_loss:      (T, ...)      the loss on the mini-batch of update k, at the weights the
                                  gradient was taken at (before the update): free, but noisy
    step_examples:  (T,)          examples seen after update k
    epoch_thetas:   (E + 1, ..., dim) the weights at ``theta0`` and after each epoch
    epoch_loss:     (E + 1, ...)  the full training loss at ``theta0`` and after each epoch
    examples_seen:  (E + 1,)      examples seen at those records: 0, N, 2N, ...
    test_loss:      (E + 1, ...)  the loss on ``eval_data`` at the same records, or None
    diverged:       (...)         the epoch (1, 2, ...) in which a run became inf/NaN, -1 if never
    batch_size, updates_per_epoch: the b and ceil(N / b) used
    plateau:        the ReduceOnPlateau states after each epoch, stacked (a ``PlateauState``
                    whose fields have a leading axis E + 1, the initial state first), or None
    model_state:    the model's state after training (a network's batch-norm running statistics,
                    updated once per update at the iterate, as a training loop does), or None for
                    models without ``init_state``; pass it to evaluation, e.g.
                    ``net.accuracy(history.final, X, y, state=history.model_state)``

    The full training loss at every recorded update, if needed, is
    ``model.loss(history.thetas, X, y)`` (vectorised; see ``loss_along_path``). Entries after a
    run diverged are NaN.
    """
    thetas: np.ndarray
    path_steps: np.ndarray
    step_loss: np.ndarray
    step_examples: np.ndarray
    epoch_thetas: np.ndarray
    epoch_loss: np.ndarray
    examples_seen: np.ndarray
    test_loss: Optional[np.ndarray]
    diverged: np.ndarray
    batch_size: int
    updates_per_epoch: int
    plateau: Any = None
    model_state: Any = None

    @property
    def final(self):
        """The weights after the last update, shape (..., dim)."""
        return self.thetas[-1]

    @property
    def updates(self):
        """The number of updates T."""
        return len(self.step_examples)



class EarlyStop(NamedTuple):
    """What ``early_stopping`` returns (``...``: one entry per run).

    epoch:     (...) the epoch at which training stops: ``patience`` epochs after the last
               improvement, or the last epoch if the patience never ran out
    stopped:   (...) True where the patience ran out before the last epoch
    best:      (...) the epoch with the lowest loss up to ``epoch`` (0 = before training)
    loss:      (...) that loss
    theta:     (..., dim) the weights after epoch ``best``: the restored best weights
    """
    epoch: np.ndarray
    stopped: np.ndarray
    best: np.ndarray
    loss: np.ndarray
    theta: np.ndarray


def early_stopping(history, patience, losses=None, min_delta=0.0):
    r"""Where early stopping would have ended a finished run, and the weights it would keep.

    ``losses`` (default ``history.test_loss``, the loss on ``eval_data``) has one entry per epoch
    record, shape ``(E + 1, ...)``. An epoch *improves* if its loss is below the best so far by
    more than ``min_delta`` >= 0; training stops once ``patience`` >= 1 epochs in a row have not
    improved (as Keras' ``EarlyStopping(patience=...)``), and the best weights so far are
    restored (``restore_best_weights=True``). NaN losses (a diverged run) never improve.
    Everything is computed from the history, so one long run answers every ``patience``.
    Reference: Prechelt 1998, ``prechelt1998early``.
    """
    patience = integer("patience", patience, low=1)
    real("min_delta", min_delta, low=0)
    if losses is None:
        if history.test_loss is None:
            raise ValueError("no validation loss: pass losses=... or train with fit(..., eval_data=...)")
        losses = history.test_loss
    losses = np.asarray(losses, dtype=float)
    if losses.shape != history.epoch_loss.shape:
        raise ValueError(f"losses must have one entry per epoch record, shape {history.epoch_loss.shape}, "
                         f"got {losses.shape}")
    runs = losses.shape[1:]
    E = losses.shape[0] - 1
    best_loss = np.where(np.isfinite(losses[0]), losses[0], np.inf)
    best = np.zeros(runs, dtype=int)
    wait = np.zeros(runs, dtype=int)
    epoch = np.full(runs, E)
    done = np.zeros(runs, dtype=bool)
    for e in range(1, E + 1):
        with np.errstate(invalid="ignore"):
            improved = ~done & np.isfinite(losses[e]) & (losses[e] < best_loss - min_delta)
        best_loss = np.where(improved, losses[e], best_loss)
        best = np.where(improved, e, best)
        wait = np.where(improved, 0, wait + 1)
        out = ~done & (wait >= patience)
        epoch = np.where(out, e, epoch)
        done = done | out
    index = best.reshape((1,) + runs + (1,))
    theta = np.take_along_axis(history.epoch_thetas, index, axis=0)[0]
    return EarlyStop(epoch, done & (epoch < E), best, np.take_along_axis(losses, best[None], axis=0)[0], theta)


# --- fit --------------------------------------------------------------------------------------

def _runs_shape(w, optimizer):
    """The shape of w after broadcasting against array hyperparameters (e.g. eta of shape (K, 1))."""
    shapes = [w.shape]
    for value in getattr(optimizer, "hyperparameters", {}).values():
        if isinstance(value, ReduceOnPlateau):
            value = value.eta0
        if value is None or callable(value) or isinstance(value, (bool, str)):
            continue
        shapes.append(np.shape(value))
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"theta0 of shape {w.shape} does not broadcast against the optimizer's hyperparameters "
                         f"({optimizer!r})") from None


def _data(name, data, model):
    """X (N, d) and y (N,) of a Dataset, real and finite, with as many labels as examples."""
    if not (hasattr(data, "X") and hasattr(data, "y")):
        raise TypeError(f"{name} must be a Dataset with X and y (gdlib.datasets), got {type(data).__name__}")
    X = real_array(f"{name}.X", data.X, ndim=2)
    y = real_array(f"{name}.y", data.y, ndim=1)
    if len(y) != len(X):
        raise ValueError(f"{name}.y has {len(y)} entries but {name}.X has {len(X)} rows: one label per example")
    d = getattr(model, "d", X.shape[1])
    if X.shape[1] != d:
        raise ValueError(f"{name}.X has {X.shape[1]} features but {model!r} takes {d}")
    return X, y


class _Scaled(NamedTuple):
    """An optimizer whose every step is multiplied by ``scale`` (runs with scale 1 are untouched)."""
    name: str
    hyperparameters: dict
    init: Any
    update: Any


def _scaled(optimizer, scale):
    if np.all(scale == 1):
        return optimizer

    def update(theta, grad_fn, state):
        new, state = optimizer.update(theta, grad_fn, state)
        return np.where(scale == 1, new, theta + scale * (new - theta)), state

    return _Scaled(optimizer.name, optimizer.hyperparameters, optimizer.init, update)


def fit(model, data, optimizer, epochs=1, batches=None, *, theta0=None, wrap=None, eval_data=None,
        record_every=1, warn=True):
    """Train ``model`` on ``data`` with ``optimizer`` for ``epochs`` passes; returns a :class:`History`.

    batches:      ``minibatches(size, order, rng)``; default ``None``: batch gradient descent
                  (the whole data set in its stored order, one update per epoch).
    theta0:       start weights, shape (dim,) or (K, dim); default ``model.init(None)`` (zeros
                  for the linear models), broadcast to the hyperparameters' run axes.
    wrap:         a function from a gradient to a gradient, applied to the mini-batch gradient
                  (a ``run.stepwise`` function of the weights and the step t), e.g.
                  ``lambda g: run.clipped(g, 1.0)`` or ``lambda g: run.noisy(g, eta=0.01, rng=rng)``.
    eval_data:    a Dataset whose loss is recorded with the training loss, once per epoch
                  (``early_stopping`` reads it).
    record_every: keep the weights in ``thetas`` every that many updates (1: every update).
    warn:         one DivergenceWarning if some run diverged.

    The optimizer's ``eta`` may be a schedule ``eta(t)`` (t = updates done), or a
    ``schedules.ReduceOnPlateau``: then the full training loss after each epoch updates the
    plateau's state, and the following steps are scaled by ``state.eta / eta0``. A run whose
    loss or weights become inf/NaN is stopped (NaN from then on, ``diverged`` records the epoch);
    ``fit`` returns early once every run has diverged.

    A model with ``value_and_grad`` (the networks of :mod:`gdlib.nn`) gives the mini-batch loss and
    gradient at each iterate from one forward and one backward pass; with ``init_state`` its state
    (batch norm's running statistics) is carried through training and returned as
    ``History.model_state``.
    """
    for member in ("loss", "grad", "dim"):
        if not hasattr(model, member):
            raise TypeError(f"model must have dim, loss and grad (e.g. models.LinearRegression(2)), "
                            f"got {type(model).__name__}")
    _check_optimizer(optimizer)
    X, y = _data("data", data, model)
    test = None if eval_data is None else _data("eval_data", eval_data, model)
    epochs = integer("epochs", epochs, low=0)
    record_every = integer("record_every", record_every, low=1)
    if batches is None:
        batches = minibatches(None, "fixed")
    if not isinstance(batches, MiniBatches):
        raise TypeError(f"batches must come from train.minibatches(size, order, rng), got {type(batches).__name__}")
    if wrap is not None and not callable(wrap):
        raise TypeError(f"wrap must be a function gradient -> gradient, got {type(wrap).__name__}")

    w = _check_start(model.init(None) if theta0 is None else theta0, "theta0")
    if w.shape[-1] != model.dim:
        raise ValueError(f"theta0 has {w.shape[-1]} entries in its last axis, but {model!r} has {model.dim} parameters")
    w = np.broadcast_to(w, _runs_shape(w, optimizer)).copy()
    runs = w.shape[:-1]
    N, b, U = len(X), batches.batch_size(len(X)), batches.per_epoch(len(X))
    T = epochs * U
    if (T // record_every + 2) * w.size > MAX_RECORDED or (T + 1) * max(w.size // model.dim, 1) > MAX_RECORDED:
        raise ValueError(f"epochs = {epochs:,} with {U:,} updates each would record too many values "
                         f"(limit {MAX_RECORDED:,} floats); use fewer epochs or a larger record_every")
    path_steps = np.unique(np.r_[np.arange(0, T + 1, record_every), T])

    eta = getattr(optimizer, "hyperparameters", {}).get("eta")
    plateau = eta if isinstance(eta, ReduceOnPlateau) else None
    thetas = np.full((len(path_steps),) + w.shape, np.nan)
    step_loss = np.full((T,) + runs, np.nan)
    epoch_thetas = np.full((epochs + 1,) + w.shape, np.nan)
    epoch_loss = np.full((epochs + 1,) + runs, np.nan)
    test_loss = None if test is None else np.full((epochs + 1,) + runs, np.nan)
    diverged = np.full(runs, -1)
    with np.errstate(all="ignore"):
        epoch_loss[0] = model.loss(w, X, y)
        if test is not None:
            test_loss[0] = model.loss(w, *test)
    if not np.all(np.isfinite(epoch_loss[0])):
        raise ValueError("the training loss is not finite at theta0")
    thetas[0] = epoch_thetas[0] = w

    batch = {"start": 0, "X": [], "y": []}            # the current epoch's mini-batches
    carry = {"state": model.init_state(w) if hasattr(model, "init_state") else None, "at": None, "grad": None}
    joint = hasattr(model, "value_and_grad")

    def batch_grad(theta, t):
        if carry["at"] is theta:                      # the iterate itself: its gradient came with its loss
            return carry["grad"]
        j = t - batch["start"]
        return model.grad(theta, batch["X"][j], batch["y"][j])

    def batch_loss(theta, t):                         # the mini-batch loss; after the last update, the full loss
        j = t - batch["start"]
        if j == U:
            return model.loss(theta, X, y)
        if not joint:
            return model.loss(theta, batch["X"][j], batch["y"][j])
        J, carry["grad"], carry["state"] = model.value_and_grad(theta, batch["X"][j], batch["y"][j],
                                                                state=carry["state"])
        carry["at"] = theta
        return J

    grad, value = stepwise(batch_grad, "mini-batch gradient"), stepwise(batch_loss, "mini-batch loss")
    if wrap is not None:
        grad = wrap(grad)
        if not callable(grad):
            raise TypeError(f"wrap must return a gradient function, got {type(grad).__name__}")
    grad = _checked(grad)
    plateau_state = None if plateau is None else plateau.init(runs)
    plateau_states = None if plateau is None else [plateau_state]
    state = optimizer.init(w)
    rows = batches.rows(N, epochs)
    for e in range(1, epochs + 1):
        start = (e - 1) * U
        picked = [next(rows) for _ in range(U)]
        batch.update(start=start, X=[X[r] for r in picked], y=[y[r] for r in picked])
        inside = (path_steps > start) & (path_steps <= start + U)
        step = optimizer if plateau is None else _scaled(optimizer, plateau_state.eta / np.asarray(plateau.eta0))
        out = _loop(step, grad, w, U, state=state, start=start, value=value, keep=path_steps[inside] - start)
        carry["at"] = carry["grad"] = None
        w, state = out.theta, out.state
        thetas[inside] = out.thetas
        step_loss[start:start + U] = out.values[:U]
        epoch_loss[e], epoch_thetas[e] = out.values[U], w
        if test is not None:
            with np.errstate(all="ignore"):
                test_loss[e] = model.loss(w, *test)
        diverged[(out.diverged >= 0) & (diverged < 0)] = e
        if np.all(diverged >= 0):
            break
        if plateau is not None:
            plateau_state = plateau.observe(plateau_state, epoch_loss[e])
            plateau_states.append(plateau_state)
    if plateau_states is not None:
        plateau_states += [plateau_state] * (epochs + 1 - len(plateau_states))
        plateau_states = type(plateau_state)(*(np.stack([np.asarray(getattr(s, f)) for s in plateau_states])
                                               for f in plateau_state._fields))
    if warn:
        warn_diverged(f"fit with {optimizer.name}", diverged, "in epoch", "the weights are NaN from there on")
    sizes = np.r_[np.full(U - 1, b), N - (U - 1) * b]                  # the last batch may be partial
    return History(thetas, path_steps, step_loss, np.cumsum(np.tile(sizes, epochs)), epoch_thetas, epoch_loss,
                   np.arange(epochs + 1) * N, test_loss, diverged, b, U, plateau_states, carry["state"])


def loss_along_path(model, data, history):
    """The full loss on ``data`` at every recorded point of the path: ``(path_steps, losses)``."""
    with np.errstate(all="ignore"):
        return history.path_steps, model.loss(history.thetas, data.X, data.y)


def sample_batch_grads(model, w, data, batch_size, draws, rng):
    r"""``draws`` mini-batch gradients at fixed weights ``w``: shape ``(draws, ..., dim)``.

    Each mini-batch is ``batch_size`` distinct rows drawn uniformly without replacement (one
    random permutation per draw, all drawn at once), the sampling that a shuffled epoch performs.
    Their covariance has trace $\dfrac{\sigma^2}{b}\dfrac{N-b}{N-1}$, with $\sigma^2$ the
    trace of the covariance of the per-example gradients over the data set.
    """
    rng = as_generator(rng)
    N = data.n
    batch_size = integer("batch_size", batch_size, low=1, high=N)
    draws = integer("draws", draws, low=1)
    rows = np.argsort(rng.random((draws, N)), axis=1)[:, :batch_size]      # (draws, b)
    w = np.asarray(w, dtype=float)
    Xb, yb = data.X[rows], data.y[rows]                                    # (draws, b, d), (draws, b)
    if w.ndim > 1:                                                         # runs: put draws first
        Xb = Xb.reshape((draws,) + (1,) * (w.ndim - 1) + Xb.shape[1:])
        yb = yb.reshape((draws,) + (1,) * (w.ndim - 1) + yb.shape[1:])
    return model.grad(w, Xb, yb)

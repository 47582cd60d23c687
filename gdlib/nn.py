r"""Neural networks as gdlib models: layers with hand-written backward passes, stacked by :class:`Sequential`.

A network is a :class:`gdlib.models.Model`: **all its parameters live in one flat vector** ``theta``
of shape ``(..., dim)``, the shape every optimizer updates, and ``loss(theta, X, y)`` /
``grad(theta, X, y)`` are the mean loss over a mini-batch and its gradient. Each layer reads a
*view* of its block of ``theta`` (no copies) and writes its gradient into the same block of the
flat gradient (the layout and the layers' contract: :mod:`gdlib.layers`, whose classes this
module re-exports: ``nn.Dense``, ``nn.ReLU``, ``nn.Tanh``, ``nn.Sigmoid``, ``nn.BatchNorm``,
``nn.SoftmaxCrossEntropy``). Backpropagation (Rumelhart et al. 1986, ``rumelhart1986learning``)
runs the layers in reverse: each receives $\partial J / \partial(\text{its output})$ and
returns $\partial J / \partial(\text{its input})$, after storing
$\partial J / \partial(\text{its parameters})$.
Everything is vectorised over the rows of the batch and over leading axes: ``theta`` of shape
``(K, dim)`` evaluates K networks on one batch in one call (a learning-rate grid trained at
once), ``X`` of shape ``(M, b, n)`` one network on M batches.

**Where batch normalisation's running statistics live, and why.** They are not parameters (no
gradient flows into them; they follow a moving average, not the optimizer), so they are not in
``theta``. They are not hidden attributes of a layer either: they are an explicit value, the
network's ``state`` (a tuple with one :class:`BatchNormStats` ``(mean, var)`` per batch-norm
layer), that the caller passes in and gets back, exactly like an optimizer's state::

    state = net.init_state(theta)
    J, g, state = net.value_and_grad(theta, Xb, yb, state=state)       # training: statistics updated
    net.accuracy(theta, X_test, y_test, state=state)                     # evaluation: statistics used

Why: (1) ``loss`` and ``grad`` stay pure functions of ``(theta, batch)``, which is what the
optimizers, finite differences and line searches assume: asking for a gradient twice (NAG's
look-ahead, a gradient check) must not advance the running averages twice, as a layer that
mutates itself on every forward pass would. (2) K networks trained in one broadcast call carry K
sets of statistics (shape ``(K, n)``) without the layer knowing about runs. (3) The train/eval
difference is visible where it matters: evaluation mode needs ``state``, and forgetting it raises
an error instead of silently normalising a test batch with its own statistics (the forgotten
``model.eval()`` of PyTorch). (4) A checkpoint, e.g. early stopping's best weights, is the pair
``(theta, state)``: two values to copy.

``mode="train"`` (the default of ``loss``/``grad``/``value_and_grad``: what the optimizer
minimises) normalises with the batch's statistics; ``mode="eval"`` (the default of ``forward``,
``predict``, ``accuracy``) with the running ones. Networks without batch norm behave identically in
both modes and never need ``state``.
"""
import numpy as np

from ._validate import as_generator, as_params, choice, flag, integer, real_array
from .layers import (BatchNorm, BatchNormStats, Dense, Layer, ReLU, Sigmoid, SoftmaxCrossEntropy, Tanh,
                     log_softmax, sigmoid, softmax)

__all__ = ["Sequential", "TrainingLoss", "mlp", "Dense", "ReLU", "Tanh", "Sigmoid", "BatchNorm", "BatchNormStats",
           "SoftmaxCrossEntropy", "softmax", "log_softmax", "sigmoid"]

_MODES = ("train", "eval")


# --- argument checks ------------------------------------------------------------------------

def _labels(y, n_classes):
    """Class labels 0..n_classes-1 (integers, or floats with integer values) as an intp array."""
    y = np.asarray(y)
    if y.dtype.kind == "f":
        if not np.all(y == np.round(y)):
            raise ValueError("y must hold integer class labels, got non-integer values")
    elif y.dtype.kind not in "iu":
        raise TypeError(f"y must be an array of integer class labels, got dtype {y.dtype}")
    if y.ndim == 0:
        raise ValueError("y must have shape (..., b): one label per row of X, got a scalar")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"y must hold class labels in [0, {n_classes - 1}], got values from "
                         f"{y.min():g} to {y.max():g}")
    return y.astype(np.intp, copy=False)


# --- the network ----------------------------------------------------------------------------

class Sequential:
    r"""Layers applied in order, then a loss: a :class:`gdlib.models.Model` with a flat parameter vector.

    ``Sequential(Dense(64, 64), ReLU(), Dense(64, 10))`` is the 64-64-10 network
    $z = \mathrm{ReLU}(X W_1 + \mathbf 1 b_1^\top) W_2 + \mathbf 1 b_2^\top$ with softmax
    cross-entropy on the scores $z$. ``dim`` is the length of ``theta``; ``slices[k]`` is layer
    ``k``'s block of it; ``params(theta)`` returns named views (``W``, ``b``, ``gamma``, ``beta``)
    per layer, for inspecting or plotting (e.g. the gradient's scale layer by layer:
    ``net.params(net.grad(theta, X, y))``).

    Methods: ``init(rng)``, ``init_state(theta)``, ``loss``, ``grad``, ``value_and_grad``
    (mode ``"train"`` by default), ``forward``, ``activations``, ``predict_proba``, ``predict``,
    ``accuracy`` (mode ``"eval"`` by default). See the module docstring for ``mode`` and ``state``.
    """

    def __init__(self, *layers):
        if not layers:
            raise ValueError("layers: give at least one layer, e.g. Sequential(Dense(64, 10))")
        width = None
        for k, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{k}] must be a gdlib.nn layer (Dense, ReLU, ...), got {layer!r}")
            if layer.n_in is not None:
                if width is not None and layer.n_in != width:
                    raise ValueError(f"layers[{k}] = {layer!r} takes {layer.n_in} inputs, but the layer "
                                     f"before it gives {width}")
                width = layer.n_out
        if width is None:
            raise ValueError("layers: the network needs at least one Dense layer to fix its sizes")
        self.layers = tuple(layers)
        self.criterion = SoftmaxCrossEntropy()
        self.n_in = next(layer.n_in for layer in layers if layer.n_in is not None)
        self.n_out = width
        ends = np.cumsum([0] + [layer.n_params for layer in layers])
        self.slices = tuple(slice(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:]))
        self.dim = int(ends[-1])
        self._bn = tuple(k for k, layer in enumerate(layers) if isinstance(layer, BatchNorm))
        self._need_dx = tuple(bool(ends[k] > 0) for k in range(len(layers)))   # any parameters below?

    def __repr__(self):
        return f"Sequential({', '.join(map(repr, self.layers))}; dim={self.dim})"

    # -- parameters and state --

    def init(self, rng, runs=None):
        """Initial ``theta``: shape ``(dim,)``, or ``(runs, dim)`` for independent draws; each layer
        draws from ``rng`` (a numpy Generator or an integer seed) in order."""
        rng = as_generator(rng)
        lead = () if runs is None else (integer("runs", runs, low=1),)
        return np.concatenate([layer.init(rng, lead) for layer in self.layers], axis=-1)

    def init_state(self, theta):
        """Fresh running statistics (means 0, variances 1) for every batch-norm layer, with the
        leading axes of ``theta``: a tuple of :class:`BatchNormStats` (empty without batch norm)."""
        lead = self._theta(theta).shape[:-1]
        return tuple(self.layers[k].init_stats(lead) for k in self._bn)

    def params(self, theta):
        """Per layer, a dict of named views into ``theta`` (or into a gradient of the same shape)."""
        theta = self._theta(theta)
        return [layer.params(theta[..., sl]) for layer, sl in zip(self.layers, self.slices)]

    # -- checks --

    def _theta(self, theta):
        theta = as_params(theta, copy=False)
        if theta.shape[-1] != self.dim:
            raise ValueError(f"theta must have shape (..., {self.dim}) for {self!r}, got {theta.shape}")
        return theta

    def _inputs(self, theta, X, y=None):
        theta = self._theta(theta)
        X = real_array("X", X)
        if X.ndim < 2 or X.shape[-1] != self.n_in:
            raise ValueError(f"X must have shape (..., b, {self.n_in}): rows of {self.n_in} features, got {X.shape}")
        shapes = [theta.shape[:-1], X.shape[:-2]]
        if y is not None:
            y = _labels(y, self.n_out)
            if y.shape[-1] != X.shape[-2]:
                raise ValueError(f"y must have one label per row of X: shape (..., {X.shape[-2]}), got {y.shape}")
            shapes.append(y.shape[:-1])
        try:
            lead = np.broadcast_shapes(*shapes)
        except ValueError:
            raise ValueError(f"the leading axes of theta {theta.shape[:-1]}, X {X.shape[:-2]}"
                             + ("" if y is None else f" and y {y.shape[:-1]}") + " do not broadcast") from None
        return theta, X, y, lead                           # matmul and the loss broadcast the rest

    def _state(self, mode, state):
        choice("mode", mode, _MODES)
        if state is None:
            if mode == "eval" and self._bn:
                raise ValueError("state is required in mode='eval': a network with batch norm normalises with "
                                 "its running statistics (from init_state and value_and_grad), or pass mode='train'")
            return None
        if not isinstance(state, tuple) or len(state) != len(self._bn) or not all(
                isinstance(s, BatchNormStats) and np.shape(s.mean)[-1:] == np.shape(s.var)[-1:] == (self.layers[k].n_in,)
                for s, k in zip(state, self._bn)):
            raise ValueError(f"state must be a tuple of {len(self._bn)} BatchNormStats (one per batch-norm layer, "
                             "as init_state returns)")
        return state

    # -- forward and backward --

    def _forward(self, theta, X, mode, state):
        """Every layer's output and cache, in order."""
        outputs, caches, h = [], [], X
        stats = dict(zip(self._bn, state)) if mode == "eval" and state is not None else {}
        for k, (layer, sl) in enumerate(zip(self.layers, self.slices)):
            h, cache = layer.forward(theta[..., sl], h, stats.get(k))
            outputs.append(h)
            caches.append(cache)
        return outputs, caches

    def _backward(self, theta, caches, dz, lead):
        g = np.empty(lead + (self.dim,))
        for k in range(len(self.layers) - 1, -1, -1):
            sl = self.slices[k]
            dz = self.layers[k].backward(theta[..., sl], caches[k], dz, g[..., sl], self._need_dx[k])
        return g

    def value_and_grad(self, theta, X, y, mode="train", state=None):
        r"""``(J, g, state)``: the mean loss over the batch, its gradient (shape ``(..., dim)``) and the state.

        In ``mode="train"`` with a ``state`` given, the returned state holds the running statistics
        updated with this batch; otherwise ``state`` is returned as given. One forward and one
        backward pass.
        """
        self._state(mode, state)
        theta, X, y, lead = self._inputs(theta, X, y)
        outputs, caches = self._forward(theta, X, mode, state)
        J, cache = self.criterion.forward(outputs[-1], y)
        g = self._backward(theta, caches, self.criterion.backward(cache), lead)
        if mode == "train" and state is not None:
            state = tuple(self.layers[k].update_stats(s, caches[k][2]) for s, k in zip(state, self._bn))
        return J, g, state

    def _no_state_in_train(self, mode, state):
        if mode == "train" and state is not None:
            raise ValueError("state is only read in mode='eval' (training mode normalises with the batch's own "
                             "statistics); to update the running statistics use value_and_grad(..., state=state)")

    def loss(self, theta, X, y, mode="train", state=None):
        """The mean softmax cross-entropy over the rows of the batch: shape ``(...)``."""
        self._no_state_in_train(mode, state)
        self._state(mode, state)
        theta, X, y, _ = self._inputs(theta, X, y)
        return self.criterion.forward(self._forward(theta, X, mode, state)[0][-1], y)[0]

    def grad(self, theta, X, y, mode="train", state=None):
        """The gradient of :meth:`loss` with respect to ``theta``: shape ``(..., dim)``."""
        self._no_state_in_train(mode, state)
        return self.value_and_grad(theta, X, y, mode, state)[1]

    def activations(self, theta, X, mode="eval", state=None):
        """Every layer's output on the batch, in order (the last one is the scores $z$)."""
        self._no_state_in_train(mode, state)
        self._state(mode, state)
        theta, X, _, _ = self._inputs(theta, X)
        return self._forward(theta, X, mode, state)[0]

    def forward(self, theta, X, mode="eval", state=None):
        """The scores $z$ (logits), shape ``(..., b, n_out)``."""
        return self.activations(theta, X, mode, state)[-1]

    def predict_proba(self, theta, X, mode="eval", state=None):
        r"""Class probabilities $\mathrm{softmax}(z)$, shape ``(..., b, n_out)``."""
        return softmax(self.forward(theta, X, mode, state))

    def predict(self, theta, X, mode="eval", state=None):
        """The most probable class of every row, shape ``(..., b)``."""
        return np.argmax(self.forward(theta, X, mode, state), axis=-1)

    def accuracy(self, theta, X, y, mode="eval", state=None):
        """The fraction of rows whose class is predicted correctly, shape ``(...)``."""
        y = _labels(y, self.n_out)
        return np.mean(self.predict(theta, X, mode, state) == y, axis=-1)

    def recomputed_state(self, theta, data, batches):
        """Batch norm's running statistics recomputed with the weights fixed: one pass over ``data`` in
        training mode, in the mini-batches of ``batches`` (a ``train.minibatches(size, order, rng)``),
        starting from :meth:`init_state`. Returns a state for evaluation mode. Useful when the
        statistics collected during training are poor estimates (tiny training batches), or to
        compare batch sizes with equally good statistics."""
        if not hasattr(batches, "rows"):
            raise TypeError(f"batches must come from train.minibatches(size, order, rng), got {type(batches).__name__}")
        state = self.init_state(theta)
        for rows in batches.rows(len(data.X), 1):
            state = self.value_and_grad(theta, data.X[rows], data.y[rows], state=state)[2]
        return state

    def objective(self, data):
        """The mean training loss on a whole ``Dataset`` as an objective ``f``/``grad`` for the
        line-search methods of :mod:`gdlib.second_order` (L-BFGS on a network): a :class:`TrainingLoss`."""
        if not (hasattr(data, "X") and hasattr(data, "y")):
            raise TypeError(f"data must be a Dataset with X and y (gdlib.datasets), got {type(data).__name__}")
        self._inputs(np.zeros(self.dim), data.X, data.y)
        return TrainingLoss(self, data)


class TrainingLoss:
    r"""$J(\theta)$, a network's mean loss on a data set, as an objective: ``f(theta)`` and ``grad(theta)``.

    Both come from one ``value_and_grad`` per distinct point (one forward and one backward pass
    over the data set), so a line search that asks for $J$ and then $\nabla J$ at the same point
    pays once. ``points`` lists every point evaluated, in order; ``evaluations_until(path)`` says,
    for each point of a path, how many evaluations had been made when it was reached: the
    clock on which a full-batch method is compared with epochs of SGD.
    """

    def __init__(self, net, data):
        self.net, self.data, self.dim = net, data, net.dim
        self.name = f"training loss on {getattr(data, 'name', 'data')}"
        self.points, self._last, self._value = [], None, None

    def _at(self, theta):
        key = np.asarray(theta, dtype=float).tobytes()
        if key != self._last:
            self._last, self._value = key, self.net.value_and_grad(theta, self.data.X, self.data.y)[:2]
            self.points.append(np.array(theta, dtype=float))
        return self._value

    def f(self, theta):
        return self._at(theta)[0]

    def grad(self, theta):
        return self._at(theta)[1]

    def evaluations_until(self, path):
        """For each row of ``path``: 1 + the index of its first evaluation (the evaluations made so far)."""
        first = {}
        for k, p in enumerate(self.points):
            first.setdefault(p.tobytes(), k + 1)
        try:
            return np.array([first[np.asarray(x, dtype=float).tobytes()] for x in path])
        except KeyError:
            raise ValueError("path holds a point this objective never evaluated") from None


def mlp(sizes, activation="relu", batch_norm=False, init=None, gain=1.0):
    """A multi-layer perceptron: ``mlp([64, 64, 10])`` is ``Sequential(Dense(64, 64), ReLU(), Dense(64, 10))``.

    sizes: the widths, input first, number of classes last (at least two entries).
    activation: ``"relu"``, ``"tanh"`` or ``"sigmoid"``, after every hidden Dense layer.
    batch_norm: True puts ``BatchNorm`` between each hidden Dense layer (then without bias) and its
    activation, where Ioffe and Szegedy place it. init: ``"he"`` or ``"glorot"`` (default: He for
    ReLU, Glorot otherwise); gain: multiplies every initial weight.
    """
    acts = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}
    choice("activation", activation, tuple(acts))
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got {sizes!r}")
    flag("batch_norm", batch_norm)
    init = init or ("he" if activation == "relu" else "glorot")
    layers = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        hidden = k < len(sizes) - 2
        layers.append(Dense(a, b, bias=not (hidden and batch_norm), init=init, gain=gain))
        if hidden:
            layers += [BatchNorm(b)] if batch_norm else []
            layers.append(acts[activation]())
    return Sequential(*layers)

r"""The layers of gdlib's networks: each one a forward pass and a hand-written backward pass.

:class:`gdlib.nn.Sequential` stacks them into a model; this module holds the pieces and their
contract. A layer knows its sizes, never its parameter values: those arrive as ``p``, a view of the
layer's block of the network's flat parameter vector ``theta`` (shape ``(..., n_params)``), so the
same layer object serves K networks at once. The flat layout per layer:

* :class:`Dense` ``(n_in, n_out)``: $W$ as an ``(n_in, n_out)`` matrix in row-major order, then
  $b$ (``n_out`` entries, absent with ``bias=False``). Rows are examples:
  $Z = X W + \mathbf 1 b^\top$. (``torch.nn.Linear`` stores $W^\top$.)
* :class:`BatchNorm` ``(n)``: $\gamma$ (``n`` entries), then $\beta$.
* :class:`ReLU`, :class:`Tanh`, :class:`Sigmoid`: no parameters.

Contract (backpropagation, Rumelhart et al. 1986, ``rumelhart1986learning``):

* ``forward(p, x, stats)`` -> ``(out, cache)``: ``x`` of shape ``(..., b, n_in)``; ``stats`` is
  ``None`` except for a :class:`BatchNorm` layer in evaluation mode (its running statistics);
  ``cache`` keeps what the backward pass needs.
* ``backward(p, cache, d_out, g, need_dx)``: given $\partial J / \partial(\text{out})$, writes
  $\partial J / \partial p$ into ``g`` (a view of the flat gradient) and returns
  $\partial J / \partial x$ (``None`` when ``need_dx`` is False: no layer below has parameters).

The loss, :class:`SoftmaxCrossEntropy`, has ``forward(z, y)`` -> ``(J, cache)`` and
``backward(cache)`` -> $\partial J / \partial z$.
"""
from typing import NamedTuple

import numpy as np

from ._special import sigmoid
from ._validate import choice, flag, integer, real

# --- layers ---------------------------------------------------------------------------------

class Layer:
    """Base class: a layer without parameters that maps ``n`` features to ``n`` features."""
    n_in = None          # None: any width (element-wise layers)
    n_out = None
    n_params = 0

    def init(self, rng, lead):
        return np.empty(lead + (0,))

    def params(self, p):
        """The named parameter blocks of ``p`` as views: a dict of arrays."""
        return {}

    def __repr__(self):
        return f"{type(self).__name__}()"


class Dense(Layer):
    r"""A fully connected layer $Z = X W + \mathbf 1 b^\top$ on a batch of rows $X$ (b x n_in).

    Backward, given $\Delta = \partial J / \partial Z$ (b x n_out):
    $\partial J / \partial W = X^\top \Delta$, $\partial J / \partial b = \Delta^\top \mathbf 1$
    (the column sums), $\partial J / \partial X = \Delta W^\top$.

    n_in, n_out: input and output widths. bias: False drops $b$ (useful before :class:`BatchNorm`,
    whose $\beta$ plays its role). init: ``"he"`` draws $W_{jk} \sim \mathcal N(0, 2 / n_{in})$
    (He et al. 2015, ``he2015delving``: for ReLU), ``"glorot"`` draws
    $W_{jk} \sim \mathcal U(-a, a)$, $a = \sqrt{6 / (n_{in} + n_{out})}$ (Glorot and Bengio 2010,
    ``glorot2010understanding``: for tanh, and scikit-learn's default); ``gain`` multiplies the
    draw (a deliberately poor initialisation: ``gain=0.1``). Biases start at zero.
    """

    def __init__(self, n_in, n_out, bias=True, init="he", gain=1.0):
        self.n_in = integer("n_in", n_in, low=1)
        self.n_out = integer("n_out", n_out, low=1)
        self.bias = flag("bias", bias)
        self.init_name = choice("init", init, ("he", "glorot"))
        self.gain = float(real("gain", gain, low=0, low_open=True, array=False))
        self._nW = self.n_in * self.n_out
        self.n_params = self._nW + self.n_out * self.bias

    def __repr__(self):
        extra = "" if self.bias else ", bias=False"
        return f"Dense({self.n_in}, {self.n_out}{extra})"

    def params(self, p):
        W = p[..., :self._nW].reshape(p.shape[:-1] + (self.n_in, self.n_out))
        return {"W": W, "b": p[..., self._nW:]} if self.bias else {"W": W}

    def init(self, rng, lead):
        shape = lead + (self.n_in, self.n_out)
        if self.init_name == "he":
            W = self.gain * np.sqrt(2.0 / self.n_in) * rng.standard_normal(shape)
        else:
            a = self.gain * np.sqrt(6.0 / (self.n_in + self.n_out))
            W = rng.uniform(-a, a, shape)
        return np.concatenate([W.reshape(lead + (self._nW,)), np.zeros(lead + (self.n_params - self._nW,))], -1)

    def forward(self, p, X, stats=None):
        W = p[..., :self._nW].reshape(p.shape[:-1] + (self.n_in, self.n_out))
        Z = X @ W                                                  # Z = X W
        if self.bias:
            Z += p[..., None, self._nW:]                           #   + 1 b'
        return Z, X

    def backward(self, p, X, Delta, g, need_dx):
        W = p[..., :self._nW].reshape(p.shape[:-1] + (self.n_in, self.n_out))
        dW = np.swapaxes(X, -1, -2) @ Delta                        # dJ/dW = X' Delta
        g[..., :self._nW] = dW.reshape(dW.shape[:-2] + (self._nW,))
        if self.bias:
            g[..., self._nW:] = Delta.sum(axis=-2)                 # dJ/db = Delta' 1
        return Delta @ np.swapaxes(W, -1, -2) if need_dx else None  # dJ/dX = Delta W'


class ReLU(Layer):
    r"""$h = \max(z, 0)$ element-wise; backward $\partial J/\partial z = \partial J/\partial h \odot [z > 0]$.

    At $z = 0$ the derivative is taken as 0 (as PyTorch does).
    """

    def forward(self, p, z, stats=None):
        return np.maximum(z, 0.0), z > 0

    def backward(self, p, mask, dh, g, need_dx):
        return dh * mask if need_dx else None


class Tanh(Layer):
    r"""$h = \tanh z$; backward $\partial J/\partial z = \partial J/\partial h \odot (1 - h^2)$."""

    def forward(self, p, z, stats=None):
        h = np.tanh(z)
        return h, h

    def backward(self, p, h, dh, g, need_dx):
        return dh * (1.0 - h * h) if need_dx else None


class Sigmoid(Layer):
    r"""$h = \sigma(z) = 1 / (1 + e^{-z})$; backward $\partial J/\partial z = \partial J/\partial h \odot h (1 - h)$.

    Uses gdlib's one sigmoid (:func:`sigmoid`), which never overflows.
    """

    def forward(self, p, z, stats=None):
        h = sigmoid(z)
        return h, h

    def backward(self, p, h, dh, g, need_dx):
        return dh * h * (1.0 - h) if need_dx else None


class BatchNormStats(NamedTuple):
    """The running statistics of one :class:`BatchNorm` layer: per-feature mean and variance, shape (..., n)."""
    mean: np.ndarray
    var: np.ndarray


class BatchNorm(Layer):
    r"""Batch normalisation of a layer's inputs (Ioffe and Szegedy 2015, ``ioffe2015batch``, Algorithm 1).

    It normalises the **activations** $x$ (b x n) feature by feature over the mini-batch, then
    scales and shifts them with the learned $\gamma, \beta$; the weights are never normalised.
    Training mode (the batch's statistics):

    $\mu = \frac1b \sum_i x_i$, $\sigma^2 = \frac1b \sum_i (x_i - \mu)^2$,
    $\hat x_i = (x_i - \mu) / \sqrt{\sigma^2 + \epsilon}$, $y_i = \gamma \odot \hat x_i + \beta$.

    Backward, with $\partial J/\partial \hat x_i = \gamma \odot \partial J/\partial y_i$ (the
    gradient flows through $\mu$ and $\sigma^2$ too, which is what the last two terms are):

    $\partial J/\partial \gamma = \sum_i \partial J/\partial y_i \odot \hat x_i$,
    $\partial J/\partial \beta = \sum_i \partial J/\partial y_i$,
    $\partial J/\partial x_i = \frac{1}{\sqrt{\sigma^2 + \epsilon}} \Big(\partial J/\partial \hat x_i
    - \frac1b \sum_j \partial J/\partial \hat x_j - \hat x_i \odot \frac1b \sum_j \partial J/\partial \hat x_j \odot \hat x_j\Big)$.

    Running statistics, updated once per training batch by :meth:`Sequential.value_and_grad`:
    $m \leftarrow (1 - \rho)\, m + \rho\, \mu$ and $v \leftarrow (1 - \rho)\, v + \rho\, \frac{b}{b - 1}\sigma^2$
    (the unbiased variance, as the paper's inference step and PyTorch use). Evaluation mode
    normalises with them, $\hat x_i = (x_i - m) / \sqrt{v + \epsilon}$: a fixed affine map, whose
    backward is $\partial J/\partial x_i = \gamma \odot \partial J/\partial y_i / \sqrt{v + \epsilon}$.

    n: the number of features. eps: $\epsilon > 0$ (default 1e-5, PyTorch's). momentum: $\rho$ in
    (0, 1], the weight of the **new** batch (PyTorch's convention, default 0.1; Keras' ``momentum``
    is $1 - \rho$). $\gamma$ starts at 1, $\beta$ at 0; the running mean at 0, the variance at 1.
    """

    def __init__(self, n, eps=1e-5, momentum=0.1):
        self.n_in = self.n_out = integer("n", n, low=1)
        self.eps = float(real("eps", eps, low=0, low_open=True, array=False))
        self.momentum = float(real("momentum", momentum, low=0, high=1, low_open=True, array=False))
        self.n_params = 2 * self.n_in

    def __repr__(self):
        return f"BatchNorm({self.n_in})"

    def params(self, p):
        return {"gamma": p[..., :self.n_in], "beta": p[..., self.n_in:]}

    def init(self, rng, lead):
        return np.concatenate([np.ones(lead + (self.n_in,)), np.zeros(lead + (self.n_in,))], -1)

    def init_stats(self, lead):
        return BatchNormStats(np.zeros(lead + (self.n_in,)), np.ones(lead + (self.n_in,)))

    def forward(self, p, x, stats=None):
        gamma, beta = p[..., None, :self.n_in], p[..., None, self.n_in:]
        if stats is None:                                          # training mode
            b = x.shape[-2]
            if b < 2:
                raise ValueError("X must have at least 2 rows per batch in mode='train' with batch norm "
                                 "(the variance of one row is 0)")
            mu = x.mean(axis=-2, keepdims=True)                    # mu = (1/b) sum_i x_i
            xc = x - mu
            var = np.mean(xc * xc, axis=-2, keepdims=True)         # sigma^2 = (1/b) sum_i (x_i - mu)^2
            inv_std = 1.0 / np.sqrt(var + self.eps)
            batch = (mu[..., 0, :], var[..., 0, :] * (b / (b - 1)))
        else:                                                      # evaluation mode
            xc = x - stats.mean[..., None, :]
            inv_std = 1.0 / np.sqrt(stats.var[..., None, :] + self.eps)
            batch = None
        xhat = xc * inv_std                                        # xhat = (x - mu) / sqrt(sigma^2 + eps)
        return gamma * xhat + beta, (xhat, inv_std, batch)         # y = gamma xhat + beta

    def backward(self, p, cache, dy, g, need_dx):
        xhat, inv_std, batch = cache
        n = self.n_in
        g[..., :n] = np.sum(dy * xhat, axis=-2)                    # dJ/dgamma = sum_i dy_i xhat_i
        g[..., n:] = dy.sum(axis=-2)                               # dJ/dbeta  = sum_i dy_i
        if not need_dx:
            return None
        dxhat = dy * p[..., None, :n]                              # dJ/dxhat = gamma dy
        if batch is None:                                          # eval: a fixed affine map
            return dxhat * inv_std
        return inv_std * (dxhat - dxhat.mean(axis=-2, keepdims=True)
                          - xhat * np.mean(dxhat * xhat, axis=-2, keepdims=True))

    def update_stats(self, stats, batch):
        r"""$m \leftarrow (1 - \rho) m + \rho \mu$, $v \leftarrow (1 - \rho) v + \rho \frac{b}{b-1}\sigma^2$."""
        mu, var_unbiased = batch
        rho = self.momentum
        return BatchNormStats((1 - rho) * stats.mean + rho * mu, (1 - rho) * stats.var + rho * var_unbiased)


# --- the loss -------------------------------------------------------------------------------

def log_softmax(z):
    r"""$\log \mathrm{softmax}(z)_k = z_k - \log \sum_j e^{z_j}$ over the last axis, computed after
    subtracting $\max_j z_j$ so that no exponential overflows."""
    z = np.asarray(z, dtype=float)
    zs = z - z.max(axis=-1, keepdims=True)
    return zs - np.log(np.sum(np.exp(zs), axis=-1, keepdims=True))


def softmax(z):
    r"""$\mathrm{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}$ over the last axis (shifted by the max: no overflow)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class SoftmaxCrossEntropy:
    r"""Mean cross-entropy of the softmax of the scores $z_i$ (b x K) against labels $y_i \in \{0, \dots, K-1\}$:

    $J = \frac1b \sum_i \big(\log \sum_k e^{z_{ik}} - z_{i y_i}\big)$, computed with the max
    subtracted (no overflow for any finite scores). Backward:
    $\partial J / \partial z_i = \frac1b \big(\mathrm{softmax}(z_i) - e_{y_i}\big)$ ($e_y$ the one-hot row).
    Same as ``torch.nn.functional.cross_entropy`` with its default mean reduction.
    """

    def forward(self, z, y):
        """``(J, cache)`` for scores ``z`` (..., b, K) and integer labels ``y`` (..., b)."""
        onehot = np.asarray(y)[..., None] == np.arange(z.shape[-1])    # e_{y_i}, broadcast like z
        zs = z - z.max(axis=-1, keepdims=True)
        e = np.exp(zs)
        s = e.sum(axis=-1, keepdims=True)
        z_y = np.sum(zs * onehot, axis=-1)                             # z_{i y_i} (minus the row's max)
        J = np.mean(np.log(s[..., 0]) - z_y, axis=-1)                  # (1/b) sum_i log sum_k e^z_ik - z_iy_i
        return J, (e / s, onehot)

    def backward(self, cache):
        r"""$\partial J / \partial z$ from the cache of :meth:`forward`."""
        probs, onehot = cache
        return (probs - onehot) / probs.shape[-2]                      # (softmax(z_i) - e_y_i) / b

    def __repr__(self):
        return "SoftmaxCrossEntropy()"

r"""Models as losses with analytic gradients on mini-batches.

A model has ``dim`` parameters laid out as ``w = (w_1, ..., w_d, b)``: the ``d`` feature weights,
then the bias if ``bias=True``. Its methods take the rows of a batch, ``X`` of shape ``(b, d)``
and ``y`` of shape ``(b,)``, and average over them:

* ``loss(w, X, y)``  -> shape ``(...)``: the mean loss over the ``b`` rows;
* ``grad(w, X, y)``  -> shape ``(..., dim)``: its gradient (the mini-batch gradient);
* ``per_example_grad(w, X, y)`` -> shape ``(..., b, dim)``: one gradient per row (their mean is ``grad``);
* ``hess(w, X, y)``  -> shape ``(..., dim, dim)``.

Everything is vectorised: ``w`` may have shape ``(..., dim)`` (e.g. ``(K, dim)`` for K runs, or a
grid of points for a contour plot), and ``X, y`` may carry leading axes too (``(M, b, d)`` and
``(M, b)`` for M batches at once); leading axes broadcast against each other.
"""
from typing import Protocol, runtime_checkable

import numpy as np

from ._special import sigmoid as _sigmoid
from ._validate import as_generator, as_params, flag, integer, real, real_array
from .functions import Objective


@runtime_checkable
class Model(Protocol):
    r"""What every model in gdlib provides (linear and logistic regression here, networks in :mod:`gdlib.nn`).

    * ``dim``: the number of parameters. All of them live in **one flat vector** ``theta`` of
      shape ``(..., dim)``, the shape the optimizers update (leading axes: K runs, a grid of points).
    * ``init(rng)``: initial parameters of shape ``(dim,)``; every random draw comes from the
      explicit ``numpy.random.Generator`` ``rng`` (no global seeding).
    * ``loss(theta, X, y)``: the mean loss over the rows of a batch, ``X`` of shape ``(..., b, n)``
      and ``y`` of shape ``(..., b)``; returns shape ``(...)``, the leading axes of ``theta``,
      ``X`` and ``y`` broadcast against each other (K runs on one batch, one run on M batches).
    * ``grad(theta, X, y)``: its gradient with respect to ``theta``, shape ``(..., dim)``: the
      mini-batch gradient $\nabla_\theta \frac1b \sum_{i=1}^b \ell(\theta; x_i, y_i)$.

    Optional, used by :func:`gdlib.train.fit` when present (the networks of :mod:`gdlib.nn` have
    both): ``value_and_grad(theta, X, y, state=...)`` returning ``(loss, grad, state)`` from one
    forward and one backward pass, and ``init_state(theta)``, a state such as batch norm's running
    statistics that training carries along.

    ``isinstance(model, Model)`` checks that the required members exist (not their signatures).
    """
    dim: int

    def init(self, rng):
        ...

    def loss(self, theta, X, y):
        ...

    def grad(self, theta, X, y):
        ...


class _Linear:
    """Shared plumbing: the affine score $z = x^\top w + b$ and the augmented features $[x, 1]$."""

    def __init__(self, d, bias=True):
        self.d = integer("d", d, low=1)
        self.bias = flag("bias", bias)
        self.dim = self.d + int(self.bias)

    def _check(self, w, X):
        w = as_params(w, name="w", copy=False)
        X = X if type(X) is np.ndarray and X.dtype == np.float64 else real_array("X", X, finite=False)
        if w.shape[-1:] != (self.dim,):
            raise ValueError(f"w must have shape (..., {self.dim}) for {self!r}, got {w.shape}")
        if X.ndim < 2 or X.shape[-1:] != (self.d,):
            raise ValueError(f"X must have shape (..., b, {self.d}) for {self!r}, got {X.shape}")
        return w, X

    @staticmethod
    def _targets(y, X):
        """y of shape (..., b), one target per row of X (a column (b, 1) would broadcast to (b, b))."""
        y = y if type(y) is np.ndarray and y.dtype == np.float64 else real_array("y", y, finite=False)
        if y.ndim < 1 or y.shape[-1] != X.shape[-2]:
            raise ValueError(f"y must have shape (..., {X.shape[-2]}), one target per row of X "
                             f"(X has shape {X.shape}), got {y.shape}")
        return y

    def score(self, w, X):
        r"""$z = X w_{1:d} + b$, shape ``(..., b)``."""
        w, X = self._check(w, X)
        z = (X @ w[..., :self.d, None])[..., 0]
        return z + w[..., self.d:] if self.bias else z

    def features(self, X):
        """The rows with a column of ones appended if the model has a bias: shape (..., b, dim)."""
        X = np.asarray(X, dtype=float)
        if not self.bias:
            return X
        return np.concatenate([X, np.ones(X.shape[:-1] + (1,))], axis=-1)

    def init(self, rng=None, scale=0.0, runs=None):
        """Initial weights: zeros, or ``scale * N(0, 1)`` drawn from ``rng``; ``runs`` adds a leading axis."""
        real("scale", scale, low=0, array=False)
        shape = (self.dim,) if runs is None else (integer("runs", runs, low=1), self.dim)
        if scale == 0:
            return np.zeros(shape)
        if rng is None:
            raise ValueError("init with scale > 0 needs rng=np.random.default_rng(seed)")
        return scale * as_generator(rng).standard_normal(shape)

    def grad(self, w, X, y):
        """The mean of ``per_example_grad`` over the rows, computed without forming it."""
        w, X = self._check(w, X)
        r = self._residual(w, X, y)                               # (..., b): dloss_i / dz_i
        b = X.shape[-2]
        g = (r[..., None, :] @ X)[..., 0, :] / b                  # (1/b) sum_i r_i x_i
        if self.bias:
            g = np.concatenate([g, r.mean(axis=-1)[..., None]], axis=-1)
        return g + self._penalty_grad(w)

    def per_example_grad(self, w, X, y):
        """One gradient per row: shape ``(..., b, dim)``; their mean over the rows is ``grad``."""
        w, X = self._check(w, X)
        r = self._residual(w, X, y)
        G = r[..., None] * self.features(X)                       # r_i [x_i, 1]
        penalty = self._penalty_grad(w)
        return G + penalty[..., None, :] if np.ndim(penalty) else G

    def objective(self, data, box=None, name=None, minimum=None):
        """The training loss on ``data`` as a :class:`gdlib.functions.Objective` of ``w``.

        Lets ``gdlib.plotting.contour`` and ``gdlib.run.minimize`` work on a model (two
        parameters are needed for a contour). ``minimum`` (default: the exact solution for linear
        regression) is marked on plots; ``box`` defaults to the minimum +- 3.
        """
        X, y = data.X, data.y
        if minimum is None and hasattr(self, "solution"):
            minimum = self.solution(X, y)
        minima = np.empty((0, self.dim)) if minimum is None else np.asarray(minimum, float)[None, :]
        if box is None and self.dim == 2 and minimum is not None:
            box = tuple((float(c) - 3.0, float(c) + 3.0) for c in minimum)
        return Objective(
            name or f"{type(self).__name__} on {getattr(data, 'name', 'data')}", self.dim,
            lambda w: self.loss(w, X, y), lambda w: self.grad(w, X, y), lambda w: self.hess(w, X, y),
            self.latex, minima, box, "linear",
            min_value=None if minimum is None else float(self.loss(minima[0], X, y)))


class LinearRegression(_Linear):
    r"""Least squares: $J(w) = \dfrac{1}{2b}\sum_{i=1}^{b} (x_i^\top w + w_0 - y_i)^2$ on a batch of $b$ rows.

    Gradient $\nabla J = \dfrac1b \sum_i (x_i^\top w + w_0 - y_i)\,[x_i, 1]$; Hessian
    $\dfrac1b \sum_i [x_i, 1][x_i, 1]^\top$ (constant). ``solution(X, y)`` is the exact
    minimiser of the full loss (``np.linalg.lstsq``).
    """
    latex = r"\frac{1}{2N}\sum_i (x_i^\top w + b - y_i)^2"

    def __repr__(self):
        return f"LinearRegression(d={self.d}, bias={self.bias})"

    def _residual(self, w, X, y):
        return self.score(w, X) - self._targets(y, X)             # x_i'w + b - y_i

    def _penalty_grad(self, w):
        return 0.0

    def loss(self, w, X, y):
        r = self._residual(*self._check(w, X), y)
        return 0.5 * np.mean(r * r, axis=-1)

    def hess(self, w, X, y):
        w, X = self._check(w, X)
        A = self.features(X)
        H = np.swapaxes(A, -1, -2) @ A / A.shape[-2]
        return np.broadcast_to(H, np.broadcast_shapes(w.shape[:-1], H.shape[:-2]) + H.shape[-2:]).copy()

    def solution(self, X, y):
        """The least-squares weights (minimum-norm if not unique), via ``np.linalg.lstsq``."""
        return np.linalg.lstsq(self.features(X), np.asarray(y, float), rcond=None)[0]


class LogisticRegression(_Linear):
    r"""Mean cross-entropy of $P(y=1 \mid x) = \sigma(z)$, $z = x^\top w + w_0$, for labels $y \in \{0, 1\}$:

    $J(w) = \dfrac1b \sum_i \left[\log(1 + e^{z_i}) - y_i z_i\right] + \dfrac{\lambda}{2}\|w_{1:d}\|^2$,

    computed as ``np.logaddexp(0, z) - y * z`` so large $|z|$ neither overflows nor loses
    precision. Gradient $\dfrac1b \sum_i (\sigma(z_i) - y_i)[x_i, 1] + \lambda [w_{1:d}, 0]$;
    Hessian $\dfrac1b \sum_i \sigma(z_i)(1-\sigma(z_i))[x_i, 1][x_i, 1]^\top + \lambda\,\mathrm{diag}(1,\dots,1,0)$.
    ``l2`` is $\lambda$; the bias is not penalised.
    """
    latex = r"\frac1N\sum_i \log(1 + e^{z_i}) - y_i z_i"

    def __init__(self, d, bias=True, l2=0.0):
        super().__init__(d, bias)
        real("l2", l2, low=0)
        if np.ndim(l2) and np.shape(l2)[-1] != 1:
            raise ValueError(f"l2 must be a number or an array of shape (K, 1), one per run of w (K, dim), "
                             f"got shape {np.shape(l2)}")
        self.l2 = l2

    def __repr__(self):
        l2 = f"{self.l2:g}" if np.ndim(self.l2) == 0 else f"array{np.shape(self.l2)}"
        return f"LogisticRegression(d={self.d}, bias={self.bias}, l2={l2})"

    def _residual(self, w, X, y):
        return _sigmoid(self.score(w, X)) - self._targets(y, X)    # sigma(z_i) - y_i

    def _penalty_grad(self, w):
        if np.all(np.asarray(self.l2) == 0):
            return 0.0
        mask = np.r_[np.ones(self.d), np.zeros(int(self.bias))]
        return self.l2 * w * mask

    def loss(self, w, X, y):
        w, X = self._check(w, X)
        z = self.score(w, X)
        J = np.mean(np.logaddexp(0.0, z) - self._targets(y, X) * z, axis=-1)
        if np.any(np.asarray(self.l2) != 0):
            l2 = np.asarray(self.l2)[..., 0] if np.ndim(self.l2) else self.l2    # (K, 1) -> (K,), the loss's shape
            J = J + 0.5 * l2 * np.sum(w[..., :self.d] ** 2, axis=-1)
        return J

    def hess(self, w, X, y):
        w, X = self._check(w, X)
        s = _sigmoid(self.score(w, X))
        A = self.features(X)
        H = np.swapaxes(A, -1, -2) @ ((s * (1 - s))[..., None] * A) / A.shape[-2]
        mask = np.r_[np.ones(self.d), np.zeros(int(self.bias))]
        return H + np.asarray(self.l2)[..., None] * np.diag(mask) if np.any(np.asarray(self.l2) != 0) else H

    def predict_proba(self, w, X):
        r"""$P(y = 1 \mid x) = \sigma(x^\top w + w_0)$, shape ``(..., b)``."""
        return _sigmoid(self.score(w, X))

    def accuracy(self, w, X, y):
        """The fraction of rows whose label is predicted correctly (threshold 1/2)."""
        w, X = self._check(w, X)
        return np.mean((self.score(w, X) > 0) == (self._targets(y, X) > 0.5), axis=-1)

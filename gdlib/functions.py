r"""Test objectives: value, gradient and Hessian, vectorised over leading axes.

Every objective takes ``theta`` of shape ``(..., d)`` and returns ``f`` of shape ``(...)``,
``grad`` of shape ``(..., d)`` and ``hess`` of shape ``(..., d, d)``, so one call evaluates a
whole grid or many runs at once. Each carries its known minima, a box to plot, the kind of
contour levels that show it well, and its formula in LaTeX.
"""
import functools
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from ._special import sigmoid
from ._validate import as_generator, as_points, integer, real_array


@dataclass(frozen=True, eq=False)   # eq=False: hashable by identity (for caching grids)
class Objective:
    """A differentiable test function ``f`` with its gradient and Hessian."""
    name: str
    dim: int
    f: Callable
    grad: Callable
    hess: Callable
    latex: str
    minima: np.ndarray                  # (n, d): known minimisers (global first)
    box: tuple                          # ((xmin, xmax), (ymin, ymax)) for 2-D, (xmin, xmax) for 1-D
    levels: str = "linear"              # contour spacing that shows the landscape: "linear" or "log"
    saddles: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    min_value: Optional[float] = None   # f at the global minimum, if bounded below
    hvp: Optional[Callable] = None      # hvp(theta, v) = hess(theta) @ v without forming the Hessian

    def __post_init__(self):
        """Check the definition, and make f, grad, hess and hvp refuse a theta of the wrong size."""
        integer("dim", self.dim, low=1)
        for key in ("f", "grad", "hess", "hvp"):
            fn = getattr(self, key)
            if fn is None and key in ("hess", "hvp"):
                continue
            if not callable(fn):
                raise TypeError(f"{key} must be a function of theta, got {type(fn).__name__}")
            object.__setattr__(self, key, _checked(fn, self.dim, self.name))

    def __call__(self, theta):
        return self.f(theta)

    def __repr__(self):
        return f"<Objective {self.name}: {self.latex}>"


def _checked(fn, dim, name):
    """``fn`` (f, grad, hess or hvp) with theta checked first: real, shape ``(..., dim)``.

    Beale's formula would silently ignore a third coordinate and a quadratic would fail inside
    ``einsum``; here both say what is wrong. Wrapping twice (``dataclasses.replace``) wraps once.
    """
    raw = getattr(fn, "__wrapped__", fn) if hasattr(fn, "_checks_dim") else fn

    @functools.wraps(raw)
    def checked(theta, *args):
        return raw(as_points(theta, dim, name), *args)

    checked._checks_dim = dim
    return checked


def _xy(theta):
    theta = np.asarray(theta, dtype=float)
    return theta[..., 0], theta[..., 1]


def _hess2(hxx, hxy, hyy):
    """Stack the entries of a symmetric 2x2 Hessian into shape (..., 2, 2)."""
    hxx, hxy, hyy = np.broadcast_arrays(hxx, hxy, hyy)
    return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)


# --- quadratics -------------------------------------------------------------------------

def quadratic(A, b=None, name=None, box=None, latex=None):
    r"""$f(\theta) = \tfrac12 \theta^\top A \theta - b^\top \theta$ with a symmetric matrix ``A``.

    Gradient $A\theta - b$, Hessian $A$. If ``A`` is positive definite the minimiser is
    $A^{-1}b$; if it is indefinite, $A^{-1}b$ is a saddle point (listed in ``saddles``).
    """
    A = np.array(real_array("A", A), dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square matrix, got shape {A.shape}")
    if not np.allclose(A, A.T):
        raise ValueError("A must be symmetric")
    d = A.shape[0]
    b = np.zeros(d) if b is None else np.array(real_array("b", b), dtype=float)
    if b.shape != (d,):
        raise ValueError(f"b must have shape ({d},) to match A, got {b.shape}")
    eigs = np.linalg.eigvalsh(A)
    critical = np.linalg.solve(A, b)[None, :] if np.all(eigs != 0) else np.empty((0, d))
    positive = bool(np.all(eigs > 0))

    def f(theta):
        theta = np.asarray(theta, dtype=float)
        return 0.5 * np.einsum("...i,ij,...j->...", theta, A, theta) - theta @ b

    def grad(theta):
        return np.asarray(theta, dtype=float) @ A - b       # A is symmetric: theta A = A theta

    def hess(theta):
        return np.broadcast_to(A, np.shape(theta)[:-1] + (d, d)).copy()

    if latex is None:
        latex = r"\tfrac12 \theta^\top A \theta - b^\top \theta"
    if box is None and d == 2:
        r = max(3.0, 2 * float(np.abs(critical).max(initial=0)))
        box = ((-r, r), (-r, r))
    return Objective(name or f"quadratic(d={d})", d, f, grad, hess, latex,
                     minima=critical if positive else np.empty((0, d)), box=box,
                     saddles=np.empty((0, d)) if positive else critical,
                     min_value=float(f(critical[0])) if positive else None)


def random_rotation(d, rng, batch=()):
    r"""A random orthogonal $d \times d$ matrix $Q$ (or a batch of them, shape ``batch + (d, d)``).

    $Q$ is the orthogonal factor of the QR decomposition of a matrix of independent standard
    normal entries drawn from ``rng`` (a numpy Generator or an integer seed): one draw of shape
    ``batch + (d, d)``, so the same ``rng`` state gives the same rotations as
    ``np.linalg.qr(rng.standard_normal(batch + (d, d)))[0]``. (The signs are not normalised, so
    $Q$ is not exactly Haar-distributed; it is a random orientation, which is all the book needs.)
    """
    d = integer("d", d, low=1, high=10_000)
    if isinstance(batch, (int, np.integer)) and not isinstance(batch, bool):
        batch = (batch,)
    if not isinstance(batch, tuple):
        raise ValueError(f"batch must be a tuple of run counts (e.g. (5,)) or an integer, got {batch!r}")
    batch = tuple(integer(f"batch[{i}]", k, low=1) for i, k in enumerate(batch))
    return np.linalg.qr(as_generator(rng).standard_normal(batch + (d, d)))[0]


def _rotated(Q, eigenvalues):
    r"""$Q\,\mathrm{diag}(\lambda)\,Q^\top$ (batched), made exactly symmetric."""
    A = (Q * eigenvalues[..., None, :]) @ np.swapaxes(Q, -1, -2)      # (Q diag(lambda)) Q^T
    return 0.5 * (A + np.swapaxes(A, -1, -2))


def rotated_quadratic(eigenvalues, rng, b=None, name=None):
    r"""A quadratic $\tfrac12\theta^\top A\theta - b^\top\theta$ with given eigenvalues and a random orientation.

    $A = Q\,\mathrm{diag}(\lambda_1, \dots, \lambda_d)\,Q^\top$ with $Q$ from
    :func:`random_rotation` (``rng``: a numpy Generator or an integer seed, required), made exactly
    symmetric. ``eigenvalues`` of shape ``(d,)`` gives one :func:`quadratic`; of shape ``(K, d)``
    it gives a :func:`quadratic_batch`, one rotation per row (drawn in one call, shape ``(K, d, d)``),
    run ``k`` (``theta[..., k, :]``) seeing $A_k$. The condition number is
    $\max\lambda / \min\lambda$; eigenvalues may be of any sign (an indefinite $A$ is a saddle).
    ``b`` (default 0) is passed on.
    """
    lam = real_array("eigenvalues", eigenvalues)
    if lam.ndim not in (1, 2):
        raise ValueError(f"eigenvalues must have shape (d,) or (K, d), got shape {lam.shape}")
    A = _rotated(random_rotation(lam.shape[-1], rng, lam.shape[:-1]), lam)
    if lam.ndim == 1:
        return quadratic(A, b, name=name or f"rotated quadratic(d={lam.size})")
    return quadratic_batch(A, b, name=name)


def quadratic_batch(A, b=None, name=None):
    r"""K quadratics in one objective: run $k$ minimises $\tfrac12\theta^\top A_k\theta - b_k^\top\theta$.

    ``A`` has shape ``(K, d, d)`` (each symmetric), ``b`` shape ``(K, d)``, ``(d,)`` or None (zero).
    The objective takes ``theta`` of shape ``(..., K, d)``: ``theta[..., k, :]`` is a point for
    problem $k$, so ``run.minimize(batch, opt, theta0)`` with ``theta0`` of shape ``(K, d)``
    advances K runs on K different problems in one call (each with its own hyperparameters if
    they have shape ``(K, 1)``). ``f`` has shape ``(..., K)``, ``grad`` $A_k\theta_k - b_k$ the shape
    of ``theta``, ``hess`` ``(..., K, d, d)``. ``minima`` lists the common minimiser if every $A_k$
    is positive definite and all K minimisers coincide (e.g. ``b`` = 0), otherwise none (each
    problem's own minimiser is ``np.linalg.solve(A, b[..., None])[..., 0]``).
    """
    A = np.array(real_array("A", A, ndim=3), dtype=float)
    K, d, d2 = A.shape
    if d != d2:
        raise ValueError(f"A must have shape (K, d, d) (K square matrices), got shape {A.shape}")
    if not np.allclose(A, np.swapaxes(A, 1, 2)):
        raise ValueError("A must hold symmetric matrices: A[k] == A[k].T for every k")
    b = np.zeros((K, d)) if b is None else np.array(real_array("b", b), dtype=float)
    if b.shape not in ((d,), (K, d)):
        raise ValueError(f"b must have shape ({K}, {d}) or ({d},) to match A of shape {A.shape}, got {b.shape}")
    b = np.broadcast_to(b, (K, d)).copy()

    def _runs(theta):
        theta = np.asarray(theta, dtype=float)
        if theta.ndim < 2 or theta.shape[-2] != K:
            raise ValueError(f"theta must have shape (..., {K}, {d}) for this batch of {K} quadratics "
                             f"(one row per problem), got shape {theta.shape}")
        return theta

    def f(theta):
        theta = _runs(theta)
        return 0.5 * np.einsum("...ki,kij,...kj->...k", theta, A, theta) - np.einsum("...ki,ki->...k", theta, b)

    def grad(theta):
        return np.einsum("kij,...kj->...ki", A, _runs(theta)) - b

    def hess(theta):
        return np.broadcast_to(A, _runs(theta).shape[:-1] + (d, d)).copy()

    positive = bool(np.all(np.linalg.eigvalsh(A) > 0))
    minima = np.empty((0, d))
    if positive:
        sol = np.linalg.solve(A, b[..., None])[..., 0]
        if np.allclose(sol, sol[0]):
            minima = sol[:1]
    return Objective(name or f"{K} quadratics (d={d})", d, f, grad, hess,
                     latex=r"\tfrac12 \theta^\top A_k \theta - b_k^\top \theta", minima=minima, box=None,
                     min_value=_common_value(f, minima, K))


def _common_value(f, minima, K):
    """f at the common minimiser if every problem of a batch has the same minimum value there, else None."""
    if not len(minima):
        return None
    values = f(np.broadcast_to(minima[0], (K, minima.shape[1])))
    return float(values[0]) if np.allclose(values, values[0], rtol=0, atol=1e-12) else None


bowl = quadratic(np.diag([2.0, 2.0]), name="bowl", box=((-3.5, 3.5), (-3.5, 3.5)), latex=r"x^2 + y^2")
"""The isotropic bowl $x^2 + y^2$ (condition number 1)."""

ill_conditioned = quadratic(np.diag([2.0, 100.0]), name="ill_conditioned", box=((-10, 10), (-3, 3)),
                            latex=r"x^2 + 50\,y^2")
"""The elongated valley $x^2 + 50 y^2$ (condition number 50)."""

ellipsoid3d = quadratic(np.diag([2.0, 0.2, 4.0]), name="ellipsoid3d", latex=r"x^2 + 0.1\,y^2 + 2\,z^2")
"""The 3-D quadratic $x^2 + 0.1 y^2 + 2 z^2$ (condition number 20)."""

saddle = quadratic(np.diag([2.0, -2.0]), name="saddle", box=((-2, 2), (-2, 2)), latex=r"x^2 - y^2")
"""The saddle $x^2 - y^2$: a critical point at the origin that is not a minimum."""


# --- classic 2-D test functions ---------------------------------------------------------

def _beale_f(theta):
    x, y = _xy(theta)
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


def _beale_grad(theta):
    x, y = _xy(theta)
    a1, a2, a3 = 1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3
    dx = 2 * a1 * (y - 1) + 2 * a2 * (y ** 2 - 1) + 2 * a3 * (y ** 3 - 1)
    dy = 2 * a1 * x + 2 * a2 * (2 * x * y) + 2 * a3 * (3 * x * y ** 2)
    return np.stack([dx, dy], -1)


def _beale_hess(theta):
    x, y = _xy(theta)
    a1, a2, a3 = 1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3
    hxx = 2 * (y - 1) ** 2 + 2 * (y ** 2 - 1) ** 2 + 2 * (y ** 3 - 1) ** 2
    hxy = (2 * ((y - 1) * x + a1) + 2 * ((y ** 2 - 1) * 2 * x * y + 2 * y * a2)
           + 2 * ((y ** 3 - 1) * 3 * x * y ** 2 + 3 * y ** 2 * a3))
    hyy = 2 * x ** 2 + 2 * ((2 * x * y) ** 2 + 2 * x * a2) + 2 * ((3 * x * y ** 2) ** 2 + 6 * x * y * a3)
    return _hess2(hxx, hxy, hyy)


beale = Objective(
    "beale", 2, _beale_f, _beale_grad, _beale_hess,
    latex=r"(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
    minima=np.array([[3.0, 0.5]]), box=((-4.5, 4.5), (-4.5, 4.5)), levels="log", min_value=0.0)
"""Beale's function: global minimum 0 at (3, 0.5), flat plateaus and steep walls."""


def _rosenbrock_f(theta):
    x, y = _xy(theta)
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def _rosenbrock_grad(theta):
    x, y = _xy(theta)
    return np.stack([-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)], -1)


def _rosenbrock_hess(theta):
    x, y = _xy(theta)
    return _hess2(2 - 400 * (y - x ** 2) + 800 * x ** 2, -400 * x, 200.0 + 0 * x)


rosenbrock = Objective(
    "rosenbrock", 2, _rosenbrock_f, _rosenbrock_grad, _rosenbrock_hess,
    latex=r"(1 - x)^2 + 100\,(y - x^2)^2",
    minima=np.array([[1.0, 1.0]]), box=((-2, 2), (-1, 3)), levels="log", min_value=0.0)
"""Rosenbrock's banana valley: global minimum 0 at (1, 1) at the end of a curved, flat valley."""


def _himmelblau_f(theta):
    x, y = _xy(theta)
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


def _himmelblau_grad(theta):
    x, y = _xy(theta)
    p, q = x ** 2 + y - 11, x + y ** 2 - 7
    return np.stack([4 * x * p + 2 * q, 2 * p + 4 * y * q], -1)


def _himmelblau_hess(theta):
    x, y = _xy(theta)
    return _hess2(12 * x ** 2 + 4 * y - 42, 4 * x + 4 * y, 4 * x + 12 * y ** 2 - 26)


himmelblau = Objective(
    "himmelblau", 2, _himmelblau_f, _himmelblau_grad, _himmelblau_hess,
    latex=r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    minima=np.array([[3.0, 2.0],
                     [-2.805118086952745, 3.131312518250573],
                     [-3.779310253377747, -3.283185991286170],
                     [3.584428340330492, -1.848126526964404]]),
    box=((-5, 5), (-5, 5)), levels="log", min_value=0.0)
"""Himmelblau's function: four global minima, all with value 0."""


def _rastrigin_f(theta):
    theta = np.asarray(theta, dtype=float)
    return 10 * theta.shape[-1] + np.sum(theta ** 2 - 10 * np.cos(2 * np.pi * theta), axis=-1)


def _rastrigin_grad(theta):
    theta = np.asarray(theta, dtype=float)
    return 2 * theta + 20 * np.pi * np.sin(2 * np.pi * theta)


def _rastrigin_hess(theta):
    theta = np.asarray(theta, dtype=float)
    return (2 + 40 * np.pi ** 2 * np.cos(2 * np.pi * theta))[..., None] * np.eye(theta.shape[-1])


rastrigin = Objective(
    "rastrigin", 2, _rastrigin_f, _rastrigin_grad, _rastrigin_hess,
    latex=r"20 + \sum_{i=1}^{2} \left(\theta_i^2 - 10\cos 2\pi\theta_i\right)",
    minima=np.array([[0.0, 0.0]]), box=((-5.12, 5.12), (-5.12, 5.12)), min_value=0.0)
"""Rastrigin's function: a bowl covered in a regular grid of local minima; global minimum 0 at 0."""


# --- 1-D examples -----------------------------------------------------------------------

parabola = quadratic(np.array([[2.0]]), name="parabola", box=(-2, 2), latex=r"\theta^2")
"""The 1-D parabola $J(\theta) = \theta^2$ of the first worked example."""

_DW = np.polynomial.Polynomial([0.0, 1.0, -4.0, 0.0, 1.0])     # x^4 - 4x^2 + x
_DW_crit = np.sort(_DW.deriv().roots().real)                   # two minima around a maximum


double_well = Objective(
    "double_well", 1,
    f=lambda theta: _DW(np.asarray(theta, dtype=float)[..., 0]),
    grad=lambda theta: _DW.deriv()(np.asarray(theta, dtype=float)),
    hess=lambda theta: _DW.deriv(2)(np.asarray(theta, dtype=float))[..., None],
    latex=r"\theta^4 - 4\theta^2 + \theta",
    minima=_DW_crit[[0, 2]][:, None], box=(-2.3, 2.3), min_value=float(_DW(_DW_crit[0])))
"""A non-convex 1-D function: global minimum near -1.47, a local one near 1.35, a maximum between."""


ramp = Objective(
    "ramp", 1,
    f=lambda theta: np.asarray(theta, dtype=float)[..., 0],
    grad=lambda theta: np.ones_like(np.asarray(theta, dtype=float)),
    hess=lambda theta: np.zeros(np.shape(theta) + (1,)),
    latex=r"\theta", minima=np.empty((0, 1)), box=(-2.0, 2.0))
r"""The ramp $J(\theta) = \theta$ in one dimension: gradient 1 everywhere, no minimum (unbounded below).

A constant slope isolates what an optimizer does with a gradient that never changes: momentum's
terminal velocity $\eta/(1-\gamma)$ (chapter 4a), Adagrad's shrinking steps $\eta/\sqrt{t}$ against
RMSprop's constant ones (chapter 4b). Every run walks towards $-\infty$; the distance moved per step
is the optimizer's effective learning rate."""


# --- a cliff (chapter 3: gradient clipping) ----------------------------------------------

_CLIFF_H, _CLIFF_S, _CLIFF_C = 50.0, 20.0, 1.0      # wall height, steepness, position


def _cliff_parts(theta):
    x, y = _xy(theta)
    S = sigmoid(_CLIFF_S * (x - _CLIFF_C))                          # sigma(s (x - c))
    return x, y, S


def _cliff_f(theta):
    x, y, S = _cliff_parts(theta)
    return 0.5 * (x ** 2 + y ** 2) + _CLIFF_H * S


def _cliff_grad(theta):
    x, y, S = _cliff_parts(theta)
    return np.stack([x + _CLIFF_H * _CLIFF_S * S * (1 - S), y], -1)


def _cliff_hess(theta):
    x, y, S = _cliff_parts(theta)
    return _hess2(1 + _CLIFF_H * _CLIFF_S ** 2 * S * (1 - S) * (1 - 2 * S), 0 * x, 1 + 0 * x)


def _cliff_minimum():
    x = np.zeros(2)
    for _ in range(20):                                             # Newton on the x-coordinate
        x[0] -= _cliff_grad(x)[0] / _cliff_hess(x)[0, 0]
    return x


cliff = Objective(
    "cliff", 2, _cliff_f, _cliff_grad, _cliff_hess,
    latex=r"\tfrac12(x^2 + y^2) + 50\,\sigma\big(20(x - 1)\big)",
    minima=_cliff_minimum()[None, :], box=((-3.0, 4.0), (-2.5, 2.5)),
    min_value=float(_cliff_f(_cliff_minimum())))
r"""A bowl with a cliff: a wall of height 50 and width about 0.2 at $x = 1$, $\sigma$ the logistic
function. On the wall the gradient is up to $50 \cdot 20 / 4 = 250$, a hundred times the gradient
beside it: one plain gradient step taken there throws the parameters far away (Pascanu et al. 2013)."""


ALL = {o.name: o for o in (bowl, ill_conditioned, ellipsoid3d, saddle, beale, rosenbrock,
                           himmelblau, rastrigin, parabola, double_well, cliff, ramp)}
"""Every named objective by name (``tests/test_validation.py`` checks that none is missing)."""


# --- n-dimensional Rosenbrock functions (chapter 7: second-order methods) ------------------

def _pairs(theta):
    theta = np.asarray(theta, dtype=float)
    if theta.shape[-1] % 2:
        raise ValueError(f"extended_rosenbrock needs an even number of coordinates, got {theta.shape[-1]}")
    return theta[..., 0::2], theta[..., 1::2]          # x_{2i-1}, x_{2i}: one 2-D Rosenbrock term each


def extended_rosenbrock(n):
    r"""The extended Rosenbrock function in $n$ (even) dimensions: $n/2$ independent 2-D Rosenbrock terms,

    $$f(\theta) = \sum_{i=1}^{n/2} (1 - \theta_{2i-1})^2 + 100\,(\theta_{2i} - \theta_{2i-1}^2)^2 ,$$

    minimum 0 at $(1, \dots, 1)$, the only critical point; the Hessian is block diagonal with
    2x2 blocks, and ``hvp(theta, v)`` multiplies by it in $O(n)$. The usual start is
    $(-1.2, 1, -1.2, 1, \dots)$ (Moré, Garbow & Hillstrom 1981). Not to be confused with
    :func:`chained_rosenbrock`, the coupled sum that ``scipy.optimize.rosen`` computes.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2 or n % 2:
        raise ValueError(f"n must be an even integer >= 2, got {n!r}")
    n = int(n)

    def f(theta):
        a, b = _pairs(theta)
        return np.sum((1 - a) ** 2 + 100 * (b - a ** 2) ** 2, axis=-1)

    def grad(theta):
        a, b = _pairs(theta)
        return np.stack([-2 * (1 - a) - 400 * a * (b - a ** 2), 200 * (b - a ** 2)], -1).reshape(np.shape(theta))

    def _blocks(theta):                                  # the 2x2 blocks' entries, shape (..., n/2) each
        a, b = _pairs(theta)
        return 2 - 400 * (b - a ** 2) + 800 * a ** 2, -400 * a, 200.0 + 0 * a

    def hess(theta):
        haa, hab, hbb = _blocks(theta)
        H = np.zeros(np.shape(theta)[:-1] + (n, n))
        i = np.arange(0, n, 2)
        H[..., i, i], H[..., i, i + 1], H[..., i + 1, i], H[..., i + 1, i + 1] = haa, hab, hab, hbb
        return H

    def hvp(theta, v):
        haa, hab, hbb = _blocks(theta)
        va, vb = _pairs(np.broadcast_to(v, np.broadcast_shapes(np.shape(theta), np.shape(v))))
        return np.stack([haa * va + hab * vb, hab * va + hbb * vb], -1).reshape(va.shape[:-1] + (n,))

    return Objective(f"extended_rosenbrock({n})", n, f, grad, hess,
                     latex=r"\sum_{i=1}^{n/2} (1 - \theta_{2i-1})^2 + 100\,(\theta_{2i} - \theta_{2i-1}^2)^2",
                     minima=np.ones((1, n)), box=((-2, 2), (-1, 3)) if n == 2 else None, levels="log",
                     min_value=0.0, hvp=hvp)


def chained_rosenbrock(n):
    r"""The chained Rosenbrock function in $n \ge 2$ dimensions, as ``scipy.optimize.rosen`` computes it:

    $$f(\theta) = \sum_{i=1}^{n-1} 100\,(\theta_{i+1} - \theta_i^2)^2 + (1 - \theta_i)^2 .$$

    Neighbouring coordinates are coupled, so the Hessian is tridiagonal. Global minimum 0 at
    $(1, \dots, 1)$; for $n \ge 4$ there is also a local minimum near $(-1, 1, \dots, 1)$
    (Kok & Sandrock 2009), which :func:`extended_rosenbrock` does not have. For $n = 2$ both
    are the 2-D ``rosenbrock``.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    n = int(n)

    def f(theta):
        theta = np.asarray(theta, dtype=float)
        a, b = theta[..., :-1], theta[..., 1:]
        return np.sum(100 * (b - a ** 2) ** 2 + (1 - a) ** 2, axis=-1)

    def grad(theta):
        theta = np.asarray(theta, dtype=float)
        a, b = theta[..., :-1], theta[..., 1:]
        inner = 100 * (b - a ** 2)                      # d/db of the i-th term is 2 * inner
        g = np.zeros_like(theta)
        g[..., :-1] += -4 * a * inner - 2 * (1 - a)
        g[..., 1:] += 2 * inner
        return g

    def _bands(theta):                                   # diagonal (..., n) and off-diagonal (..., n-1)
        theta = np.asarray(theta, dtype=float)
        a, b = theta[..., :-1], theta[..., 1:]
        diag = np.zeros_like(theta)
        diag[..., :-1] += 1200 * a ** 2 - 400 * b + 2
        diag[..., 1:] += 200
        return diag, -400 * a

    def hess(theta):
        diag, off = _bands(theta)
        i = np.arange(n)
        H = np.zeros(np.shape(theta)[:-1] + (n, n))
        H[..., i, i] = diag
        H[..., i[:-1], i[1:]] = off
        H[..., i[1:], i[:-1]] = off
        return H

    def hvp(theta, v):
        diag, off = _bands(theta)
        v = np.asarray(v, dtype=float)
        out = diag * v
        out[..., :-1] = out[..., :-1] + off * v[..., 1:]
        out[..., 1:] = out[..., 1:] + off * v[..., :-1]
        return out

    return Objective(f"chained_rosenbrock({n})", n, f, grad, hess,
                     latex=r"\sum_{i=1}^{n-1} 100\,(\theta_{i+1} - \theta_i^2)^2 + (1 - \theta_i)^2",
                     minima=np.ones((1, n)), box=((-2, 2), (-1, 3)) if n == 2 else None, levels="log",
                     min_value=0.0, hvp=hvp)

r"""Counted oracles, results with scipy's field names, and line searches (Armijo, strong Wolfe).

Second-order methods ask an objective for more than a gradient: a line search needs the value
$f$, Newton's method the Hessian $\nabla^2 f$ or Hessian-vector products $\nabla^2 f\,v$. They
receive the objective itself (anything with ``f`` and ``grad``, optionally ``hess`` and ``hvp``,
e.g. a :class:`gdlib.functions.Objective`) and wrap it in an :class:`Oracle`, which counts every
evaluation the way ``scipy.optimize.minimize`` does: ``nfev`` values, ``njev`` gradients,
``nhev`` Hessians or Hessian-vector products. Every method returns an :class:`OptimizeResult`
with scipy's field names plus the path.

Line searches along a descent direction $p$ (so $\nabla f(x)^\top p < 0$) choose the step
$\alpha$ in $x + \alpha p$ {cite}`nocedal2006numerical`:

* :func:`backtracking`: the Armijo (sufficient decrease) condition
  $f(x + \alpha p) \le f(x) + c_1 \alpha \nabla f(x)^\top p$ by halving from $\alpha_0$
  (Nocedal & Wright, Algorithm 3.1; ``armijo1966minimization``);
* :func:`strong_wolfe`: Armijo plus the strong curvature condition
  $|\nabla f(x + \alpha p)^\top p| \le c_2 |\nabla f(x)^\top p|$, by bracketing and zooming
  (Nocedal & Wright, Algorithms 3.5 and 3.6; ``wolfe1969convergence``).
"""
from typing import Any, NamedTuple, Optional

import numpy as np

from ._validate import as_params, check_range

__all__ = ["Oracle", "OptimizeResult", "LineSearchResult", "backtracking", "strong_wolfe",
           "check_wolfe_constants"]


class Oracle:
    """An objective whose evaluations are counted: ``nfev`` (f), ``njev`` (grad), ``nhev`` (hess/hvp).

    ``objective`` needs callables ``f(x)`` and ``grad(x)``; ``hess(x)`` and ``hvp(x, v)`` are
    optional. Without ``hvp``, :meth:`hvp` multiplies by ``hess(x)``; each call counts as one
    Hessian evaluation either way, as ``scipy.optimize.minimize`` counts ``hessp`` calls.
    """

    def __init__(self, objective):
        for name in ("f", "grad"):
            if not callable(getattr(objective, name, None)):
                raise TypeError(f"objective must have a callable {name!r} (e.g. a gdlib.functions.Objective), "
                                f"got {type(objective).__name__}")
        self.objective = objective
        self.nfev = self.njev = self.nhev = 0

    @property
    def has_hess(self):
        return callable(getattr(self.objective, "hess", None))

    @property
    def has_hvp(self):
        return callable(getattr(self.objective, "hvp", None))

    def f(self, x):
        self.nfev += 1
        return float(self.objective.f(x))

    def grad(self, x):
        self.njev += 1
        return np.array(self.objective.grad(x), dtype=float)

    def hess(self, x):
        if not self.has_hess:
            raise TypeError(f"this method needs the Hessian: {type(self.objective).__name__} has no 'hess'")
        self.nhev += 1
        return np.array(self.objective.hess(x), dtype=float)

    def hvp(self, x, v):
        if self.has_hvp:
            self.nhev += 1
            return np.array(self.objective.hvp(x, v), dtype=float)
        return self.hess(x) @ v


class OptimizeResult(NamedTuple):
    """What every method in :mod:`gdlib.second_order` returns; the first fields are scipy's.

    x, fun, jac:  the final point, its value and gradient
    nit:          iterations (updates of x)
    nfev, njev, nhev: evaluations of f, of the gradient, of the Hessian (or Hessian-vector products)
    success, message: whether the stopping test ``max|grad| <= gtol`` was met, and why it stopped
    path:         (nit + 1, d) the iterates, starting point first
    values:       (nit + 1,)   f along the path
    grad_norms:   (nit + 1,)   max|grad f| along the path (the quantity ``gtol`` tests, as in scipy)
    info:         method-specific extras (step sizes, inverse-Hessian approximations, ...)
    """
    x: np.ndarray
    fun: float
    jac: np.ndarray
    nit: int
    nfev: int
    njev: int
    nhev: int
    success: bool
    message: str
    path: np.ndarray
    values: np.ndarray
    grad_norms: np.ndarray
    info: Any = None


class LineSearchResult(NamedTuple):
    """alpha: the step (None if none was found); fun, grad: f and grad f at x + alpha p (grad may be None)."""
    alpha: Optional[float]
    fun: Optional[float]
    grad: Optional[np.ndarray]
    success: bool


def check_wolfe_constants(c1, c2):
    """Raise ValueError unless 0 < c1 < c2 < 1 (the range in which Wolfe steps exist)."""
    check_range("c1", c1, 0, 1, low_open=True, high_open=True)
    check_range("c2", c2, 0, 1, low_open=True, high_open=True)
    if not c1 < c2:
        raise ValueError(f"c1 must be smaller than c2 (0 < c1 < c2 < 1), got c1={c1}, c2={c2}")


def _slope(f0, g0, p):
    d0 = float(np.dot(g0, p))
    if not d0 < 0:
        raise ValueError(f"p is not a descent direction: grad f(x)'p = {d0:.3g} must be negative")
    return d0


def backtracking(oracle, x, p, f0, g0, alpha0=1.0, c1=1e-4, rho=0.5, maxiter=60):
    r"""The largest $\alpha = \alpha_0 \rho^j$ ($j = 0, 1, \dots$) with sufficient decrease (Armijo):

    $$f(x + \alpha p) \le f(x) + c_1\, \alpha\, \nabla f(x)^\top p .$$

    ``oracle`` an :class:`Oracle`; ``f0``, ``g0`` are $f(x)$ and $\nabla f(x)$; ``rho`` $\in (0, 1)$
    the shrink factor. Nocedal & Wright, Algorithm 3.1 (``nocedal2006numerical``,
    ``armijo1966minimization``). Returns a :class:`LineSearchResult` (``grad`` is None: Armijo
    needs no gradient); ``success`` is False if ``maxiter`` halvings did not suffice.
    """
    check_range("c1", c1, 0, 1, low_open=True, high_open=True)
    check_range("rho", rho, 0, 1, low_open=True, high_open=True)
    check_range("alpha0", alpha0, 0, low_open=True)
    d0 = _slope(f0, g0, p)
    alpha = float(alpha0)
    for _ in range(maxiter):
        f_new = oracle.f(x + alpha * p)
        if f_new <= f0 + c1 * alpha * d0:
            return LineSearchResult(alpha, f_new, None, True)
        alpha *= rho
    return LineSearchResult(None, None, None, False)


def _cubic_min(a, fa, da, b, fb, c, fc):
    """The minimiser of the cubic through (a, fa) with slope da, (b, fb) and (c, fc); None if there is none."""
    with np.errstate(all="ignore"):
        db, dc = b - a, c - a
        denom = (db * dc) ** 2 * (db - dc)
        rb, rc = fb - fa - da * db, fc - fa - da * dc
        A = (dc ** 2 * rb - db ** 2 * rc) / denom
        B = (-dc ** 3 * rb + db ** 3 * rc) / denom
        root = np.sqrt(B * B - 3 * A * da)
        # the root of q'(t) = da + 2 B t + 3 A t^2 where q'' > 0, written without cancellation:
        # for B > 0 as -da / (B + root), which stays exact when A -> 0 (the cubic is a parabola)
        xmin = a - da / (B + root) if B > 0 else a + (root - B) / (3 * A)
    return float(xmin) if np.isfinite(xmin) else None


def _quad_min(a, fa, da, b, fb):
    """The minimiser of the parabola through (a, fa) with slope da and (b, fb); None if there is none."""
    with np.errstate(all="ignore"):
        D = b - a
        curv = (fb - fa - da * D) / (D * D)
        xmin = a - da / (2.0 * curv)
    return float(xmin) if np.isfinite(xmin) and curv > 0 else None


def strong_wolfe(oracle, x, p, f0, g0, alpha0=1.0, c1=1e-4, c2=0.9, amax=None, maxiter=10, zoom_maxiter=20):
    r"""A step satisfying the strong Wolfe conditions, by bracketing then zooming.

    $$f(x + \alpha p) \le f(x) + c_1 \alpha \nabla f(x)^\top p, \qquad
      |\nabla f(x + \alpha p)^\top p| \le c_2\, |\nabla f(x)^\top p|, \qquad 0 < c_1 < c_2 < 1.$$

    With $\phi(\alpha) = f(x + \alpha p)$: try $\alpha_0$, double the step while $\phi$ still
    decreases and its slope is negative (Nocedal & Wright, Algorithm 3.5); once an interval is known
    to contain acceptable steps, shrink it (Algorithm 3.6, "zoom"), choosing each trial as the
    minimiser of a cubic (a parabola on the first zoom step) fitted to the known values and slope,
    safeguarded to stay away from the interval's ends, else the midpoint. ``c1`` (sufficient
    decrease, 1e-4) and ``c2`` (0.9 for Newton and quasi-Newton methods, 0.1-0.4 for nonlinear
    conjugate gradients) are the usual constants (``nocedal2006numerical``, ``wolfe1969convergence``).

    ``oracle`` an :class:`Oracle`; ``f0, g0`` are $f(x)$, $\nabla f(x)$; ``amax`` caps the step;
    at most ``maxiter`` doublings and ``zoom_maxiter`` zoom steps (scipy's ``line_search`` allows
    10 of each). Returns a :class:`LineSearchResult`; ``grad`` is $\nabla f(x + \alpha p)$ when it
    was computed; ``success=False`` (and ``alpha=None``) when no step was found.
    """
    check_wolfe_constants(c1, c2)
    check_range("alpha0", alpha0, 0, low_open=True)
    d0 = _slope(f0, g0, p)
    grads = {}

    def phi(a):
        return oracle.f(x + a * p)

    def dphi(a):
        g = oracle.grad(x + a * p)
        grads[a] = g
        return float(np.dot(g, p))

    def accept(a, fa):
        return LineSearchResult(a, fa, grads.get(a), True)

    def zoom(a_lo, a_hi, f_lo, f_hi, d_lo):
        a_rec = f_rec = None                        # the previous end point, for the cubic
        for j in range(zoom_maxiter):
            lo, hi = min(a_lo, a_hi), max(a_lo, a_hi)
            width = hi - lo
            a_j = _cubic_min(a_lo, f_lo, d_lo, a_hi, f_hi, a_rec, f_rec) if j > 0 else None
            if a_j is None or not lo + 0.2 * width <= a_j <= hi - 0.2 * width:
                a_j = _quad_min(a_lo, f_lo, d_lo, a_hi, f_hi)
                if a_j is None or not lo + 0.1 * width <= a_j <= hi - 0.1 * width:
                    a_j = a_lo + 0.5 * (a_hi - a_lo)
            f_j = phi(a_j)
            if f_j > f0 + c1 * a_j * d0 or f_j >= f_lo:
                a_rec, f_rec = a_hi, f_hi
                a_hi, f_hi = a_j, f_j
            else:
                d_j = dphi(a_j)
                if abs(d_j) <= -c2 * d0:
                    return accept(a_j, f_j)
                if d_j * (a_hi - a_lo) >= 0:
                    a_rec, f_rec = a_hi, f_hi
                    a_hi, f_hi = a_lo, f_lo
                else:
                    a_rec, f_rec = a_lo, f_lo
                a_lo, f_lo, d_lo = a_j, f_j, d_j
        return LineSearchResult(None, None, None, False)

    a_prev, f_prev, d_prev = 0.0, f0, d0
    a = float(alpha0) if amax is None else min(float(alpha0), amax)
    f_a = phi(a)
    for i in range(maxiter):
        if f_a > f0 + c1 * a * d0 or (i > 0 and f_a >= f_prev):
            return zoom(a_prev, a, f_prev, f_a, d_prev)
        d_a = dphi(a)
        if abs(d_a) <= -c2 * d0:
            return accept(a, f_a)
        if d_a >= 0:
            return zoom(a, a_prev, f_a, f_prev, d_a)
        a_next = 2.0 * a if amax is None else min(2.0 * a, amax)
        if a_next == a:                              # at amax and still going down: no bracket
            break
        a_prev, f_prev, d_prev = a, f_a, d_a
        a, f_a = a_next, phi(a_next)
    return LineSearchResult(None, None, None, False)


# --- shared by the methods: argument checks and the record of a run --------------------------

def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _start(x0, gtol, maxiter):
    x = as_params(x0)
    if x.ndim != 1:
        raise ValueError(f"x0 must have shape (d,): second-order methods run one start at a time, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 must be finite")
    check_range("gtol", gtol, 0)
    maxiter = 200 * x.size if maxiter is None else _check_int("maxiter", maxiter, 0)
    return x, maxiter


class _Record:
    """The path of one run and its stopping message; builds the OptimizeResult."""

    def __init__(self, oracle, x, f, g, gtol):
        self.oracle, self.gtol = oracle, gtol
        self.x, self.f, self.g = x, f, g
        self.path, self.values, self.gnorms = [x], [f], [_gnorm(g)]

    def done(self):
        return self.gnorms[-1] <= self.gtol

    def step(self, x, f, g):
        self.x, self.f, self.g = x, f, g
        self.path.append(x)
        self.values.append(f)
        self.gnorms.append(_gnorm(g))
        return np.isfinite(f) and np.all(np.isfinite(x))

    def result(self, message=None, success=None, **info):
        if success is None:
            success = message is None and self.done()
        if message is None:
            message = ("Optimization terminated successfully." if success
                       else "Maximum number of iterations has been exceeded.")
        o = self.oracle
        return OptimizeResult(self.x, float(self.f), self.g, len(self.path) - 1, o.nfev, o.njev, o.nhev,
                              bool(success), message, np.array(self.path), np.array(self.values),
                              np.array(self.gnorms), info)


def _gnorm(g):
    return float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else np.inf


_LS_FAILED = "Line search failed: no step satisfies the conditions (often precision loss near the minimum)."
_NOT_FINITE = "Stopped: the objective or the parameters became inf or NaN."

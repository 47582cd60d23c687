r"""Conjugate gradients and quasi-Newton methods: curvature from gradients alone.

* :func:`linear_cg`: conjugate gradients for $A x = b$ (the quadratic $\tfrac12 x^\top A x - b^\top x$);
* :func:`nonlinear_cg`: Fletcher-Reeves, Polak-Ribiere and PR+ with restarts;
* :func:`bfgs`: the BFGS inverse-Hessian update, with the scaled start $H_0 = (s^\top y / y^\top y) I$;
* :func:`lbfgs`: limited-memory BFGS by the two-loop recursion (:func:`two_loop`).

Same contract as :mod:`gdlib.second_order` (which re-exports these names): the objective in, an
:class:`gdlib.line_search.OptimizeResult` with scipy's field names and the path out.
References: Nocedal & Wright 2006 (``nocedal2006numerical``) for all algorithm numbers quoted.
"""
from collections import deque
from types import SimpleNamespace

import numpy as np

from ._validate import check_range
from .line_search import (_LS_FAILED, _NOT_FINITE, Oracle, _check_int, _Record, _start,
                          check_wolfe_constants, strong_wolfe)

__all__ = ["linear_cg", "nonlinear_cg", "CG_BETAS", "bfgs", "bfgs_update", "two_loop", "lbfgs"]


# --- conjugate gradients ----------------------------------------------------------------------

def linear_cg(A, b, x0=None, tol=1e-10, maxiter=None):
    r"""Conjugate gradients for $A x = b$ with $A$ symmetric positive definite (Hestenes & Stiefel 1952).

    Minimises $f(x) = \tfrac12 x^\top A x - b^\top x$, whose gradient is the residual $r = A x - b$:

    $$\alpha_t = \frac{r_t^\top r_t}{d_t^\top A d_t}, \quad x_{t+1} = x_t + \alpha_t d_t, \quad
      r_{t+1} = r_t + \alpha_t A d_t, \quad \beta_{t+1} = \frac{r_{t+1}^\top r_{t+1}}{r_t^\top r_t}, \quad
      d_{t+1} = -r_{t+1} + \beta_{t+1} d_t ,$$

    from $d_0 = -r_0$ (Nocedal & Wright, Algorithm 5.2; ``hestenes1952methods``). The directions are
    conjugate, $d_i^\top A d_j = 0$ for $i \ne j$, so in exact arithmetic it ends in at most $n$
    steps. ``A`` is a matrix or a function $v \mapsto A v$; stops when $\|r\|_2 \le$ ``tol``
    $\cdot \|b\|_2$. ``nhev`` counts products with $A$; ``info["directions"]`` holds the $d_t$.
    """
    b = np.asarray(b, dtype=float)
    if b.ndim != 1:
        raise ValueError(f"b must have shape (n,), got {b.shape}")
    n = b.size
    if callable(A):
        matvec = A
    else:
        A = np.asarray(A, dtype=float)
        if A.shape != (n, n):
            raise ValueError(f"A must have shape ({n}, {n}) to match b, got {A.shape}")
        matvec = A.__matmul__
    check_range("tol", tol, 0)
    maxiter = 10 * n if maxiter is None else _check_int("maxiter", maxiter, 0)
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=float)
    if x.shape != (n,):
        raise ValueError(f"x0 must have shape ({n},), got {x.shape}")

    counts = SimpleNamespace(nfev=0, njev=0, nhev=1)     # products with A: one for r_0
    r = matvec(x) - b
    rec = _Record(counts, x, float(0.5 * x @ (r - b)), r, 0.0)
    d = -r
    directions, stop = [], tol * np.linalg.norm(b)
    for _ in range(maxiter):
        if np.linalg.norm(r) <= stop:
            break
        Ad = matvec(d)
        counts.nhev += 1
        alpha = (r @ r) / (d @ Ad)
        x = x + alpha * d
        r_new = r + alpha * Ad
        beta = (r_new @ r_new) / (r @ r)
        directions.append(d)
        d = -r_new + beta * d
        r = r_new
        rec.step(x, float(0.5 * x @ (r - b)), r)
    converged = bool(np.linalg.norm(r) <= stop)
    return rec.result(None if converged else "Maximum number of iterations has been exceeded.",
                      success=converged, directions=np.array(directions).reshape(-1, n))


CG_BETAS = {
    "FR": lambda g_new, g: (g_new @ g_new) / (g @ g),                       # Fletcher-Reeves
    "PR": lambda g_new, g: g_new @ (g_new - g) / (g @ g),                   # Polak-Ribiere
    "PR+": lambda g_new, g: max(g_new @ (g_new - g) / (g @ g), 0.0),        # Polak-Ribiere, clipped at 0
}
"""The nonlinear CG coefficients $\beta_{t+1}$ as functions of $g_{t+1}$ (``g_new``) and $g_t$ (``g``)."""


def nonlinear_cg(objective, x0, beta="PR+", restart=None, gtol=1e-5, maxiter=None, c1=1e-4, c2=0.1):
    r"""Nonlinear conjugate gradients (Fletcher-Reeves, Polak-Ribiere, PR+) with a strong Wolfe line search.

    $$d_0 = -g_0, \qquad \theta_{t+1} = \theta_t + \alpha_t d_t, \qquad d_{t+1} = -g_{t+1} + \beta_{t+1} d_t ,$$

    ``beta``: ``"FR"`` $\beta = \frac{g_{t+1}^\top g_{t+1}}{g_t^\top g_t}$ (``fletcher1964function``),
    ``"PR"`` $\beta = \frac{g_{t+1}^\top (g_{t+1} - g_t)}{g_t^\top g_t}$ (``polak1969note``), ``"PR+"``
    $\max(\beta_{PR}, 0)$ (Nocedal & Wright, Algorithm 5.4 and eq. 5.45). The direction starts with
    $-g$: the steepest-descent part, plus a multiple of the previous direction. ``restart`` $= k$
    sets $\beta = 0$ every $k$ iterations (the lecture's $k = 5$, or $k = n$); independently, a
    direction that is not a descent direction ($g^\top d \ge 0$) is replaced by $-g$
    (``info["restarts"]`` counts both). ``c2 = 0.1`` is the usual curvature constant for CG (FR
    needs $c_2 < 1/2$ to guarantee descent). The first trial step is $\alpha_{t-1}\, g_{t-1}^\top
    d_{t-1} / g_t^\top d_t$ (Nocedal & Wright, eq. 3.60), $1/\|g_0\|$ at the start.
    """
    if beta not in CG_BETAS:
        raise ValueError(f"beta must be one of {sorted(CG_BETAS)}, got {beta!r}")
    if restart is not None:
        restart = _check_int("restart", restart, 1)
    check_wolfe_constants(c1, c2)
    x, maxiter = _start(x0, gtol, maxiter)
    oracle = Oracle(objective)
    rec = _Record(oracle, x, oracle.f(x), oracle.grad(x), gtol)
    d = -rec.g
    alpha0, restarts = min(1.0, 1.0 / np.linalg.norm(rec.g)) if np.any(rec.g) else 1.0, 0
    for t in range(maxiter):
        if rec.done():
            break
        ls = strong_wolfe(oracle, rec.x, d, rec.f, rec.g, alpha0=alpha0, c1=c1, c2=c2)
        if not ls.success:
            return rec.result(_LS_FAILED, restarts=restarts)
        g, slope = rec.g, rec.g @ d
        g_new = ls.grad if ls.grad is not None else oracle.grad(rec.x + ls.alpha * d)
        if not rec.step(rec.x + ls.alpha * d, ls.fun, g_new):
            return rec.result(_NOT_FINITE, restarts=restarts)
        b = 0.0 if restart and (t + 1) % restart == 0 else CG_BETAS[beta](g_new, g)
        d = -g_new + b * d
        if not g_new @ d < 0:                              # not downhill: start again from -g
            d, b = -g_new, 0.0
        restarts += b == 0.0
        alpha0 = ls.alpha * slope / (g_new @ d)
    return rec.result(restarts=restarts)


# --- BFGS and L-BFGS --------------------------------------------------------------------------

def bfgs_update(H, s, y):
    r"""One BFGS update of the inverse-Hessian approximation $H$ with $s = \theta_{t+1} - \theta_t$, $y = g_{t+1} - g_t$:

    $$\rho = \frac{1}{y^\top s}, \qquad H_{+} = (I - \rho\, s y^\top)\, H\, (I - \rho\, y s^\top) + \rho\, s s^\top$$

    (Nocedal & Wright, eq. 6.17). $H_+$ satisfies the secant equation $H_+ y = s$; it is positive
    definite if $H$ is and $y^\top s > 0$.
    """
    I = np.eye(len(s))
    rho = 1.0 / (y @ s)
    return (I - rho * np.outer(s, y)) @ H @ (I - rho * np.outer(y, s)) + rho * np.outer(s, s)


def bfgs(objective, x0, scale_H0=True, H0=None, gtol=1e-5, maxiter=None, c1=1e-4, c2=0.9, record_H=False):
    r"""BFGS: a quasi-Newton method that builds an approximation $H_t \approx \nabla^2 f^{-1}$ from gradients.

    $$p_t = -H_t g_t, \quad \theta_{t+1} = \theta_t + \alpha_t p_t, \quad s_t = \theta_{t+1} - \theta_t, \quad
      y_t = g_{t+1} - g_t, \quad \rho_t = \frac{1}{y_t^\top s_t},$$
    $$H_{t+1} = (I - \rho_t s_t y_t^\top)\, H_t\, (I - \rho_t y_t s_t^\top) + \rho_t s_t s_t^\top .$$

    $H_{t+1}$ satisfies the secant equation $H_{t+1} y_t = s_t$ and stays positive definite whenever
    the curvature condition $s_t^\top y_t > 0$ holds, which the Wolfe conditions guarantee. With
    ``scale_H0`` (and no ``H0``), the identity start is rescaled after the first step, before the
    first update, to $H_0 = \frac{s_0^\top y_0}{y_0^\top y_0} I$ (Nocedal & Wright, eq. 6.20), so that
    its size matches the curvature; scipy's BFGS keeps $H_0 = I$. A pair with $s^\top y \le 0$
    (possible only if the line search fails to meet Wolfe) is skipped. Each step costs $O(k^2)$.
    Nocedal & Wright, Algorithm 6.1; ``broyden1970convergence``, ``fletcher1970new``,
    ``goldfarb1970family``, ``shanno1970conditioning``. ``record_H`` keeps every $H_t$ in
    ``info["H"]``; ``info["hess_inv"]`` is the last.
    """
    check_wolfe_constants(c1, c2)
    x, maxiter = _start(x0, gtol, maxiter)
    n = x.size
    I = np.eye(n)
    H = I.copy() if H0 is None else np.array(H0, dtype=float)
    if H.shape != (n, n) or not np.allclose(H, H.T) or np.linalg.eigvalsh(H)[0] <= 0:
        raise ValueError(f"H0 must be a symmetric positive definite ({n}, {n}) matrix")
    oracle = Oracle(objective)
    rec = _Record(oracle, x, oracle.f(x), oracle.grad(x), gtol)
    Hs, skipped = [H], 0
    for t in range(maxiter):
        if rec.done():
            break
        p = -H @ rec.g
        alpha0 = min(1.0, 1.0 / np.linalg.norm(rec.g)) if t == 0 and H0 is None else 1.0
        ls = strong_wolfe(oracle, rec.x, p, rec.f, rec.g, alpha0=alpha0, c1=c1, c2=c2)
        if not ls.success:
            return rec.result(_LS_FAILED, hess_inv=H, H=Hs if record_H else None, skipped=skipped)
        s = ls.alpha * p
        g_new = ls.grad if ls.grad is not None else oracle.grad(rec.x + s)
        y = g_new - rec.g
        if not rec.step(rec.x + s, ls.fun, g_new):
            return rec.result(_NOT_FINITE, hess_inv=H, H=Hs if record_H else None, skipped=skipped)
        if s @ y > 0:
            if t == 0 and scale_H0 and H0 is None:
                H = (s @ y) / (y @ y) * I
            H = bfgs_update(H, s, y)
        else:
            skipped += 1
        if record_H:
            Hs.append(H)
    return rec.result(hess_inv=H, H=Hs if record_H else None, skipped=skipped)


def two_loop(g, S, Y, gamma=None):
    r"""$H g$ for the L-BFGS matrix $H$ defined by the pairs $(s_i, y_i)$, oldest first, without forming $H$.

    $H$ is what $m$ BFGS updates with the pairs in ``S``, ``Y`` make of $H^0 = \gamma I$, by default
    $\gamma = s_{m}^\top y_{m} / y_{m}^\top y_{m}$ from the newest pair. Cost $O(m k)$
    (Nocedal & Wright, Algorithm 7.4; ``liu1989limited``). With no pairs it returns $\gamma g$ ($g$ if
    ``gamma`` is None).
    """
    q = np.array(g, dtype=float)
    rhos = [1.0 / (y @ s) for s, y in zip(S, Y)]
    alphas = []
    for s, y, rho in zip(reversed(S), reversed(Y), reversed(rhos)):
        a = rho * (s @ q)
        q = q - a * y
        alphas.append(a)
    if gamma is None:
        gamma = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1]) if len(S) else 1.0
    r = gamma * q
    for s, y, rho, a in zip(S, Y, rhos, reversed(alphas)):
        b = rho * (y @ r)
        r = r + s * (a - b)
    return r


def lbfgs(objective, x0, m=10, gtol=1e-5, maxiter=None, c1=1e-4, c2=0.9):
    r"""Limited-memory BFGS: BFGS with $H_t$ rebuilt each step from the last $m$ pairs $(s_i, y_i)$.

    $p_t = -H_t g_t$ by :func:`two_loop` with $H_t^0 = \frac{s_{t-1}^\top y_{t-1}}{y_{t-1}^\top y_{t-1}} I$,
    then a strong Wolfe line search from $\alpha = 1$ ($1/\|g_0\|$ on the first step, where
    $H = I$). Memory and work per step $O(m k)$ instead of BFGS's $O(k^2)$; ``m`` $\ge 1$ (3 to 20 is
    usual; scipy's L-BFGS-B uses 10). Pairs with $s^\top y \le 0$ are skipped. Nocedal & Wright,
    Algorithm 7.5; ``liu1989limited``.
    """
    m = _check_int("m", m, 1)
    check_wolfe_constants(c1, c2)
    x, maxiter = _start(x0, gtol, maxiter)
    oracle = Oracle(objective)
    rec = _Record(oracle, x, oracle.f(x), oracle.grad(x), gtol)
    S, Y = deque(maxlen=m), deque(maxlen=m)
    for t in range(maxiter):
        if rec.done():
            break
        p = -two_loop(rec.g, S, Y)
        alpha0 = 1.0 if S else min(1.0, 1.0 / np.linalg.norm(rec.g))
        ls = strong_wolfe(oracle, rec.x, p, rec.f, rec.g, alpha0=alpha0, c1=c1, c2=c2)
        if not ls.success:
            return rec.result(_LS_FAILED, S=list(S), Y=list(Y))
        s = ls.alpha * p
        g_new = ls.grad if ls.grad is not None else oracle.grad(rec.x + s)
        y = g_new - rec.g
        if not rec.step(rec.x + s, ls.fun, g_new):
            return rec.result(_NOT_FINITE, S=list(S), Y=list(Y))
        if s @ y > 0:
            S.append(s)
            Y.append(y)
    return rec.result(S=list(S), Y=list(Y))

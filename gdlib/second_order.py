r"""Newton's method and its repairs, natural gradient, and the comparison with scipy.optimize.

Every method takes the objective (anything with ``f`` and ``grad``, plus ``hess`` or ``hvp``
where the method needs curvature; e.g. a :class:`gdlib.functions.Objective`) and a start ``x0``
of shape ``(d,)``, counts evaluations through :class:`gdlib.line_search.Oracle`, and returns an
:class:`gdlib.line_search.OptimizeResult` (``x, fun, jac, nit, nfev, njev, nhev, success,
message`` as in ``scipy.optimize.minimize``, plus ``path``, ``values``, ``grad_norms``, ``info``).
Values recorded only to draw the path (e.g. $f$ for pure Newton, which never needs it) are not
counted. Methods stop when $\max_i |\nabla f(x)_i| \le$ ``gtol`` (scipy's default test), after
``maxiter`` iterations (default ``200 d``, scipy's), or when a line search fails.

==========================  ==============================================================
:func:`newton`              $\theta \leftarrow \theta - \eta (H + \lambda I)^{-1} g$, pure or regularised
:func:`newton_batch`        pure Newton from many starts at once (a grid of starts), no stopping test
:func:`saddle_free_newton`  $\theta \leftarrow \theta - \eta (|H| + \lambda I)^{-1} g$, $|H|$ by eigenvalues
:func:`steepest_descent`    $\theta \leftarrow \theta - \alpha g$ with $\alpha$ from a line search (the baseline)
:func:`newton_cg`           inexact Newton: CG on $H p = -g$, stopped early (Hessian-vector products only)
:func:`natural_gradient`    $\theta \leftarrow \theta - \eta (F + \lambda I)^{-1} g$ with a Fisher matrix $F$
:func:`linear_cg`, :func:`nonlinear_cg`, :func:`bfgs`, :func:`lbfgs`  from :mod:`gdlib.quasi_newton`
:func:`first_order`         a first-order optimizer of :mod:`gdlib.optimizers`, run to the same test
:func:`scipy_minimize`      ``scipy.optimize.minimize`` stopped by the same test, counted the same way
==========================  ==============================================================

Line searches are in :mod:`gdlib.line_search`. References: Nocedal & Wright 2006
(``nocedal2006numerical``) for all algorithm numbers quoted.
"""
import warnings

import numpy as np

from ._validate import check_range
from .line_search import (_LS_FAILED, _NOT_FINITE, LineSearchResult, OptimizeResult, Oracle, _check_int,
                          _Record, _start, backtracking, check_wolfe_constants, strong_wolfe)
from .quasi_newton import CG_BETAS, bfgs, bfgs_update, lbfgs, linear_cg, nonlinear_cg, two_loop

__all__ = ["newton", "newton_batch", "saddle_free_newton", "steepest_descent", "newton_cg", "natural_gradient", "logistic_fisher",
           "linear_cg", "nonlinear_cg", "CG_BETAS", "bfgs", "bfgs_update", "lbfgs", "two_loop",
           "first_order", "tune_first_order", "scipy_minimize", "OptimizeResult", "Oracle"]


# --- Newton's method and its repairs ----------------------------------------------------------

def _line_search(kind, oracle, x, p, f, g, alpha0, c1, c2):
    """One step along p: kind None (fixed step alpha0), "armijo" or "wolfe"."""
    if kind is None:
        x_new = x + alpha0 * p
        return LineSearchResult(alpha0, None, None, True), x_new
    if not np.dot(g, p) < 0:
        return LineSearchResult(None, None, None, False), x
    if kind == "armijo":
        ls = backtracking(oracle, x, p, f, g, alpha0=alpha0, c1=c1)
    else:
        ls = strong_wolfe(oracle, x, p, f, g, alpha0=alpha0, c1=c1, c2=c2)
    return ls, (x + ls.alpha * p if ls.success else x)


def _check_line_search(line_search, c1, c2):
    if line_search not in (None, "armijo", "wolfe"):
        raise ValueError(f"line_search must be None, 'armijo' or 'wolfe', got {line_search!r}")
    check_wolfe_constants(c1, c2)


def _newton_loop(objective, x0, solve, eta, line_search, gtol, maxiter, c1, c2):
    """x <- x + alpha p with p = solve(oracle, x, g); pure (fixed step eta) or with a line search."""
    x, maxiter = _start(x0, gtol, maxiter)
    check_range("eta", eta, 0, low_open=True)
    _check_line_search(line_search, c1, c2)
    oracle = Oracle(objective)
    f_of = oracle.f if line_search else oracle.objective.f         # pure Newton never needs f
    rec = _Record(oracle, x, float(f_of(x)), oracle.grad(x), gtol)
    alphas = []
    for _ in range(maxiter):
        if rec.done():
            break
        try:
            p = solve(oracle, rec.x, rec.g)
        except np.linalg.LinAlgError as err:
            return rec.result(f"The Newton system could not be solved ({err}).", alphas=alphas)
        ls, x_new = _line_search(line_search, oracle, rec.x, p, rec.f, rec.g, eta, c1, c2)
        if not ls.success:
            what = "is not a descent direction" if not np.dot(rec.g, p) < 0 else "admits no acceptable step"
            return rec.result(f"Line search failed: the step {what}.", alphas=alphas)
        alphas.append(ls.alpha)
        f_new = ls.fun if ls.fun is not None else float(f_of(x_new))
        g_new = ls.grad if ls.grad is not None else oracle.grad(x_new)
        if not rec.step(x_new, f_new, g_new):
            return rec.result(_NOT_FINITE, alphas=alphas)
    return rec.result(alphas=alphas)


def newton(objective, x0, lam=0.0, eta=1.0, line_search=None, gtol=1e-5, maxiter=None, c1=1e-4, c2=0.9):
    r"""Newton's method, pure or regularised (damped, Levenberg-Marquardt style).

    $$p_t = -(H_t + \lambda I)^{-1} g_t, \qquad \theta_{t+1} = \theta_t + \alpha_t p_t ,$$

    with $g_t = \nabla f(\theta_t)$, $H_t = \nabla^2 f(\theta_t)$. The pure method ($\lambda = 0$,
    $\alpha_t = \eta = 1$) jumps to the critical point of the second-order Taylor model
    $f(\theta_t) + g_t^\top \Delta + \tfrac12 \Delta^\top H_t \Delta$: to the minimum of a positive
    definite quadratic in one step, but equally to a saddle or a maximum, since it only seeks
    $g = 0$. ``lam`` $= \lambda \ge 0$ shifts every eigenvalue of $H$ by $\lambda$: once
    $\lambda > -\lambda_{\min}(H_t)$ the step goes downhill, and for large $\lambda$ it becomes
    $-g/\lambda$, gradient descent with learning rate $1/\lambda$.

    ``eta`` is the fixed step $\alpha_t$ (or the first trial of the line search);
    ``line_search`` None, ``"armijo"`` (:func:`gdlib.line_search.backtracking`) or ``"wolfe"``
    (:func:`gdlib.line_search.strong_wolfe`); a line search stops the run if $p_t$ is not a descent
    direction. Needs ``objective.hess``. Solving the $k \times k$ system costs $O(k^3)$ per step.
    Reference: ``nocedal2006numerical`` (Algorithm 3.2; section 3.4 for the shift); the lecture's
    regularised Newton is the same update.
    """
    check_range("lam", lam, 0)

    def solve(oracle, x, g):
        return np.linalg.solve(oracle.hess(x) + lam * np.eye(x.size), -g)

    return _newton_loop(objective, x0, solve, eta, line_search, gtol, maxiter, c1, c2)


def newton_batch(objective, x0, steps):
    r"""Pure Newton's method from many starts at once: ``steps`` updates $\theta \leftarrow \theta - H(\theta)^{-1} \nabla f(\theta)$.

    ``x0`` has shape ``(..., d)``, one start per row (e.g. a grid of 441 starts to find every
    critical point of a function); ``objective.grad`` and ``objective.hess`` must accept leading
    axes, as every :mod:`gdlib.functions` objective does. There is no stopping test and no line
    search: each start simply takes ``steps`` Newton steps and the final points are returned,
    shape ``(..., d)``. A start whose Hessian becomes singular, or whose iterate overflows, ends
    as NaN. Use :func:`newton` for one start with counted evaluations and a recorded path.
    """
    x = np.array(x0, dtype=float)
    if x.ndim == 0 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be a finite array of shape (..., d), got shape {x.shape}")
    steps = _check_int("steps", steps, 0)
    for name in ("grad", "hess"):
        if not callable(getattr(objective, name, None)):
            raise TypeError(f"objective must have a callable {name!r} (e.g. a gdlib.functions.Objective)")
    eye = np.eye(x.shape[-1])
    with np.errstate(all="ignore"):
        for _ in range(steps):
            H, g = objective.hess(x), objective.grad(x)
            ok = np.all(np.isfinite(H), axis=(-2, -1)) & np.all(np.isfinite(g), axis=-1)
            ok &= np.linalg.cond(np.where(ok[..., None, None], H, eye)) < 1 / np.finfo(float).eps
            p = np.linalg.solve(np.where(ok[..., None, None], H, eye), np.where(ok[..., None], g, 0.0)[..., None])
            x = np.where(ok[..., None], x - p[..., 0], np.nan)
    return x


def saddle_free_newton(objective, x0, lam=0.0, eta=1.0, line_search=None, gtol=1e-5, maxiter=None,
                       c1=1e-4, c2=0.9):
    r"""Saddle-free Newton: Newton's step with the Hessian's eigenvalues replaced by their absolute values.

    $$H_t = V \Lambda V^\top, \qquad |H_t| = V |\Lambda| V^\top, \qquad
      \theta_{t+1} = \theta_t - \eta\, (|H_t| + \lambda I)^{-1} g_t .$$

    Along a direction of positive curvature this is Newton's step; along one of negative
    curvature it goes *down* the slope, by the gradient divided by the curvature's size, instead of
    up to the saddle. ``lam`` $= \lambda \ge 0$ damps directions of near-zero curvature (needed
    where $H$ is singular). Dauphin et al. 2014 (``dauphin2014identifying``) work in a Krylov
    subspace for large models; here the full eigendecomposition, $O(k^3)$. Needs ``objective.hess``.
    """
    check_range("lam", lam, 0)

    def solve(oracle, x, g):
        lams, V = np.linalg.eigh(oracle.hess(x))
        scale = np.abs(lams) + lam
        if not np.all(scale > 0):
            raise np.linalg.LinAlgError("|H| + lam I is singular; use lam > 0")
        return -V @ ((V.T @ g) / scale)

    return _newton_loop(objective, x0, solve, eta, line_search, gtol, maxiter, c1, c2)


def steepest_descent(objective, x0, line_search="wolfe", eta=1.0, gtol=1e-5, maxiter=None, c1=1e-4, c2=0.9):
    r"""Gradient descent with a line search: $\theta_{t+1} = \theta_t - \alpha_t g_t$, $\alpha_t$ from the search.

    ``line_search`` ``"armijo"`` (backtracking from ``eta``) or ``"wolfe"`` (strong Wolfe from ``eta``);
    ``None`` gives gradient descent with the fixed learning rate ``eta``. The baseline that
    Newton-type methods improve on: the direction ignores curvature, only the step length adapts.
    """
    return _newton_loop(objective, x0, lambda oracle, x, g: -g, eta, line_search, gtol, maxiter, c1, c2)


def natural_gradient(objective, x0, fisher, eta=1.0, lam=0.0, line_search=None, gtol=1e-5, maxiter=None,
                     c1=1e-4, c2=0.9):
    r"""Natural gradient descent: the gradient preconditioned by a Fisher information matrix.

    $$\theta_{t+1} = \theta_t - \eta\, (F(\theta_t) + \lambda I)^{-1} \nabla f(\theta_t),
      \qquad F(\theta) = \mathbb{E}_{x}\, \mathbb{E}_{y \sim p_\theta(\cdot \mid x)}
      \big[\nabla_\theta \log p_\theta(y \mid x)\, \nabla_\theta \log p_\theta(y \mid x)^\top\big] .$$

    It is the steepest-descent direction when the length of a step is measured by the KL
    divergence between the model's predictive distributions, $\mathrm{KL}(p_\theta \,\|\,
    p_{\theta + \Delta}) \approx \tfrac12 \Delta^\top F \Delta$, so it does not depend on how the
    model is parametrised (Amari 1998, ``amari1998natural``). ``fisher(theta)`` returns $F$
    (shape ``(d, d)``), e.g. :func:`logistic_fisher`; ``lam`` $= \lambda \ge 0$ damps it.
    For logistic regression the exact Fisher equals the Hessian, so ``eta=1`` is Newton's method.
    """
    if not callable(fisher):
        raise TypeError(f"fisher must be a callable theta -> (d, d) matrix, got {type(fisher).__name__}")
    check_range("lam", lam, 0)

    def solve(oracle, x, g):
        F = np.asarray(fisher(x), dtype=float)
        if F.shape != (x.size, x.size):
            raise ValueError(f"fisher(theta) must have shape ({x.size}, {x.size}), got {F.shape}")
        return np.linalg.solve(F + lam * np.eye(x.size), -g)

    return _newton_loop(objective, x0, solve, eta, line_search, gtol, maxiter, c1, c2)


def logistic_fisher(model, data, empirical=False):
    r"""The Fisher matrix of a ``gdlib.models.LogisticRegression`` on ``data``, as a function of $w$.

    With features $a_i$ (``model.features``, the bias column included) and $p_i = \sigma(a_i^\top w)$:

    * exact (``empirical=False``): $F = \frac1N \sum_i p_i (1 - p_i)\, a_i a_i^\top$, the expectation
      over labels drawn from the *model*; for this model it equals the Hessian of the mean loss;
    * empirical (``empirical=True``): $\hat F = \frac1N \sum_i (p_i - y_i)^2\, a_i a_i^\top$, the mean
      outer product of the per-example gradients at the *observed* labels. It is not the Hessian,
      and near a good fit, where $p_i \approx y_i$, it is small where the curvature is not.

    The model's L2 penalty $\frac\lambda2 \|w_{1:d}\|^2$ adds $\lambda\,\mathrm{diag}(1, \dots, 1, 0)$ to both.
    """
    A = model.features(data.X)
    y = np.asarray(data.y, dtype=float)
    penalty = np.diag(np.r_[np.ones(model.d), np.zeros(model.dim - model.d)]) * float(getattr(model, "l2", 0.0))

    def fisher(w):
        p = model.predict_proba(w, data.X)
        weights = (p - y) ** 2 if empirical else p * (1 - p)
        return A.T @ (weights[:, None] * A) / len(y) + penalty

    return fisher


# --- Newton-CG: Newton's method with Hessian-vector products only ----------------------------

def newton_cg(objective, x0, gtol=1e-5, maxiter=None, c1=1e-4, c2=0.9, cg_maxiter=None):
    r"""Line-search Newton-CG (truncated Newton): Newton's step from a few CG iterations on $H p = -g$.

    The inner loop is :func:`linear_cg` on $\nabla^2 f(\theta_t)\, p = -g_t$ from $p = 0$, stopped
    when $\|H p + g\| \le \min(0.5, \sqrt{\|g\|})\,\|g\|$ (a forcing sequence that tightens near the
    minimum and gives superlinear convergence), or when it meets a direction $d$ of non-positive
    curvature $d^\top H d \le 0$ (then it returns the current $p$, or $-g$ on the first inner step).
    A strong Wolfe line search from $\alpha = 1$ follows (Nocedal & Wright, Algorithm 7.1). Needs
    only Hessian-vector products: ``objective.hvp`` if present (each counted in ``nhev``), else one
    ``hess`` per outer iteration. ``info["cg_iterations"]`` lists the inner iteration counts.
    """
    check_wolfe_constants(c1, c2)
    x, maxiter = _start(x0, gtol, maxiter)
    cg_maxiter = 20 * x.size if cg_maxiter is None else _check_int("cg_maxiter", cg_maxiter, 1)
    oracle = Oracle(objective)
    if not (oracle.has_hvp or oracle.has_hess):
        raise TypeError("newton_cg needs objective.hvp or objective.hess")
    rec = _Record(oracle, x, oracle.f(x), oracle.grad(x), gtol)
    inner = []
    for _ in range(maxiter):
        if rec.done():
            break
        g = rec.g
        if oracle.has_hvp:
            Bv = lambda v, x=rec.x: oracle.hvp(x, v)
        else:
            H = oracle.hess(rec.x)
            Bv = H.__matmul__
        gnorm = np.linalg.norm(g)
        eps = min(0.5, np.sqrt(gnorm)) * gnorm
        z, r, d = np.zeros_like(g), g, -g
        for j in range(cg_maxiter):
            Bd = Bv(d)
            dBd = d @ Bd
            if dBd <= 0:                                  # negative curvature: stop here
                if j == 0:
                    z = -g
                break
            a = (r @ r) / dBd
            z = z + a * d
            r_new = r + a * Bd
            if np.linalg.norm(r_new) < eps:
                break
            d = -r_new + (r_new @ r_new) / (r @ r) * d
            r = r_new
        inner.append(j + 1)
        ls = strong_wolfe(oracle, rec.x, z, rec.f, g, alpha0=1.0, c1=c1, c2=c2)
        if not ls.success:
            return rec.result(_LS_FAILED, cg_iterations=inner)
        x_new = rec.x + ls.alpha * z
        g_new = ls.grad if ls.grad is not None else oracle.grad(x_new)
        if not rec.step(x_new, ls.fun, g_new):
            return rec.result(_NOT_FINITE, cg_iterations=inner)
    return rec.result(cg_iterations=inner)


# --- first-order methods on the same footing --------------------------------------------------

def _first_order_batch(objective, optimizer, X0, gtol, maxiter, record):
    """Run K starts at once; per run, the first step at which max|grad| <= gtol (-1: never)."""
    theta = np.array(X0, dtype=float)
    state = optimizer.init(theta)
    calls = [0]

    def grad_fn(z):
        calls[0] += 1
        return objective.grad(z)

    hit = np.full(theta.shape[:-1], -1)
    gn = np.max(np.abs(objective.grad(theta)), axis=-1)
    hit[gn <= gtol] = 0
    path = [theta] if record else None
    with np.errstate(all="ignore"):
        for k in range(1, maxiter + 1):
            if np.all((hit >= 0) | ~np.isfinite(gn)):
                break
            theta, state = optimizer.update(theta, grad_fn, state)
            gn = np.max(np.abs(objective.grad(theta)), axis=-1)
            hit[(hit < 0) & (gn <= gtol)] = k
            if record:
                path.append(theta)
    return hit, gn, calls[0], path


def first_order(objective, optimizer, x0, gtol=1e-5, maxiter=10_000):
    r"""Run a first-order optimizer of :mod:`gdlib.optimizers` until $\max_i |\nabla f_i| \le$ ``gtol``.

    The same stopping test and result as the second-order methods, so that a table can compare
    them: ``njev`` counts the gradients the optimizer asked for (one per step), ``nfev = nhev = 0``.
    The optimizer keeps its hyperparameters fixed (``eta`` may be a schedule). A run whose
    gradient becomes inf or NaN stops with ``success=False``.
    """
    x, maxiter = _start(x0, gtol, maxiter)
    hit, gn, calls, path = _first_order_batch(objective, optimizer, x[None], gtol, maxiter, record=True)
    path = np.array(path)[:, 0]
    with np.errstate(all="ignore"):                     # a diverged run: inf and NaN are recorded
        values = np.asarray(objective.f(path), dtype=float)
        grads = np.asarray(objective.grad(path), dtype=float)
    gnorms = np.max(np.abs(grads), axis=-1)
    success = bool(hit[0] >= 0)
    message = ("Optimization terminated successfully." if success else
               _NOT_FINITE if not np.isfinite(gn[0]) else "Maximum number of iterations has been exceeded.")
    return OptimizeResult(path[-1], float(values[-1]), grads[-1], len(path) - 1,
                          0, calls, 0, success, message, path, values, gnorms, {"optimizer": repr(optimizer)})


def tune_first_order(objective, make_optimizer, x0, etas, gtol=1e-5, maxiter=10_000):
    r"""The learning rate from ``etas`` that reaches ``gtol`` in the fewest steps, and its run.

    ``make_optimizer(eta)`` builds the optimizer, e.g. ``lambda eta: optimizers.adam(eta=eta)``;
    all learning rates run at once (``eta`` of shape ``(K, 1)``). If none reaches ``gtol`` within
    ``maxiter`` steps, the one with the smallest final gradient wins. Returns ``(eta, result)``
    with ``result`` from :func:`first_order`.
    """
    x, maxiter = _start(x0, gtol, maxiter)
    etas = np.asarray(etas, dtype=float).ravel()
    hit, gn, _, _ = _first_order_batch(objective, make_optimizer(etas[:, None]), np.tile(x, (etas.size, 1)),
                                       gtol, maxiter, record=False)
    if np.any(hit >= 0):
        best = int(np.argmin(np.where(hit >= 0, hit, np.iinfo(int).max)))
    else:
        best = int(np.argmin(np.where(np.isfinite(gn), gn, np.inf)))
    eta = float(etas[best])
    return eta, first_order(objective, make_optimizer(eta), x, gtol, maxiter)


# --- scipy.optimize.minimize on the same footing ----------------------------------------------

_SCIPY_OPTIONS = {                     # switch off scipy's own stopping tests; ours ends the run
    "BFGS": lambda gtol: {"gtol": gtol},
    "CG": lambda gtol: {"gtol": gtol},
    "L-BFGS-B": lambda gtol: {"gtol": gtol, "ftol": 0.0},
    "Newton-CG": lambda gtol: {"xtol": 1e-30},
    "trust-exact": lambda gtol: {"gtol": 1e-30},
    "trust-ncg": lambda gtol: {"gtol": 1e-30},
}


def scipy_minimize(objective, x0, method, gtol=1e-5, maxiter=None):
    r"""``scipy.optimize.minimize`` stopped by our test $\max_i |\nabla f_i| \le$ ``gtol``, as one of our results.

    The objective is passed through an :class:`gdlib.line_search.Oracle`, so ``nfev, njev, nhev``
    count scipy's calls exactly as ours are counted; Newton-CG gets ``objective.hvp`` if present
    (else ``hess``), the trust-region methods ``hess``. After every iteration a callback checks the
    gradient (uncounted) and ends the run at the first iterate that passes, so every method stops at
    the same test: scipy's own tests differ (Newton-CG stops on the step length, L-BFGS-B also on
    the relative decrease of $f$) and are switched off. ``method`` one of ``BFGS``, ``CG``,
    ``L-BFGS-B``, ``Newton-CG``, ``trust-exact``, ``trust-ncg``. ``LineSearchWarning`` and
    ``OptimizeWarning``, which scipy writes to stderr when its line search gives up, are silenced
    here; the result's ``message`` says what happened.
    """
    from scipy import optimize
    try:                                       # a private module; its class is a RuntimeWarning
        from scipy.optimize._linesearch import LineSearchWarning
    except ImportError:                        # pragma: no cover
        LineSearchWarning = RuntimeWarning

    if method not in _SCIPY_OPTIONS:
        raise ValueError(f"method must be one of {sorted(_SCIPY_OPTIONS)}, got {method!r}")
    x, maxiter = _start(x0, gtol, maxiter)
    oracle = Oracle(objective)
    kwargs = {}
    if method in ("Newton-CG", "trust-exact", "trust-ncg"):
        if method == "Newton-CG" and oracle.has_hvp:
            kwargs["hessp"] = oracle.hvp
        else:
            kwargs["hess"] = oracle.hess
    grad_of = oracle.objective.grad
    path, gnorms = [x.copy()], [float(np.max(np.abs(grad_of(x))))]
    counts, last = [(0, 0, 0)], {}

    def jac(z):                                   # counted; remembered for the callback
        last["x"], last["g"] = np.array(z, dtype=float), oracle.grad(z)
        return last["g"]

    def callback(intermediate_result):
        z = np.array(intermediate_result.x, dtype=float)          # scipy may update x in place: copy
        path.append(z)
        g = last["g"] if "x" in last and np.array_equal(last["x"], z) else grad_of(z)   # uncounted
        gnorms.append(float(np.max(np.abs(g))))
        counts.append((oracle.nfev, oracle.njev, oracle.nhev))
        if gnorms[-1] <= gtol:
            raise StopIteration

    options = dict(_SCIPY_OPTIONS[method](gtol), maxiter=maxiter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineSearchWarning)
        warnings.simplefilter("ignore", optimize.OptimizeWarning)
        res = optimize.minimize(oracle.f, x, jac=jac, method=method, callback=callback,
                                options=options, **kwargs)
    success = gnorms[-1] <= gtol
    path = np.array(path)
    nfev, njev, nhev = (oracle.nfev, oracle.njev, oracle.nhev) if len(counts) == 1 or not success else counts[-1]
    message = "Optimization terminated successfully." if success else f"scipy: {res.message}"
    values = np.asarray(objective.f(path), dtype=float)
    return OptimizeResult(path[-1], float(values[-1]), np.asarray(grad_of(path[-1])), len(path) - 1,
                          nfev, njev, nhev, bool(success), message, path, values, np.array(gnorms),
                          {"scipy_result": res})

"""Second-order methods (gdlib.second_order, quasi_newton, line_search) against independent references.

* linear CG against ``np.linalg.solve`` and its convergence theorem;
* the strong Wolfe line search against ``scipy.optimize.line_search`` (same step where both succeed);
* BFGS / L-BFGS matrices against the secant equation and a dense BFGS recursion;
* Newton's method against closed forms (one step on a quadratic, a saddle), natural gradient
  against Newton's method;
* evaluation counts against ``scipy.optimize.minimize``'s own counts, and iteration counts
  within 1.25x of scipy's methods on Rosenbrock problems (done-means of issue 11).
"""
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

from gdlib import check, datasets, functions, models, optimizers
from gdlib import line_search as ls
from gdlib import second_order as so

ROSEN_START = {n: np.tile([-1.2, 1.0], n // 2) for n in (2, 10, 100)}


def _spd(n, kappa, rng):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (Q * np.geomspace(1, kappa, n)) @ Q.T


class Counted:
    """An objective whose calls are counted from the outside (independent of gdlib's Oracle)."""

    def __init__(self, objective):
        self.o, self.calls = objective, {"f": 0, "grad": 0, "hess": 0, "hvp": 0}

    def f(self, x):
        self.calls["f"] += 1
        return self.o.f(x)

    def grad(self, x):
        self.calls["grad"] += 1
        return self.o.grad(x)

    def hess(self, x):
        self.calls["hess"] += 1
        return self.o.hess(x)

    def hvp(self, x, v):
        self.calls["hvp"] += 1
        return self.o.hvp(x, v)


# --- the Rosenbrock functions ------------------------------------------------------------------

def test_extended_rosenbrock_is_a_sum_of_independent_2d_terms():
    rng = np.random.default_rng(0)
    ext, X = functions.extended_rosenbrock(8), rng.standard_normal((5, 8))
    pairs = X.reshape(5, 4, 2)
    R = functions.rosenbrock
    assert np.allclose(ext.f(X), R.f(pairs).sum(-1), rtol=1e-14)
    assert np.allclose(ext.grad(X), R.grad(pairs).reshape(5, 8), rtol=1e-14)
    H = ext.hess(X)
    for i in range(4):
        assert np.allclose(H[:, 2 * i:2 * i + 2, 2 * i:2 * i + 2], R.hess(pairs[:, i]), rtol=1e-14)
    assert np.count_nonzero(H[0]) == 4 * 4
    V = rng.standard_normal((5, 8))
    assert np.allclose(ext.hvp(X, V), np.einsum("kij,kj->ki", H, V), rtol=1e-13)


@pytest.mark.parametrize("n", [2, 3, 7])
def test_chained_rosenbrock_is_scipys_rosen(n):
    rng = np.random.default_rng(n)
    chained = functions.chained_rosenbrock(n)
    for x in rng.standard_normal((4, n)):
        v = rng.standard_normal(n)
        assert np.isclose(chained.f(x), optimize.rosen(x), rtol=1e-14)
        assert np.allclose(chained.grad(x), optimize.rosen_der(x), rtol=1e-13)
        assert np.allclose(chained.hess(x), optimize.rosen_hess(x), rtol=1e-13)
        assert np.allclose(chained.hvp(x, v), optimize.rosen_hess_prod(x, v), rtol=1e-12, atol=1e-12)
    X = rng.standard_normal((3, 2, n))                      # vectorised over leading axes
    assert np.allclose(chained.f(X), optimize.rosen(np.moveaxis(X, -1, 0)))


@pytest.mark.parametrize("make", [functions.extended_rosenbrock, functions.chained_rosenbrock])
def test_rosenbrock_derivatives_match_finite_differences(make):
    obj, x = make(6), np.random.default_rng(1).uniform(-1.5, 1.5, (3, 6))
    assert check.grad_check(obj.f, obj.grad, x) < 1e-7
    assert check.hess_check(obj.grad, obj.hess, x) < 1e-7


def test_chained_rosenbrock_has_a_second_minimum_the_extended_one_does_not():
    start = np.array([-1.0, 1.0, 1.0, 1.0])
    local = so.bfgs(functions.chained_rosenbrock(4), start)
    assert local.success and local.fun > 1.0 and local.x[0] < -0.5
    assert np.linalg.eigvalsh(functions.chained_rosenbrock(4).hess(local.x))[0] > 0
    assert so.bfgs(functions.extended_rosenbrock(4), start).fun < 1e-10


@pytest.mark.parametrize("bad", [3, 0, 2.0, True, "4"])
def test_extended_rosenbrock_rejects_bad_n(bad):
    with pytest.raises(ValueError, match="n must be"):
        functions.extended_rosenbrock(bad)


# --- linear conjugate gradients ------------------------------------------------------------------

@pytest.mark.parametrize("n,kappa", [(5, 10.0), (30, 1e3), (60, 1e2)])
def test_linear_cg_solves_like_numpy(n, kappa):
    rng = np.random.default_rng(n)
    A, b = _spd(n, kappa, rng), rng.standard_normal(n)
    for operator in (A, lambda v: A @ v):
        res = so.linear_cg(operator, b, tol=1e-12)
        assert res.success
        assert np.allclose(res.x, np.linalg.solve(A, b), rtol=1e-8, atol=1e-10)
        assert res.nhev == res.nit + 1


def test_linear_cg_directions_are_conjugate_and_it_ends_in_n_steps():
    rng = np.random.default_rng(3)
    n = 8
    A, b = _spd(n, 20.0, rng), rng.standard_normal(n)
    res = so.linear_cg(A, b, tol=1e-12)
    D = res.info["directions"]
    assert res.nit <= n
    C = D @ A @ D.T
    scale = np.sqrt(np.outer(np.diag(C), np.diag(C)))
    assert np.max(np.abs(C - np.diag(np.diag(C))) / scale) < 1e-8
    G = res.path @ A - b                                  # residuals are mutually orthogonal
    G = G[:-1] / np.linalg.norm(G[:-1], axis=1, keepdims=True)
    assert np.max(np.abs(G @ G.T - np.eye(len(G)))) < 1e-8


def test_linear_cg_error_obeys_the_sqrt_kappa_bound():
    rng = np.random.default_rng(4)
    n, kappa = 200, 1e4
    A, b = _spd(n, kappa, rng), rng.standard_normal(n)
    x_star = np.linalg.solve(A, b)
    res = so.linear_cg(A, b, tol=1e-10, maxiter=150)
    E = res.path - x_star
    err = np.sqrt(np.einsum("ki,ij,kj->k", E, A, E))      # the A-norm of the error
    q = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    k = np.arange(len(err))
    assert np.all(err <= 2 * q ** k * err[0] * (1 + 1e-8))
    assert err[100] < 0.5 * err[0]                       # and it is not vacuous


# --- line searches ------------------------------------------------------------------------------

def _line_search_cases(quadratic=True):
    rng = np.random.default_rng(5)
    quad = functions.quadratic(_spd(5, 100.0, rng), rng.standard_normal(5))
    for obj, box in ((functions.rosenbrock, 1.5), (functions.beale, 2.5), (functions.himmelblau, 4.0),
                     (functions.extended_rosenbrock(10), 1.5), (quad, 3.0)):
        if obj is quad and not quadratic:
            continue
        for x in rng.uniform(-box, box, (12, obj.dim)):
            g = obj.grad(x)
            for p in (-g, -g / np.linalg.norm(g), -np.linalg.solve(obj.hess(x) + 1e3 * np.eye(obj.dim), g)):
                for alpha0 in (1.0, 0.3, 1e-3):
                    yield obj, x, p, alpha0


def _scipy_step(obj, x, p, alpha0, c2):
    """scipy.optimize.line_search from the same first trial step; None if it failed or warned."""
    f0, g0 = obj.f(x), obj.grad(x)
    old_f0 = f0 - alpha0 * (g0 @ p) / 2.02                # scipy's first trial: 1.01 * 2 (f0 - old_f0) / slope
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        a, fc, gc, f_new, _, _ = optimize.line_search(obj.f, obj.grad, x, p, g0, f0, old_f0, c2=c2)
    return (None, 0, 0) if a is None or caught else (a, fc, gc)


@pytest.fixture
def scipy_zoom_sign_fixed(monkeypatch):
    """scipy's zoom with its end-point safeguard measured by |a_hi - a_lo| (scipy issue #13695).

    scipy writes ``cchk = delta1 * dalpha`` with ``dalpha = a_hi - a_lo``, which is negative when
    the bracket is reversed; the safeguard then admits trial steps next to (or beyond) the ends.
    Nocedal & Wright measure the interval's length, as gdlib does.
    """
    import inspect
    import scipy.optimize._linesearch as L
    src = inspect.getsource(L._zoom)
    fixed = src.replace("delta1 * dalpha", "delta1 * abs(dalpha)").replace("delta2 * dalpha", "delta2 * abs(dalpha)")
    assert fixed != src or "abs(dalpha)" in src, "scipy's zoom changed: revisit this test"
    namespace = dict(vars(L))
    exec(compile(fixed, L.__file__, "exec"), namespace)
    monkeypatch.setattr(L, "_zoom", namespace["_zoom"])


def _compare_with_scipy(c2, quadratic=True):
    both = agree = 0
    for obj, x, p, alpha0 in _line_search_cases(quadratic):
        f0, g0 = obj.f(x), obj.grad(x)
        oracle = ls.Oracle(obj)
        ours = ls.strong_wolfe(oracle, x, p, f0, g0, alpha0=alpha0, c2=c2)
        if ours.success:                                  # ours satisfies strong Wolfe, checked directly
            assert obj.f(x + ours.alpha * p) <= f0 + 1e-4 * ours.alpha * (g0 @ p)
            assert abs(obj.grad(x + ours.alpha * p) @ p) <= -c2 * (g0 @ p) * (1 + 1e-12)
            assert np.isclose(ours.fun, obj.f(x + ours.alpha * p), rtol=1e-14)
        a, fc, gc = _scipy_step(obj, x, p, alpha0, c2)
        if ours.success and a is not None:
            both += 1
            agree += bool(np.isclose(ours.alpha, a, rtol=1e-10) and (oracle.nfev, oracle.njev) == (fc, gc))
    return both, agree


@pytest.mark.parametrize("c2", [0.9, 0.1])
def test_strong_wolfe_is_scipys_line_search_with_the_zoom_safeguard_fixed(c2, scipy_zoom_sign_fixed):
    """Same step and the same numbers of f and gradient evaluations, wherever both succeed."""
    both, agree = _compare_with_scipy(c2, quadratic=False)
    assert both > 300 and agree == both


@pytest.mark.parametrize("c2", [0.9, 0.1])
def test_strong_wolfe_agrees_with_unpatched_scipy_in_most_cases(c2):
    both, agree = _compare_with_scipy(c2)
    assert both > 400 and agree >= 0.85 * both


def test_strong_wolfe_with_a_small_c2_finds_the_exact_step_on_a_quadratic():
    rng = np.random.default_rng(10)
    A, b = _spd(5, 100.0, rng), rng.standard_normal(5)
    quad = functions.quadratic(A, b)
    for x in rng.standard_normal((20, 5)):
        g = quad.grad(x)
        for p in (-g, -np.linalg.solve(A + np.eye(5), g)):
            exact = -(g @ p) / (p @ A @ p)                # the minimiser along the line, closed form
            res = ls.strong_wolfe(ls.Oracle(quad), x, p, quad.f(x), g, alpha0=1.0, c1=1e-10, c2=1e-8)
            assert res.success and np.isclose(res.alpha, exact, rtol=1e-7)


def test_backtracking_finds_the_largest_armijo_step_on_the_grid():
    for obj, x, p, alpha0 in _line_search_cases():
        f0, g0 = obj.f(x), obj.grad(x)
        res = ls.backtracking(ls.Oracle(obj), x, p, f0, g0, alpha0=alpha0, c1=1e-4, rho=0.5)
        assert res.success
        armijo = lambda a: obj.f(x + a * p) <= f0 + 1e-4 * a * (g0 @ p)  # noqa: E731
        assert armijo(res.alpha) and np.isclose(res.fun, obj.f(x + res.alpha * p))
        if res.alpha < alpha0:
            assert not armijo(2 * res.alpha)
        assert np.log2(alpha0 / res.alpha) == pytest.approx(round(np.log2(alpha0 / res.alpha)))


def test_line_searches_reject_bad_input():
    R, x = functions.rosenbrock, np.array([-1.2, 1.0])
    g = R.grad(x)
    with pytest.raises(ValueError, match="descent direction"):
        ls.strong_wolfe(ls.Oracle(R), x, g, R.f(x), g)
    with pytest.raises(ValueError, match="c1 must be smaller than c2"):
        ls.strong_wolfe(ls.Oracle(R), x, -g, R.f(x), g, c1=0.5, c2=0.4)
    with pytest.raises(ValueError, match="rho"):
        ls.backtracking(ls.Oracle(R), x, -g, R.f(x), g, rho=1.0)
    with pytest.raises(TypeError, match="callable 'f'"):
        ls.Oracle(object())


# --- quasi-Newton: the secant equation --------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 10])
def test_bfgs_matrices_satisfy_the_secant_equation_and_stay_positive_definite(n):
    res = so.bfgs(functions.extended_rosenbrock(n), ROSEN_START[n], record_H=True)
    S, Y = np.diff(res.path, axis=0), np.diff(functions.extended_rosenbrock(n).grad(res.path), axis=0)
    Hs = res.info["H"]
    assert len(Hs) == res.nit + 1 and res.info["skipped"] == 0
    for H, s, y in zip(Hs[1:], S, Y):
        assert np.allclose(H @ y, s, rtol=1e-9, atol=1e-12 * np.abs(s).max())
        assert np.allclose(H, H.T) and np.linalg.eigvalsh(H)[0] > 0


def test_bfgs_scaled_start_is_the_curvature_along_the_first_step():
    obj, x0 = functions.rosenbrock, ROSEN_START[2]
    res = so.bfgs(obj, x0, maxiter=1, record_H=True)
    s, y = res.path[1] - res.path[0], obj.grad(res.path[1]) - obj.grad(res.path[0])
    gamma, I = (s @ y) / (y @ y), np.eye(2)
    rho = 1 / (s @ y)
    dense = (I - rho * np.outer(s, y)) @ (gamma * I) @ (I - rho * np.outer(y, s)) + rho * np.outer(s, s)
    assert np.allclose(res.info["H"][1], dense, rtol=1e-12)


def test_lbfgs_two_loop_is_the_dense_bfgs_recursion_and_satisfies_the_secant_equation():
    res = so.lbfgs(functions.extended_rosenbrock(10), ROSEN_START[10], m=5, maxiter=12)
    S, Y = res.info["S"], res.info["Y"]
    assert len(S) == 5
    gamma = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1])
    H, I = gamma * np.eye(10), np.eye(10)
    for s, y in zip(S, Y):                                # m BFGS updates of gamma I, formed densely
        rho = 1 / (y @ s)
        H = (I - rho * np.outer(s, y)) @ H @ (I - rho * np.outer(y, s)) + rho * np.outer(s, s)
    g = np.random.default_rng(6).standard_normal(10)
    assert np.allclose(so.two_loop(g, S, Y), H @ g, rtol=1e-10)
    assert np.allclose(so.two_loop(Y[-1], S, Y), S[-1], rtol=1e-10, atol=1e-14)


# --- Newton's method and natural gradient -------------------------------------------------------------

def test_newton_jumps_to_the_minimum_of_a_quadratic_in_one_step():
    rng = np.random.default_rng(7)
    A, b = _spd(6, 1e4, rng), rng.standard_normal(6)
    res = so.newton(functions.quadratic(A, b), rng.standard_normal(6), gtol=1e-8)
    assert res.nit == 1 and res.nhev == 1 and res.nfev == 0
    assert np.allclose(res.x, np.linalg.solve(A, b), rtol=1e-10)


def test_newton_converges_quadratically():
    res = so.newton(functions.extended_rosenbrock(4), np.array([0.8, 0.6, 1.2, 1.5]), gtol=1e-14)
    err = np.linalg.norm(res.path - 1.0, axis=1)
    e = err[err > 1e-12]
    ratios = e[1:] / e[:-1] ** 2
    assert res.success and len(e) >= 4 and np.all(ratios < 1e3) and e[-1] / e[-2] < 1e-2


def test_newton_is_attracted_by_a_saddle_and_saddle_free_newton_is_not():
    saddle, x0 = functions.saddle, np.array([0.5, 0.1])
    pure = so.newton(saddle, x0)
    assert pure.nit == 1 and np.allclose(pure.x, 0.0) and pure.success     # "converged": to the saddle
    free = so.saddle_free_newton(saddle, x0, maxiter=5)
    assert np.isclose(free.path[1, 0], 0.0) and free.path[1, 1] == pytest.approx(0.2)
    assert abs(free.x[1]) > 1.0 and np.all(np.diff(free.values) < 0)
    wolfe = so.newton(saddle, np.array([0.1, 0.5]), line_search="wolfe")
    assert not wolfe.success and "descent direction" in wolfe.message


def test_regularised_newton_tends_to_gradient_descent_for_large_lambda():
    R, x0 = functions.rosenbrock, np.array([-1.2, 1.0])
    lam = 1e8
    step = so.newton(R, x0, lam=lam, maxiter=1).x - x0
    assert np.allclose(step, -R.grad(x0) / lam, rtol=1e-4)
    near_max = np.array([-0.3, -0.9])                    # Himmelblau's local maximum is at (-0.27, -0.92)
    assert so.newton(functions.himmelblau, near_max, gtol=1e-10).fun > 180
    shifted = so.newton(functions.himmelblau, near_max, lam=50.0, line_search="wolfe", gtol=1e-6)
    assert shifted.success and shifted.fun < 1e-10


def _logistic(l2=0.0):
    data, _ = datasets.logistic_classification(n=300, d=4, rng=0, separation=2.0)
    model = models.LogisticRegression(4, l2=l2)
    return model, data, model.objective(data)


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_logistic_fisher_exact_is_the_hessian_and_empirical_is_the_outer_product(l2):
    model, data, obj = _logistic(l2)
    w = np.random.default_rng(8).standard_normal(model.dim)
    assert np.allclose(so.logistic_fisher(model, data)(w), obj.hess(w), rtol=1e-12)
    G = model.per_example_grad(w, data.X, data.y) - l2 * np.r_[w[:4], 0.0]     # the data terms only
    empirical = G.T @ G / data.n + l2 * np.diag([1.0, 1, 1, 1, 0])
    assert np.allclose(so.logistic_fisher(model, data, empirical=True)(w), empirical, rtol=1e-12)


def test_natural_gradient_with_the_exact_fisher_is_newton_and_with_the_empirical_one_is_not():
    model, data, obj = _logistic()
    w0 = np.zeros(model.dim)
    newton = so.newton(obj, w0, gtol=1e-10)
    natural = so.natural_gradient(obj, w0, so.logistic_fisher(model, data), gtol=1e-10)
    assert newton.success and natural.nit == newton.nit
    assert np.allclose(natural.path, newton.path, rtol=1e-10, atol=1e-13)
    empirical = so.natural_gradient(obj, w0, so.logistic_fisher(model, data, empirical=True), gtol=1e-10,
                                    maxiter=newton.nit)
    assert not empirical.success and empirical.grad_norms[-1] > 1e3 * newton.grad_norms[-1]


# --- nonlinear conjugate gradients -----------------------------------------------------------------

def test_fletcher_reeves_with_exact_line_search_is_linear_cg_on_a_quadratic():
    rng = np.random.default_rng(9)
    A, b = _spd(6, 50.0, rng), rng.standard_normal(6)
    linear = so.linear_cg(A, b, tol=1e-12)
    for beta in ("FR", "PR", "PR+"):
        nonlin = so.nonlinear_cg(functions.quadratic(A, b), np.zeros(6), beta=beta, c1=1e-10, c2=1e-8, gtol=1e-9)
        k = min(linear.nit, nonlin.nit, 5)
        assert np.allclose(nonlin.path[:k], linear.path[:k], rtol=1e-6, atol=1e-8), beta


def test_nonlinear_cg_restart_every_step_is_steepest_descent():
    R = functions.rosenbrock
    res = so.nonlinear_cg(R, ROSEN_START[2], restart=1, maxiter=20)
    steps = np.diff(res.path, axis=0)
    grads = np.array([R.grad(x) for x in res.path[:-1]])
    cos = np.einsum("ki,ki->k", steps, -grads) / np.linalg.norm(steps, axis=1) / np.linalg.norm(grads, axis=1)
    assert np.allclose(cos, 1.0) and res.info["restarts"] == res.nit


@pytest.mark.parametrize("beta", ["FR", "PR", "PR+"])
def test_nonlinear_cg_converges_on_rosenbrock(beta):
    res = so.nonlinear_cg(functions.rosenbrock, ROSEN_START[2], beta=beta, restart=2 if beta == "FR" else None)
    assert res.success and np.allclose(res.x, 1.0, atol=1e-4)


# --- counting, and the comparison with scipy.optimize.minimize -----------------------------------------

def test_oracle_counts_like_scipy():
    obj = functions.extended_rosenbrock(10)
    for method, extra in (("BFGS", {}), ("Newton-CG", {"hessp": "hvp"}), ("trust-exact", {"hess": "hess"})):
        oracle = ls.Oracle(obj)
        kw = {k: getattr(oracle, v) for k, v in extra.items()}
        res = optimize.minimize(oracle.f, ROSEN_START[10], jac=oracle.grad, method=method, **kw)
        assert (oracle.nfev, oracle.njev) == (res.nfev, res.njev)
        assert oracle.nhev == res.get("nhev", 0)


@pytest.mark.parametrize("method", [so.bfgs, so.lbfgs, so.nonlinear_cg, so.newton_cg])
def test_reported_counts_are_the_calls_made(method):
    obj = Counted(functions.extended_rosenbrock(10))
    res = method(obj, ROSEN_START[10])
    assert (res.nfev, res.njev, res.nhev) == (obj.calls["f"], obj.calls["grad"], obj.calls["hvp"])
    assert res.success and res.grad_norms[-1] <= 1e-5 and len(res.path) == res.nit + 1


def test_scipy_minimize_reproduces_scipys_own_bfgs_run():
    obj = functions.extended_rosenbrock(10)
    ours = so.scipy_minimize(obj, ROSEN_START[10], "BFGS")
    theirs = optimize.minimize(obj.f, ROSEN_START[10], jac=obj.grad, method="BFGS")
    assert (ours.nit, ours.nfev, ours.njev) == (theirs.nit, theirs.nfev, theirs.njev)
    assert np.array_equal(ours.x, theirs.x)


def test_scipy_minimize_writes_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("BFGS", "CG", "L-BFGS-B", "Newton-CG", "trust-exact"):
            res = so.scipy_minimize(functions.rosenbrock, ROSEN_START[2], method, gtol=1e-14)
            assert not res.success and res.message.startswith("scipy:") or res.success


OURS_VS_SCIPY = [(so.bfgs, "BFGS"), (so.lbfgs, "L-BFGS-B"), (so.newton_cg, "Newton-CG")]


@pytest.mark.parametrize("n", [2, 10, 100])
@pytest.mark.parametrize("ours,theirs", OURS_VS_SCIPY, ids=[m for _, m in OURS_VS_SCIPY])
def test_iterations_within_125_percent_of_scipy(ours, theirs, n):
    """Issue 11, done-means 2: the same stopping test max|grad| <= 1e-5 for both."""
    obj = functions.extended_rosenbrock(n)
    mine, ref = ours(obj, ROSEN_START[n]), so.scipy_minimize(obj, ROSEN_START[n], theirs)
    assert mine.success and ref.success
    assert mine.nit <= 1.25 * ref.nit, (mine.nit, ref.nit)


def test_first_order_is_the_optimizers_own_loop():
    R, x0, opt = functions.rosenbrock, ROSEN_START[2], optimizers.momentum(eta=1e-3, gamma=0.9)
    res = so.first_order(R, opt, x0, gtol=1e-3, maxiter=5000)
    theta, state, path = x0, opt.init(x0), [x0]
    while np.abs(R.grad(theta)).max() > 1e-3:
        theta, state = opt.update(theta, R.grad, state)
        path.append(theta)
    assert res.success and np.array_equal(res.path, np.array(path)) and res.njev == res.nit
    Q, x0 = functions.ill_conditioned, np.array([-8.0, 2.0])
    etas, make = [1e-3, 5e-3, 0.0196, 0.03], lambda e: optimizers.sgd(eta=e)  # noqa: E731
    single = [so.first_order(Q, make(e), x0, gtol=1e-6, maxiter=3000) for e in etas]
    eta, tuned = so.tune_first_order(Q, make, x0, etas, gtol=1e-6, maxiter=3000)
    fastest = min((r.nit, e) for r, e in zip(single, etas) if r.success)
    assert (tuned.nit, eta) == fastest and not single[-1].success


@pytest.mark.parametrize("call,match", [
    (lambda: so.bfgs(functions.rosenbrock, [[0.0, 0.0]]), "shape"),
    (lambda: so.bfgs(functions.rosenbrock, [np.nan, 0.0]), "finite"),
    (lambda: so.bfgs(functions.rosenbrock, [0.0, 0.0], gtol=-1), "gtol"),
    (lambda: so.lbfgs(functions.rosenbrock, [0.0, 0.0], m=0), "m must"),
    (lambda: so.newton(functions.rosenbrock, [0.0, 0.0], lam=-1.0), "lam"),
    (lambda: so.newton(functions.rosenbrock, [0.0, 0.0], line_search="exact"), "line_search"),
    (lambda: so.nonlinear_cg(functions.rosenbrock, [0.0, 0.0], beta="HS"), "beta"),
    (lambda: so.nonlinear_cg(functions.rosenbrock, [0.0, 0.0], restart=0), "restart"),
    (lambda: so.bfgs(functions.rosenbrock, [0.0, 0.0], c1=0.9, c2=0.1), "c1"),
    (lambda: so.bfgs(functions.rosenbrock, [0.0, 0.0], maxiter=2.5), "maxiter"),
    (lambda: so.bfgs(functions.rosenbrock, [0.0, 0.0], H0=-np.eye(2)), "H0"),
    (lambda: so.linear_cg(np.eye(3), np.ones(2)), "A must"),
    (lambda: so.scipy_minimize(functions.rosenbrock, [0.0, 0.0], "Nelder-Mead"), "method"),
])
def test_bad_arguments_get_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_methods_needing_curvature_say_so():
    class NoHessian:
        f, grad = staticmethod(functions.rosenbrock.f), staticmethod(functions.rosenbrock.grad)
    with pytest.raises(TypeError, match="hess"):
        so.newton(NoHessian, [0.0, 0.0])
    with pytest.raises(TypeError, match="hvp or objective.hess"):
        so.newton_cg(NoHessian, [0.0, 0.0])


# --- the chapter's exercises: the worked solutions pass their checks, the templates do not ---------

CHAPTER = Path(__file__).resolve().parents[1] / "chapters" / "07_second_order.ipynb"


def _exercise_program(use_solutions):
    """The chapter's import cell, then its exercise cells (templates replaced by the solutions' code)."""
    cells = json.loads(CHAPTER.read_text(encoding="utf-8"))["cells"]
    program = ["".join(next(c for c in cells if c["cell_type"] == "code")["source"])]
    for i, cell in enumerate(cells):
        tags = cell.get("metadata", {}).get("tags", [])
        source = "".join(cell["source"])
        if "student-template" in tags and use_solutions:
            solution = next("".join(c["source"]) for c in cells[i + 1:]
                            if c["cell_type"] == "markdown" and "{solution}" in "".join(c["source"]))
            source = "\n".join(re.findall(r"```python\n(.*?)\n```", solution, flags=re.S))
        if {"student-template", "exercise-check"} & set(tags):
            program.append(source)
    return program


@pytest.mark.parametrize("use_solutions", [True, False], ids=["solutions", "templates"])
def test_chapter_exercises_check_the_answers(use_solutions, capsys):
    import matplotlib
    matplotlib.use("Agg")
    namespace = {}
    for source in _exercise_program(use_solutions):
        exec(compile(source, str(CHAPTER), "exec"), namespace)
    verdicts = re.findall(r"^(PASS|NOT YET) ", capsys.readouterr().out, flags=re.M)
    assert len(verdicts) == 4
    assert set(verdicts) == {"PASS" if use_solutions else "NOT YET"}


def test_chapter_bfgs_check_rejects_the_dfp_update(capsys):
    """DFP's inverse update also satisfies the secant equation; the exercise asks for BFGS's."""
    import matplotlib
    matplotlib.use("Agg")
    program = _exercise_program(use_solutions=False)
    dfp = ("def bfgs_update(H, s, y):\n"
           "    Hy = H @ y\n"
           "    return H + np.outer(s, s) / (s @ y) - np.outer(Hy, Hy) / (y @ Hy)\n")
    namespace = {}
    for source in program:
        exec(compile(dfp if "def bfgs_update" in source else source, str(CHAPTER), "exec"), namespace)
    out = capsys.readouterr().out
    assert "largest |H_+ y - s|" in out and re.search(r"^NOT YET  bfgs_update", out, flags=re.M)


def test_newton_batch_equals_newton_from_each_start():
    H = functions.himmelblau
    starts = np.array([[2.8, 2.2], [-2.5, 2.7], [0.3, -0.2], [-3.1, -3.3], [3.6, -1.9]])
    got = so.newton_batch(H, starts, 25)
    for x0, x in zip(starts, got):
        one = so.newton(H, x0, gtol=1e-12)
        assert one.success
        np.testing.assert_allclose(x, one.x, rtol=1e-10, atol=1e-10)
        assert np.max(np.abs(H.grad(x))) < 1e-9
    np.testing.assert_allclose(got[0], [3.0, 2.0], atol=1e-12)           # Himmelblau's exact minimum (3, 2)
    assert so.newton_batch(H, starts, 0) is not starts and np.array_equal(so.newton_batch(H, starts, 0), starts)
    grid = np.stack(np.meshgrid(np.linspace(-5, 5, 7), np.linspace(-5, 5, 7)), -1)   # leading axes (7, 7)
    assert so.newton_batch(H, grid, 3).shape == (7, 7, 2)


def test_newton_batch_marks_singular_hessians_nan():
    flat = functions.quadratic(np.diag([1.0, 0.0]), np.array([1.0, 0.0]))
    x = so.newton_batch(flat, np.array([[0.5, 0.5], [2.0, 1.0]]), 2)
    assert np.all(np.isnan(x))
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        so.newton_batch(functions.himmelblau, np.zeros(2), -1)
    with pytest.raises(ValueError, match="x0 must be a finite array"):
        so.newton_batch(functions.himmelblau, np.array([np.nan, 0.0]), 1)
    with pytest.raises(TypeError, match="'hess'"):
        so.newton_batch(type("GradOnly", (), {"grad": staticmethod(np.sin)})(), np.zeros(2), 1)

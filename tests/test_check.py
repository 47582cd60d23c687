import numpy as np

from gdlib import check, functions


def test_grad_check_accepts_right_and_rejects_wrong_gradients():
    theta = np.random.default_rng(0).normal(size=(5, 2))
    f = functions.rosenbrock
    assert check.grad_check(f.f, f.grad, theta) < 1e-7
    wrong = lambda th: f.grad(th) * np.array([1.0, 1.01])       # a 1% error in one coordinate
    assert check.grad_check(f.f, wrong, theta) > 1e-3
    assert check.hess_check(f.grad, lambda th: f.hess(th) * 1.01, theta) > 1e-3

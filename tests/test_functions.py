"""Objectives: gradients and Hessians against finite differences, minima against published values."""
import numpy as np
import pytest

from gdlib import check, functions

OBJECTIVES = list(functions.ALL.values())


@pytest.mark.parametrize("obj", OBJECTIVES, ids=lambda o: o.name)
def test_gradient_and_hessian_match_finite_differences(obj):
    rng = np.random.default_rng(1)
    theta = rng.uniform(-2, 2, size=(7, obj.dim))
    assert check.grad_check(obj.f, obj.grad, theta) < 1e-6
    assert check.hess_check(obj.grad, obj.hess, theta) < 1e-6


@pytest.mark.parametrize("obj", OBJECTIVES, ids=lambda o: o.name)
def test_vectorised_over_leading_axes(obj):
    theta = np.random.default_rng(2).normal(size=(3, 4, obj.dim))
    one_by_one = np.array([[obj.f(p) for p in row] for row in theta])
    np.testing.assert_allclose(obj.f(theta), one_by_one, rtol=1e-13)
    assert obj.grad(theta).shape == theta.shape
    assert obj.hess(theta).shape == theta.shape + (obj.dim,)


@pytest.mark.parametrize("obj", [o for o in OBJECTIVES if len(o.minima)], ids=lambda o: o.name)
def test_known_minima_are_minima(obj):
    for m in obj.minima:
        assert np.max(np.abs(obj.grad(m))) < 1e-9
        assert np.all(np.linalg.eigvalsh(obj.hess(m)) > 0)
    if obj.min_value is not None:
        assert obj.f(obj.minima[0]) == pytest.approx(obj.min_value, abs=1e-12)
        # nothing on a fine grid of the plotting box is lower than the stated global minimum
        box = [obj.box] if obj.dim == 1 else obj.box
        if obj.dim <= 2:
            axes = np.meshgrid(*[np.linspace(lo, hi, 301) for lo, hi in box])
            assert np.min(obj.f(np.stack(axes, -1))) >= obj.min_value - 1e-12


def test_beale_is_the_published_function():
    # Beale (1958): minimum 0 at (3, 0.5); f(0, 0) = 1.5^2 + 2.25^2 + 2.625^2 = 14.203125
    assert functions.beale.f([0.0, 0.0]) == pytest.approx(14.203125)
    assert functions.beale.f([3.0, 0.5]) == 0.0
    # at (1, 1) each bracket loses x and gains x: the same value as at the origin
    assert functions.beale.f([1.0, 1.0]) == pytest.approx(14.203125)


def test_quadratic_minimiser_and_saddle():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    q = functions.quadratic(A, b)
    np.testing.assert_allclose(q.minima[0], np.linalg.solve(A, b), rtol=1e-14)
    assert q.min_value == pytest.approx(-0.5 * b @ np.linalg.solve(A, b))
    assert len(functions.saddle.minima) == 0 and np.allclose(functions.saddle.saddles, 0)
    eig = np.linalg.eigvalsh(functions.ill_conditioned.hess([0.0, 0.0]))
    assert eig.max() / eig.min() == pytest.approx(50)


@pytest.mark.parametrize("A, b, match", [(np.ones((2, 3)), None, "square"),
                                          ([[1.0, 2.0], [0.0, 1.0]], None, "symmetric"),
                                          (np.eye(2), [1.0, 2.0, 3.0], "b must have shape")])
def test_quadratic_rejects_bad_input(A, b, match):
    with pytest.raises(ValueError, match=match):
        functions.quadratic(A, b)

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


# --- the ramp, rotated quadratics and batches of quadratics ----------------------------------

def test_ramp_is_theta_with_gradient_one():
    theta = np.linspace(-3, 3, 7)[:, None]
    np.testing.assert_array_equal(functions.ramp.f(theta), theta[:, 0])
    np.testing.assert_array_equal(functions.ramp.grad(theta), np.ones_like(theta))
    assert functions.ALL["ramp"] is functions.ramp and len(functions.ramp.minima) == 0
    assert functions.ramp.min_value is None                              # unbounded below


def test_rotated_quadratic_has_the_given_spectrum_and_the_documented_rotation():
    eigs = np.array([0.5, 1.0, 3.0, 20.0])
    q = functions.rotated_quadratic(eigs, np.random.default_rng(7), b=[1.0, 0.0, -1.0, 2.0])
    A = q.hess(np.zeros(4))
    np.testing.assert_allclose(np.linalg.eigvalsh(A), eigs, rtol=1e-13)
    np.testing.assert_array_equal(A, A.T)
    Q = np.linalg.qr(np.random.default_rng(7).standard_normal((4, 4)))[0]      # the documented draw
    np.testing.assert_allclose(A, Q @ np.diag(eigs) @ Q.T, atol=1e-13)
    np.testing.assert_allclose(q.minima[0], np.linalg.solve(A, [1.0, 0.0, -1.0, 2.0]), rtol=1e-12)
    theta = np.random.default_rng(1).normal(size=(6, 4))
    assert check.grad_check(q.f, q.grad, theta) < 1e-6


def test_quadratic_batch_is_K_separate_quadratics():
    rng = np.random.default_rng(3)
    lam = np.array([[1.0, 2.0, 5.0], [0.1, 1.0, 10.0]])
    batch = functions.rotated_quadratic(lam, rng, name="two problems")
    A = batch.hess(np.zeros((2, 3)))
    for k in range(2):
        np.testing.assert_allclose(np.linalg.eigvalsh(A[k]), lam[k], rtol=1e-12)
    b = np.array([[1.0, -1.0, 0.5], [0.0, 2.0, 1.0]])
    batch = functions.quadratic_batch(A, b)
    singles = [functions.quadratic(A[k], b[k]) for k in range(2)]
    theta = np.random.default_rng(4).normal(size=(5, 2, 3))               # 5 points for each of the 2 problems
    for k, q in enumerate(singles):
        np.testing.assert_allclose(batch.f(theta)[:, k], q.f(theta[:, k]), rtol=1e-12)
        np.testing.assert_allclose(batch.grad(theta)[:, k], q.grad(theta[:, k]), rtol=1e-12, atol=1e-14)
    assert batch.hess(theta).shape == (5, 2, 3, 3)
    flat_f = lambda x: batch.f(x.reshape(x.shape[:-1] + (2, 3))).sum(-1)       # the K problems' sum, in 6-D
    flat_grad = lambda x: batch.grad(x.reshape(x.shape[:-1] + (2, 3))).reshape(x.shape)
    assert check.grad_check(flat_f, flat_grad, theta.reshape(5, 6)) < 1e-6
    assert len(batch.minima) == 0                                         # different minimisers
    common = functions.quadratic_batch(A)                                 # b = 0: the origin for both
    np.testing.assert_array_equal(common.minima, np.zeros((1, 3)))
    assert common.min_value == 0.0


@pytest.mark.parametrize("call, match", [
    (lambda: functions.quadratic_batch(np.eye(3)), "A must be a real array with 3 dimensions"),
    (lambda: functions.quadratic_batch(np.ones((2, 3, 4))), "shape \\(K, d, d\\)"),
    (lambda: functions.quadratic_batch(np.array([[[1.0, 2.0], [0.0, 1.0]]])), "symmetric"),
    (lambda: functions.quadratic_batch(np.stack([np.eye(2)] * 3), b=np.ones((2, 2))), "b must have shape"),
    (lambda: functions.quadratic_batch(np.stack([np.eye(2)] * 3)).f(np.ones((2, 2))), "theta must have shape"),
    (lambda: functions.rotated_quadratic(np.ones((2, 2, 2)), 0), "eigenvalues must have shape"),
    (lambda: functions.rotated_quadratic([1.0, np.nan], 0), "eigenvalues must be finite"),
    (lambda: functions.rotated_quadratic([1.0, 2.0], None), "rng is required"),
    (lambda: functions.random_rotation(0, 0), "d"),
])
def test_rotated_and_batched_quadratics_refuse_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()

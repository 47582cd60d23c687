"""The runner: closed-form paths, schedules, divergence handling, broadcasting over runs."""
import warnings

import numpy as np
import pytest

from gdlib import functions, optimizers
from gdlib.run import DivergenceWarning, minimize


def test_worked_examples_follow_the_closed_form():
    # J = theta^2, theta_0 = 1, eta = 0.4: theta_k = (1 - 2 * 0.4)^k
    traj = minimize(functions.parabola, optimizers.sgd(eta=0.4), [1.0], steps=3)
    np.testing.assert_allclose(traj.thetas[:, 0], 0.2 ** np.arange(4), rtol=1e-14)
    # J = t1^2 + t2^2 from (2, 3), eta = 0.1: theta_k = 0.8^k (2, 3)
    traj = minimize(functions.bowl, optimizers.sgd(eta=0.1), [2.0, 3.0], steps=100)
    np.testing.assert_allclose(traj.thetas, 0.8 ** np.arange(101)[:, None] * [2.0, 3.0], rtol=1e-13)


def test_schedule_is_called_with_completed_steps():
    eta = lambda t: 0.1 / (1 + t)
    traj = minimize(functions.parabola, optimizers.sgd(eta=eta), [1.0], steps=5)
    expected = np.cumprod([1.0] + [1 - 2 * 0.1 / (1 + t) for t in range(5)])
    np.testing.assert_allclose(traj.thetas[:, 0], expected, rtol=1e-14)


def test_divergence_stops_the_run_and_warns_once():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traj = minimize(functions.rosenbrock, optimizers.sgd(eta=1.0), [-1.5, 2.0], steps=100)
    assert [w.category for w in caught] == [DivergenceWarning]
    k = int(traj.diverged)
    assert 0 < k < 100
    assert np.all(np.isnan(traj.thetas[k:])) and np.all(np.isfinite(traj.thetas[:k]))
    assert "step" in str(caught[0].message)


def test_some_runs_diverge_others_are_untouched():
    eta = np.array([[1e-3], [1.0], [2e-3]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        many = minimize(functions.rosenbrock, optimizers.sgd(eta=eta), np.tile([-1.5, 2.0], (3, 1)), 50)
    assert len(caught) == 1 and "1 of 3 runs" in str(caught[0].message)
    assert list(many.diverged >= 0) == [False, True, False]
    for i in (0, 2):
        alone = minimize(functions.rosenbrock, optimizers.sgd(eta=float(eta[i, 0])), [-1.5, 2.0], 50)
        np.testing.assert_array_equal(many.thetas[:, i], alone.thetas)


@pytest.mark.parametrize("kwargs, match", [(dict(steps=-1), "steps"), (dict(steps=2.5), "steps"),
                                           (dict(theta0=[1.0, 2.0, 3.0]), "coordinates")])
def test_bad_runner_input(kwargs, match):
    args = dict(objective=functions.beale, optimizer=optimizers.sgd(), theta0=[1.0, 1.0], steps=3) | kwargs
    with pytest.raises(ValueError, match=match):
        minimize(**args)

"""The one loop (run.iterate / run.minimize): closed-form paths, step-aware gradients, projection,
state recording, divergence handled once, bit-for-bit broadcasting, the gradient wrappers, and
clear errors for bad input."""
import warnings

import numpy as np
import pytest

from gdlib import functions, optimizers, run, schedules
from gdlib.run import DivergenceWarning, iterate, minimize, stepwise


# --- paths --------------------------------------------------------------------------------------

def test_worked_examples_follow_the_closed_form():
    # J = theta^2, theta_0 = 1, eta = 0.4: theta_k = (1 - 2 * 0.4)^k
    traj = minimize(functions.parabola, optimizers.sgd(eta=0.4), [1.0], steps=3)
    np.testing.assert_allclose(traj.thetas[:, 0], 0.2 ** np.arange(4), rtol=1e-14)
    # J = t1^2 + t2^2 from (2, 3), eta = 0.1: theta_k = 0.8^k (2, 3)
    traj = minimize(functions.bowl, optimizers.sgd(eta=0.1), [2.0, 3.0], steps=100)
    np.testing.assert_allclose(traj.thetas, 0.8 ** np.arange(101)[:, None] * [2.0, 3.0], rtol=1e-13)
    np.testing.assert_allclose(traj.values, functions.bowl.f(traj.thetas), rtol=0)


def test_schedule_is_called_with_completed_steps():
    eta = lambda t: 0.1 / (1 + t)                                        # noqa: E731
    traj = minimize(functions.parabola, optimizers.sgd(eta=eta), [1.0], steps=5)
    expected = np.cumprod([1.0] + [1 - 2 * 0.1 / (1 + t) for t in range(5)])
    np.testing.assert_allclose(traj.thetas[:, 0], expected, rtol=1e-14)


def test_iterate_without_an_objective_matches_minimize():
    opt = optimizers.adam(eta=0.05)
    a = minimize(functions.beale, opt, [1.0, 1.5], 200)
    b = iterate(opt, functions.beale.grad, [1.0, 1.5], 200)
    np.testing.assert_array_equal(a.thetas, b.thetas)
    assert b.values is None and b.objective is None
    c = iterate(opt, functions.beale.grad, [1.0, 1.5], 200, value=functions.beale.f)
    np.testing.assert_array_equal(a.values, c.values)


# --- step-aware gradients -------------------------------------------------------------------------

def test_stepwise_gradient_receives_the_completed_steps():
    asked = []

    def grad(theta, t):
        asked.append(t)
        return 2 * theta

    for opt in (optimizers.sgd(eta=0.1), optimizers.nag(eta=0.1), optimizers.adadelta()):
        asked.clear()
        minimize(functions.parabola, opt, [1.0], 7, grad_fn=stepwise(grad))
        assert asked == list(range(7))


def test_online_stream_equals_a_hand_written_loop():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 3)), rng.standard_normal(50)
    stream = stepwise(lambda w, t: X[t] * (X[t] @ w - y[t]))
    traj = iterate(optimizers.sgd(eta=0.05), stream, np.zeros(3), 50)
    w = np.zeros(3)
    for t in range(50):
        w = w - 0.05 * X[t] * (X[t] @ w - y[t])
        np.testing.assert_allclose(traj.thetas[t + 1], w, rtol=1e-14, atol=1e-15)


def test_projection_after_every_step():
    # minimise (x - 2)^2 over [-1, 1]: projected gradient descent ends at the boundary point 1
    shifted = functions.quadratic(np.array([[2.0]]), b=[4.0])             # J = x^2 - 4x, minimum at 2
    box = lambda x: np.clip(x, -1.0, 1.0)                                 # noqa: E731
    traj = minimize(shifted, optimizers.adam(eta=0.3), [-0.5], 300, project=box)
    assert np.all(np.abs(traj.thetas) <= 1.0)
    assert traj.final[0] == 1.0
    free = minimize(shifted, optimizers.adam(eta=0.3), [-0.5], 300)
    assert free.thetas.max() > 1.5


def test_recorded_states_follow_the_rule():
    # Adagrad on a constant gradient g: G_t = t g^2 exactly, and state.t counts the updates
    g = np.array([3.0, -0.5])
    traj = iterate(optimizers.adagrad(eta=0.1), lambda th: g + 0 * th, np.zeros(2), 20, record_state=True)
    np.testing.assert_array_equal(traj.states.t, np.arange(21))
    np.testing.assert_allclose(traj.states.G, np.arange(21)[:, None] * g ** 2, rtol=1e-15)
    # states of K runs keep the run axis: (steps + 1, K, d)
    many = minimize(functions.beale, optimizers.adam(eta=np.array([[0.01], [0.1]])), np.ones((2, 2)), 10,
                    record_state=True)
    assert many.states.m.shape == (11, 2, 2)
    # the final state is kept without recording: G_20 = 20 g^2, equal to the recorded last one
    plain = iterate(optimizers.adagrad(eta=0.1), lambda th: g + 0 * th, np.zeros(2), 20)
    assert plain.states is None and plain.state.t == 20
    np.testing.assert_allclose(plain.state.G, 20 * g ** 2, rtol=1e-15)
    np.testing.assert_array_equal(plain.state.G, traj.states.G[-1])


# --- divergence -------------------------------------------------------------------------------------

def test_divergence_stops_the_run_and_warns_once():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traj = minimize(functions.rosenbrock, optimizers.sgd(eta=1.0), [-1.5, 2.0], steps=100)
    assert [w.category for w in caught] == [DivergenceWarning]
    k = int(traj.diverged)
    assert 0 < k < 100
    assert np.all(np.isnan(traj.thetas[k:])) and np.all(np.isfinite(traj.thetas[:k]))
    assert np.all(np.isnan(traj.values[k:])) and np.all(np.isfinite(traj.values[:k]))
    assert "step" in str(caught[0].message)


def test_warn_false_silences_the_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = minimize(functions.rosenbrock, optimizers.sgd(eta=1.0), [-1.5, 2.0], steps=100, warn=False)
    assert traj.diverged > 0


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


# --- K runs in one call ------------------------------------------------------------------------------

RATES = np.array([[0.003], [0.01], [0.03]])


@pytest.mark.parametrize("name", sorted(optimizers.ALL))
def test_k_runs_in_one_call_equal_k_separate_calls(name):
    opt = optimizers.ALL[name](eta=RATES)
    starts = np.array([[1.0, 1.5], [0.5, 2.0], [2.0, 0.2]])
    box = lambda x: np.clip(x, -4.5, 4.5)                                # noqa: E731
    stream = stepwise(lambda th, t: functions.beale.grad(th) * (1 + 0.1 * np.sin(t)))
    many = minimize(functions.beale, opt, starts, 60, grad_fn=stream, project=box, warn=False)
    for k in range(3):
        alone = minimize(functions.beale, optimizers.ALL[name](eta=float(RATES[k, 0])), starts[k], 60,
                         grad_fn=stream, project=box, warn=False)
        np.testing.assert_array_equal(many.thetas[:, k], alone.thetas)
        # J itself is the objective's business: Beale's powers of a numpy scalar and of an array may
        # round differently in the last bit, so the values are compared to round-off
        np.testing.assert_allclose(many.values[:, k], alone.values, rtol=4e-16, atol=0)


# --- gradient wrappers ------------------------------------------------------------------------------

def test_clipping_closed_forms():
    g = np.array([[3.0, 4.0], [0.3, -0.4], [0.0, 0.0]])
    np.testing.assert_allclose(run.clip_by_norm(1.0)(g), [[0.6, 0.8], [0.3, -0.4], [0.0, 0.0]])
    np.testing.assert_allclose(run.clip_by_value(0.35)(g), [[0.35, 0.35], [0.3, -0.35], [0.0, 0.0]])


def test_clipped_gradient_caps_every_step():
    # on the cliff, plain SGD is thrown far; clipped by norm at c, every step of SGD is at most eta * c
    cliff, start = functions.cliff, np.array([2.5, 2.0])
    plain = minimize(cliff, optimizers.sgd(eta=0.1), start, 40, warn=False)
    for by in ("norm", "value"):
        traj = minimize(cliff, optimizers.sgd(eta=0.1), start, 40, grad_fn=run.clipped(cliff.grad, 5.0, by=by))
        steps = np.abs(np.diff(traj.thetas, axis=0))
        bound = 0.1 * 5.0 * (1 if by == "norm" else np.sqrt(2))
        assert np.linalg.norm(steps, axis=-1).max() <= bound * (1 + 1e-12)
    assert np.linalg.norm(np.diff(plain.thetas, axis=0), axis=-1).max() > 10


def test_annealed_noise_has_the_variance_of_neelakantan_et_al():
    # sigma_t^2 = eta / (1 + t)^gamma: measured over 20000 draws at several steps
    eta, gamma = 0.3, 0.55
    noisy = run.noisy(lambda th: np.zeros_like(th), eta=eta, gamma=gamma, rng=np.random.default_rng(1))
    theta = np.zeros((20000, 2))
    for t in (0, 1, 10, 1000):
        draws = noisy(theta, t)
        predicted = eta / (1 + t) ** gamma
        assert draws.var() == pytest.approx(predicted, rel=0.03)
        assert abs(draws.mean()) < 5 * np.sqrt(predicted / draws.size)


def test_noise_is_repeatable_with_the_same_seed_and_needs_an_rng():
    grad = run.noisy(functions.bowl.grad, eta=1.0, gamma=0.0, rng=7)
    a = minimize(functions.bowl, optimizers.sgd(eta=0.1), [3.0, 3.0], 30, grad_fn=grad)
    b = minimize(functions.bowl, optimizers.sgd(eta=0.1), [3.0, 3.0], 30,
                 grad_fn=run.noisy(functions.bowl.grad, eta=1.0, gamma=0.0, rng=np.random.default_rng(7)))
    np.testing.assert_array_equal(a.thetas, b.thetas)
    # gamma = 0, eta = 1: plain N(0, 1) noise, drawn in the order the steps ask
    rng = np.random.default_rng(7)
    theta = np.array([3.0, 3.0])
    for k in range(30):
        theta = theta - 0.1 * (functions.bowl.grad(theta) + rng.standard_normal(2))
        np.testing.assert_allclose(a.thetas[k + 1], theta, rtol=1e-14)
    with pytest.raises(ValueError, match="rng"):
        run.noisy(functions.bowl.grad, eta=1.0)


def test_delayed_gradient_is_the_gradient_tau_steps_ago():
    # stale-gradient SGD written out by hand: g_t = grad(theta_{max(t - tau, 0)})
    A = np.diag([1.0, 10.0])
    grad = lambda th: th @ A                                              # noqa: E731
    for tau in (0, 1, 4):
        traj = iterate(optimizers.sgd(eta=0.02), run.delayed(grad, tau), [1.0, -1.0], 60)
        path = [np.array([1.0, -1.0])]
        for t in range(60):
            path.append(path[-1] - 0.02 * grad(path[max(t - tau, 0)]))
        np.testing.assert_allclose(traj.thetas, np.array(path), rtol=1e-14, atol=1e-16)
    # a stale gradient loses stability earlier: at eta * L = 0.6 four steps of delay diverge
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        stale = iterate(optimizers.sgd(eta=0.06), run.delayed(grad, 4), [1.0, -1.0], 400, value=lambda th: th @ th)
    fresh = iterate(optimizers.sgd(eta=0.06), grad, [1.0, -1.0], 400, value=lambda th: th @ th)
    assert fresh.values[-1] < 1e-10 and (stale.diverged >= 0 or stale.values[-1] > 1)


def test_delayed_forgets_the_previous_run_and_wraps_a_stream():
    grad = run.delayed(stepwise(lambda th, t: th * (1 + t)), 2)
    first = iterate(optimizers.sgd(eta=0.01), grad, [1.0], 10)
    again = iterate(optimizers.sgd(eta=0.01), grad, [1.0], 10)
    np.testing.assert_array_equal(first.thetas, again.thetas)
    path = [1.0]
    for t in range(10):
        path.append(path[-1] - 0.01 * path[max(t - 2, 0)] * (1 + t))      # stale point, current step's data
    np.testing.assert_allclose(first.thetas[:, 0], path, rtol=1e-14)


def test_wrappers_compose():
    rng = np.random.default_rng(3)
    grad = run.noisy(run.clipped(functions.cliff.grad, 1.0), eta=0.01, rng=rng)
    traj = minimize(functions.cliff, optimizers.sgd(eta=0.1), [2.5, 2.0], 20, grad_fn=grad)
    assert traj.thetas.shape == (21, 2) and np.all(np.isfinite(traj.thetas))


# --- bad input ------------------------------------------------------------------------------------

GOOD = dict(objective=functions.beale, optimizer=optimizers.sgd(), theta0=[1.0, 1.0], steps=3)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(steps=-1), ValueError, "steps"),
    (dict(steps=2.5), TypeError, "steps"),
    (dict(steps=True), TypeError, "steps"),
    (dict(steps="10"), TypeError, "steps"),
    (dict(steps=10 ** 12), ValueError, "steps"),
    (dict(theta0=[1.0, 2.0, 3.0]), ValueError, "coordinates"),
    (dict(theta0=[np.nan, 1.0]), ValueError, "theta0 must be finite"),
    (dict(theta0=[np.inf, 1.0]), ValueError, "theta0 must be finite"),
    (dict(theta0=[1 + 1j, 1.0]), TypeError, "theta0"),
    (dict(theta0=[[1.0, 2.0], [1.0]]), ValueError, "theta0"),
    (dict(theta0=None), TypeError, "theta0"),
    (dict(theta0="1, 2"), TypeError, "theta0"),
    (dict(theta0=[True, False]), TypeError, "theta0"),
    (dict(optimizer=optimizers.sgd), TypeError, "factory"),
    (dict(optimizer="sgd"), TypeError, "optimizer"),
    (dict(objective=lambda th: th), TypeError, "objective"),
    (dict(grad_fn=lambda th: None), TypeError, "grad_fn"),
    (dict(grad_fn=lambda th: [0.0, 0.0]), TypeError, "grad_fn"),
    (dict(grad_fn=lambda th: th[:, None]), ValueError, "shape"),
    (dict(grad_fn=lambda th: th + 1j), TypeError, "grad_fn"),
    (dict(grad_fn="beale"), TypeError, "grad_fn"),
    (dict(project=3), TypeError, "project"),
    (dict(project=lambda th: th[:1]), ValueError, "project"),
    (dict(project=lambda th: list(th)), ValueError, "project"),
    (dict(theta0=[1e200, 1e200]), ValueError, "not finite at theta0"),
])
def test_bad_runner_input(kwargs, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # no warning, and never a learning-rate hint
        with pytest.raises(error, match=match) as info:
            minimize(**(GOOD | kwargs))
    assert "learning rate" not in str(info.value)


@pytest.mark.parametrize("make, error, match", [
    (lambda: run.clipped(functions.beale.grad, 0.0), ValueError, "c must"),
    (lambda: run.clipped(functions.beale.grad, np.inf), ValueError, "c must"),
    (lambda: run.clipped(functions.beale.grad, True), TypeError, "c must"),
    (lambda: run.clipped(functions.beale.grad, "5"), TypeError, "c must"),
    (lambda: run.clipped(functions.beale.grad, 1.0, by="l2"), ValueError, "by"),
    (lambda: run.clipped(None, 1.0), TypeError, "grad_fn"),
    (lambda: run.noisy(functions.beale.grad, eta=-1.0, rng=0), ValueError, "eta"),
    (lambda: run.noisy(functions.beale.grad, eta=np.nan, rng=0), ValueError, "eta"),
    (lambda: run.noisy(functions.beale.grad, eta=0.3, gamma=None, rng=0), TypeError, "gamma"),
    (lambda: run.noisy(functions.beale.grad, eta=0.3, rng="seed"), TypeError, "rng"),
    (lambda: run.delayed(functions.beale.grad, -1), ValueError, "tau"),
    (lambda: run.delayed(functions.beale.grad, 1.5), TypeError, "tau"),
    (lambda: run.delayed(functions.beale.grad, True), TypeError, "tau"),
    (lambda: run.stepwise(3), TypeError, "stepwise"),
    (lambda: iterate(optimizers.sgd(), None, [1.0], 3), TypeError, "grad_fn"),
    (lambda: iterate(optimizers.adam, functions.parabola.grad, [1.0], 3), TypeError, "factory"),
])
def test_bad_wrapper_input(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_describe_summarises_a_run():
    traj = minimize(functions.parabola, optimizers.sgd(eta=5.0), [1.0], 2000, warn=False)
    assert run.describe(traj).startswith("diverged at step")
    calm = minimize(functions.parabola, optimizers.sgd(eta=0.1), [1.0], 10)
    assert run.describe(calm) == f"after 10 steps: J = {calm.values[-1]:.3g}"


def test_a_plateau_schedule_outside_fit_stays_at_eta0():
    plateau = schedules.ReduceOnPlateau(0.1)
    a = minimize(functions.parabola, optimizers.sgd(eta=plateau), [1.0], 20)
    b = minimize(functions.parabola, optimizers.sgd(eta=0.1), [1.0], 20)
    np.testing.assert_array_equal(a.thetas, b.thetas)


def test_envelope_rate_recovers_a_geometric_rate_through_oscillations():
    t = np.arange(200)[:, None]
    r = np.array([0.9, 1.02, 0.97])
    path = r ** t * np.cos(2 * np.pi * t / np.array([2.0, 7.0, 1e9]))       # periods 2 and 7, and none
    rate = run.envelope_rate(path, 60, 180, width=8)
    np.testing.assert_allclose(rate, r, rtol=2e-3)
    assert run.envelope_rate(np.array([[1.0], [np.inf], [np.inf]]), 0, 2, 1)[0] == np.inf
    with pytest.raises(ValueError, match="t1 < t2"):
        run.envelope_rate(path, 100, 100, 8)
    with pytest.raises(ValueError, match="width - 1 <= t1"):
        run.envelope_rate(path, 3, 100, 8)
    with pytest.raises(ValueError, match="t2"):
        run.envelope_rate(path, 10, 200, 8)

"""QHAdam and AggMo (Ruder 2016, section 4.10), against their special cases and independent loops.

* QHAdam (Ma & Yarats 2019): nu1 = nu2 = 1 is gdlib's Adam step for step; nu1 = 0, nu2 = 1 is
  RMSprop with a bias-corrected second moment; general nus match a loop written the way the
  authors' ``qhoptim`` computes it (bias correction folded into the running averages).
* AggMo (Lucas et al. 2019): one beta is gdlib's momentum(form="pytorch"); three betas match a
  loop written the way the authors' PyTorch code computes it (buffers b = beta b + g).
* The contract of DESIGN.md section 4: R runs in one call equal R separate runs; schedules;
  bad input is a ValueError naming the argument and its range.
"""
import numpy as np
import pytest

import gdlib.functions
from gdlib.optimizers import adam, aggmo, momentum, qhadam
from gdlib.run import iterate

GRAD = gdlib.functions.rosenbrock.grad
RNG = np.random.default_rng(4)
R, STEPS = 5, 80
THETA0 = np.column_stack([RNG.uniform(-1.5, 0.5, R), RNG.uniform(0.0, 2.0, R)])


def run(opt, theta, steps=STEPS, grad=GRAD):
    """The path (steps + 1, ..., d), through gdlib's one loop."""
    return iterate(opt, grad, theta, steps, warn=False).thetas


# --- QHAdam ---------------------------------------------------------------------------------

@pytest.mark.parametrize("beta1, beta2, eps", [(0.9, 0.999, 1e-8), (0.5, 0.9, 1e-3)])
def test_qhadam_with_nu1_nu2_one_is_adam_step_for_step(beta1, beta2, eps):
    kwargs = dict(eta=0.01, beta1=beta1, beta2=beta2, eps=eps)
    path = run(qhadam(nu1=1.0, nu2=1.0, **kwargs), THETA0[0])
    np.testing.assert_array_equal(path, run(adam(**kwargs), THETA0[0]))


def rmsprop_with_bias_correction(theta, eta, beta2, eps, steps):
    """RMSprop whose average of squared gradients is bias-corrected like Adam's v."""
    theta = np.array(theta, dtype=float)
    v = np.zeros_like(theta)
    path = [theta.copy()]
    for t in range(1, steps + 1):
        g = GRAD(theta)
        v = beta2 * v + (1 - beta2) * g ** 2
        theta = theta - eta * g / (np.sqrt(v / (1 - beta2 ** t)) + eps)
        path.append(theta.copy())
    return np.array(path)


def test_qhadam_with_nu1_zero_is_rmsprop_with_bias_correction():
    path = run(qhadam(eta=0.005, beta1=0.9, beta2=0.99, nu1=0.0, nu2=1.0, eps=1e-8), THETA0[1])
    reference = rmsprop_with_bias_correction(THETA0[1], 0.005, 0.99, 1e-8, STEPS)
    np.testing.assert_allclose(path, reference, rtol=1e-13, atol=1e-14)


def qhadam_like_qhoptim(theta, eta, beta1, beta2, nu1, nu2, eps, steps):
    """The authors' formulation: running averages that are unbiased by construction."""
    theta = np.array(theta, dtype=float)
    avg, avg_sq, w1, w2 = np.zeros_like(theta), np.zeros_like(theta), 0.0, 0.0
    path = [theta.copy()]
    for _ in range(steps):
        g = GRAD(theta)
        w1, w2 = 1.0 + beta1 * w1, 1.0 + beta2 * w2          # sum of beta^k for k < t
        avg = (1 - 1 / w1) * avg + g / w1                      # = m_t / (1 - beta1^t)
        avg_sq = (1 - 1 / w2) * avg_sq + g * g / w2            # = v_t / (1 - beta2^t)
        num = nu1 * avg + (1 - nu1) * g
        den = np.sqrt(nu2 * avg_sq + (1 - nu2) * g * g) + eps
        theta = theta - eta * num / den
        path.append(theta.copy())
    return np.array(path)


@pytest.mark.parametrize("nu1, nu2", [(0.7, 1.0), (0.3, 0.6), (0.0, 0.0)])
def test_qhadam_matches_an_independent_loop(nu1, nu2):
    path = run(qhadam(eta=0.01, beta1=0.995, beta2=0.999, nu1=nu1, nu2=nu2), THETA0[2])
    reference = qhadam_like_qhoptim(THETA0[2], 0.01, 0.995, 0.999, nu1, nu2, 1e-8, STEPS)
    np.testing.assert_allclose(path, reference, rtol=1e-11, atol=1e-12)


def test_qhadam_defaults_are_the_papers_recommendation():
    assert qhadam().hyperparameters == dict(eta=0.001, beta1=0.995, beta2=0.999, nu1=0.7, nu2=1.0, eps=1e-8)


# --- AggMo ----------------------------------------------------------------------------------

@pytest.mark.parametrize("beta", [0.0, 0.9, 0.99])
def test_aggmo_with_one_beta_is_pytorch_momentum(beta):
    path = run(aggmo(eta=2e-4, betas=(beta,)), THETA0[0])
    np.testing.assert_array_equal(path, run(momentum(eta=2e-4, gamma=beta, form="pytorch"), THETA0[0]))


def aggmo_like_the_authors(theta, eta, betas, steps):
    """One buffer per beta, b = beta b + g, and theta -= eta / K * sum(b)."""
    theta = np.array(theta, dtype=float)
    buffers = [np.zeros_like(theta) for _ in betas]
    path = [theta.copy()]
    for _ in range(steps):
        g = GRAD(theta)
        for i, beta in enumerate(betas):
            buffers[i] = beta * buffers[i] + g
            theta = theta - eta / len(betas) * buffers[i]
        path.append(theta.copy())
    return np.array(path)


def test_aggmo_matches_an_independent_loop():
    betas = (0.0, 0.9, 0.99)
    path = run(aggmo(eta=1e-4, betas=betas), THETA0[3])
    np.testing.assert_allclose(path, aggmo_like_the_authors(THETA0[3], 1e-4, betas, STEPS), rtol=1e-12, atol=1e-13)


def test_aggmo_state_stacks_one_velocity_per_beta():
    opt = aggmo(betas=(0.0, 0.5, 0.9, 0.99))
    theta = np.zeros((2, 3, 2))
    state = opt.init(theta)
    assert state.v.shape == (4, 2, 3, 2)
    theta, state = opt.update(theta + 1.0, gdlib.functions.bowl.grad, state)
    np.testing.assert_array_equal(state.v, -2.0 * np.ones((4, 2, 3, 2)))    # v = 0 - grad(1) = -2
    assert opt.hyperparameters["betas"] == (0.0, 0.5, 0.9, 0.99)


# --- the contract: R runs in one call, schedules --------------------------------------------

BATCHED = {
    "qhadam": (qhadam, dict(eta=np.logspace(-3, -1.5, R)[:, None], beta1=np.linspace(0.8, 0.995, R)[:, None],
                            beta2=np.linspace(0.9, 0.999, R)[:, None], nu1=np.linspace(0.0, 1.0, R)[:, None],
                            nu2=np.linspace(0.5, 1.0, R)[:, None], eps=np.logspace(-8, -4, R)[:, None])),
    "aggmo": (aggmo, dict(eta=np.logspace(-5, -3.7, R)[:, None], betas=(0.0, 0.9, 0.99))),
}


@pytest.mark.parametrize("name", list(BATCHED))
def test_R_runs_in_one_call_equal_R_separate_runs(name):
    factory, kwargs = BATCHED[name]
    together = run(factory(**kwargs), THETA0)
    assert together.shape == (STEPS + 1, R, 2) and np.all(np.isfinite(together))
    for k in range(R):
        scalar = {p: (float(v[k, 0]) if isinstance(v, np.ndarray) else v) for p, v in kwargs.items()}
        alone = run(factory(**scalar), THETA0[k])
        np.testing.assert_array_equal(together[:, k], alone, err_msg=f"run {k}: {scalar}")     # bit for bit
    assert len({tuple(np.round(together[-1, k], 12)) for k in range(R)}) == R     # the runs differ


@pytest.mark.parametrize("factory", [qhadam, aggmo])
def test_schedule_is_evaluated_at_the_step_and_checked(factory):
    schedule = lambda t: 1e-4 / (1 + t)                  # noqa: E731
    scheduled = run(factory(eta=schedule), THETA0[0], steps=3)
    opt, theta = factory(eta=1e-4), THETA0[0]
    state = opt.init(theta)
    theta, state = opt.update(theta, GRAD, state)
    np.testing.assert_array_equal(scheduled[1], theta)  # the first update uses eta(0)
    opt = factory(eta=lambda t: -0.1 if t >= 1 else 1e-4)
    state = opt.init(THETA0[0])
    theta, state = opt.update(THETA0[0], GRAD, state)
    with pytest.raises(ValueError, match=r"\beta\(t\)"):
        opt.update(theta, GRAD, state)


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("arg, value, interval", [
    ("nu1", -0.1, "[0, 1]"), ("nu1", 1.1, "[0, 1]"), ("nu2", 1.5, "[0, 1]"), ("nu2", -1e-9, "[0, 1]"),
    ("nu1", np.array([[0.5], [1.2]]), "[0, 1]"), ("eta", -1e-3, "[0, inf)"), ("beta1", 1.0, "[0, 1)"),
    ("beta2", -0.1, "[0, 1)"), ("eps", 0.0, "(0, inf)")])
def test_qhadam_bad_input_is_a_value_error_naming_it(arg, value, interval):
    with pytest.raises(ValueError, match=rf"\b{arg}\b") as info:
        qhadam(**{arg: value})
    assert interval in str(info.value)


def test_qhadam_nu_at_the_ends_of_the_interval_is_fine():
    for nu in (0.0, 1.0):
        qhadam(nu1=nu, nu2=nu)


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(betas=(0.0, 1.0)), r"betas must lie in \[0, 1\)"), (dict(betas=(-0.1, 0.9)), r"betas must lie in \[0, 1\)"),
    (dict(betas=()), r"betas must be a non-empty sequence"), (dict(betas=[[0.9, 0.99]]), r"betas must be a non-empty"),
    (dict(betas=0.9), r"betas must be a non-empty sequence"), (dict(eta=-0.1), r"eta must lie in \[0, inf\)")])
def test_aggmo_bad_input_is_a_value_error_naming_it(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        aggmo(**kwargs)


@pytest.mark.parametrize("factory", [qhadam, aggmo])
def test_eta_that_does_not_broadcast_fails_at_init(factory):
    opt = factory(eta=np.full((3, 1), 1e-3))
    with pytest.raises(ValueError, match=r"\beta\b"):
        opt.init(np.zeros((4, 2)))

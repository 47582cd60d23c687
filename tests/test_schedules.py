"""gdlib.schedules: closed forms, warm-up, reduce-on-plateau, use inside an optimizer, errors."""
import math

import numpy as np
import pytest

from gdlib import functions, optimizers, run, schedules

T = list(range(0, 400, 7)) + [1, 2, 3, 9, 10, 11, 99, 100, 101]


def _close(schedule, expected):
    for t in T:
        assert schedule(t) == pytest.approx(expected(t), rel=1e-12, abs=1e-15), t
    np.testing.assert_allclose(schedule(np.array(T)), [expected(t) for t in T], rtol=1e-12, atol=1e-15)


def test_closed_forms():
    _close(schedules.constant(0.3), lambda t: 0.3)
    _close(schedules.step_decay(0.2, drop=0.5, every=10), lambda t: 0.2 * 0.5 ** (t // 10))
    _close(schedules.step_decay(1.0, drop=0.1, every=3), lambda t: 0.1 ** (t // 3))
    _close(schedules.exponential(0.1, k=0.01), lambda t: 0.1 * math.exp(-0.01 * t))
    _close(schedules.inverse_time(0.5, t0=20), lambda t: 0.5 * 20 / (20 + t))
    _close(schedules.cosine(0.1, total=100),
           lambda t: 0.05 * (1 + math.cos(math.pi * t / 100)) if t <= 100 else 0.0)
    _close(schedules.cosine(0.1, total=50, eta_min=0.01),
           lambda t: 0.01 + 0.045 * (1 + math.cos(math.pi * min(t, 50) / 50)))
    _close(schedules.range_test(1e-4, 1.0, steps=101), lambda t: 1e-4 * 10 ** (4 * t / 100))


def test_named_points():
    c = schedules.cosine(0.1, total=100)
    assert c(0) == pytest.approx(0.1) and c(50) == pytest.approx(0.05) and c(100) == pytest.approx(0.0)
    assert schedules.inverse_time(1.0, t0=10)(10) == pytest.approx(0.5)
    r = schedules.range_test(1e-3, 1e1, steps=5)
    assert r(0) == pytest.approx(1e-3) and r(4) == pytest.approx(10.0)


def test_broadcasting_over_runs_and_steps():
    eta0 = np.array([0.1, 0.2, 0.4])[:, None]
    s = schedules.exponential(eta0, k=0.05)
    t = np.arange(30)
    out = s(t)
    assert out.shape == (3, 30)
    np.testing.assert_allclose(out, eta0 * np.exp(-0.05 * t))
    assert s(4).shape == (3, 1)
    assert np.ndim(schedules.cosine(0.1, 10)(3)) == 0


def test_names():
    assert repr(schedules.cosine(0.1, total=200)) == "cosine(eta0=0.1, total=200, eta_min=0)"
    assert schedules.step_decay(0.1, 0.5, 10).__name__ == "step_decay(eta0=0.1, drop=0.5, every=10)"
    assert "warmup(schedule=constant(eta0=0.1)" in repr(schedules.warmup(0.1, 5))
    assert repr(optimizers.sgd(eta=schedules.inverse_time(0.1, 5))) == "sgd(eta=inverse_time(eta0=0.1, t0=5))"


def test_warmup_linear_then_continuous():
    base = schedules.cosine(0.2, total=100)
    w = schedules.warmup(base, steps=10)
    target = base(10)
    for t in range(10):
        assert w(t) == pytest.approx(target * t / 10)
    diffs = np.diff(w(np.arange(11)))
    np.testing.assert_allclose(diffs, target / 10)            # linear up to and including t = 10
    for t in range(10, 150):
        assert w(t) == pytest.approx(base(t))
    assert w(0) == 0.0
    w2 = schedules.warmup(0.1, steps=4, start=0.25)
    np.testing.assert_allclose(w2(np.arange(6)), [0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1])


def test_sgd_follows_the_schedule_on_the_parabola():
    # J = theta^2, grad 2 theta: theta_{t+1} = (1 - 2 eta(t)) theta_t
    for sched in [schedules.step_decay(0.3, 0.5, 7), schedules.exponential(0.4, 0.03),
                  schedules.inverse_time(0.45, 10), schedules.cosine(0.9, 40),
                  schedules.warmup(schedules.cosine(0.4, 40), 8)]:
        traj = run.minimize(functions.parabola, optimizers.sgd(eta=sched), np.array([1.5]), steps=60)
        expected = 1.5 * np.concatenate([[1.0], np.cumprod([1 - 2 * sched(t) for t in range(60)])])
        np.testing.assert_allclose(traj.thetas[:, 0], expected, rtol=1e-12, atol=1e-300)


def test_many_schedules_in_one_run():
    eta0 = np.array([0.05, 0.1, 0.2])[:, None]
    traj = run.minimize(functions.parabola, optimizers.sgd(eta=schedules.inverse_time(eta0, 5)),
                        np.ones((3, 1)), steps=20)
    for k in range(3):
        single = run.minimize(functions.parabola,
                              optimizers.sgd(eta=schedules.inverse_time(float(eta0[k, 0]), 5)),
                              np.ones(1), steps=20)
        np.testing.assert_allclose(traj.thetas[:, k], single.thetas, rtol=1e-12)


@pytest.mark.parametrize("make, name", [
    (lambda: schedules.constant(-0.1), "eta0"),
    (lambda: schedules.step_decay(0.1, drop=0.0, every=5), "drop"),
    (lambda: schedules.step_decay(0.1, drop=1.5, every=5), "drop"),
    (lambda: schedules.step_decay(0.1, drop=0.5, every=0), "every"),
    (lambda: schedules.exponential(-1.0, 0.1), "eta0"),
    (lambda: schedules.exponential(0.1, -0.1), "k"),
    (lambda: schedules.inverse_time(0.1, 0), "t0"),
    (lambda: schedules.cosine(0.1, total=0), "total"),
    (lambda: schedules.cosine(0.1, total=10, eta_min=0.2), "eta_min"),
    (lambda: schedules.cosine(np.array([[0.1], [-0.1]]), total=10), "eta0"),
    (lambda: schedules.warmup(0.1, steps=0), "steps"),
    (lambda: schedules.warmup(0.1, steps=5, start=2), "start"),
    (lambda: schedules.range_test(0.0, 1.0, 10), "eta_min"),
    (lambda: schedules.range_test(1.0, 0.1, 10), "eta_max"),
    (lambda: schedules.ReduceOnPlateau(0.1, factor=1.0), "factor"),
    (lambda: schedules.ReduceOnPlateau(0.1, patience=0), "patience"),
    (lambda: schedules.ReduceOnPlateau(0.1, threshold=-1), "threshold"),
    (lambda: schedules.cosine(0.1, 10)(-1), "t"),
])
def test_argument_errors(make, name):
    with pytest.raises(ValueError, match=name):
        make()

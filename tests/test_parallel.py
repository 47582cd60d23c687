"""gdlib.parallel and gdlib.distributed: staleness theory vs simulation, real processes, real all-reduce.

Only deterministic assertions: closed forms against root finding and simulation, one-process
Hogwild! equal to sequential SGD bit for bit, lock-free runs reaching the sequential loss, the
three data-parallel averagings equal to one-process SGD on the global batch. No timings.
"""
import math

import numpy as np
import pytest

from gdlib import parallel as P

TAUS = [0, 1, 2, 4, 8, 16, 64]


@pytest.mark.parametrize("tau", TAUS)
def test_delay_limit_is_where_a_root_crosses_the_unit_circle(tau):
    lim = P.delay_limit(tau)
    assert abs(P.delay_rate(lim, tau) - 1.0) < 1e-9
    assert P.delay_rate(0.99 * lim, tau) < 1.0 < P.delay_rate(1.01 * lim, tau)
    # below the limit every smaller step is stable too (no stability islands)
    assert all(P.delay_rate(h, tau) < 1.0 for h in np.linspace(1e-3, 0.99, 25) * lim)


def test_delay_limit_known_values():
    assert P.delay_limit(0) == pytest.approx(2.0, rel=1e-15)          # eta < 2 / L
    assert P.delay_limit(1) == pytest.approx(1.0, rel=1e-15)          # 2 sin(pi / 6)
    assert P.delay_limit(2) == pytest.approx((math.sqrt(5) - 1) / 2, rel=1e-14)   # 2 sin(pi / 10)
    assert P.delay_limit(10 ** 4) == pytest.approx(math.pi / (2 * 10 ** 4), rel=1e-4)
    with pytest.raises(ValueError, match="tau"):
        P.delay_limit(-1)
    with pytest.raises(ValueError, match="tau"):
        P.delay_limit(1.5)


@pytest.mark.parametrize("tau", TAUS)
def test_simulation_decays_below_and_grows_above_the_limit(tau):
    lim = P.delay_limit(tau)
    steps, window = 300 * (tau + 1) + 600, 4 * (2 * tau + 1) + 8
    h = np.array([0.95, 1.05]) * lim
    path = P.delay_simulate(h, tau, steps)
    rate = P.envelope_rate(path, window)
    assert rate[0] < 1.0 < rate[1]
    expected = [P.delay_rate(v, tau) for v in h]
    assert np.allclose(rate, expected, atol=2e-3 / (tau + 1))


def test_simulation_equals_the_recursion_written_out():
    tau, h, steps = 3, 0.3, 40
    x = [1.0] * (tau + 1)                       # x_{-tau} .. x_0
    for _ in range(steps):
        x.append(x[-1] - h * x[-1 - tau])
    assert np.allclose(P.delay_simulate(h, tau, steps), x[tau:], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("tau", [1, 2, 4, 8])
def test_best_step_minimises_the_rate(tau):
    h_star, rho_star = P.delay_best(tau)
    grid = np.linspace(0.2, 1.0, 801) * P.delay_limit(tau)
    rates = np.array([P.delay_rate(h, tau) for h in grid])
    assert rates.min() >= rho_star - 1e-6
    assert abs(grid[rates.argmin()] - h_star) < 2 * (grid[1] - grid[0])
    assert P.delay_rate(h_star, tau) == pytest.approx(rho_star, abs=1e-6)


def test_sparsity_measures_on_a_small_hypergraph():
    # edges {0,1}, {1,2}, {3,4}, {5}: Omega = 2; feature 1 in 2 of 4 edges; {1,2} meets {0,1} and itself
    idx = np.array([[0, 1], [1, 2], [3, 4], [5, 5]])
    data = P.SparseData(idx[:3], np.ones((3, 2)), np.ones(3), 6)
    assert P.sparsity(data) == (2, pytest.approx(2 / 3), pytest.approx(2 / 3))
    big = P.sparse_logistic(n=500, d=50, k=5, rng=0)
    assert np.all(np.diff(np.sort(big.idx, axis=1), axis=1) > 0)      # distinct features per example
    omega, delta, rho = P.sparsity(big)
    deg = np.bincount(big.idx.ravel(), minlength=50)
    assert omega == 5 and delta == pytest.approx(deg.max() / 500)
    meets = [(np.isin(big.idx, big.idx[i]).any(axis=1)).sum() for i in range(500)]
    assert rho == pytest.approx(max(meets) / 500)


@pytest.fixture(scope="module")
def small_problem():
    return P.sparse_logistic(n=4000, d=5000, k=8, rng=np.random.default_rng(5))


def test_hogwild_one_process_is_sequential_sgd_and_lock_free_runs_reach_its_loss(small_problem):
    data, eta = small_problem, 0.2
    seq = P.sequential_sgd(data, eta)
    one = P.hogwild(data, eta, processes=1)
    assert np.array_equal(one.final, seq) and one.updates == data.n
    start = P.sparse_loss(data, np.zeros(data.d))
    target = P.sparse_loss(data, seq)
    assert target < 0.9 * start
    for lock in (False, True):
        two = P.hogwild(data, eta, processes=2, lock=lock)
        assert two.updates == data.n and two.seconds > 0
        assert abs(two.loss - target) < 0.05 * (start - target)     # the same progress, whatever the interleaving


def test_easgd_elastic_symmetry_and_independent_workers():
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(3)
    # no gradient: the forces are equal and opposite, so sum_i x^i + x~ is conserved
    res = P.easgd(lambda x: np.zeros_like(x), x0 + 0.0, p=4, eta=0.1, rho=1.0, steps=5)
    res2 = P.easgd(lambda x: np.zeros_like(x), x0, p=4, eta=0.1, rho=1.0, steps=0)
    assert np.allclose(res.workers.sum(1) + res.center, 5 * x0) and res2.center.shape == (1, 3)
    # a worker displaced from the centre: one step written out by hand
    noise = rng.standard_normal((4, 3))
    grad = lambda x: 2.0 * x + noise                                      # noqa: E731
    out = P.easgd(grad, x0, p=4, eta=0.05, rho=2.0, steps=2)
    x, c = np.tile(x0, (4, 1)), x0.copy()
    for _ in range(2):
        g = grad(x)
        x, c = x - 0.05 * g - 0.1 * (x - c), c + 0.1 * (x - c).sum(0)
    assert np.allclose(out.workers[-1], x, rtol=1e-14) and np.allclose(out.center[-1], c, rtol=1e-14)
    with pytest.raises(ValueError, match="beta"):
        P.easgd(grad, x0, p=4, eta=0.5, rho=1.0, steps=1)


def test_downpour_runs_and_learns():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((500, 5))
    y = (X @ np.ones(5) > 0).astype(float)
    res = P.downpour(X, y, workers=2, steps=30, batch=16, n_fetch=2, n_push=3, eta=0.1)
    assert res.pushes == 2 * 10 and np.all(res.staleness >= 0)
    m = X @ res.final
    assert np.mean(np.logaddexp(0, m) - y * m) < 0.8 * math.log(2)


def test_bad_input():
    data = P.sparse_logistic(n=10, d=20, k=3, rng=0)
    with pytest.raises(ValueError, match="eta"):
        P.hogwild(data, -1.0)
    with pytest.raises(ValueError, match="processes"):
        P.hogwild(data, 0.1, processes=0)
    with pytest.raises(ValueError, match="k must"):
        P.sparse_logistic(n=10, d=3, k=4)


def test_data_parallel_equals_one_process_sgd_on_the_global_batch():
    pytest.importorskip("torch")
    from gdlib import distributed as D
    cfg = dict(d_in=6, width=10, d_out=2, n=48, steps=4, eta=0.2)
    res = D.spawn([("equal", cfg)], world=2)["equal"]
    ref = res.pop("one process")
    assert set(res) == {"ring all-reduce by hand", "dist.all_reduce by hand", "DistributedDataParallel"}
    for name, params in res.items():
        assert float((params - ref).abs().max()) < 1e-12, name
    # and the steps really moved the parameters (equality is not trivial)
    import torch
    assert float((ref - D.flat_params(D.mlp(6, 10, 2, seed=0))).abs().max()) > 1e-3
    with pytest.raises(ValueError, match="task"):
        D.spawn([("nope", {})])


def test_delayed_adagrad_plain_and_delay_aware():
    from gdlib import optimizers, run
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 4))
    stream = run.stepwise(lambda w, t: X[t] * (X[t] @ w - 1.0))
    # no delay: plain and delay-aware are gdlib's Adagrad on the same stream
    ref = run.iterate(optimizers.adagrad(eta=0.3), stream, np.zeros(4), steps=60).thetas
    for aware in (False, True):
        assert np.allclose(P.delayed_adagrad(stream, np.zeros(4), 60, 0, 0.3, delay_aware=aware), ref, rtol=1e-12)
    # a constant gradient 1 with every earlier gradient outstanding: G_t = (t + 1)^2, steps eta / (t + 1)
    const = lambda w: np.ones(1)                                          # noqa: E731
    aware = P.delayed_adagrad(const, np.zeros(1), 10, 1000, 0.5, eps=0.0, delay_aware=True)
    plain = P.delayed_adagrad(const, np.zeros(1), 10, 1000, 0.5, eps=0.0)
    k = np.arange(1, 11)
    assert aware[-1, 0] == pytest.approx(-0.5 * np.sum(1 / k), rel=1e-13)
    assert plain[-1, 0] == pytest.approx(-0.5 * np.sum(1 / np.sqrt(k)), rel=1e-13)


def test_torchrun_runs_the_chapter_command():
    """The single-machine command shown in chapter 5 works and matches one-process SGD."""
    pytest.importorskip("torch")
    import os
    import subprocess
    import sys
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
                          "-m", "gdlib.distributed", "--steps", "5"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "2 processes, 5 DDP steps" in out.stdout and "one-process SGD < 1e-12" in out.stdout, out.stdout

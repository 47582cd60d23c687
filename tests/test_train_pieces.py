"""The composable pieces of training: mini-batch orders, ReduceOnPlateau as a value (alone and in
fit), and early stopping computed from a history."""
import numpy as np
import pytest

from gdlib import datasets, models, optimizers, schedules, train


def _rates(plateau, losses):
    state, out = plateau.init(), []
    for loss in losses:
        state = plateau.observe(state, loss)
        out.append(float(state.eta))
    return out


# --- ReduceOnPlateau as a value -------------------------------------------------------------------

def test_plateau_hand_made_sequence():
    s = schedules.ReduceOnPlateau(1.0, factor=0.5, patience=2, threshold=0.01)
    losses = [10.0, 9.0, 8.95, 8.93, 8.0, 8.0, 7.99, 5.0, 5.0, 5.0, 5.0, 5.0]
    # improvement needs loss < best * 0.99:
    # 0 new best 10; 1 best 9; 2 bad 1; 3 bad 2 -> halve; 4 best 8; 5 bad 1; 6 bad 2 -> halve;
    # 7 best 5; 8 bad 1; 9 bad 2 -> halve; 10 bad 1; 11 bad 2 -> halve
    assert _rates(s, losses) == [1, 1, 1, .5, .5, .5, .25, .25, .25, .125, .125, .0625]
    assert s(0) == s(1000) == 1.0                      # as a schedule: eta0 until fit observes


def test_plateau_state_is_a_value():
    s = schedules.ReduceOnPlateau(0.1, patience=1)
    state = s.init()
    before = [np.copy(x) for x in state]
    after = s.observe(state, 3.0)
    for old, field in zip(before, state):
        np.testing.assert_array_equal(old, field)       # the old state is untouched
    assert isinstance(after, schedules.PlateauState) and after.count == 1 and float(after.best) == 3.0


def test_plateau_eta_min_and_no_reduction_when_improving():
    s = schedules.ReduceOnPlateau(0.1, factor=0.1, patience=1, eta_min=0.005)
    assert _rates(s, [3.0, 3.0, 3.0, 3.0])[-1] == pytest.approx(0.005)
    s2 = schedules.ReduceOnPlateau(0.1, patience=1, threshold=1e-4)
    assert set(_rates(s2, 0.9 ** np.arange(50))) == {0.1}


def test_plateau_nan_loss_never_becomes_best():
    s = schedules.ReduceOnPlateau(1.0, patience=2, threshold=0.0)
    state = s.init()
    rates = []
    for loss in [np.nan, 3.0, 2.0, 2.5, 2.5, np.inf, 1.0]:
        state = s.observe(state, loss)
        rates.append(float(state.eta))
    # nan: bad 1; 3: best; 2: best; 2.5: bad 1; 2.5: bad 2 -> halve; inf: bad 1; 1: best
    assert rates == [1, 1, 1, 1, .5, .5, .5] and float(state.best) == 1.0


def test_plateau_per_run():
    s = schedules.ReduceOnPlateau(np.array([[1.0], [2.0]]), factor=0.5, patience=1, threshold=0.0)
    state = s.init((2,))
    state = s.observe(state, np.array([3.0, 3.0]))
    state = s.observe(state, np.array([2.0, 3.0]))          # run 0 improves, run 1 does not
    np.testing.assert_allclose(state.eta, [[1.0], [1.0]])
    s2 = schedules.ReduceOnPlateau(0.5, patience=1, threshold=0.0)
    state = s2.observe(s2.observe(s2.init((3,)), np.ones(3)), np.array([0.5, 1.0, 2.0]))
    np.testing.assert_allclose(state.eta, [[0.5], [0.25], [0.25]])
    with pytest.raises(ValueError, match="shape"):
        s2.observe(state, np.ones(4))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(eta0=0.1, eta_min=0.2), ValueError, "eta_min"),
    (dict(eta0=np.array([[0.1], [0.3]]), eta_min=0.2), ValueError, "eta_min"),
    (dict(eta0=0.0), ValueError, "eta0"),
    (dict(eta0=np.nan), ValueError, "eta0"),
    (dict(eta0="0.1"), TypeError, "eta0"),
    (dict(eta0=0.1, factor=1.0), ValueError, "factor"),
    (dict(eta0=0.1, factor=True), TypeError, "factor"),
    (dict(eta0=0.1, patience=0), ValueError, "patience"),
    (dict(eta0=0.1, patience=2.0), TypeError, "patience"),
    (dict(eta0=0.1, patience=True), TypeError, "patience"),
    (dict(eta0=0.1, threshold=-1), ValueError, "threshold"),
    (dict(eta0=0.1, threshold=np.inf), ValueError, "threshold"),
])
def test_plateau_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        schedules.ReduceOnPlateau(**kwargs)


def test_plateau_observe_needs_its_state():
    with pytest.raises(TypeError, match="PlateauState"):
        schedules.ReduceOnPlateau(0.1).observe(0.1, 3.0)


# --- the plateau inside fit ------------------------------------------------------------------------

def _regression(n=200, d=5, seed=1):
    return datasets.linear_regression(n=n, d=d, noise=1.0, rng=np.random.default_rng(seed))[0]


def test_fit_observes_the_plateau_after_every_epoch():
    data, model = _regression(), models.LinearRegression(5)
    plateau = schedules.ReduceOnPlateau(0.05, factor=0.5, patience=2, threshold=1e-2)
    h = train.fit(model, data, optimizers.sgd(eta=plateau), 15, train.minibatches(10, rng=3))
    # the rule, re-applied by hand to the recorded epoch losses
    assert list(h.plateau.eta[1:]) == _rates(plateau, h.epoch_loss[1:])
    assert h.plateau.eta[0] == 0.05 and h.plateau.eta[-1] < 0.05            # it did reduce
    # the same run with the rates it chose given as an explicit schedule: the same path (to round-off)
    U = h.updates_per_epoch
    rates = np.r_[h.plateau.eta[:-1]]                                    # the rate in force during epoch e
    explicit = train.fit(model, data, optimizers.sgd(eta=lambda t: rates[np.asarray(t) // U]), 15,
                         train.minibatches(10, rng=3))
    np.testing.assert_allclose(h.thetas, explicit.thetas, rtol=1e-12, atol=1e-14)


def test_fit_plateau_per_run_equals_separate_runs():
    data, model = _regression(), models.LinearRegression(5)
    eta0 = np.array([[0.02], [0.05]])
    both = train.fit(model, data, optimizers.adam(eta=schedules.ReduceOnPlateau(eta0, patience=1, threshold=0.05)),
                     8, train.minibatches(20, rng=0))
    for k in range(2):
        one = train.fit(model, data,
                        optimizers.adam(eta=schedules.ReduceOnPlateau(float(eta0[k, 0]), patience=1, threshold=0.05)),
                        8, train.minibatches(20, rng=0))
        np.testing.assert_array_equal(both.thetas[:, k], one.thetas)
        np.testing.assert_array_equal(both.plateau.eta[:, k, 0], one.plateau.eta)


# --- mini-batches -------------------------------------------------------------------------------

def test_rows_cover_every_example_once_per_epoch():
    batches = train.minibatches(7, rng=np.random.default_rng(5))
    rows = list(batches.rows(30, 3))
    assert len(rows) == 3 * batches.per_epoch(30) == 15
    assert [len(r) for r in rows[:5]] == [7, 7, 7, 7, 2]
    for e in range(3):
        np.testing.assert_array_equal(np.sort(np.concatenate(rows[5 * e:5 * e + 5])), np.arange(30))
    assert not np.array_equal(np.concatenate(rows[:5]), np.concatenate(rows[5:10]))    # reshuffled


@pytest.mark.parametrize("make, error, match", [
    (lambda: train.minibatches(0, "fixed"), ValueError, "size"),
    (lambda: train.minibatches(2.5, "fixed"), TypeError, "size"),
    (lambda: train.minibatches(True, "fixed"), TypeError, "size"),
    (lambda: train.minibatches(4, "random", rng=0), ValueError, "order"),
    (lambda: train.minibatches(4, rng="seed"), TypeError, "rng"),
    (lambda: train.minibatches(4, np.array([0.5, 1.5])), ValueError, "order"),
    (lambda: list(train.minibatches(4, np.array([0, 1, 1])).rows(3, 1)), ValueError, "permutation"),
    (lambda: list(train.minibatches(4, np.arange(4)).rows(3, 1)), ValueError, "shape"),
    (lambda: list(train.minibatches(4, np.tile(np.arange(3), (2, 1))).rows(3, 3)), ValueError, "shape"),
])
def test_bad_minibatches(make, error, match):
    with pytest.raises(error, match=match):
        make()


# --- early stopping ------------------------------------------------------------------------------

def _history(epochs=8, runs=None):
    data, model = _regression(n=40, d=2), models.LinearRegression(2)
    eta = 0.01 if runs is None else np.full((runs, 1), 0.01)
    return train.fit(model, data, optimizers.sgd(eta), epochs, train.minibatches(8, rng=0))


def test_early_stopping_hand_made_sequence():
    h = _history()
    losses = np.array([5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 2.9, 2.8, 2.7])
    # improvements at epochs 1, 2; then 3, 4 do not improve: with patience 2 training stops at epoch 4
    stop = train.early_stopping(h, patience=2, losses=losses)
    assert (int(stop.epoch), bool(stop.stopped), int(stop.best), float(stop.loss)) == (4, True, 2, 3.0)
    np.testing.assert_array_equal(stop.theta, h.epoch_thetas[2])
    # with patience 4 epoch 6 improves again (2.9 < 3.0) and the run goes to the end
    stop = train.early_stopping(h, patience=4, losses=losses)
    assert (int(stop.epoch), bool(stop.stopped), int(stop.best)) == (8, False, 8)
    # min_delta: an improvement must beat the best by more than it
    stop = train.early_stopping(h, patience=3, losses=losses, min_delta=0.15)
    assert (int(stop.epoch), int(stop.best)) == (5, 2)


def test_early_stopping_per_run_and_nan():
    h = _history(runs=2)
    losses = np.array([[5.0, 5.0], [4.0, np.nan], [4.5, np.nan], [4.6, np.nan], [3.0, np.nan],
                       [3.0, np.nan], [3.0, np.nan], [3.0, np.nan], [3.0, np.nan]])
    stop = train.early_stopping(h, patience=3, losses=losses)
    np.testing.assert_array_equal(stop.epoch, [7, 3])
    np.testing.assert_array_equal(stop.best, [4, 0])
    np.testing.assert_array_equal(stop.theta[0], h.epoch_thetas[4, 0])
    np.testing.assert_array_equal(stop.theta[1], h.epoch_thetas[0, 1])


def test_early_stopping_reads_the_validation_loss():
    data = datasets.linear_regression(n=24, d=12, noise=2.0, rng=np.random.default_rng(4))[0]
    tr, te = datasets.train_test_split(data, 0.5, rng=np.random.default_rng(0))
    h = train.fit(models.LinearRegression(12), tr, optimizers.sgd(0.05), 200, eval_data=te)
    stop = train.early_stopping(h, patience=200)                            # never runs out: the minimum
    assert int(stop.best) == int(np.argmin(h.test_loss)) and int(stop.epoch) == 200
    assert float(stop.loss) == h.test_loss.min()


def test_early_stopping_bad_input():
    h = _history()
    with pytest.raises(ValueError, match="validation"):
        train.early_stopping(h, patience=2)
    with pytest.raises(ValueError, match="patience"):
        train.early_stopping(h, patience=0, losses=h.epoch_loss)
    with pytest.raises(ValueError, match="shape"):
        train.early_stopping(h, patience=2, losses=h.epoch_loss[1:])

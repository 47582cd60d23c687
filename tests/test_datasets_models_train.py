"""gdlib.datasets, gdlib.models and gdlib.train: shapes, determinism, gradients, and fit's loop."""
import math
import warnings

import numpy as np
import pytest

from gdlib import check, datasets, models, nn, optimizers, run, train
from gdlib.run import DivergenceWarning


# --- datasets -------------------------------------------------------------------------------

@pytest.mark.parametrize("make, kwargs", [
    (datasets.linear_regression, dict(n=50, d=3)),
    (datasets.logistic_classification, dict(n=60, d=4)),
    (datasets.sparse_features, dict(n=70, d=5)),
    (datasets.sparse_features, dict(n=70, d=5, task="classification")),
])
def test_synthetic_datasets_are_deterministic_and_shaped(make, kwargs):
    (a, wa), (b, wb) = make(rng=np.random.default_rng(3), **kwargs), make(rng=np.random.default_rng(3), **kwargs)
    c, _ = make(rng=np.random.default_rng(4), **kwargs)
    n, d = kwargs["n"], kwargs["d"]
    assert a.X.shape == (n, d) and a.y.shape == (n,)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.X, c.X)


def test_dataset_generators_need_an_explicit_rng():
    with pytest.raises(ValueError, match="rng"):
        datasets.linear_regression(n=10)


def test_linear_regression_weights_generate_the_data():
    data, w = datasets.linear_regression(n=500, d=2, noise=0.0, rng=np.random.default_rng(0))
    assert w.shape == (3,)
    np.testing.assert_allclose(data.y, data.X @ w[:2] + w[2])
    data, w = datasets.linear_regression(n=20, d=2, bias=False, rng=np.random.default_rng(0))
    assert w.shape == (2,)


def test_classification_labels_and_sparse_frequencies():
    data, _ = datasets.logistic_classification(n=400, d=2, rng=np.random.default_rng(1))
    assert set(np.unique(data.y)) == {0.0, 1.0}
    freq = np.array([0.9, 0.5, 0.05])
    data, w = datasets.sparse_features(n=20000, d=3, rng=np.random.default_rng(2), frequencies=freq)
    assert set(np.unique(data.X)) == {0.0, 1.0}
    np.testing.assert_allclose(data.X.mean(axis=0), freq, atol=0.01)
    np.testing.assert_allclose(np.abs(w), 0.5 / np.sqrt(freq))     # rare features: large weights


def test_sorted_split_and_digits():
    data, _ = datasets.logistic_classification(n=101, d=2, rng=np.random.default_rng(5))
    s = datasets.sorted_by_label(data)
    assert np.all(np.diff(s.y) >= 0) and s.n == data.n
    train_set, test_set = datasets.train_test_split(data, 0.2, rng=np.random.default_rng(0))
    assert (train_set.n, test_set.n) == (81, 20)
    both = np.sort(np.r_[train_set.y, test_set.y])
    np.testing.assert_array_equal(both, np.sort(data.y))
    digits = datasets.digits()
    assert digits.X.shape == (1797, 64) and digits.X.max() == 1.0
    pair = datasets.digits(classes=(3, 8))
    assert set(np.unique(pair.y)) == {0.0, 1.0} and pair.X.shape[1] == 64


# --- models ---------------------------------------------------------------------------------

MODELS = [models.LinearRegression(3), models.LinearRegression(3, bias=False),
          models.LogisticRegression(3), models.LogisticRegression(3, l2=0.3)]


@pytest.mark.parametrize("model", MODELS, ids=repr)
@pytest.mark.parametrize("batch", [1, 7, 40])
def test_model_gradients_match_finite_differences(model, batch):
    rng = np.random.default_rng(batch)
    X = rng.standard_normal((batch, 3))
    y = (rng.random(batch) < 0.5).astype(float) if isinstance(model, models.LogisticRegression) \
        else rng.standard_normal(batch)
    w = rng.standard_normal((5, model.dim))                       # 5 points at once
    num = check.numerical_grad(lambda v: model.loss(v, X, y), w)
    assert check.relative_error(model.grad(w, X, y), num) < 1e-7
    assert check.relative_error(model.hess(w, X, y), check.numerical_hess(lambda v: model.grad(v, X, y), w)) < 1e-6
    np.testing.assert_allclose(model.per_example_grad(w, X, y).mean(axis=-2), model.grad(w, X, y), atol=1e-12)


def test_models_vectorise_over_weights_and_batches():
    rng = np.random.default_rng(0)
    model = models.LogisticRegression(2)
    X, y = rng.standard_normal((4, 6, 2)), (rng.random((4, 6)) < 0.5).astype(float)
    w = rng.standard_normal(3)
    G = model.grad(w, X, y)                                       # 4 batches at once
    assert G.shape == (4, 3)
    for m in range(4):
        np.testing.assert_allclose(G[m], model.grad(w, X[m], y[m]))
    W = rng.standard_normal((7, 3))
    np.testing.assert_allclose(model.loss(W, X[0], y[0]), [model.loss(v, X[0], y[0]) for v in W])


def test_logistic_loss_is_stable_for_large_scores():
    model = models.LogisticRegression(1, bias=False)
    X, y = np.array([[1.0], [1.0]]), np.array([1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = model.loss(np.array([1000.0]), X, y)                 # log(1 + e^1000) - 0 for the second row
    assert value == pytest.approx(500.0)


# --- fit ------------------------------------------------------------------------------------

def _regression(n=60, d=2):
    return datasets.linear_regression(n=n, d=d, noise=0.3, rng=np.random.default_rng(11))[0]


def test_full_batch_gd_reaches_least_squares():
    data = _regression()
    model = models.LinearRegression(2)
    h = train.fit(model, data, optimizers.sgd(eta=0.5), epochs=400)         # default: batch GD
    np.testing.assert_allclose(h.final, model.solution(data.X, data.y), atol=1e-6)
    assert h.batch_size == 60 and h.updates_per_epoch == 1


@pytest.mark.parametrize("batch_size, expected", [(None, 1), (60, 1), (1, 60), (7, 9), (32, 2), (1000, 1)])
def test_updates_per_epoch(batch_size, expected):
    data = _regression()
    h = train.fit(models.LinearRegression(2), data, optimizers.sgd(0.01), 3,
                  train.minibatches(batch_size, rng=np.random.default_rng(0)))
    assert h.updates_per_epoch == expected == math.ceil(60 / min(batch_size or 60, 60))
    assert h.updates == 3 * expected and h.step_loss.shape == (3 * expected,)
    assert h.step_examples[-1] == 3 * 60 and h.thetas.shape == (3 * expected + 1, 3)
    np.testing.assert_array_equal(h.examples_seen, [0, 60, 120, 180])
    assert h.epoch_thetas.shape == (4, 3)
    np.testing.assert_array_equal(h.epoch_thetas[-1], h.final)


def _hand_loop(data, eta, b, epochs, orders):
    """Mini-batch SGD on least squares written out: ``orders[e]`` is epoch e's order of the rows."""
    w = np.zeros(3)
    A = np.c_[data.X, np.ones(data.n)]
    for e in range(epochs):
        for start in range(0, data.n, b):
            rows = orders[e][start:start + b]
            Ab, yb = A[rows], data.y[rows]
            w = w - eta * Ab.T @ (Ab @ w - yb) / len(yb)
    return w


def test_fixed_order_matches_a_hand_written_loop():
    data = _regression(n=23)
    h = train.fit(models.LinearRegression(2), data, optimizers.sgd(0.05), 4, train.minibatches(5, "fixed"))
    np.testing.assert_allclose(h.final, _hand_loop(data, 0.05, 5, 4, [np.arange(23)] * 4), rtol=1e-13, atol=1e-13)


def test_curriculum_orders_are_followed():
    data = _regression(n=23)
    easy_first = np.argsort(np.abs(data.y))                               # one order for every epoch
    h = train.fit(models.LinearRegression(2), data, optimizers.sgd(0.05), 3, train.minibatches(4, easy_first))
    np.testing.assert_allclose(h.final, _hand_loop(data, 0.05, 4, 3, [easy_first] * 3), rtol=1e-13, atol=1e-13)
    per_epoch = np.array([np.random.default_rng(e).permutation(23) for e in range(3)])
    h = train.fit(models.LinearRegression(2), data, optimizers.sgd(0.05), 3, train.minibatches(4, per_epoch))
    np.testing.assert_allclose(h.final, _hand_loop(data, 0.05, 4, 3, per_epoch), rtol=1e-13, atol=1e-13)


def test_shuffling_uses_the_rng_and_needs_it():
    data = _regression()
    model, opt = models.LinearRegression(2), optimizers.sgd(0.05)
    with pytest.raises(ValueError, match="rng"):
        train.minibatches(4)
    h1 = train.fit(model, data, opt, 2, train.minibatches(4, rng=np.random.default_rng(9)))
    h2 = train.fit(model, data, opt, 2, train.minibatches(4, rng=9))
    h3 = train.fit(model, data, opt, 2, train.minibatches(4, "fixed"))
    np.testing.assert_array_equal(h1.thetas, h2.thetas)
    assert not np.allclose(h1.final, h3.final)
    # the permutations are drawn one per epoch, in order
    rng = np.random.default_rng(9)
    orders = [rng.permutation(60) for _ in range(2)]
    np.testing.assert_allclose(h1.final, _hand_loop(data, 0.05, 4, 2, orders), rtol=1e-13, atol=1e-13)


def test_older_keywords_are_gone():
    data = _regression()
    model = models.LinearRegression(2)
    for old in ({"batch_size": 4}, {"w0": np.ones(3)}, {"shuffle": False}, {"clip": run.clip_by_norm(0.5)}):
        with pytest.raises(TypeError, match="unexpected keyword"):
            train.fit(model, data, optimizers.sgd(0.05), **old)
    h = train.fit(model, data, optimizers.sgd(0.05), 1)
    assert not hasattr(h, "w") and not hasattr(h, "path")


class _LossAndGradOnly:
    """A network seen through loss and grad only: what fit did before it used value_and_grad."""

    def __init__(self, net):
        self.net, self.dim = net, net.dim

    def init(self, rng):
        return self.net.init(rng)

    def loss(self, theta, X, y):
        return self.net.loss(theta, X, y)

    def grad(self, theta, X, y):
        return self.net.grad(theta, X, y)


def _blobs(n=90, seed=4):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.standard_normal((n, 5)) + 1.5 * np.eye(3, 5)[y]
    return datasets.Dataset(X, y.astype(float), "blobs")


@pytest.mark.parametrize("make", [lambda: optimizers.sgd(eta=0.1), lambda: optimizers.nag(eta=0.1, gamma=0.9),
                                  lambda: optimizers.adam(eta=np.array([[0.01], [0.03]]))])
def test_fit_with_value_and_grad_equals_separate_loss_and_grad(make):
    data = _blobs()
    net = nn.mlp([5, 7, 3], activation="tanh")
    args = (data, make(), 3, train.minibatches(16, rng=2))
    joint = train.fit(net, *args, theta0=net.init(1))
    args = (data, make(), 3, train.minibatches(16, rng=2))
    apart = train.fit(_LossAndGradOnly(net), *args, theta0=net.init(1))
    np.testing.assert_array_equal(joint.thetas, apart.thetas)
    np.testing.assert_array_equal(joint.step_loss, apart.step_loss)
    np.testing.assert_array_equal(joint.epoch_loss, apart.epoch_loss)
    assert joint.model_state == () and apart.model_state is None


def test_fit_carries_batch_norm_statistics_like_a_hand_written_loop():
    data = _blobs()
    net = nn.mlp([5, 6, 3], batch_norm=True)
    theta0 = net.init(3, runs=2)
    history = train.fit(net, data, optimizers.momentum(eta=0.05, gamma=0.9), 2, train.minibatches(20, rng=5),
                        theta0=theta0)
    # the same training written out: momentum's equations, running statistics updated at each iterate
    rng, theta, z, state = np.random.default_rng(5), theta0.copy(), np.zeros_like(theta0), net.init_state(theta0)
    for _ in range(2):
        order = rng.permutation(data.n)
        for j in range(0, data.n, 20):
            rows = order[j:j + 20]
            _, g, state = net.value_and_grad(theta, data.X[rows], data.y[rows], state=state)
            z = 0.9 * z + 0.05 * g
            theta = theta - z
    np.testing.assert_allclose(history.final, theta, rtol=1e-12, atol=1e-14)
    for got, want in zip(history.model_state, state):
        np.testing.assert_allclose(got.mean, want.mean, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(got.var, want.var, rtol=1e-12, atol=1e-14)
    assert got.mean.shape == (2, 6)
    # the statistics are the training batches', not the initial ones: evaluation differs from fresh statistics
    fresh = net.init_state(theta)
    assert not np.allclose(net.forward(history.final, data.X, state=history.model_state),
                           net.forward(history.final, data.X, state=fresh))


def test_k_runs_at_once_equal_separate_runs_bit_for_bit():
    data = _regression()
    model = models.LinearRegression(2)
    etas = np.array([0.01, 0.05, 0.2])
    for opt in (optimizers.sgd(etas[:, None]), optimizers.adam(etas[:, None]), optimizers.nag(etas[:, None])):
        h = train.fit(model, data, opt, 3, train.minibatches(8, rng=np.random.default_rng(1)))
        assert h.final.shape == (3, 3) and h.epoch_loss.shape == (4, 3)
        for k, eta in enumerate(etas):
            single = train.fit(model, data, optimizers.ALL[opt.name](float(eta)), 3,
                               train.minibatches(8, rng=np.random.default_rng(1)))
            np.testing.assert_array_equal(h.thetas[:, k], single.thetas)
            np.testing.assert_array_equal(h.step_loss[:, k], single.step_loss)


def test_eval_data_record_every_and_loss_along_path():
    data = _regression()
    tr, te = datasets.train_test_split(data, 0.25, rng=np.random.default_rng(0))
    model = models.LinearRegression(2)
    h = train.fit(model, tr, optimizers.sgd(0.1), 2, train.minibatches(10, rng=0), eval_data=te, record_every=4)
    assert h.test_loss.shape == (3,)
    np.testing.assert_allclose(h.test_loss, model.loss(h.epoch_thetas, te.X, te.y))
    np.testing.assert_array_equal(h.path_steps, [0, 4, 8, 10])
    assert h.thetas.shape == (4, 3)
    steps, losses = train.loss_along_path(model, tr, h)
    assert losses[-1] == pytest.approx(h.epoch_loss[-1])


def test_step_loss_is_the_batch_loss_before_each_update():
    data = _regression(n=20)
    model = models.LinearRegression(2)
    h = train.fit(model, data, optimizers.sgd(0.1), 2, train.minibatches(5, "fixed"))
    batches = [np.arange(20)[j:j + 5] for j in range(0, 20, 5)] * 2
    for k, rows in enumerate(batches):
        assert h.step_loss[k] == pytest.approx(model.loss(h.thetas[k], data.X[rows], data.y[rows]), rel=1e-14)


def test_fit_wraps_every_gradient():
    data = _regression(n=10)
    model = models.LinearRegression(2)
    h = train.fit(model, data, optimizers.sgd(1.0), 1, wrap=lambda g: run.clipped(g, 1e-3))
    assert np.linalg.norm(h.final) == pytest.approx(1e-3)
    # a stale gradient (one update old) with batch GD, written out by hand
    A = np.c_[data.X, np.ones(10)]
    h = train.fit(model, data, optimizers.sgd(0.1), 6, wrap=lambda g: run.delayed(g, 1))
    path = [np.zeros(3)]
    for t in range(6):
        w = path[max(t - 1, 0)]
        path.append(path[-1] - 0.1 * A.T @ (A @ w - data.y) / 10)
    np.testing.assert_allclose(h.thetas, path, rtol=1e-13, atol=1e-14)


def test_divergence_stops_with_one_warning():
    data = _regression()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = train.fit(models.LinearRegression(2), data, optimizers.sgd(1e4), 50, train.minibatches(5, rng=0))
    assert [w.category for w in caught] == [DivergenceWarning]
    assert 1 <= h.diverged <= 50 and np.all(np.isnan(h.final))
    assert np.all(np.isnan(h.epoch_loss[h.diverged:])) and np.all(np.isfinite(h.epoch_loss[:h.diverged]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train.fit(models.LinearRegression(2), data, optimizers.sgd(1e4), 5, warn=False)


GOOD_DATA = datasets.linear_regression(n=30, d=2, noise=0.1, rng=np.random.default_rng(2))[0]


@pytest.mark.parametrize("change, error, match", [
    (dict(data=datasets.Dataset(np.empty((0, 2)), np.empty(0))), ValueError, "data.X"),
    (dict(data=datasets.Dataset(GOOD_DATA.X, GOOD_DATA.y[:, None])), ValueError, "data.y"),
    (dict(data=datasets.Dataset(GOOD_DATA.X, GOOD_DATA.y[:-1])), ValueError, "one label per example"),
    (dict(data=datasets.Dataset(GOOD_DATA.X, np.r_[GOOD_DATA.y, 0.0])), ValueError, "one label per example"),
    (dict(data=datasets.Dataset(GOOD_DATA.X[:, :1], GOOD_DATA.y)), ValueError, "features"),
    (dict(data=datasets.Dataset(np.where(GOOD_DATA.X > 1, np.nan, GOOD_DATA.X), GOOD_DATA.y)), ValueError, "finite"),
    (dict(data=(GOOD_DATA.X, GOOD_DATA.y)), TypeError, "Dataset"),
    (dict(eval_data=datasets.Dataset(GOOD_DATA.X, GOOD_DATA.y[:, None])), ValueError, "eval_data.y"),
    (dict(optimizer=optimizers.sgd), TypeError, "factory"),
    (dict(epochs=True), TypeError, "epochs"),
    (dict(epochs=2.0), TypeError, "epochs"),
    (dict(epochs=-1), ValueError, "epochs"),
    (dict(epochs=10 ** 12), ValueError, "epochs"),
    (dict(record_every=0), ValueError, "record_every"),
    (dict(theta0=[np.nan, 0.0, 0.0]), ValueError, "theta0 must be finite"),
    (dict(theta0=[0.0, 0.0]), ValueError, "theta0"),
    (dict(batches=8), TypeError, "minibatches"),
    (dict(wrap="clip"), TypeError, "wrap"),
    (dict(model="linear"), TypeError, "model"),
])
def test_bad_fit_input(change, error, match):
    args = dict(model=models.LinearRegression(2), data=GOOD_DATA, optimizer=optimizers.sgd(0.1), epochs=2) | change
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(error, match=match) as info:
            train.fit(**args)
    assert "learning rate" not in str(info.value)


def test_minibatch_gradient_variance_matches_sampling_without_replacement():
    data = _regression(n=40)
    model = models.LinearRegression(2)
    w = np.array([0.5, -1.0, 0.2])
    per = model.per_example_grad(w, data.X, data.y)
    sigma2 = np.trace(np.cov(per.T, bias=True))
    for b in (1, 5, 20, 40):
        G = train.sample_batch_grads(model, w, data, b, 40000, np.random.default_rng(b))
        measured = np.trace(np.cov(G.T)) if b < 40 else 0.0
        predicted = sigma2 / b * (40 - b) / 39
        assert measured == pytest.approx(predicted, rel=0.05, abs=1e-12)

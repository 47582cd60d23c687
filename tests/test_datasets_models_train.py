"""gdlib.datasets, gdlib.models and gdlib.train: shapes, determinism, gradients, and fit's loop."""
import math
import warnings

import numpy as np
import pytest

from gdlib import check, datasets, models, optimizers, train
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
    h = train.fit(model, data, optimizers.sgd(eta=0.5), epochs=400, shuffle=False)
    np.testing.assert_allclose(h.w, model.solution(data.X, data.y), atol=1e-6)


@pytest.mark.parametrize("batch_size, expected", [(None, 1), (60, 1), (1, 60), (7, 9), (32, 2), (1000, 1)])
def test_updates_per_epoch(batch_size, expected):
    data = _regression()
    h = train.fit(models.LinearRegression(2), data, optimizers.sgd(0.01), batch_size=batch_size,
                  epochs=3, rng=np.random.default_rng(0))
    assert h.updates_per_epoch == expected == math.ceil(60 / min(batch_size or 60, 60))
    assert h.updates == 3 * expected and h.step_loss.shape == (3 * expected,)
    assert h.step_examples[-1] == 3 * 60 and h.path.shape == (3 * expected + 1, 3)
    np.testing.assert_array_equal(h.examples_seen, [0, 60, 120, 180])


def test_fixed_order_matches_a_hand_written_loop():
    data = _regression(n=23)
    eta, b, epochs = 0.05, 5, 4
    h = train.fit(models.LinearRegression(2), data, optimizers.sgd(eta), batch_size=b, epochs=epochs, shuffle=False)
    w = np.zeros(3)
    A = np.c_[data.X, np.ones(23)]
    for _ in range(epochs):
        for start in range(0, 23, b):
            Ab, yb = A[start:start + b], data.y[start:start + b]
            w = w - eta * Ab.T @ (Ab @ w - yb) / len(yb)
    np.testing.assert_allclose(h.w, w, rtol=1e-13, atol=1e-13)


def test_shuffling_uses_the_rng_and_needs_it():
    data = _regression()
    model, opt = models.LinearRegression(2), optimizers.sgd(0.05)
    with pytest.raises(ValueError, match="rng"):
        train.fit(model, data, opt, batch_size=4)
    h1 = train.fit(model, data, opt, batch_size=4, epochs=2, rng=np.random.default_rng(9))
    h2 = train.fit(model, data, opt, batch_size=4, epochs=2, rng=np.random.default_rng(9))
    h3 = train.fit(model, data, opt, batch_size=4, epochs=2, shuffle=False)
    np.testing.assert_array_equal(h1.path, h2.path)
    assert not np.allclose(h1.w, h3.w)


def test_k_runs_at_once_equal_separate_runs():
    data = _regression()
    model = models.LinearRegression(2)
    etas = np.array([0.01, 0.05, 0.2])
    h = train.fit(model, data, optimizers.sgd(etas[:, None]), batch_size=8, epochs=3, rng=np.random.default_rng(1))
    assert h.w.shape == (3, 3) and h.epoch_loss.shape == (4, 3)
    for k, eta in enumerate(etas):
        single = train.fit(model, data, optimizers.sgd(eta), batch_size=8, epochs=3, rng=np.random.default_rng(1))
        np.testing.assert_allclose(h.w[k], single.w, rtol=1e-12)


def test_eval_data_record_every_and_loss_along_path():
    data = _regression()
    tr, te = datasets.train_test_split(data, 0.25, rng=np.random.default_rng(0))
    model = models.LinearRegression(2)
    h = train.fit(model, tr, optimizers.sgd(0.1), batch_size=10, epochs=2, rng=np.random.default_rng(0),
                  eval_data=te, record_every=4)
    assert h.test_loss.shape == (3,)
    np.testing.assert_array_equal(h.path_steps, [0, 4, 8, 10])
    assert h.path.shape == (4, 3)
    steps, losses = train.loss_along_path(model, tr, h)
    assert losses[-1] == pytest.approx(h.epoch_loss[-1])


def test_clipping_closed_forms():
    g = np.array([[3.0, 4.0], [0.3, -0.4], [0.0, 0.0]])
    np.testing.assert_allclose(train.clip_by_norm(1.0)(g), [[0.6, 0.8], [0.3, -0.4], [0.0, 0.0]])
    np.testing.assert_allclose(train.clip_by_value(0.35)(g), [[0.35, 0.35], [0.3, -0.35], [0.0, 0.0]])
    with pytest.raises(ValueError, match="c must"):
        train.clip_by_norm(0.0)


def test_fit_applies_clip_to_every_gradient():
    data = _regression(n=10)
    model = models.LinearRegression(2)
    h = train.fit(model, data, optimizers.sgd(1.0), epochs=1, shuffle=False, clip=train.clip_by_norm(1e-3))
    assert np.linalg.norm(h.w) == pytest.approx(1e-3)


def test_schedule_observe_gets_the_epoch_loss():
    seen = []

    class Plateau:
        def __call__(self, t):
            return 0.1

        def observe(self, loss):
            seen.append(loss)

    data = _regression()
    h = train.fit(models.LinearRegression(2), data, optimizers.sgd(Plateau()), batch_size=20, epochs=3,
                  rng=np.random.default_rng(0))
    np.testing.assert_allclose(seen, h.epoch_loss[1:])
    assert all(isinstance(v, float) for v in seen)


def test_divergence_stops_with_one_warning():
    data = _regression()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = train.fit(models.LinearRegression(2), data, optimizers.sgd(1e4), batch_size=5, epochs=50,
                      rng=np.random.default_rng(0))
    assert [w.category for w in caught] == [DivergenceWarning]
    assert 1 <= h.diverged <= 50 and np.all(np.isnan(h.w))
    assert np.all(np.isnan(h.epoch_loss[h.diverged:]))


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

"""gdlib.nn and the model interface: every layer's and whole networks' gradients against central
finite differences and against torch autograd (float64, stored in tests/data/nn_reference.npz by
tests/make_nn_reference.py; torch is not needed here), batch norm's train/eval behaviour, and
input validation."""
import inspect
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.special

import gdlib
from gdlib import check, datasets, functions, models, nn
from gdlib._special import sigmoid

REF = np.load(Path(__file__).resolve().parent / "data" / "nn_reference.npz")
TOL = 1e-8


def rel(a, b):
    """max |a - b| / max |b|: the error relative to the reference's scale."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def assert_agrees(actual, expected, rtol=TOL):
    """Entry by entry within rtol, with an absolute floor of rtol times the array's largest entry."""
    expected = np.asarray(expected, float)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * np.max(np.abs(expected)))


def layer_grads(layer, p, x, R, stats=None):
    """Output and the gradients of sum(output * R) with respect to x and p, by the layer's backward."""
    y, cache = layer.forward(p, x, stats)
    g = np.empty(p.shape)
    dx = layer.backward(p, cache, R, g, True)
    return y, dx, g


def fd_layer(layer, p, x, R, stats=None):
    """The same two gradients by central differences of f = sum(layer(p, x) * R)."""
    f_p = lambda q: np.sum(layer.forward(q, np.broadcast_to(x, q.shape[:-1] + x.shape), stats)[0] * R, axis=(-2, -1))  # noqa: E731
    f_x = lambda v: np.sum(layer.forward(p, v.reshape(v.shape[:-1] + x.shape), stats)[0] * R, axis=(-2, -1))  # noqa: E731
    dp = check.numerical_grad(f_p, p) if p.size else p
    dx = check.numerical_grad(f_x, x.ravel()).reshape(x.shape)
    return dx, dp


MIXED = nn.Sequential(nn.Dense(6, 5, bias=False), nn.BatchNorm(5), nn.ReLU(), nn.Dense(5, 4), nn.Tanh(),
                      nn.Dense(4, 4), nn.Sigmoid(), nn.Dense(4, 3))


def mixed_state():
    return (nn.BatchNormStats(REF["mixed_running_mean"], REF["mixed_running_var"]),)


# --- the model interface --------------------------------------------------------------------

@pytest.mark.parametrize("model", [models.LinearRegression(3), models.LogisticRegression(3, l2=0.1),
                                   nn.mlp([3, 4, 2]), MIXED], ids=repr)
def test_models_satisfy_the_protocol(model):
    assert isinstance(model, models.Model)
    rng = np.random.default_rng(0)
    theta = model.init(rng)
    assert theta.shape == (model.dim,)
    n_in = getattr(model, "n_in", getattr(model, "d", None))
    X = rng.standard_normal((6, n_in))
    y = rng.integers(0, 2, 6).astype(float)
    theta = theta + 0.1 * rng.standard_normal(model.dim)                  # off zero (linear init)
    assert np.shape(model.loss(theta, X, y)) == ()
    assert model.grad(theta, X, y).shape == (model.dim,)
    thetas = theta + 0.1 * rng.standard_normal((3, model.dim))           # batch evaluation: 3 points
    assert model.loss(thetas, X, y).shape == (3,)
    G = model.grad(thetas, X, y)
    assert G.shape == (3, model.dim)
    np.testing.assert_allclose(G[1], model.grad(thetas[1], X, y), rtol=1e-12, atol=1e-15)
    assert check.grad_check(lambda t: model.loss(t, X, y), lambda t: model.grad(t, X, y), theta) < TOL


def test_an_object_without_grad_is_not_a_model():
    class NoGrad:
        dim = 2

        def init(self, rng):
            return np.zeros(2)

        def loss(self, theta, X, y):
            return 0.0

    assert not isinstance(NoGrad(), models.Model)


def test_one_sigmoid_in_the_library():
    assert models._sigmoid is sigmoid and datasets._sigmoid is sigmoid and nn.sigmoid is sigmoid
    assert functions.sigmoid is sigmoid                                   # the cliff objective
    z = np.linspace(-40, 40, 8001)
    assert np.max(np.abs(sigmoid(z) - scipy.special.expit(z))) < 3e-16            # absolute, everywhere
    near = z >= -10
    np.testing.assert_allclose(sigmoid(z[near]), scipy.special.expit(z[near]), rtol=1e-12)
    with np.errstate(over="raise", invalid="raise"):                      # no overflow at the extremes
        assert sigmoid(np.array(-1e4)) == 0.0 and sigmoid(np.array(1e4)) == 1.0
    # no other module writes its own logistic function
    pattern = re.compile(r"tanh\(0\.5|1\.?0? \+ np\.exp\(-|def _?sigmoid|expit")
    for path in Path(gdlib.__file__).parent.rglob("*.py"):
        if path.name != "_special.py":
            assert not pattern.search(path.read_text()), f"{path.name} defines its own sigmoid"


# --- every layer against torch autograd and finite differences ------------------------------

def test_dense_matches_torch_and_finite_differences():
    layer = nn.Dense(4, 3)
    p = np.r_[REF["dense_W"].ravel(), REF["dense_b"]]
    x, R = REF["dense_x"], REF["dense_R"]
    y, dx, g = layer_grads(layer, p, x, R)
    assert_agrees(y, REF["dense_y"])
    assert_agrees(dx, REF["dense_dx"])
    assert_agrees(g, np.r_[REF["dense_dW"].ravel(), REF["dense_db"]])
    fdx, fdp = fd_layer(layer, p, x, R)
    assert rel(dx, fdx) < TOL and rel(g, fdp) < TOL


@pytest.mark.parametrize("name, layer", [("relu", nn.ReLU()), ("tanh", nn.Tanh()), ("sigmoid", nn.Sigmoid())])
def test_activations_match_torch_and_finite_differences(name, layer):
    x, R = REF[f"{name}_x"], REF[f"{name}_R"]
    p = np.empty(0)
    y, dx, g = layer_grads(layer, p, x, R)
    assert g.shape == (0,)
    assert_agrees(y, REF[f"{name}_y"])
    assert_agrees(dx, REF[f"{name}_dx"])
    assert rel(dx, fd_layer(layer, p, x, R)[0]) < TOL


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_batch_norm_matches_torch_and_finite_differences(mode):
    layer = nn.BatchNorm(4, eps=float(REF["eps"]), momentum=float(REF["momentum"]))
    p = np.r_[REF["bn_gamma"], REF["bn_beta"]]
    x, R = REF["bn_x"], REF["bn_R"]
    running = nn.BatchNormStats(REF["bn_running_mean"], REF["bn_running_var"])
    stats = None if mode == "train" else running
    y, dx, g = layer_grads(layer, p, x, R, stats)
    assert_agrees(y, REF[f"bn_{mode}_y"])
    assert_agrees(dx, REF[f"bn_{mode}_dx"])
    assert_agrees(g, np.r_[REF[f"bn_{mode}_dgamma"], REF[f"bn_{mode}_dbeta"]])
    fdx, fdp = fd_layer(layer, p, x, R, stats)
    assert rel(dx, fdx) < TOL and rel(g, fdp) < TOL
    if mode == "train":                                                   # the running statistics torch updated
        new = layer.update_stats(running, layer.forward(p, x)[1][2])
        assert_agrees(new.mean, REF["bn_train_new_mean"])
        assert_agrees(new.var, REF["bn_train_new_var"])


def test_softmax_cross_entropy_matches_torch_with_huge_logits():
    z, y = REF["ce_z"], REF["ce_y"]
    assert np.max(np.abs(z)) >= 1000                                     # np.exp(1000) overflows
    ce = nn.SoftmaxCrossEntropy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):     # exp underflow to 0 is harmless
        J, cache = ce.forward(z, y)
        dz = ce.backward(cache)
    assert_agrees(J, REF["ce_loss"])
    assert_agrees(dz, REF["ce_dz"])
    zs, ys = z[:-1], y[:-1]                                               # finite differences at moderate logits
    fs = lambda v: ce.forward(v.reshape(v.shape[:-1] + zs.shape), ys)[0]  # noqa: E731
    assert rel(ce.backward(ce.forward(zs, ys)[1]).ravel(), check.numerical_grad(fs, zs.ravel())) < TOL
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert_agrees(nn.log_softmax(z), scipy.special.log_softmax(z, axis=-1))
        assert_agrees(nn.softmax(z), scipy.special.softmax(z, axis=-1))


# --- whole networks -------------------------------------------------------------------------

def test_mixed_network_matches_torch_in_training_mode():
    theta, X, y = REF["mixed_theta"], REF["mixed_X"], REF["mixed_y"]
    J, g, state = MIXED.value_and_grad(theta, X, y, state=mixed_state())
    assert_agrees(J, REF["mixed_train_loss"])
    assert_agrees(g, REF["mixed_train_grad"])
    assert_agrees(MIXED.forward(theta, X, mode="train"), REF["mixed_train_z"])
    assert_agrees(state[0].mean, REF["mixed_train_new_mean"])
    assert_agrees(state[0].var, REF["mixed_train_new_var"])


def test_mixed_network_matches_torch_in_evaluation_mode():
    theta, X, y = REF["mixed_theta"], REF["mixed_X"], REF["mixed_y"]
    running = mixed_state()
    J, g, state = MIXED.value_and_grad(theta, X, y, mode="eval", state=running)
    assert_agrees(J, REF["mixed_eval_loss"])
    assert_agrees(g, REF["mixed_eval_grad"])
    assert_agrees(MIXED.forward(theta, X, state=state), REF["mixed_eval_z"])
    assert state is running                                               # evaluation does not update it
    assert_agrees(REF["mixed_eval_new_mean"], REF["mixed_running_mean"])  # (torch agrees)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_mixed_network_matches_finite_differences(mode):
    theta, X, y = REF["mixed_theta"], REF["mixed_X"], REF["mixed_y"]
    kw = dict(mode=mode, state=mixed_state() if mode == "eval" else None)
    err = check.grad_check(lambda t: MIXED.loss(t, X, y, **kw), lambda t: MIXED.grad(t, X, y, **kw), theta)
    assert err < TOL
    assert rel(MIXED.grad(theta, X, y, **kw), check.numerical_grad(lambda t: MIXED.loss(t, X, y, **kw), theta)) < TOL


def test_digits_network_matches_torch_and_finite_differences():
    net = nn.mlp([64, 64, 10])
    theta, X, y = REF["digits_theta"], REF["digits_X"], REF["digits_y"]
    J, g, _ = net.value_and_grad(theta, X, y)
    assert_agrees(J, REF["digits_loss"])
    assert_agrees(g, REF["digits_grad"])
    assert_agrees(net.forward(theta, X), REF["digits_z"])
    idx = np.random.default_rng(0).choice(net.dim, 200, replace=False)   # 200 coordinates by differences
    h, E = 1e-6, np.eye(net.dim)[idx]
    fd = (net.loss(theta + h * E, X, y) - net.loss(theta - h * E, X, y)) / (2 * h)
    assert rel(g[idx], fd) < TOL


def test_broadcasting_runs_and_batches():
    rng = np.random.default_rng(1)
    net = nn.mlp([5, 6, 3], activation="tanh", batch_norm=True)
    thetas = net.init(rng, runs=4)
    assert thetas.shape == (4, net.dim)
    X = rng.standard_normal((4, 7, 5))                                    # one batch per run
    y = rng.integers(0, 3, (4, 7))
    G = net.grad(thetas, X, y)
    for k in range(4):
        np.testing.assert_allclose(G[k], net.grad(thetas[k], X[k], y[k]), rtol=1e-12, atol=1e-15)
    J = net.loss(thetas[0], X, y)                                         # one run on 4 batches
    assert J.shape == (4,)
    np.testing.assert_allclose(J[2], net.loss(thetas[0], X[2], y[2]), rtol=1e-13)
    state = net.init_state(thetas)
    assert state[0].mean.shape == (4, 6)
    _, _, state = net.value_and_grad(thetas, X, y, state=state)
    np.testing.assert_allclose(net.forward(thetas, X, state=state)[3],
                               net.forward(thetas[3], X[3], state=tuple(nn.BatchNormStats(s.mean[3], s.var[3])
                                                                      for s in state)), rtol=1e-12)


# --- batch norm: running statistics, train and eval modes -----------------------------------

def bn_net():
    return nn.Sequential(nn.Dense(3, 4), nn.BatchNorm(4, momentum=0.25), nn.ReLU(), nn.Dense(4, 2))


def test_running_statistics_follow_the_moving_average_of_batch_statistics():
    rng = np.random.default_rng(2)
    net = bn_net()
    theta = net.init(rng)
    state = net.init_state(theta)
    np.testing.assert_array_equal(state[0].mean, 0.0)
    np.testing.assert_array_equal(state[0].var, 1.0)
    W, b = net.params(theta)[0]["W"], net.params(theta)[0]["b"]
    m, v = np.zeros(4), np.ones(4)
    for _ in range(5):
        X = rng.standard_normal((10, 3)) * 2 + 1
        y = rng.integers(0, 2, 10)
        old = state
        _, _, state = net.value_and_grad(theta, X, y, state=state)
        H = X @ W + b                                                     # the BN layer's input
        m = 0.75 * m + 0.25 * H.mean(axis=0)
        v = 0.75 * v + 0.25 * H.var(axis=0, ddof=1)                       # unbiased, as torch and the paper
        np.testing.assert_allclose(state[0].mean, m, rtol=1e-12)
        np.testing.assert_allclose(state[0].var, v, rtol=1e-12)
        assert not np.array_equal(old[0].mean, state[0].mean)             # a new value, the old one kept
    # loss and grad are pure: no hidden statistics advance when they are called
    g1 = net.grad(theta, X, y)
    net.loss(theta, X, y)
    np.testing.assert_array_equal(net.grad(theta, X, y), g1)


def test_evaluation_mode_uses_the_running_statistics():
    rng = np.random.default_rng(3)
    net = bn_net()
    theta = net.init(rng)
    theta[net.slices[1]] = np.r_[rng.uniform(0.5, 2, 4), rng.standard_normal(4)]   # gamma, beta
    state = (nn.BatchNormStats(rng.standard_normal(4), rng.uniform(0.5, 2, 4)),)
    X = rng.standard_normal((6, 3))
    acts = net.activations(theta, X, state=state)
    H = X @ net.params(theta)[0]["W"] + net.params(theta)[0]["b"]
    gamma, beta = net.params(theta)[1]["gamma"], net.params(theta)[1]["beta"]
    expected = gamma * (H - state[0].mean) / np.sqrt(state[0].var + 1e-5) + beta
    np.testing.assert_allclose(acts[1], expected, rtol=1e-12)
    # eval: a row's output does not depend on the other rows; train: it does
    z_eval = net.forward(theta, X, state=state)
    np.testing.assert_allclose(net.forward(theta, X[:2], state=state), z_eval[:2], rtol=1e-12)
    z_train = net.forward(theta, X, mode="train")
    assert not np.allclose(net.forward(theta, X[:2], mode="train"), z_train[:2])
    assert not np.allclose(z_train, z_eval)
    # with the batch's own (biased) statistics as running statistics, eval reproduces train ...
    own = (nn.BatchNormStats(H.mean(axis=0), H.var(axis=0)),)
    np.testing.assert_allclose(net.forward(theta, X, state=own), z_train, rtol=1e-12)
    # ... but not its gradient: in train mode the gradient also flows through mu and sigma^2
    y = rng.integers(0, 2, 6)
    g_train, g_frozen = net.grad(theta, X, y), net.grad(theta, X, y, mode="eval", state=own)
    np.testing.assert_allclose(g_train[net.slices[1]], g_frozen[net.slices[1]], rtol=1e-12)   # gamma, beta agree
    W_block = net.slices[0]
    assert rel(g_frozen[W_block], g_train[W_block]) > 1e-3
    assert check.grad_check(lambda t: net.loss(t, X, y), lambda t: net.grad(t, X, y), theta) < TOL


def test_batch_norm_mode_errors():
    rng = np.random.default_rng(4)
    net = bn_net()
    theta = net.init(rng)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
    with pytest.raises(ValueError, match="state is required in mode='eval'"):
        net.predict(theta, X)
    with pytest.raises(ValueError, match="state is only read in mode='eval'"):
        net.loss(theta, X, y, state=net.init_state(theta))
    with pytest.raises(ValueError, match="at least 2 rows"):
        net.grad(theta, X[:1], y[:1])
    with pytest.raises(ValueError, match="state must be a tuple of 1 BatchNormStats"):
        net.forward(theta, X, state=(np.zeros(4), np.ones(4)))
    plain = nn.mlp([3, 4, 2])                                             # no batch norm: no state needed
    th = plain.init(rng)
    assert plain.init_state(th) == ()
    np.testing.assert_array_equal(plain.forward(th, X), plain.forward(th, X, mode="train"))


# --- parameters, init, prediction -----------------------------------------------------------

def test_flat_layout_and_views():
    net = nn.mlp([4, 5, 3], batch_norm=True)
    assert [repr(layer) for layer in net.layers] == ["Dense(4, 5, bias=False)", "BatchNorm(5)", "ReLU()", "Dense(5, 3)"]
    assert net.dim == 4 * 5 + 2 * 5 + 5 * 3 + 3
    theta = net.init(np.random.default_rng(5))
    p = net.params(theta)
    assert p[0]["W"].shape == (4, 5) and p[3]["W"].shape == (5, 3) and p[3]["b"].shape == (3,)
    np.testing.assert_array_equal(p[1]["gamma"], 1.0)
    np.testing.assert_array_equal(p[1]["beta"], 0.0)
    np.testing.assert_array_equal(p[3]["b"], 0.0)
    assert all(np.shares_memory(v, theta) for block in p for v in block.values())
    np.testing.assert_array_equal(p[0]["W"].ravel(), theta[:20])        # row-major W first


def test_init_is_seeded_and_scaled():
    net = nn.Sequential(nn.Dense(400, 300), nn.Tanh(), nn.Dense(300, 10, init="glorot"))
    a, b = net.init(np.random.default_rng(6)), net.init(6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, net.init(7))
    W1, W2 = net.params(a)[0]["W"], net.params(a)[2]["W"]
    assert abs(W1.std() / np.sqrt(2 / 400) - 1) < 0.02                   # He: N(0, 2 / n_in)
    bound = np.sqrt(6 / 310)
    assert W2.max() <= bound and W2.min() >= -bound and abs(W2.std() / (bound / np.sqrt(3)) - 1) < 0.05
    weak = nn.Dense(400, 300, gain=0.1).init(np.random.default_rng(6), ())
    np.testing.assert_allclose(weak, 0.1 * nn.Dense(400, 300).init(np.random.default_rng(6), ()))
    with pytest.raises(ValueError, match="rng is required"):
        net.init(None)


def test_a_small_network_learns_a_nonlinear_problem():
    rng = np.random.default_rng(8)
    X = rng.uniform(-1, 1, (200, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)                               # XOR quadrants: not linear
    net = nn.mlp([2, 16, 2], activation="tanh")
    theta = net.init(rng)
    opt = gdlib.optimizers.adam(eta=0.02)
    state = opt.init(theta)
    for _ in range(300):
        theta, state = opt.update(theta, lambda t: net.grad(t, X, y), state)
    assert net.accuracy(theta, X, y) > 0.95
    assert models.LogisticRegression(2).accuracy(np.zeros(3) + 0.1, X, y) < 0.7
    np.testing.assert_allclose(net.predict_proba(theta, X).sum(axis=-1), 1.0, rtol=1e-14)


# --- input validation -----------------------------------------------------------------------

@pytest.mark.parametrize("make, error, match", [
    (lambda: nn.Dense(0, 3), ValueError, r"n_in must be an integer in \[1, inf\)"),
    (lambda: nn.Dense(2, 2.5), TypeError, "n_out must be an integer"),
    (lambda: nn.Dense(2, 3, init="xavier"), ValueError, "init must be one of 'he', 'glorot'"),
    (lambda: nn.Dense(2, 3, gain=0), ValueError, r"gain must lie in \(0, inf\)"),
    (lambda: nn.Dense(2, 3, bias="yes"), TypeError, "bias must be True or False"),
    (lambda: nn.BatchNorm(3, eps=0), ValueError, r"eps must lie in \(0, inf\)"),
    (lambda: nn.BatchNorm(3, momentum=1.5), ValueError, r"momentum must lie in \(0, 1\]"),
    (lambda: nn.BatchNorm(True), TypeError, "n must be an integer"),
    (lambda: nn.Sequential(), ValueError, "at least one layer"),
    (lambda: nn.Sequential(nn.Dense(2, 3), nn.ReLU(), nn.Dense(4, 2)), ValueError, r"layers\[2\] = Dense\(4, 2\) takes 4"),
    (lambda: nn.Sequential(nn.Dense(2, 3), "relu"), TypeError, r"layers\[1\] must be a gdlib.nn layer"),
    (lambda: nn.Sequential(nn.ReLU()), ValueError, "at least one Dense"),
    (lambda: nn.mlp([3]), ValueError, "sizes must list"),
    (lambda: nn.mlp([3, 2], activation="gelu"), ValueError, "activation must be one of 'relu', 'tanh', 'sigmoid'"),
    (lambda: nn.mlp([3, 2], batch_norm=1), TypeError, "batch_norm must be True or False"),
])
def test_construction_errors_name_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_call_errors_name_the_argument():
    net = nn.mlp([3, 4, 2])
    theta = net.init(0)
    X, y = np.ones((5, 3)), np.array([0, 1, 1, 0, 1])
    cases = [
        (lambda: net.loss(theta[:-1], X, y), ValueError, r"theta must have shape \(\.\.\., 26\)"),
        (lambda: net.loss(theta + 1j, X, y), TypeError, "theta must be a real array"),
        (lambda: net.loss(theta, np.ones((5, 4)), y), ValueError, r"X must have shape \(\.\.\., b, 3\)"),
        (lambda: net.loss(theta, np.ones(3), y[:1]), ValueError, "X must have shape"),
        (lambda: net.loss(theta, X > 0, y), TypeError, "X must be a real array"),
        (lambda: net.loss(theta, np.full((5, 3), np.nan), y), ValueError, "X must be finite"),
        (lambda: net.loss(theta, X, y[:4]), ValueError, "y must have one label per row of X"),
        (lambda: net.loss(theta, X, y + 1), ValueError, r"y must hold class labels in \[0, 1\]"),
        (lambda: net.loss(theta, X, y - 0.5), ValueError, "y must hold integer class labels"),
        (lambda: net.loss(theta, X, np.array(["a"] * 5)), TypeError, "y must be an array of integer class labels"),
        (lambda: net.loss(np.tile(theta, (3, 1)), np.ones((2, 5, 3)), y), ValueError, "do not broadcast"),
        (lambda: net.init(0, runs=0), ValueError, r"runs must be an integer in \[1, inf\)"),
        (lambda: net.init("seed"), TypeError, "rng must be a numpy Generator"),
        (lambda: net.loss(theta, X, y, mode="test"), ValueError, "mode must be one of 'train', 'eval'"),
    ]
    for call, error, match in cases:
        with pytest.raises(error, match=match):
            call()


def test_module_docstring_says_where_the_state_lives():
    doc = inspect.getdoc(nn)
    assert "Where batch normalisation's running statistics live, and why" in doc
    assert "rumelhart1986learning" in doc and "ioffe2015batch" in inspect.getdoc(nn.BatchNorm)


def test_training_loss_objective_evaluates_each_point_once():
    rng = np.random.default_rng(6)
    y = rng.integers(0, 3, 40)
    data = datasets.Dataset(rng.standard_normal((40, 4)) + np.eye(3, 4)[y], y.astype(float), "blobs")
    net = nn.mlp([4, 5, 3], activation="tanh")
    theta = net.init(2)
    objective = net.objective(data)
    calls = []
    original = net.value_and_grad
    net.value_and_grad = lambda *a, **k: calls.append(1) or original(*a, **k)
    try:
        J, g = objective.f(theta), objective.grad(theta)          # the same point: one pass
        assert len(calls) == 1
        objective.grad(theta + 1e-3)
        assert len(calls) == 2
    finally:
        del net.value_and_grad
    assert J == net.loss(theta, data.X, data.y)
    np.testing.assert_array_equal(g, net.grad(theta, data.X, data.y))
    # the gradient it serves is J's: central differences along a random direction
    d = rng.standard_normal(net.dim)
    fd = (objective.f(theta + 1e-6 * d) - objective.f(theta - 1e-6 * d)) / 2e-6
    assert abs(fd - g @ d) <= 1e-7 * max(1.0, abs(fd))
    path = np.stack([theta, theta + 1e-3])
    np.testing.assert_array_equal(objective.evaluations_until(path), [1, 2])
    with pytest.raises(ValueError, match="never evaluated"):
        objective.evaluations_until(path + 1.0)
    with pytest.raises(TypeError, match="data must be a Dataset"):
        net.objective(data.X)
    with pytest.raises(ValueError, match="X must have shape"):
        net.objective(datasets.Dataset(data.X[:, :3], data.y))


def test_recomputed_state_is_the_moving_average_of_the_batches_statistics():
    from gdlib import train
    rng = np.random.default_rng(8)
    X, y = rng.standard_normal((30, 3)), rng.integers(0, 2, 30).astype(float)
    data = datasets.Dataset(X, y)
    net = nn.Sequential(nn.Dense(3, 4, bias=False), nn.BatchNorm(4, momentum=0.25), nn.ReLU(), nn.Dense(4, 2))
    theta = net.init(0)
    state = net.recomputed_state(theta, data, train.minibatches(10, "fixed"))
    H = X @ net.params(theta)[0]["W"]                          # the batch-norm layer's input
    mean, var = np.zeros(4), np.ones(4)
    for j in range(0, 30, 10):                                  # PyTorch's rule: unbiased batch variance
        mean = 0.75 * mean + 0.25 * H[j:j + 10].mean(axis=0)
        var = 0.75 * var + 0.25 * H[j:j + 10].var(axis=0, ddof=1)
    np.testing.assert_allclose(state[0].mean, mean, rtol=1e-12)
    np.testing.assert_allclose(state[0].var, var, rtol=1e-12)
    with pytest.raises(TypeError, match="batches must come from train.minibatches"):
        net.recomputed_state(theta, data, 10)

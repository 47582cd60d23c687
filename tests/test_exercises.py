"""The exercise checkers accept the worked solutions and reject everything else.

nbval already re-runs the student templates (whose checks say NOT YET); here each cell tagged
``student-template`` is replaced by the python block of the ``solution`` cell after it, and every
check must then print PASS. So a wrong solution, or a checker that cannot fail, is caught. Then each
template in turn is replaced by plausible wrong answers (a factor off, a wrong sign, N for N - 1,
1/L for the exact step, epsilon inside the root, no bias correction, the source material's own
mistakes, ...): its check must say NOT YET.
"""
import contextlib
import io
import json
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

NOTEBOOKS = sorted((Path(__file__).parent.parent / "exercises").glob("*.ipynb"))


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _solution_code(markdown):
    blocks = re.findall(r"```python\n(.*?)\n```", markdown, flags=re.S)
    assert blocks, "a solution cell needs a ```python block"
    return "\n".join(blocks)


def _program(cells, use_solutions, replace=None):
    """The notebook's code with templates (by their index) replaced by solutions or given code."""
    code, templates = [], 0
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if "student-template" in _tags(cell):
            if replace and templates in replace:
                source = replace[templates]
            elif use_solutions:
                nxt = next(c for c in cells[i + 1:] if "solution" in _tags(c))
                source = _solution_code("".join(nxt["source"]))
            templates += 1
        code.append(source)
    return code, templates


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
@pytest.mark.parametrize("use_solutions", [True, False], ids=["solutions", "templates"])
def test_solutions_pass_and_templates_do_not(path, use_solutions):
    cells = json.loads(path.read_text())["cells"]
    code, templates = _program(cells, use_solutions)
    assert templates > 0
    out = io.StringIO()
    namespace = {}
    with contextlib.redirect_stdout(out):
        for source in code:
            exec(compile(source, str(path), "exec"), namespace)
    verdicts = re.findall(r"^(PASS|NOT YET) ", out.getvalue(), flags=re.M)
    assert len(verdicts) >= templates
    expected = "PASS" if use_solutions else "NOT YET"
    assert set(verdicts) == {expected}, out.getvalue()


def test_there_are_exercise_notebooks():
    assert NOTEBOOKS


# Plausible wrong answers, by notebook and by the index of the student template (in order).
# Each must be rejected: its exercise's check prints NOT YET while every other check passes.
WRONG_ANSWERS = {
    "01_gradient_descent.ipynb": {
        0: ["def gd_step(theta, grad, eta):\n    return theta + eta * grad",               # wrong sign
            "def gd_step(theta, grad, eta):\n    return theta - grad",                     # no step size
            "def gd_step(theta, grad, eta):\n    return -eta * grad"],                     # the step, not the point
        1: ["def lsq_grad(w):\n    return X.T @ (X @ w - y)",                              # sum, not mean
            "def lsq_grad(w):\n    return X.T @ (y - X @ w) / len(y)",                     # wrong sign
            "def lsq_grad(w):\n    return X.T @ (X @ w - y) / len(y) ** 2"],               # divided by N twice (source 002)
        2: ["def momentum_step(theta, v, grad, eta, gamma):\n    v = gamma * v - eta * grad\n    return theta - v, v",
            "def momentum_step(theta, v, grad, eta, gamma):\n    return theta - eta * grad, v",
            "def momentum_step(theta, v, grad, eta, gamma):\n    v = gamma * v + (1 - gamma) * eta * grad\n    return theta - v, v"],
        3: ["eta_max = 1 / 100", "eta_max = 2 / 2", "eta_max = 0.04"],
        4: ["alpha_star = 0.01",                                                            # 1/L
            "alpha_star = 0.02",                                                            # 2/L
            "g = functions.ill_conditioned.grad(np.array([1.0, 1.0]))\nalpha_star = 1 / (g @ g)"],
    },
    "02_variants_and_challenges.ipynb": {
        0: ["def minibatch_grad(w, rows):\n    A = np.column_stack([X[rows], np.ones(len(rows))])\n"
            "    return A.T @ (1 / (1 + np.exp(-(A @ w))) - y[rows])",                        # no 1/|B|
            "def minibatch_grad(w, rows):\n    A = np.column_stack([X[rows], np.ones(len(rows))])\n"
            "    return A.T @ (y[rows] - 1 / (1 + np.exp(-(A @ w)))) / len(rows)",            # sign
            "def minibatch_grad(w, rows):\n    A = np.column_stack([X, np.ones(len(X))])\n"
            "    return A.T @ (1 / (1 + np.exp(-(A @ w))) - y) / len(X)"],                    # the full batch
        1: ["def epoch_batches(order, b):\n    return [order[s:s + b] for s in range(0, len(order) - b + 1, b)]",  # drops the rest
            "def epoch_batches(order, b):\n    return [order[0:np.random.randint(1, b + 1)] for _ in range(len(order) // b)]",  # source 002
            "def epoch_batches(order, b):\n    return [order[s:s + b + 1] for s in range(0, len(order), b)]"],  # overlapping
        2: ["predicted = 1 / batch_sizes",                                                  # with replacement
            "predicted = (N - batch_sizes) / N / batch_sizes",                              # N for N - 1
            "predicted = (N - batch_sizes) / (N - 1)"],                                     # no 1/b
        3: ["def cosine_eta(t, eta0, T, eta_min):\n    return 0.5 * eta0 * (1 + np.cos(np.pi * t / T))",
            "def cosine_eta(t, eta0, T, eta_min):\n    return eta_min + 0.5 * (eta0 - eta_min) * (1 + np.cos(np.pi * t / (2 * T)))",
            "def cosine_eta(t, eta0, T, eta_min):\n    return eta_min + (eta0 - eta_min) * np.cos(np.pi * t / T)"],
        4: ["def clip_by_norm(g, c):\n    return np.clip(g, -c, c)",                          # by value
            "def clip_by_norm(g, c):\n    return g * c / np.linalg.norm(g)",                  # also scales up
            "def clip_by_norm(g, c):\n    return g * min(1.0, np.linalg.norm(g) / c)"],
        5: ["escape_steps = np.floor(np.log(1 / deltas) / np.log(1 + eta / 2)).astype(int)",
            "escape_steps = np.ceil(np.log(1 / deltas) / np.log(1 + 2 * eta)).astype(int)",  # x^2 - y^2's factor
            "escape_steps = np.ceil(np.log(1 / deltas) / (eta / 2)).astype(int)"],
    },
    "04_optimizers.ipynb": {
        0: ["def nag_step(theta, v, grad_fn, eta, gamma):\n    v = gamma * v + eta * grad_fn(theta + gamma * v)\n    return theta - v, v",  # source 003
            "def nag_step(theta, v, grad_fn, eta, gamma):\n    v = gamma * v + eta * grad_fn(theta)\n    return theta - v, v"],  # momentum
        1: ["def adagrad_step(theta, G, grad, eta, eps):\n    return theta - eta / (np.sqrt(G) + eps) * grad, G + grad * grad",
            "def adagrad_step(theta, G, grad, eta, eps):\n    G = G + grad\n    return theta - eta / np.sqrt(np.abs(G) + eps) * grad, G",
            "def adagrad_step(theta, G, grad, eta, eps):\n    G = G + grad * grad\n    return theta - eta / (np.sqrt(G) + eps) * grad, G"],
        2: ["def rmsprop_step(theta, Eg2, grad, eta, gamma, eps):\n    Eg2 = (1 - gamma) * Eg2 + gamma * grad * grad\n"
            "    return theta - eta / np.sqrt(Eg2 + eps) * grad, Eg2",
            "def rmsprop_step(theta, Eg2, grad, eta, gamma, eps):\n    Eg2 = gamma * Eg2 + (1 - gamma) * grad * grad\n"
            "    return theta - eta / (np.sqrt(Eg2) + eps) * grad, Eg2"],
        3: ["def adam_step(theta, m, v, t, grad, eta, beta1, beta2, eps):\n"                 # no bias correction
            "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad * grad\n"
            "    return theta - eta / (np.sqrt(v) + eps) * m, m, v",
            "def adam_step(theta, m, v, t, grad, eta, beta1, beta2, eps):\n"                 # epsilon inside the root (source 004)
            "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad * grad\n"
            "    return theta - eta / np.sqrt(v / (1 - beta2 ** t) + eps) * m / (1 - beta1 ** t), m, v",
            "def adam_step(theta, m, v, t, grad, eta, beta1, beta2, eps):\n"                 # 1 - beta ** t + 1 (source 002)
            "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad * grad\n"
            "    return theta - eta / (np.sqrt(v / (1 - beta2 ** (t + 1))) + eps) * m / (1 - beta1 ** (t + 1)), m, v"],
        4: ["first_step = eta * np.abs(functions.rosenbrock.grad(starts))",                # SGD's step
            "first_step = eta * np.sqrt(1 - 0.999) / (1 - 0.9)",                          # no bias correction
            "first_step = 2 * eta"],
        5: ["def amsgrad_step(theta, m, v, v_hat, grad, eta, beta1, beta2, eps):\n"          # v_hat carried as v
            "    m = beta1 * m + (1 - beta1) * grad\n    v = np.maximum(v_hat, beta2 * v + (1 - beta2) * grad * grad)\n"
            "    return theta - eta / (np.sqrt(v) + eps) * m, m, v, v",
            "def amsgrad_step(theta, m, v, v_hat, grad, eta, beta1, beta2, eps):\n"          # Adam
            "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad * grad\n"
            "    return theta - eta / (np.sqrt(v) + eps) * m, m, v, v_hat"],
        6: ["eta, gamma = 0.016, 0.9\nrate = gamma", "eta, gamma = 0.016, 0.9\nrate = 1 - np.sqrt(1 - gamma)",
            "eta, gamma = 0.016, 0.9\nrate = np.sqrt(1 - gamma)"],
    },
    "08_digits_network.ipynb": {
        0: ["def dense_backward(X, W, Delta):\n    return X.T @ Delta / len(X), Delta.sum(axis=0), Delta @ W.T",   # a mean
            "def dense_backward(X, W, Delta):\n    return Delta.T @ X, Delta.sum(axis=0), Delta @ W.T",             # dW transposed
            "def dense_backward(X, W, Delta):\n    return X.T @ Delta, Delta.sum(axis=0), Delta @ W"],              # W not transposed
        1: ["def softmax_xent_grad(Z, y):\n    P = np.exp(Z - Z.max(axis=1, keepdims=True))\n"                    # no 1/b
            "    P /= P.sum(axis=1, keepdims=True)\n    P[np.arange(len(y)), y] -= 1\n    return P",
            "def softmax_xent_grad(Z, y):\n    P = np.exp(Z - Z.max(axis=1, keepdims=True))\n"                    # sign
            "    P /= P.sum(axis=1, keepdims=True)\n    return (np.eye(Z.shape[1])[y] - P) / len(y)",
            "def softmax_xent_grad(Z, y):\n    P = np.exp(Z - Z.max(axis=1, keepdims=True))\n"                    # targets forgotten
            "    return P / P.sum(axis=1, keepdims=True) / len(y)"],
        2: ["def train_sgd(theta, data, eta, batch_size, epochs, rng):\n    thetas = [theta]\n"                   # no shuffling
            "    for _ in range(epochs):\n        for s in range(0, len(data.X), batch_size):\n"
            "            rows = np.arange(len(data.X))[s:s + batch_size]\n"
            "            theta = theta - eta * net.grad(theta, data.X[rows], data.y[rows])\n"
            "        thetas.append(theta)\n    return np.array(thetas)",
            "def train_sgd(theta, data, eta, batch_size, epochs, rng):\n    thetas = [theta]\n"                   # drops the rest
            "    for _ in range(epochs):\n        order = rng.permutation(len(data.X))\n"
            "        for s in range(0, len(data.X) - batch_size + 1, batch_size):\n"
            "            rows = order[s:s + batch_size]\n"
            "            theta = theta - eta * net.grad(theta, data.X[rows], data.y[rows])\n"
            "        thetas.append(theta)\n    return np.array(thetas)",
            "def train_sgd(theta, data, eta, batch_size, epochs, rng):\n    thetas = [theta]\n"                   # one order for all epochs
            "    order = rng.permutation(len(data.X))\n    for _ in range(epochs):\n"
            "        for s in range(0, len(data.X), batch_size):\n            rows = order[s:s + batch_size]\n"
            "            theta = theta - eta * net.grad(theta, data.X[rows], data.y[rows])\n"
            "        thetas.append(theta)\n    return np.array(thetas)",
            "def train_sgd(theta, data, eta, batch_size, epochs, rng):\n    thetas = [theta]\n"                   # with replacement
            "    for _ in range(epochs):\n        for s in range(0, len(data.X), batch_size):\n"
            "            rows = rng.integers(0, len(data.X), min(batch_size, len(data.X) - s))\n"
            "            theta = theta - eta * net.grad(theta, data.X[rows], data.y[rows])\n"
            "        thetas.append(theta)\n    return np.array(thetas)"],
        3: ["def adam_step(theta, m, v, t, g, eta, beta1=0.9, beta2=0.999, eps=1e-8):\n"                       # no bias correction
            "    m = beta1 * m + (1 - beta1) * g\n    v = beta2 * v + (1 - beta2) * g * g\n"
            "    return theta - eta / (np.sqrt(v) + eps) * m, m, v",
            "def adam_step(theta, m, v, t, g, eta, beta1=0.9, beta2=0.999, eps=1e-8):\n"                       # t + 1
            "    m = beta1 * m + (1 - beta1) * g\n    v = beta2 * v + (1 - beta2) * g * g\n"
            "    return theta - eta / (np.sqrt(v / (1 - beta2 ** (t + 1))) + eps) * m / (1 - beta1 ** (t + 1)), m, v",
            "def adam_step(theta, m, v, t, g, eta, beta1=0.9, beta2=0.999, eps=1e-8):\n"                       # g for m
            "    m = beta1 * m + (1 - beta1) * g\n    v = beta2 * v + (1 - beta2) * g * g\n"
            "    return theta - eta / (np.sqrt(v / (1 - beta2 ** t)) + eps) * g, m, v"],
        4: ["shared = np.random.default_rng(0)\nacc = {}\n"                                                    # one generator for both
            "for name, opt, epochs, size in [('GD', optimizers.sgd(eta=1.0), 15, None), "
            "('SGD', optimizers.sgd(eta=0.3), 5, 32), ('Adam', optimizers.adam(eta=0.003), 5, 32)]:\n"
            "    batches = None if size is None else train.minibatches(size, rng=shared)\n"
            "    h = train.fit(net, train_set, opt, epochs, batches, theta0=theta0, warn=False)\n"
            "    acc[name] = net.accuracy(h.epoch_thetas, test_set.X, test_set.y)",
            "acc = {}\n"                                                                                       # the training set
            "for name, opt, epochs, size in [('GD', optimizers.sgd(eta=1.0), 15, None), "
            "('SGD', optimizers.sgd(eta=0.3), 5, 32), ('Adam', optimizers.adam(eta=0.003), 5, 32)]:\n"
            "    batches = None if size is None else train.minibatches(size, rng=np.random.default_rng(0))\n"
            "    h = train.fit(net, train_set, opt, epochs, batches, theta0=theta0, warn=False)\n"
            "    acc[name] = net.accuracy(h.epoch_thetas, train_set.X, train_set.y)",
            "acc = {}\n"                                                                                       # Adam at SGD's rate
            "for name, opt, epochs, size in [('GD', optimizers.sgd(eta=1.0), 15, None), "
            "('SGD', optimizers.sgd(eta=0.3), 5, 32), ('Adam', optimizers.adam(eta=0.3), 5, 32)]:\n"
            "    batches = None if size is None else train.minibatches(size, rng=np.random.default_rng(0))\n"
            "    h = train.fit(net, train_set, opt, epochs, batches, theta0=theta0, warn=False)\n"
            "    acc[name] = net.accuracy(h.epoch_thetas, test_set.X, test_set.y)"],
        5: ["epochs_to_95 = np.array([np.argmax(acc[n][1:] >= 0.95) for n in ('GD', 'SGD', 'Adam')])",          # off by one
            "epochs_to_95 = np.array([np.argmax(acc[n] >= 95) for n in ('GD', 'SGD', 'Adam')])",                # percent
            "epochs_to_95 = np.array([np.argmax(acc[n] >= 0.95) for n in ('Adam', 'SGD', 'GD')])"],             # order
        6: ["evals_to_95 = np.array([np.argmax(acc[n] >= 0.95) for n in ('GD', 'SGD', 'Adam')])",              # epochs
            "evals_to_95 = np.array([1, 1437 // 32, 1437 // 32]) * "                                            # 44 per epoch
            "np.array([np.argmax(acc[n] >= 0.95) for n in ('GD', 'SGD', 'Adam')])",
            "evals_to_95 = 1437 * np.array([np.argmax(acc[n] >= 0.95) for n in ('GD', 'SGD', 'Adam')])"],       # examples
    },
}
CASES = [(nb, index, k) for nb, by_template in WRONG_ANSWERS.items()
         for index, answers in by_template.items() for k in range(len(answers))]


def test_every_template_has_wrong_answers():
    for path in NOTEBOOKS:
        _, templates = _program(json.loads(path.read_text())["cells"], use_solutions=False)
        assert sorted(WRONG_ANSWERS.get(path.name, {})) == list(range(templates)), path.name


@pytest.mark.parametrize("name, index, k", CASES, ids=[f"{n[:2]}-template{i}-wrong{k}" for n, i, k in CASES])
def test_plausible_wrong_answers_are_rejected(name, index, k):
    path = NOTEBOOKS[[p.name for p in NOTEBOOKS].index(name)]
    code, _ = _program(json.loads(path.read_text())["cells"], use_solutions=True,
                       replace={index: WRONG_ANSWERS[name][index][k]})
    out = io.StringIO()
    namespace = {}
    with contextlib.redirect_stdout(out):
        for source in code:
            exec(compile(source, str(path), "exec"), namespace)      # a checker must never raise
    verdicts = re.findall(r"^(PASS|NOT YET) ", out.getvalue(), flags=re.M)
    assert verdicts.count("NOT YET") == 1, out.getvalue()

"""Time per epoch of gdlib's 64-64-10 network against scikit-learn's MLPClassifier, in one run.

Both train the same network (64 inputs, 64 ReLU units, 10 softmax outputs, Glorot-uniform
initial weights) on the same 1,437 scaled training digits (sklearn's bundled ``load_digits``,
stratified 80/20 split) with mini-batches of 32 rows, reshuffled every epoch, and SGD with
momentum 0.9 at the same constant learning rate, no L2 penalty. scikit-learn runs
``MLPClassifier(hidden_layer_sizes=(64,), batch_size=32, solver='sgd', momentum=0.9,
nesterovs_momentum=False, alpha=0, ...)`` for ``--epochs`` epochs (``tol=0`` and
``n_iter_no_change`` larger than the epochs, so it runs them all); gdlib runs
``gdlib.nn.mlp([64, 64, 10])`` with ``gdlib.optimizers.momentum``, the gradient from
``Sequential.value_and_grad`` (one forward, one backward pass per batch). Runs alternate between
the two, ``--seeds`` times each; the script prints the median time per epoch of each, their ratio
(gdlib / sklearn: below 1 means gdlib is faster) and the test accuracy of both, so that equal
time is seen at equal work.

    python bench/nn_epoch.py                  # 20 epochs x 5 seeds
    python bench/nn_epoch.py --epochs 40 --seeds 3
"""
import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from gdlib import nn, optimizers


def data():
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), y_tr, scaler.transform(X_te), y_te


def run_sklearn(X, y, X_te, y_te, epochs, eta, seed):
    clf = MLPClassifier(hidden_layer_sizes=(64,), activation="relu", solver="sgd", batch_size=32,
                        learning_rate_init=eta, momentum=0.9, nesterovs_momentum=False, alpha=0.0,
                        max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1, shuffle=True,
                        random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - start
    assert clf.n_iter_ == epochs
    return seconds / epochs, clf.score(X_te, y_te)


def run_gdlib(X, y, X_te, y_te, epochs, eta, seed, batch_size=32):
    rng = np.random.default_rng(seed)
    net = nn.mlp([64, 64, 10], init="glorot")
    opt = optimizers.momentum(eta=eta, gamma=0.9)
    start = time.perf_counter()
    theta = net.init(rng)
    state = opt.init(theta)
    N = X.shape[0]
    for _ in range(epochs):
        order = rng.permutation(N)
        for j in range(0, N, batch_size):
            rows = order[j:j + batch_size]
            Xb, yb = X[rows], y[rows]
            theta, state = opt.update(theta, lambda th: net.value_and_grad(th, Xb, yb)[1], state)
    seconds = time.perf_counter() - start
    return seconds / epochs, float(net.accuracy(theta, X_te, y_te))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--eta", type=float, default=0.01)
    args = parser.parse_args()
    X, y, X_te, y_te = data()
    print(f"digits: {X.shape[0]} training rows, {X_te.shape[0]} test rows; 64-64-10 ReLU, batch 32, "
          f"momentum 0.9, eta {args.eta:g}, {args.epochs} epochs x {args.seeds} seeds")
    run_gdlib(X, y, X_te, y_te, 1, args.eta, 0)                       # warm-up (imports, caches)
    run_sklearn(X, y, X_te, y_te, 1, args.eta, 0)
    t_sk, t_gd, acc_sk, acc_gd = [], [], [], []
    for seed in range(args.seeds):
        t, a = run_sklearn(X, y, X_te, y_te, args.epochs, args.eta, seed)
        t_sk.append(t), acc_sk.append(a)
        t, a = run_gdlib(X, y, X_te, y_te, args.epochs, args.eta, seed)
        t_gd.append(t), acc_gd.append(a)
    ms_sk, ms_gd = 1e3 * np.median(t_sk), 1e3 * np.median(t_gd)
    print(f"sklearn MLPClassifier: {ms_sk:6.2f} ms per epoch (median), test accuracy "
          f"{np.mean(acc_sk):.3f} (min {np.min(acc_sk):.3f}, max {np.max(acc_sk):.3f})")
    print(f"gdlib nn.Sequential:   {ms_gd:6.2f} ms per epoch (median), test accuracy "
          f"{np.mean(acc_gd):.3f} (min {np.min(acc_gd):.3f}, max {np.max(acc_gd):.3f})")
    print(f"time per epoch, gdlib / sklearn: {ms_gd / ms_sk:.2f}")


if __name__ == "__main__":
    main()

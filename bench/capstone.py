"""The capstone's network, gdlib against scikit-learn: time per epoch at equal accuracy, and the chapter's run time.

Trains the 64-64-10 ReLU network of chapter 8 on scikit-learn's digits (1,437 standardised training
images, stratified 80/20 split, ``random_state=0``) with mini-batches of 32 reshuffled every epoch,
no L2 penalty, Glorot-uniform initial weights, for ``--epochs`` epochs from ``--seeds`` seeds, with
Adam at the chapter's tuned rate (``--eta``, default 10^-2.5) and defaults for beta1, beta2, eps;
``--momentum`` switches every contender to SGD with momentum 0.9 at ``--eta`` (the issue's reference
setting is ``--momentum --eta 0.01``). Three contenders, alternating seed by seed so that all see the
same machine load:

* scikit-learn: ``MLPClassifier(hidden_layer_sizes=(64,), batch_size=32, alpha=0, tol=0,
  n_iter_no_change > epochs, ...)``, which runs exactly the epochs asked;
* gdlib ``train.fit``: what the chapter runs (one ``value_and_grad`` per update gives the recorded
  mini-batch loss and the gradient; it also evaluates the full training loss after every epoch
  and checks every gradient);
* gdlib ``run.iterate``: the same optimizer and the same mini-batches (``train.minibatches``), one
  ``Sequential.value_and_grad`` per update and nothing else: the cost of training alone.

It prints the median time per epoch of each, the ratios gdlib / scikit-learn (below 1: gdlib is
faster) and the test accuracies (median, min, max), so that equal time is judged at equal accuracy.
Then, unless ``--no-chapter``, it executes ``chapters/08_capstone_digits.ipynb`` in a temporary copy
(nothing in the repository is written) and prints how long the whole chapter took.

    python bench/capstone.py                        # 20 epochs x 5 seeds, Adam, then the chapter
    python bench/capstone.py --momentum --eta 0.01 --no-chapter
"""
import argparse
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from gdlib import datasets, nn, optimizers, run, train

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "08_capstone_digits.ipynb"


def data():
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    return (datasets.Dataset(scaler.transform(X_tr), y_tr.astype(float), "train"),
            datasets.Dataset(scaler.transform(X_te), y_te.astype(float), "test"))


def optimizer(args):
    return optimizers.momentum(eta=args.eta, gamma=0.9) if args.momentum else optimizers.adam(eta=args.eta)


def run_sklearn(args, train_set, test_set, seed):
    solver = dict(solver="sgd", momentum=0.9, nesterovs_momentum=False) if args.momentum else dict(solver="adam")
    clf = MLPClassifier(hidden_layer_sizes=(64,), activation="relu", batch_size=32, learning_rate_init=args.eta,
                        alpha=0.0, max_iter=args.epochs, tol=0.0, n_iter_no_change=args.epochs + 1, shuffle=True,
                        random_state=seed, **solver)
    with warnings.catch_warnings():               # max_iter reached on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        clf.fit(train_set.X, train_set.y.astype(int))
        seconds = time.perf_counter() - start
    assert clf.n_iter_ == args.epochs
    return seconds / args.epochs, clf.score(test_set.X, test_set.y.astype(int))


NET = nn.mlp([64, 64, 10], init="glorot")          # scikit-learn's initialisation


def run_fit(args, train_set, test_set, seed):
    start = time.perf_counter()
    history = train.fit(NET, train_set, optimizer(args), args.epochs, train.minibatches(32, rng=seed),
                        theta0=NET.init(np.random.default_rng(seed)), record_every=10 ** 9, warn=False)
    seconds = time.perf_counter() - start
    return seconds / args.epochs, float(NET.accuracy(history.final, test_set.X, test_set.y))


def run_iterate(args, train_set, test_set, seed):
    X, y = train_set.X, train_set.y
    start = time.perf_counter()
    rows = list(train.minibatches(32, rng=seed).rows(len(X), args.epochs))

    def grad(theta, t):                           # the mini-batch gradient of update t
        r = rows[t]
        return NET.value_and_grad(theta, X[r], y[r])[1]

    traj = run.iterate(optimizer(args), run.stepwise(grad), NET.init(np.random.default_rng(seed)), len(rows),
                       warn=False)
    seconds = time.perf_counter() - start
    return seconds / args.epochs, float(NET.accuracy(traj.final, test_set.X, test_set.y))


def time_chapter():
    """Execute the chapter in a temporary copy of its folder's notebook; return the seconds taken."""
    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / CHAPTER.name
        shutil.copy(CHAPTER, copy)
        nb = nbformat.read(copy, as_version=4)
        client = NotebookClient(nb, timeout=900, kernel_name="python3",
                                resources={"metadata": {"path": str(CHAPTER.parent)}})
        start = time.perf_counter()
        client.execute()
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--eta", type=float, default=10 ** -2.5)
    parser.add_argument("--momentum", action="store_true", help="SGD with momentum 0.9 instead of Adam")
    parser.add_argument("--no-chapter", action="store_true", help="skip timing the chapter")
    args = parser.parse_args()
    train_set, test_set = data()
    contenders = {"scikit-learn MLPClassifier": run_sklearn, "gdlib train.fit": run_fit,
                  "gdlib run.iterate": run_iterate}
    print(f"digits: {train_set.n} training rows, {test_set.n} test rows; 64-64-10 ReLU, batch 32, "
          f"{'momentum 0.9' if args.momentum else 'Adam'}, eta {args.eta:.3g}, {args.epochs} epochs x {args.seeds} seeds")
    for fn in contenders.values():                 # warm-up: imports, caches
        fn(argparse.Namespace(**{**vars(args), "epochs": 1}), train_set, test_set, 0)
    out = {name: [] for name in contenders}
    for seed in range(args.seeds):
        for name, fn in contenders.items():
            out[name].append(fn(args, train_set, test_set, seed))
    ms = {}
    for name, runs in out.items():
        t, acc = np.array(runs).T
        ms[name] = 1e3 * np.median(t)
        print(f"{name:27s} {ms[name]:7.2f} ms per epoch (median)   test accuracy {100 * np.median(acc):.1f} % "
              f"(min {100 * acc.min():.1f}, max {100 * acc.max():.1f})")
    reference = ms["scikit-learn MLPClassifier"]
    accs = {name: np.array(runs)[:, 1] for name, runs in out.items()}
    sk = accs["scikit-learn MLPClassifier"]
    for name in ("gdlib train.fit", "gdlib run.iterate"):
        overlap = max(sk.min(), accs[name].min()) <= min(sk.max(), accs[name].max())
        print(f"time per epoch, {name} / scikit-learn: {ms[name] / reference:.2f}   "
              f"(accuracy ranges {'overlap' if overlap else 'do NOT overlap'})")
    if not args.no_chapter:
        print(f"chapters/08_capstone_digits.ipynb executed in {time_chapter():.1f} s")


if __name__ == "__main__":
    main()

r"""Data sets for training: seeded synthetic problems and small real data shipped with a package.

Every data set is a :class:`Dataset` ``(X, y, name)`` with ``X`` of shape ``(N, d)`` and ``y``
of shape ``(N,)``. Randomness comes only from the ``rng`` argument (a
``numpy.random.Generator``, or an integer seed that is turned into one); there is no global
seeding. The synthetic generators return ``(data, w_true)``: the data set and the weights that
generated it, laid out as the models in :mod:`gdlib.models` lay out theirs (``d`` feature
weights, then the bias if ``bias=True``).
"""
from typing import NamedTuple

import numpy as np

from ._special import sigmoid as _sigmoid
from ._validate import ArgumentTypeError, as_generator, choice, describe, flag, integer, real, real_array


class Dataset(NamedTuple):
    """A supervised data set: features ``X`` (N, d), targets ``y`` (N,), and a ``name``."""
    X: np.ndarray
    y: np.ndarray
    name: str = "data"

    @property
    def n(self):
        """The number of examples N."""
        return self.X.shape[0]

    @property
    def d(self):
        """The number of features d."""
        return self.X.shape[1]

    def subset(self, index, name=None):
        """The examples selected by ``index`` (an index array or a boolean mask), in that order."""
        return Dataset(self.X[index], self.y[index], self.name if name is None else name)


def _positive_int(name, value):
    return integer(name, value, low=1)


def _dataset(data, name="data"):
    if not isinstance(data, Dataset):
        raise ArgumentTypeError(f"{name} must be a Dataset (X, y, name), got {describe(data, 40)}")
    return data


def linear_regression(n=200, d=2, noise=0.5, rng=None, bias=True, w_true=None):
    r"""Linear data $y = X w + b + \varepsilon$, $X_{ij} \sim \mathcal N(0, 1)$, $\varepsilon \sim \mathcal N(0, \text{noise}^2)$.

    Returns ``(data, w_true)``. ``w_true`` has ``d`` entries, plus the intercept $b$ last if
    ``bias=True`` (then ``w_true`` fits ``models.LinearRegression(d, bias=True)``). If ``w_true``
    is not given, the weights are drawn from $\mathcal N(0, 2^2)$ (the intercept from
    $\mathcal N(0, 1)$). ``d=1, bias=True`` (slope and intercept) and ``d=2, bias=False`` give
    two parameters, whose loss can be drawn as contours.
    """
    _positive_int("n", n)
    _positive_int("d", d)
    real("noise", noise, low=0, array=False)
    bias = flag("bias", bias)
    rng = as_generator(rng)
    p = d + int(bias)
    if w_true is None:
        w_true = np.concatenate([2.0 * rng.standard_normal(d), rng.standard_normal(int(bias))])
    w_true = real_array("w_true", w_true)
    if w_true.shape != (p,):
        raise ValueError(f"w_true must have shape ({p},) for d={d}, bias={bias}, got {w_true.shape}")
    X = rng.standard_normal((n, d))
    y = X @ w_true[:d] + (w_true[d] if bias else 0.0) + noise * rng.standard_normal(n)
    return Dataset(X, y, f"linear_regression(n={n}, d={d})"), w_true


def logistic_classification(n=200, d=2, rng=None, separation=3.0, bias=True):
    r"""Labels from a logistic model: $P(y = 1 \mid x) = \sigma(x^\top w + b)$, $x \sim \mathcal N(0, I_d)$.

    ``w = separation * u`` for a random unit vector ``u``; the intercept $b$ (last entry of
    ``w_true`` if ``bias=True``) is drawn from $\mathcal N(0, 0.5^2)$. ``separation`` sets how
    clean the classes are: 0 gives coin flips, large values nearly separable classes. Returns
    ``(data, w_true)`` with ``y`` in {0, 1}.
    """
    _positive_int("n", n)
    _positive_int("d", d)
    real("separation", separation, low=0, array=False)
    bias = flag("bias", bias)
    rng = as_generator(rng)
    u = rng.standard_normal(d)
    w = separation * u / np.linalg.norm(u)
    b = 0.5 * rng.standard_normal(int(bias))
    X = rng.standard_normal((n, d))
    z = X @ w + (b[0] if bias else 0.0)
    y = (rng.random(n) < _sigmoid(z)).astype(float)
    return Dataset(X, y, f"logistic_classification(n={n}, d={d})"), np.concatenate([w, b])


def sparse_features(n=1000, d=10, rng=None, frequencies=None, task="regression", noise=0.1):
    r"""Binary features that are active (= 1) with very different frequencies; rare ones matter most.

    Feature $j$ is 1 with probability $f_j$ (``frequencies``; default ``np.logspace(0, -2, d)``,
    i.e. from always on to once in a hundred examples) and 0 otherwise, like word occurrences
    in text. The true weight of feature $j$ is $w_j = s_j / (2\sqrt{f_j})$ with a random sign
    $s_j$, so the rare features carry the large weights while every feature contributes the
    same variance $f_j(1 - f_j) w_j^2 \approx 1/4$ when $f_j$ is small. There is no bias.

    ``task="regression"``: $y = x^\top w + \varepsilon$, $\varepsilon \sim \mathcal N(0, \text{noise}^2)$.
    ``task="classification"``: $y \sim \text{Bernoulli}(\sigma(x^\top w - \bar z))$, with $\bar z$
    the mean of $x^\top w$ so both classes occur. Returns ``(data, w_true)``.
    """
    _positive_int("n", n)
    _positive_int("d", d)
    choice("task", task, ("regression", "classification"))
    real("noise", noise, low=0, array=False)
    rng = as_generator(rng)
    f = np.logspace(0, -2, d) if frequencies is None else real_array("frequencies", frequencies)
    if f.shape != (d,) or np.any((f <= 0) | (f > 1)):
        raise ValueError(f"frequencies must be {d} numbers in (0, 1], got {f!r}")
    w = rng.choice([-1.0, 1.0], size=d) / (2 * np.sqrt(f))
    X = (rng.random((n, d)) < f).astype(float)
    z = X @ w
    if task == "regression":
        y = z + noise * rng.standard_normal(n)
    else:
        y = (rng.random(n) < _sigmoid(z - z.mean())).astype(float)
    return Dataset(X, y, f"sparse_features(n={n}, d={d}, {task})"), w


def sorted_by_label(data):
    """The same examples ordered by label (a stable sort): all of class 0 first, then class 1, ...

    Trained in this fixed order, without shuffling, stochastic gradient descent sees one class
    for a long stretch at the end of every epoch and drifts toward it.
    """
    _dataset(data)
    order = np.argsort(data.y, kind="stable")
    return data.subset(order, f"{data.name} sorted by label")


def train_test_split(data, test_fraction=0.25, rng=None):
    """A random split into ``(train, test)``; ``round(test_fraction * N)`` examples go to test."""
    _dataset(data)
    real("test_fraction", test_fraction, low=0, high=1, low_open=True, high_open=True, array=False)
    rng = as_generator(rng)
    perm = rng.permutation(data.n)
    k = int(round(test_fraction * data.n))
    if k == 0 or k == data.n:
        raise ValueError(f"test_fraction={test_fraction} leaves an empty set for N={data.n}")
    return data.subset(np.sort(perm[k:]), f"{data.name} (train)"), data.subset(np.sort(perm[:k]), f"{data.name} (test)")


def digits(classes=None, scale=True):
    r"""The 8x8 handwritten digits of scikit-learn (1797 images, bundled with it: no download).

    ``X`` has 64 pixel intensities per image, divided by 16 into [0, 1] if ``scale``.
    ``classes=None`` keeps all ten digits with ``y`` in 0..9; ``classes=(a, b)`` keeps two digits
    and relabels them ``y = 0`` for ``a`` and ``y = 1`` for ``b`` (a binary task for logistic
    regression). The data are the UCI optical recognition of handwritten digits test set
    (Alpaydin & Kaynak 1998).
    """
    from sklearn.datasets import load_digits      # imported here: scikit-learn is optional

    scale = flag("scale", scale)
    if classes is not None:
        if not isinstance(classes, (tuple, list)) or len(classes) != 2:
            raise ValueError(f"classes must be None or two different digits (a, b), got {describe(classes)}")
        a, b = (integer(f"classes[{i}]", c, low=0, high=9) for i, c in enumerate(classes))
        if a == b:
            raise ValueError(f"classes must be two different digits, got ({a}, {b})")
    raw = load_digits()
    X = raw.data.astype(float) / (16.0 if scale else 1.0)
    y = raw.target.astype(float)
    if classes is None:
        return Dataset(X, y, "digits")
    keep = (y == a) | (y == b)
    return Dataset(X[keep], (y[keep] == b).astype(float), f"digits {a} vs {b}")

"""The optimizer contract of DESIGN.md section 4, for every optimizer in ``gdlib.optimizers.ALL``.

* Broadcasting: K runs in one call (theta of shape (K, d), hyperparameters of shape (K, 1))
  give the K paths of K separate runs bit for bit, for every optimizer: the bias corrections
  raise beta to the power t by the same multiplications for an array and for a float
  (``gdlib.optimizers._base.power``).
* Bad input: a ValueError that names the argument (and its valid range), raised by the factory
  for out-of-range values and by ``init`` for shapes that do not broadcast against theta.
"""
import inspect

import numpy as np
import pytest

import gdlib.functions
from gdlib.optimizers import ALL
from gdlib.run import iterate

K, STEPS = 6, 60
RNG = np.random.default_rng(1)
THETA0 = np.column_stack([RNG.uniform(-1.5, 0.5, K), RNG.uniform(0.0, 2.0, K)])   # K starts on Rosenbrock

# One value per run for every numeric hyperparameter the factory takes: shape (K, 1).
# The learning-rate ranges keep every run on Rosenbrock finite.
ETA_RANGE = {"sgd": (1e-4, 1e-3), "momentum": (1e-5, 2e-4), "nag": (1e-5, 2e-4), "adagrad": (1e-2, 0.3),
             "adadelta": (0.1, 1.0), "rmsprop": (1e-4, 1e-2), "adam": (1e-3, 3e-2), "adamax": (1e-3, 3e-2),
             "nadam": (1e-3, 3e-2), "amsgrad": (1e-3, 3e-2), "adamw": (1e-3, 3e-2),
             "qhadam": (1e-3, 3e-2), "aggmo": (1e-5, 2e-4)}
PER_RUN = {"gamma": np.linspace(0.5, 0.95, K), "beta1": np.linspace(0.7, 0.95, K),
           "beta2": np.linspace(0.9, 0.999, K), "eps": np.logspace(-8, -3, K),
           "weight_decay": np.linspace(0.0, 0.5, K), "momentum_decay": np.linspace(1e-3, 1e-2, K)}
# extra switches, so that every branch of every update is run vectorised
SWITCHES = {"momentum": [dict(form="survey"), dict(form="pytorch")], "nag": [dict(form="survey"), dict(form="pytorch")],
            "adagrad": [dict(eps_inside_sqrt=True), dict(eps_inside_sqrt=False)],
            "rmsprop": [dict(eps_inside_sqrt=True), dict(eps_inside_sqrt=False)],
            "adam": [dict(bias_correction=True), dict(bias_correction=False)],
            "nadam": [dict(momentum_decay=None), dict()],           # survey form, and Dozat's schedule
            "amsgrad": [dict(bias_correction=False), dict(bias_correction=True)]}


def params_of(name):
    return inspect.signature(ALL[name]).parameters


def batched_kwargs(name, switch):
    kwargs = {}
    for p in params_of(name):
        if p == "eta":
            lo, hi = ETA_RANGE[name]
            kwargs[p] = np.logspace(np.log10(lo), np.log10(hi), K)[:, None]
        elif p in PER_RUN:
            kwargs[p] = PER_RUN[p][:, None]
    kwargs.update(switch)
    return kwargs


def run(opt, theta, steps=STEPS):
    """The path (steps + 1, ..., d) on Rosenbrock, through gdlib's one loop."""
    return iterate(opt, gdlib.functions.rosenbrock.grad, theta, steps, warn=False).thetas


BATCH_CASES = [pytest.param(name, switch, id=f"{name}" + "".join(f"-{k}={v}" for k, v in switch.items()))
               for name in ALL for switch in SWITCHES.get(name, [{}])]


@pytest.mark.parametrize("name, switch", BATCH_CASES)
def test_K_runs_in_one_call_equal_K_separate_runs(name, switch):
    kwargs = batched_kwargs(name, switch)
    assert np.ndim(kwargs["eta"]) == 2                      # really vectorised
    together = run(ALL[name](**kwargs), THETA0)             # (STEPS + 1, K, d)
    assert together.shape == (STEPS + 1, K, 2)
    assert np.all(np.isfinite(together))
    for k in range(K):
        scalar = {p: (float(v[k, 0]) if isinstance(v, np.ndarray) else v) for p, v in kwargs.items()}
        alone = run(ALL[name](**scalar), THETA0[k])         # (STEPS + 1, d)
        np.testing.assert_array_equal(together[:, k], alone, err_msg=f"run {k}: {scalar}")
    # the runs really differ from each other (hyperparameters reached each run)
    assert len({tuple(np.round(together[-1, k], 12)) for k in range(K)}) == K


def test_leading_axes_beyond_one():
    """theta of shape (2, 3, d) with eta of shape (2, 3, 1) and beta1 of shape (3, 1)."""
    theta = THETA0[:6].reshape(2, 3, 2)
    eta = np.logspace(-3, -1.5, 6).reshape(2, 3, 1)
    beta1 = np.array([0.8, 0.9, 0.95])[:, None]
    together = run(ALL["adam"](eta=eta, beta1=beta1), theta, 20)
    for i in range(2):
        for j in range(3):
            alone = run(ALL["adam"](eta=float(eta[i, j, 0]), beta1=float(beta1[j, 0])), theta[i, j], 20)
            np.testing.assert_array_equal(together[:, i, j], alone)


# Random hyperparameters, one per run, inside each argument's range: many distinct beta ** t.
RANDOM_K, RANDOM_STEPS, SEED = 48, 150, 2
RANDOM_RANGES = {"gamma": (0.3, 0.99), "beta1": (0.5, 0.99), "beta2": (0.9, 0.9999), "eps": (1e-8, 1e-3),
                 "weight_decay": (0.0, 0.5), "momentum_decay": (1e-3, 2e-2), "nu1": (0.0, 1.0), "nu2": (0.0, 1.0)}


@pytest.mark.parametrize("name, switch", BATCH_CASES)
def test_random_hyperparameters_per_run_equal_separate_runs_bit_for_bit(name, switch):
    """Every numeric hyperparameter an array over a leading axis of K = 48 runs, against 48 scalar runs.

    With numpy's ``power`` for an array beta and Python's ``**`` for a float beta, this fails for
    Adam, AdaMax, Nadam, AMSGrad, AdamW and QHAdam (a few runs differ in the last bits).
    """
    rng = np.random.default_rng([SEED, *map(ord, name + repr(sorted(switch.items())))])     # one stream per case
    lo, hi = ETA_RANGE[name]
    kwargs = {"eta": np.exp(rng.uniform(np.log(lo), np.log(hi), (RANDOM_K, 1)))}
    for p in params_of(name):
        if p in RANDOM_RANGES:
            kwargs[p] = rng.uniform(*RANDOM_RANGES[p], (RANDOM_K, 1))
    kwargs.update(switch)
    theta0 = np.column_stack([rng.uniform(-1.5, 0.5, RANDOM_K), rng.uniform(0.0, 2.0, RANDOM_K)])
    together = run(ALL[name](**kwargs), theta0, RANDOM_STEPS)
    differ = []
    for k in range(RANDOM_K):
        scalar = {p: (float(v[k, 0]) if isinstance(v, np.ndarray) else v) for p, v in kwargs.items()}
        if not np.array_equal(together[:, k], run(ALL[name](**scalar), theta0[k], RANDOM_STEPS), equal_nan=True):
            differ.append(k)
    assert not differ, f"{len(differ)} of {RANDOM_K} runs differ from their separate run, e.g. run {differ[0]}"


# --- bad input -----------------------------------------------------------------------------

def _with(name):
    """The names in ALL whose factory takes the argument ``name``."""
    return [n for n in ALL if name in params_of(n)]


RANGES = {"eta": "[0, inf)", "gamma": "[0, 1)", "beta1": "[0, 1)", "beta2": "[0, 1)", "eps": "(0, inf)",
          "weight_decay": "[0, inf)", "momentum_decay": "[0, inf)", "nu1": "[0, 1]", "nu2": "[0, 1]",
          "betas": "[0, 1)"}
BAD_VALUES = [("eta", -1.0), ("eta", np.array([[0.1], [-0.1]])), ("gamma", 1.0), ("gamma", -0.1),
              ("beta1", 1.0), ("beta2", 1.0), ("beta1", np.array([[0.9], [1.0]])), ("eps", 0.0), ("eps", -1e-8),
              ("weight_decay", -0.1), ("momentum_decay", -1e-3)]


@pytest.mark.parametrize("arg, value, name", [
    pytest.param(arg, value, name, id=f"{name}-{arg}={'array' if np.ndim(value) else value}")
    for arg, value in BAD_VALUES for name in _with(arg)])
def test_out_of_range_hyperparameter_is_a_value_error_naming_it(arg, value, name):
    with pytest.raises(ValueError, match=rf"\b{arg}\b") as info:
        ALL[name](**{arg: value})
    assert RANGES[arg] in str(info.value), f"the message should give the valid range {RANGES[arg]}: {info.value}"


def test_every_optimizer_checks_eta_beta_gamma_eps():
    """Every factory takes eta, and every decay / epsilon it takes is in the table above."""
    for name in ALL:
        assert "eta" in params_of(name)
        for p in params_of(name):
            assert p in RANGES or p in ("form", "eps_inside_sqrt", "bias_correction"), (name, p)


@pytest.mark.parametrize("name", list(ALL))
@pytest.mark.parametrize("eta_shape, theta_shape", [((3, 1), (4, 2)), ((4, 1), (2,)), ((4, 2, 1), (4, 2))],
                         ids=["K-mismatch", "would-add-runs", "extra-axis"])
def test_hyperparameter_that_does_not_broadcast_fails_at_init(name, eta_shape, theta_shape):
    lo, hi = ETA_RANGE[name]
    opt = ALL[name](eta=np.full(eta_shape, lo))               # the factory cannot know theta's shape yet
    with pytest.raises(ValueError, match=r"\beta\b"):
        opt.init(np.zeros(theta_shape))


@pytest.mark.parametrize("name", _with("beta1"))
def test_beta1_that_does_not_broadcast_fails_at_init(name):
    opt = ALL[name](beta1=np.full((3, 1), 0.9))
    with pytest.raises(ValueError, match=r"\bbeta1\b"):
        opt.init(np.zeros((5, 2)))


@pytest.mark.parametrize("name", list(ALL))
def test_negative_scheduled_eta_is_a_value_error_at_the_step(name):
    opt = ALL[name](eta=lambda t: -0.1 if t >= 1 else ETA_RANGE[name][0])
    theta = np.array([-1.5, 2.0])
    state = opt.init(theta)
    theta, state = opt.update(theta, gdlib.functions.rosenbrock.grad, state)
    with pytest.raises(ValueError, match=r"\beta\(t\)"):
        opt.update(theta, gdlib.functions.rosenbrock.grad, state)


@pytest.mark.parametrize("name", ["momentum", "nag"])
def test_unknown_form_is_a_value_error(name):
    with pytest.raises(ValueError, match="form"):
        ALL[name](form="keras")


# --- docstrings: the rule, its symbols, its paper and its place in the book ----------------------

def test_every_docstring_maps_symbols_cites_a_paper_and_names_its_place_in_the_book():
    from pathlib import Path
    import json
    import re

    root = Path(__file__).resolve().parent.parent
    bib_keys = set(re.findall(r"^@\w+\{([^,]+),", (root / "references.bib").read_text(), flags=re.M))
    labels = set()
    for notebook in (root / "chapters").glob("*.ipynb"):
        for cell in json.loads(notebook.read_text())["cells"]:
            labels.update(re.findall(r":label: (alg-[\w-]+)", "".join(cell["source"])))
    for name, factory in ALL.items():
        doc = inspect.getdoc(factory)
        assert "Symbols:" in doc and "Book:" in doc, name
        cited = set(re.findall(r"``([a-z]+\d{4}[a-z]+)``", doc))
        assert cited and cited <= bib_keys, f"{name}: {cited - bib_keys or 'no references.bib key'}"
        for label in re.findall(r"``(alg-[\w-]+)``", doc):
            assert label in labels, f"{name} names the algorithm {label}, which no chapter defines"
        for p in params_of(name):
            assert re.search(rf"``{p}[`=]", doc), f"{name}: the docstring does not describe the argument {p}"

"""Bad input gets a clear error; valid input behaves as before (issue 7, section 2).

A table of bad values is run against every optimizer in the registry and every public function
of ``functions``, ``datasets``, ``models``, ``schedules`` (except ReduceOnPlateau), ``plotting``
and ``check``: each must raise ``TypeError``/``ValueError`` naming the argument (and, for
numbers, its valid range), early -- when the optimizer is built, at ``init``, or at the
``update`` that receives the bad state or gradient. The exercise checkers are the exception:
whatever a student answers, they print NOT YET and never raise. Property tests (hypothesis)
check the boundaries of every interval and that a checker survives arbitrary objects.
"""
import contextlib
import inspect
import io
import math
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from gdlib import _validate, check, datasets, functions, models, optimizers, plotting, schedules  # noqa: E402
from gdlib.optimizers import ALL, SURVEY  # noqa: E402
from gdlib.optimizers._base import power  # noqa: E402

BAD = (TypeError, ValueError)


def raises_naming(arg, fn, *args, interval=None, **kwargs):
    """``fn(*args, **kwargs)`` raises TypeError/ValueError whose message names ``arg`` (and ``interval``)."""
    with pytest.raises(BAD) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert re.search(rf"(?<![\w.]){re.escape(arg)}(?!\w)", message), f"{arg!r} not named in: {message}"
    if interval is not None:
        assert interval in message, f"the valid range {interval} is not stated in: {message}"
    return message


# --- the table of bad values ------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")
# (id, value) -- never a valid number, whatever the argument's range
NOT_A_NUMBER = [("True", True), ("False", False), ("np.True_", np.True_), ("numeric-str", "0.5"), ("str", "abc"),
                ("complex", 0.5 + 0j), ("None", None), ("list", [0.5]), ("nested-list", [[0.5], [0.5]]),
                ("nan", NAN), ("inf", INF), ("-inf", -INF), ("object", object()), ("bool-array", np.array([[True]])),
                ("str-array", np.array([["0.5"]])), ("complex-array", np.array([[0.5 + 1j]])),
                ("nan-array", np.array([[0.5], [NAN]])), ("empty-array", np.zeros((0, 1))), ("dict", {"eta": 0.5})]
NOT_AN_INTEGER = [(i, v) for i, v in NOT_A_NUMBER if i not in ("list", "nested-list")] + [("2.5", 2.5), ("3.0", 3.0)]
NOT_A_FLAG = [("str-False", "False"), ("str-True", "True"), ("None", None), ("0", 0), ("1", 1), ("1.0", 1.0),
              ("list", [True]), ("array", np.array([True, False]))]

# --- optimizers: every numeric hyperparameter, flag and switch of every factory in the registry

RANGES = {"eta": "[0, inf)", "gamma": "[0, 1)", "beta1": "[0, 1)", "beta2": "[0, 1)", "eps": "(0, inf)",
          "weight_decay": "[0, inf)", "momentum_decay": "[0, inf)", "nu1": "[0, 1]", "nu2": "[0, 1]"}
FLAGS = ("bias_correction", "eps_inside_sqrt")
# out of range for each numeric hyperparameter (besides the table above)
OUT_OF_RANGE = {"eta": [-1e-3], "gamma": [1.0, -0.1], "beta1": [1.0, -1e-9], "beta2": [1.0, 2.0], "eps": [0.0, -1e-8],
                "weight_decay": [-0.1], "momentum_decay": [-1e-3], "nu1": [1.1, -0.1], "nu2": [1.5, -1e-9]}


def params_of(name):
    return inspect.signature(ALL[name]).parameters


def test_every_hyperparameter_of_every_optimizer_is_in_the_tables():
    for name in ALL:
        for p in params_of(name):
            assert p in RANGES or p in FLAGS or p in ("form", "betas"), (name, p)


NUMERIC_CASES = [pytest.param(name, p, value, id=f"{name}-{p}-{vid}")
                 for name in ALL for p in params_of(name) if p in RANGES
                 for vid, value in NOT_A_NUMBER
                 if not (p == "momentum_decay" and value is None)]          # None: the survey's Nadam


@pytest.mark.parametrize("name, arg, value", NUMERIC_CASES)
def test_hyperparameter_that_is_not_a_real_number_is_refused_at_construction(name, arg, value):
    raises_naming(arg, ALL[name], **{arg: value}, interval=RANGES[arg])


@pytest.mark.parametrize("name, arg, value", [pytest.param(n, p, v, id=f"{n}-{p}={v}") for n in ALL
                                              for p in params_of(n) if p in RANGES for v in OUT_OF_RANGE[p]])
def test_hyperparameter_out_of_range_is_a_value_error(name, arg, value):
    with pytest.raises(ValueError):
        ALL[name](**{arg: value})
    raises_naming(arg, ALL[name], **{arg: value}, interval=RANGES[arg])


@pytest.mark.parametrize("name, arg, value", [pytest.param(n, p, v, id=f"{n}-{p}-{vid}") for n in ALL
                                              for p in params_of(n) if p in FLAGS for vid, v in NOT_A_FLAG])
def test_flag_must_be_a_real_bool(name, arg, value):
    with pytest.raises(TypeError):
        ALL[name](**{arg: value})
    raises_naming(arg, ALL[name], **{arg: value})


@pytest.mark.parametrize("name", [n for n in ALL if "form" in params_of(n)])
@pytest.mark.parametrize("value", ["keras", None, 1, "Survey"])
def test_form_must_be_one_of_the_named_forms(name, value):
    message = raises_naming("form", ALL[name], form=value)
    assert "'survey'" in message and "'pytorch'" in message


@pytest.mark.parametrize("value", [False, True, np.False_])
def test_nadam_momentum_decay_false_is_not_zero(value):
    raises_naming("momentum_decay", optimizers.nadam, momentum_decay=value, interval="[0, inf)")


@pytest.mark.parametrize("betas", [(True, 0.9), ("0.9",), (0.9 + 0j,), (None,), ([0.9],), [[0.0, 0.9]], (NAN,),
                                   (INF,), (0.9, 1.0), (), 0.9, "0.9", None, {0.9}])
def test_aggmo_betas(betas):
    raises_naming("betas", optimizers.aggmo, betas=betas)          # "betas" or "betas[i]"


@pytest.mark.parametrize("name", list(ALL))
def test_valid_edge_values_and_types_are_accepted(name):
    """Zero rates and decays, numpy scalars and 0-d arrays, ints and schedules are all valid."""
    edge = {"eta": 0.0, "gamma": 0, "beta1": np.float32(0.0), "beta2": np.array(0.5), "eps": np.int64(1),
            "weight_decay": 0, "momentum_decay": 0.0, "nu1": 1, "nu2": np.float64(0.0)}
    kwargs = {p: edge[p] for p in params_of(name) if p in edge}
    opt = ALL[name](**kwargs)
    theta = np.array([1.0, 2.0])
    state = opt.init(theta)
    theta, state = opt.update(theta, functions.bowl.grad, state)
    assert np.all(np.isfinite(theta))
    ALL[name](eta=lambda t: 0.1 / (1 + t))


# --- optimizers: init and update ------------------------------------------------------------

THETA = np.array([[-1.5, 2.0], [0.5, 0.5], [1.0, -0.5]])            # 3 runs: a transposed gradient has another shape
BAD_THETA = [("complex", np.array([1.0 + 1j, 2.0])), ("ragged", [[1.0, 2.0], [3.0]]), ("str", "1.0"),
             ("None", None), ("scalar", 1.5), ("bool", np.array([True, False])), ("str-list", ["1.0", "2.0"]),
             ("no-coordinates", np.zeros((3, 0)))]


@pytest.mark.parametrize("name", list(ALL))
@pytest.mark.parametrize("vid, theta", BAD_THETA, ids=[b[0] for b in BAD_THETA])
def test_init_and_update_refuse_bad_theta(name, vid, theta):
    opt = ALL[name]()
    raises_naming("theta", opt.init, theta)
    state = opt.init(np.array([1.0, 2.0]))
    raises_naming("theta", opt.update, theta, functions.bowl.grad, state)


def _other_state(name):
    """A state of another optimizer, of another type than ``name``'s."""
    own = type(ALL[name]().init(THETA))
    other = next(n for n in ALL if type(ALL[n]().init(THETA)) is not own)
    return ALL[other]().init(THETA)


@pytest.mark.parametrize("name", list(ALL))
def test_update_refuses_another_optimizers_state(name):
    opt = ALL[name]()
    for state in (_other_state(name), None, (0, np.zeros(2)), {"t": 0}):
        with pytest.raises(TypeError, match=r"\bstate\b"):
            opt.update(THETA, functions.rosenbrock.grad, state)


@pytest.mark.parametrize("name", [n for n in ALL if n != "sgd"])      # SGD's state holds only t
def test_update_refuses_a_state_for_another_shape(name):
    opt = ALL[name]()
    state = opt.init(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"\bstate\b.*shape"):
        opt.update(THETA, functions.rosenbrock.grad, state)


BAD_GRADIENTS = [("None", lambda th: None), ("list", lambda th: th.tolist()), ("column", lambda th: th[..., None]),
                 ("transposed", lambda th: th.T), ("wrong-length", lambda th: th[..., :1]),
                 ("complex", lambda th: th + 0j), ("str", lambda th: "0.1"), ("bool", lambda th: th > 0),
                 ("scalar", lambda th: 1.0), ("dict", lambda th: {"g": th})]


@pytest.mark.parametrize("name", list(ALL))
@pytest.mark.parametrize("gid, grad_fn", BAD_GRADIENTS, ids=[g[0] for g in BAD_GRADIENTS])
def test_update_refuses_a_gradient_that_is_not_shaped_like_theta(name, gid, grad_fn):
    opt = ALL[name]()
    state = opt.init(THETA)
    message = raises_naming("grad_fn", opt.update, THETA, grad_fn, state)
    if gid in ("column", "transposed", "wrong-length"):
        assert str(THETA.shape) in message


@pytest.mark.parametrize("name", list(ALL))
def test_update_refuses_a_grad_fn_that_is_not_a_function(name):
    opt = ALL[name]()
    raises_naming("grad_fn", opt.update, THETA, np.zeros(2), opt.init(THETA))


BAD_SCHEDULE_VALUES = [("inf", INF), ("nan", NAN), ("negative", -0.1), ("str", "0.1"), ("None", None),
                       ("complex", 0.1 + 0j), ("bool", True), ("wrong-shape", np.full((4, 1), 0.1)),
                       ("list", [0.1, 0.1])]


@pytest.mark.parametrize("name", list(ALL))
@pytest.mark.parametrize("vid, value", BAD_SCHEDULE_VALUES, ids=[b[0] for b in BAD_SCHEDULE_VALUES])
def test_schedule_returning_a_bad_rate_is_named_at_that_step(name, vid, value):
    opt = ALL[name](eta=lambda t: 1e-3 if t < 2 else value)
    theta, state = THETA, opt.init(THETA)
    for _ in range(2):                                       # the first two steps are fine
        theta, state = opt.update(theta, functions.rosenbrock.grad, state)
    message = raises_naming("eta(t)", opt.update, theta, functions.rosenbrock.grad, state)
    assert "t=2" in message


def test_a_schedule_class_instead_of_a_schedule_is_refused():
    raises_naming("eta", optimizers.sgd, eta=schedules.Schedule)


# --- registries -----------------------------------------------------------------------------

def test_every_public_objective_is_registered():
    public = {name: obj for name, obj in vars(functions).items()
              if isinstance(obj, functions.Objective) and not name.startswith("_")}
    assert public, "no objectives found"
    for name, obj in public.items():
        assert functions.ALL.get(obj.name) is obj, f"functions.{name} is not in functions.ALL"
    assert "cliff" in functions.ALL


def test_every_public_optimizer_is_registered_and_survey_is_in_order():
    factories = {name for name in optimizers.__all__
                 if inspect.isfunction(getattr(optimizers, name)) and isinstance(getattr(optimizers, name)(),
                                                                                 optimizers.Optimizer)}
    assert factories == set(ALL)
    for module in (optimizers.momentum_family, optimizers.adaptive, optimizers.adam_family):
        for name in module.__all__:
            if inspect.isfunction(getattr(module, name)):
                assert ALL[name] is getattr(module, name)
    assert SURVEY == ("sgd", "momentum", "nag", "adagrad", "adadelta", "rmsprop", "adam", "adamax", "nadam", "amsgrad")
    assert list(ALL)[:len(SURVEY)] == list(SURVEY)
    assert all(ALL[name]().name == name for name in ALL)


# --- objectives -----------------------------------------------------------------------------

OBJECTIVES = list(functions.ALL.values())


@pytest.mark.parametrize("obj", OBJECTIVES, ids=lambda o: o.name)
def test_objectives_refuse_theta_of_the_wrong_size_or_kind(obj):
    wrong = [np.ones(obj.dim + 1), np.ones((4, obj.dim + 2))] + ([np.ones(obj.dim - 1)] if obj.dim > 1 else [])
    for method in (obj.f, obj.grad, obj.hess, obj):
        for theta in wrong:
            message = raises_naming("theta", method, theta)
            assert f"(..., {obj.dim})" in message
        for _, theta in BAD_THETA:
            raises_naming("theta", method, theta)


@pytest.mark.parametrize("obj", OBJECTIVES, ids=lambda o: o.name)
def test_objectives_on_valid_theta_are_exactly_the_raw_formulas(obj):
    theta = np.random.default_rng(0).uniform(-2, 2, size=(5, 3, obj.dim))
    for method in (obj.f, obj.grad, obj.hess):
        np.testing.assert_array_equal(method(theta), method.__wrapped__(theta))
    np.testing.assert_array_equal(obj.f(theta[0, 0].tolist()), obj.f(theta[0, 0]))     # lists are data


def test_beale_and_rosenbrock_no_longer_ignore_a_third_coordinate():
    for obj in (functions.beale, functions.rosenbrock):
        with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
            obj.f([3.0, 0.5, 7.0])


@pytest.mark.parametrize("A, b, arg", [
    (np.eye(2) * (1 + 1j), None, "A"), ([["1", "0"], ["0", "1"]], None, "A"), ([[1.0, NAN], [NAN, 1.0]], None, "A"),
    ([[1.0, 0.0], [0.0]], None, "A"), (np.eye(2, dtype=bool), None, "A"), (None, None, "A"),
    (np.eye(2), [1.0, 1j], "b"), (np.eye(2), ["1", "2"], "b"), (np.eye(2), [INF, 0.0], "b")])
def test_quadratic_refuses_bad_matrices(A, b, arg):
    raises_naming(arg, functions.quadratic, A, b)


def test_objective_definition_is_checked():
    raises_naming("dim", functions.Objective, "x", 0, lambda t: t, lambda t: t, None, "x", np.empty((0, 1)), None)
    raises_naming("grad", functions.Objective, "x", 1, lambda t: t, None, None, "x", np.empty((0, 1)), None)


# --- schedules (ReduceOnPlateau is tested with train) ---------------------------------------

SCHEDULES = {   # constructor, valid arguments, {argument: valid range}
    "constant": (schedules.constant, dict(eta0=0.1), {"eta0": "[0, inf)"}),
    "step_decay": (schedules.step_decay, dict(eta0=0.1, drop=0.5, every=10),
                   {"eta0": "[0, inf)", "drop": "(0, 1]", "every": "(0, inf)"}),
    "exponential": (schedules.exponential, dict(eta0=0.1, k=0.01), {"eta0": "[0, inf)", "k": "[0, inf)"}),
    "inverse_time": (schedules.inverse_time, dict(eta0=0.1, t0=10), {"eta0": "[0, inf)", "t0": "(0, inf)"}),
    "cosine": (schedules.cosine, dict(eta0=0.1, total=100, eta_min=0.01),
               {"eta0": "[0, inf)", "total": "(0, inf)", "eta_min": "[0, inf)"}),
    "range_test": (schedules.range_test, dict(eta_min=1e-3, eta_max=1.0, steps=50),
                   {"eta_min": "(0, inf)", "eta_max": "(0, inf)", "steps": "[2, inf)"}),
    "warmup": (schedules.warmup, dict(schedule=0.1, steps=5, start=0.2), {"steps": "(0, inf)", "start": "[0, 1]"}),
}


def test_every_closed_form_schedule_is_in_the_table():
    public = {n for n, f in vars(schedules).items() if inspect.isfunction(f) and not n.startswith("_")
              and f.__module__ == schedules.__name__}
    assert public == set(SCHEDULES)


@pytest.mark.parametrize("kind, arg, value", [
    pytest.param(kind, arg, value, id=f"{kind}-{arg}-{vid}") for kind, (_, _, ranges) in SCHEDULES.items()
    for arg in ranges for vid, value in (NOT_AN_INTEGER if arg == "steps" and kind == "range_test" else NOT_A_NUMBER)])
def test_schedule_arguments_that_are_not_numbers_are_refused(kind, arg, value):
    make, valid, ranges = SCHEDULES[kind]
    raises_naming(arg, make, **{**valid, arg: value}, interval=ranges[arg])


@pytest.mark.parametrize("value", ["0.1", None, 0.1 + 0j, True, -0.1, NAN, [0.1]])
def test_warmup_of_something_that_is_neither_a_schedule_nor_a_rate(value):
    raises_naming("schedule", schedules.warmup, value, 5)


@pytest.mark.parametrize("t", [-1, NAN, INF, "3", True, None, 1 + 0j, [0, -1], [[0, 1], [2]], {"t": 1}])
def test_schedule_evaluated_at_a_bad_step(t):
    raises_naming("t", schedules.cosine(0.1, total=10), t)


def test_schedules_take_steps_as_numbers_arrays_and_lists():
    s = schedules.inverse_time(0.1, 5)
    np.testing.assert_array_equal(s([0, 1, 2]), s(np.arange(3)))
    assert s(np.int64(3)) == s(3.0) == s(3)


@pytest.mark.parametrize("kind, arg, values", [
    ("step_decay", "drop", np.linspace(0.1, 1.0, 7)), ("exponential", "k", np.logspace(-3, -1, 7)),
    ("inverse_time", "t0", np.linspace(1, 50, 7)), ("cosine", "total", np.arange(20.0, 160.0, 20)),
    ("range_test", "eta_max", np.logspace(-2, 2, 7)), ("warmup", "start", np.linspace(0, 1, 7)),
    ("cosine", "eta0", np.linspace(0.02, 0.5, 7))])
def test_per_run_schedule_parameters_equal_separate_schedules_bit_for_bit(kind, arg, values):
    make, valid, _ = SCHEDULES[kind]
    t = np.arange(300)
    together = make(**{**valid, arg: values[:, None]})(t)
    for k, value in enumerate(values):
        np.testing.assert_array_equal(together[k], make(**{**valid, arg: float(value)})(t))


# --- datasets -------------------------------------------------------------------------------

DATA, _ = datasets.linear_regression(n=20, d=2, rng=0)
DATASETS = {   # function, valid arguments, numeric arguments and their ranges, integer arguments, flags
    "linear_regression": (datasets.linear_regression, dict(n=20, d=2, noise=0.5, rng=0),
                          {"noise": "[0, inf)"}, ("n", "d"), ("bias",)),
    "logistic_classification": (datasets.logistic_classification, dict(n=20, d=2, separation=3.0, rng=0),
                                {"separation": "[0, inf)"}, ("n", "d"), ("bias",)),
    "sparse_features": (datasets.sparse_features, dict(n=20, d=3, noise=0.1, rng=0), {"noise": "[0, inf)"},
                        ("n", "d"), ()),
    "train_test_split": (datasets.train_test_split, dict(data=DATA, test_fraction=0.25, rng=0),
                         {"test_fraction": "(0, 1)"}, (), ()),
    "digits": (datasets.digits, dict(classes=(3, 8)), {}, (), ("scale",)),
    "sorted_by_label": (datasets.sorted_by_label, dict(data=DATA), {}, (), ()),
}


def test_every_public_dataset_function_is_in_the_table():
    public = {n for n, f in vars(datasets).items() if inspect.isfunction(f) and not n.startswith("_")
              and f.__module__ == datasets.__name__}
    assert public == set(DATASETS)


def _dataset_cases():
    for name, (_, _, numeric, integers, flags) in DATASETS.items():
        for arg, interval in numeric.items():
            for vid, value in NOT_A_NUMBER + [("negative", -0.5)]:
                yield pytest.param(name, arg, value, interval, id=f"{name}-{arg}-{vid}")
        for arg in integers:
            for vid, value in NOT_AN_INTEGER + [("zero", 0), ("negative", -3)]:
                yield pytest.param(name, arg, value, None, id=f"{name}-{arg}-{vid}")
        for arg in flags:
            for vid, value in NOT_A_FLAG:
                yield pytest.param(name, arg, value, None, id=f"{name}-{arg}-{vid}")


@pytest.mark.parametrize("name, arg, value, interval", list(_dataset_cases()))
def test_dataset_arguments(name, arg, value, interval):
    make, valid, *_ = DATASETS[name]
    raises_naming(arg, make, **{**valid, arg: value}, interval=interval)


@pytest.mark.parametrize("kwargs, arg", [
    (dict(rng=True), "rng"), (dict(rng=-1), "rng"), (dict(rng="seed"), "rng"), (dict(rng=1.5), "rng"),
    (dict(w_true=[1.0, NAN, 0.0]), "w_true"), (dict(w_true=["1", "2", "3"]), "w_true"),
    (dict(w_true=[1.0, 2.0]), "w_true")])
def test_linear_regression_rng_and_weights(kwargs, arg):
    raises_naming(arg, datasets.linear_regression, **{**dict(n=10, d=2, rng=0), **kwargs})


@pytest.mark.parametrize("frequencies", [[0.5, NAN, 0.1], [0.5, 0.0, 0.1], [0.5, 1.5, 0.1], [0.5, 0.1],
                                         ["0.5", "0.1", "0.2"], [0.5, 0.1 + 0j, 0.2]])
def test_sparse_features_frequencies(frequencies):
    raises_naming("frequencies", datasets.sparse_features, n=10, d=3, rng=0, frequencies=frequencies)


@pytest.mark.parametrize("task", ["Regression", None, 1])
def test_sparse_features_task(task):
    raises_naming("task", datasets.sparse_features, n=10, d=3, rng=0, task=task)


@pytest.mark.parametrize("classes", [(3, 3), (3,), (3, 8, 5), (3, 10), (-1, 3), ("3", "8"), (3.5, 8), (True, 8), 3,
                                     "38", {3: 8}])
def test_digits_refuses_bad_classes(classes):
    raises_naming("classes", datasets.digits, classes=classes)


@pytest.mark.parametrize("data", [(np.ones((4, 2)), np.ones(4)), None, "data", np.ones((4, 3))])
def test_functions_of_a_dataset_need_a_dataset(data):
    raises_naming("data", datasets.sorted_by_label, data)
    raises_naming("data", datasets.train_test_split, data, rng=0)


def test_dead_code_is_gone():
    assert not hasattr(datasets, "standardize")
    assert not hasattr(models.LinearRegression(2), "predict")


# --- models ---------------------------------------------------------------------------------

@pytest.mark.parametrize("vid, value", NOT_A_NUMBER + [("negative", -0.1)], ids=[v[0] for v in NOT_A_NUMBER] + ["neg"])
def test_logistic_l2(vid, value):
    raises_naming("l2", models.LogisticRegression, 2, l2=value, interval="[0, inf)")


def test_logistic_l2_per_run_has_a_repr_and_equals_separate_models():
    l2 = np.array([[0.0], [0.1], [1.0]])
    model = models.LogisticRegression(2, l2=l2)
    assert repr(model) == "LogisticRegression(d=2, bias=True, l2=array(3, 1))"
    rng = np.random.default_rng(0)
    w, X, y = rng.normal(size=(3, 3)), rng.normal(size=(8, 2)), (rng.random(8) < 0.5).astype(float)
    for method in ("loss", "grad", "hess", "per_example_grad"):
        together = getattr(model, method)(w, X, y)
        for k in range(3):
            alone = getattr(models.LogisticRegression(2, l2=float(l2[k, 0])), method)(w[k], X, y)
            np.testing.assert_array_equal(together[k], alone, err_msg=method)
    raises_naming("l2", models.LogisticRegression, 2, l2=np.array([0.1, 0.2]))      # shape (2,), not (K, 1)


@pytest.mark.parametrize("make", [models.LinearRegression, models.LogisticRegression])
def test_model_construction(make):
    for vid, value in NOT_AN_INTEGER + [("zero", 0)]:
        raises_naming("d", make, value)
    for vid, value in NOT_A_FLAG:
        raises_naming("bias", make, 2, bias=value)


@pytest.mark.parametrize("make", [models.LinearRegression, models.LogisticRegression])
def test_model_data_shapes(make):
    model = make(2)
    X, y, w = np.ones((5, 2)), np.ones(5), np.zeros(3)
    for method in (model.loss, model.grad, model.per_example_grad):
        raises_naming("y", method, w, X, y[:, None])                     # a column would broadcast to (5, 5)
        raises_naming("y", method, w, X, np.ones(4))                     # N - 1 labels
        raises_naming("y", method, w, X, ["a"] * 5)
        raises_naming("X", method, w, np.ones((5, 3)), y)
        raises_naming("X", method, w, np.ones(2), y)
        raises_naming("w", method, np.zeros(4), X, y)
        raises_naming("w", method, np.zeros(3) + 0j, X, y)


@pytest.mark.parametrize("kwargs, arg", [(dict(scale="0.1"), "scale"), (dict(scale=NAN), "scale"),
                                         (dict(scale=-1.0), "scale"), (dict(scale=True), "scale"), (dict(runs=0), "runs"),
                                         (dict(runs=2.0), "runs"), (dict(scale=0.1, rng="x"), "rng"),
                                         (dict(scale=0.1), "rng")])
def test_model_init(kwargs, arg):
    raises_naming(arg, models.LogisticRegression(2).init, **kwargs)


# --- plotting -------------------------------------------------------------------------------

@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close("all")


@pytest.mark.parametrize("obj", [functions.parabola, functions.ellipsoid3d], ids=lambda o: o.name)
def test_contour_needs_a_2d_objective(obj, ax):
    for draw in (lambda: plotting.contour(obj, ax=ax), lambda: plotting.contour_paths(obj, {}, ax=ax),
                 lambda: plotting.animate_paths(obj, {"a": np.zeros((3, 2))}), lambda: plotting.PathCanvas(obj)):
        with pytest.raises(ValueError, match=r"2 coordinates"):
            draw()


@pytest.mark.parametrize("obj", [functions.beale, functions.ellipsoid3d], ids=lambda o: o.name)
def test_curve_1d_needs_a_1d_objective(obj, ax):
    with pytest.raises(ValueError, match=r"1 coordinate"):
        plotting.curve_1d(obj, ax=ax)


@pytest.mark.parametrize("box", [(), ((0, 0), (0, 1)), ((1, 0), (0, 1)), ((0, NAN), (0, 1)), "box", ((0, 1),),
                                 ((0, 1), (0, 1), (0, 1)), ((0, 1j), (0, 1))])
def test_contour_box(box, ax):
    raises_naming("box", plotting.contour, functions.beale, ax=ax, box=box)


@pytest.mark.parametrize("box", [(), (1, 0), (0, INF), ((0, 1), (0, 1)), "ab"])
def test_curve_1d_box(box, ax):
    raises_naming("box", plotting.curve_1d, functions.parabola, ax=ax, box=box)


def test_an_objective_without_a_box_needs_one(ax):
    nobox = functions.Objective("nobox", 2, functions.bowl.f, functions.bowl.grad, None, "x", np.empty((0, 2)), None)
    raises_naming("box", plotting.contour, nobox, ax=ax)
    plotting.contour(nobox, ax=ax, box=((-1, 1), (-2, 2)))


@pytest.mark.parametrize("paths, arg", [
    ({"a": np.zeros((0, 2))}, "paths['a']"), ({"a": np.zeros((4, 3))}, "paths['a']"), ({"a": np.zeros(4)}, "paths['a']"),
    ({"a": [[0, 1], [2]]}, "paths['a']"), ({"a": np.full((3, 2), NAN)}, "paths['a']"), ([np.zeros((3, 2))], "paths"),
    (np.zeros((3, 2)), "paths"), ({"a": np.zeros((5, 4, 2))}, "paths['a']")])
def test_paths(paths, arg, ax):
    raises_naming(arg, plotting.contour_paths, functions.beale, paths, ax=ax)


def test_empty_paths_and_values(ax):
    raises_naming("paths", plotting.animate_paths, functions.beale, {})
    raises_naming("thetas", plotting.path, ax, np.zeros((0, 2)))
    raises_naming("thetas", plotting.curve_1d, functions.parabola, np.zeros((0, 1)), ax=ax)
    raises_naming("thetas", plotting.curve_1d, functions.parabola, np.zeros((5, 2)), ax=ax)
    raises_naming("values", plotting.small_multiples, lambda a, v: None, [])
    raises_naming("ncols", plotting.small_multiples, lambda a, v: None, [1], ncols=0)
    raises_naming("draw", plotting.small_multiples, "draw", [1])
    raises_naming("curves['a']", plotting.loss_curves, {"a": np.ones((3, 2))}, ax=ax)
    raises_naming("curves", plotting.loss_curves, [np.ones(3)], ax=ax)
    raises_naming("n", plotting.contour, functions.beale, ax=ax, n=1)
    raises_naming("frames", plotting.animate_paths, functions.beale, {"a": np.zeros((3, 2))}, frames=0)
    canvas = plotting.PathCanvas(functions.beale, lines=2)
    raises_naming("paths['a']", canvas.draw, {"a": np.zeros((0, 2))})


def test_valid_drawings_still_work(ax):
    traj = np.cumsum(np.full((6, 2), 0.1), axis=0)
    plotting.contour_paths(functions.beale, {"a": traj, "b": traj.tolist()}, ax=ax)
    plotting.curve_1d(functions.parabola, np.linspace(1, 0, 5), ax=ax, annotate=2)
    plotting.curve_1d(functions.parabola, np.linspace(1, 0, 5)[:, None], ax=ax, box=[-1, 1])
    plotting.loss_curves({"a": [1.0, 0.5, NAN]}, ax=ax)
    assert plotting.PathCanvas(functions.beale).draw({"a": traj})[:4] == b"\x89PNG"


# --- check: gradient checking raises on bad input; the exercise checkers never raise -------------

def test_gradient_checking_refuses_bad_input():
    f = functions.rosenbrock
    raises_naming("h", check.numerical_grad, f.f, [1.0, 1.0], h=0.0)
    raises_naming("h", check.numerical_grad, f.f, [1.0, 1.0], h="1e-6")
    raises_naming("theta", check.numerical_grad, f.f, [1.0 + 1j, 1.0])
    raises_naming("f", check.numerical_grad, None, [1.0, 1.0])
    raises_naming("grad", check.grad_check, f.f, "grad", [1.0, 1.0])
    raises_naming("a", check.relative_error, "1", 1.0)
    raises_naming("b", check.relative_error, 1.0, [1.0 + 1j])
    raises_naming("a", check.relative_error, np.ones(3), np.ones(2))


STRANGE_ANSWERS = [("dict", {"a": 0.02}), ("generator", (x for x in [0.02])), ("str", "0.02"), ("bytes", b"0.02"),
                   ("complex", 0.02 + 0j), ("complex-list", [0.02 + 0j]), ("ragged", [[0.02], [0.02, 0.02]]),
                   ("set", {0.02}), ("function", lambda: 0.02), ("object", object()), ("bool", True),
                   ("nested-dict", [{"a": 1}]), ("None-inside", [None, 0.02]), ("str-list", ["0.02"]),
                   ("iterator", iter([0.02])), ("huge-int", 10 ** 400), ("nan", NAN), ("inf", INF),
                   ("empty", []), ("class", dict)]


def _verdict(checker, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert checker(*args, **kwargs) is None
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and re.match(r"^(PASS|NOT YET)  ", lines[0]), out.getvalue()
    return check.last_result, lines[0]


@pytest.mark.parametrize("aid, answer", STRANGE_ANSWERS, ids=[a[0] for a in STRANGE_ANSWERS])
def test_checkers_never_raise_and_reject_strange_answers(aid, answer):
    ok, _ = _verdict(check.check_value, "x", answer, 0.02)
    assert not ok
    ok, _ = _verdict(check.check_path, "p", lambda: answer, [[0.02]])
    assert not ok
    ok, _ = _verdict(check.check_gradient, "g", lambda theta: answer, lambda th: (th ** 2).sum(-1), [[0.01]])
    assert not ok
    ok, _ = _verdict(check.check_path, "p", answer, [[0.02]])                 # not even a function
    assert not ok


def test_checkers_reject_right_numbers_in_the_wrong_form():
    path = np.cumsum(np.ones((4, 2)), axis=0)
    assert not _verdict(check.check_value, "x", "0.02", 0.02)[0]
    assert not _verdict(check.check_value, "x", 0.02 + 0j, 0.02)[0]
    assert not _verdict(check.check_value, "x", [0.02], 0.02)[0]                     # wrong shape
    assert not _verdict(check.check_value, "x", [1.0, 2.0], [[1.0, 2.0], [1.0, 2.0]])[0]
    assert not _verdict(check.check_path, "p", lambda: path.T, path)[0]
    assert not _verdict(check.check_path, "p", lambda: path.astype(str), path)[0]
    assert not _verdict(check.check_path, "p", lambda: path + 0j, path)[0]
    f = functions.rosenbrock
    assert not _verdict(check.check_gradient, "g", lambda th: f.grad(th)[:, None], f.f, np.ones((2, 2)))[0]
    assert not _verdict(check.check_gradient, "g", lambda th: f.grad(th).astype(str), f.f, np.ones((2, 2)))[0]
    # ... and accept them in the right form
    assert _verdict(check.check_value, "x", 0.02, 0.02)[0]
    assert _verdict(check.check_value, "x", np.float32(0.5), 0.5)[0]
    assert _verdict(check.check_value, "x", [1, 2], np.array([1.0, 2.0]))[0]
    assert _verdict(check.check_path, "p", lambda: path.tolist(), path)[0]
    assert _verdict(check.check_gradient, "g", lambda th: list(f.grad(th)), f.f, np.ones((2, 2)))[0]


@pytest.mark.parametrize("answer, expected, shown", [(0.0008, 0.02, "9.6e-01"), (0.03, 0.02, "5.0e-01"),
                                                     (-0.02, 0.02, "2.0e+00"), (200.0, 100.0, "1.0e+00"),
                                                     ([1.0, 3.0], [1.0, 2.0], "5.0e-01")])
def test_check_value_hint_prints_the_relative_difference_its_verdict_uses(answer, expected, shown):
    ok, line = _verdict(check.check_value, "x", answer, expected, rtol=1e-3)
    assert not ok and f"relative difference |answer - expected| / |expected| = {shown}" in line
    assert "(tolerance 0.001)" in line


def test_check_value_hint_where_zero_is_expected():
    ok, line = _verdict(check.check_value, "x", 0.5, 0.0)
    assert not ok and "absolute difference 5.0e-01 where 0 is expected" in line


# --- property tests ---------------------------------------------------------------------------

FINITE_OR_NOT = st.floats(allow_nan=True, allow_infinity=True, width=64)
INTERVALS = {"[0, inf)": lambda x: 0 <= x < math.inf, "[0, 1)": lambda x: 0 <= x < 1,
             "(0, inf)": lambda x: 0 < x < math.inf, "[0, 1]": lambda x: 0 <= x <= 1}
HYPER_CASES = [(name, p) for name in ALL for p in params_of(name) if p in RANGES]


@settings(max_examples=300, deadline=None, database=None)
@given(case=st.sampled_from(HYPER_CASES), x=FINITE_OR_NOT | st.sampled_from([0.0, 1.0, -0.0, 1 - 2 ** -53, 5e-324]))
def test_a_float_hyperparameter_is_accepted_exactly_on_its_interval(case, x):
    name, p = case
    inside = INTERVALS[RANGES[p]](x)
    if inside:
        ALL[name](**{p: x})
        ALL[name](**{p: np.array([[x], [x]])})
    else:
        with pytest.raises(ValueError, match=rf"\b{p}\b"):
            ALL[name](**{p: x})


@settings(max_examples=200, deadline=None, database=None)
@given(obj=st.sampled_from(OBJECTIVES), d=st.integers(1, 6), lead=st.lists(st.integers(1, 3), max_size=2))
def test_an_objective_accepts_exactly_its_number_of_coordinates(obj, d, lead):
    theta = np.zeros(tuple(lead) + (d,))
    if d == obj.dim:
        assert np.shape(obj.f(theta)) == tuple(lead)
        assert obj.grad(theta).shape == theta.shape
    else:
        with pytest.raises(ValueError, match="theta"):
            obj.grad(theta)


@settings(max_examples=300, deadline=None, database=None)
@given(beta=st.floats(0.0, 1.0, exclude_max=True), t=st.integers(0, 100_000))
def test_power_is_the_same_for_a_float_and_an_array_and_close_to_pow(beta, t):
    as_float = power(beta, t)
    as_array = power(np.array([[beta], [beta]]), t)
    assert np.array_equal(as_array, np.full((2, 1), as_float))
    exact = math.pow(beta, t)
    if exact > 1e-300:                  # away from underflow: squaring doubles the first rounding error
        assert abs(as_float - exact) <= (t + 1) * 2.3e-16 * exact


ANSWERS = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.complex_numbers() | st.text(max_size=5)
    | st.binary(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=2)
    | st.tuples(inner, inner) | st.frozensets(st.integers(), max_size=2),
    max_leaves=8)


@settings(max_examples=300, deadline=None, database=None)
@given(answer=ANSWERS)
def test_checkers_never_raise_on_anything(answer):
    """Arbitrary nested objects: each checker prints exactly one verdict, and it is NOT YET."""
    assert not _verdict(check.check_value, "x", answer, [0.5, 0.25])[0]
    assert not _verdict(check.check_path, "p", lambda: answer, [[0.5], [0.25]])[0]
    assert not _verdict(check.check_gradient, "g", lambda th: answer, lambda th: (th ** 2).sum(-1), [[0.25]])[0]


@settings(max_examples=200, deadline=None, database=None)
@given(value=ANSWERS)
def test_validate_real_raises_only_clear_errors(value):
    """Whatever is passed, ``real`` returns it (a real number or real array) or raises TypeError/ValueError."""
    try:
        _validate.real("x", value, low=0)
    except (TypeError, ValueError) as error:
        assert str(error).startswith("x ")
    else:
        assert _validate._is_real_scalar(value) and value >= 0

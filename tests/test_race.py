"""The optimizer race widget: it builds for every objective, survives slider extremes, and draws
exactly the paths that ``gdlib.run.minimize`` computes. (Its speed is measured by
``bench/widget_redraw.py``, not asserted here.)"""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gdlib import functions, optimizers  # noqa: E402
from gdlib import race as race_module  # noqa: E402
from gdlib.race import Race, race_eta, race_runs  # noqa: E402
from gdlib.run import minimize  # noqa: E402


@pytest.fixture(scope="module")
def race():
    return Race(steps=120)


def _lines(race):
    canvas = race.view.canvas(race.settings()["objective"])
    return [line for line in canvas.lines if line.get_visible()]


def test_race_builds_for_each_objective(race):
    for name in race.objectives:
        race.pick_objective.value = name
        assert race.image.value[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(race.view.trajectories) == len(race.settings()["lanes"]) == 6
        low, high = race.objectives[name].box[0]
        assert low <= race.start[0].value <= high
    race.pick_objective.value = "beale"


def test_drawn_lines_are_the_minimize_paths(race):
    race.pick[5].value = "adadelta"           # every kind of rule, NAG's look-ahead included
    race.pick[4].value = "nadam"
    settings = race.settings()
    for (name, eta), line in zip(settings["lanes"], _lines(race)):
        ref = minimize(settings["objective"], optimizers.ALL[name](eta=eta), settings["theta0"], settings["steps"])
        np.testing.assert_allclose(line.get_xdata(), ref.thetas[:, 0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(line.get_ydata(), ref.thetas[:, 1], rtol=1e-12, atol=1e-12)


def test_lanes_equal_separate_runs_on_every_objective():
    opts = {n: optimizers.ALL[n](eta=race_eta("beale", n)) for n in ("sgd", "nag", "adagrad", "adam", "amsgrad")}
    for objective in (functions.beale, functions.saddle, functions.rastrigin, functions.himmelblau):
        runs = race_runs(objective, opts, [1.0, 1.5], 80)
        for name, opt in opts.items():
            ref = minimize(objective, opt, [1.0, 1.5], 80, warn=False)
            np.testing.assert_allclose(runs[name].thetas, ref.thetas, rtol=1e-12, atol=1e-12)
            assert runs[name].diverged == ref.diverged


def test_redraw_survives_slider_extremes(race):
    race.pick_objective.value = "beale"
    for lane_eta in race.eta:                 # the slider's ends: 1e-5 and 10
        lane_eta.value = 10 ** lane_eta.min
    race.redraw()
    assert all("diverged" not in label for label in race.view.labels)
    for lane_eta in race.eta:
        lane_eta.value = 10 ** lane_eta.max
    race.scale.value = 10 ** race.scale.max
    race.steps.value = race.steps.max
    png = race.redraw()
    assert png[:4] == b"\x89PNG"
    sgd_label = race.view.labels[0]
    assert sgd_label.startswith("sgd") and "diverged at step" in sgd_label
    assert "diverged at step" in race.legend.value
    traj = next(iter(race.view.trajectories.values()))
    k = int(traj.diverged)
    line = _lines(race)[0]
    assert len(line.get_xdata()) == k          # the path ends where the run blew up
    np.testing.assert_array_equal(line.get_xdata(), traj.thetas[:k, 0])
    race.scale.value = 1.0
    race.steps.value = 120


def test_lanes_can_be_emptied_and_refilled(race):
    for p in race.pick:
        p.value = None
    race.redraw()
    assert race.view.labels == [] and not _lines(race)
    race.pick[0].value = "adamax"
    assert race.eta[0].value == pytest.approx(race_eta("beale", "adamax"))
    assert race.view.labels[0].startswith("adamax")


def test_too_many_lanes_is_an_error():
    with pytest.raises(ValueError, match="at most 6"):
        Race(lane_names=("sgd",) * 7)


def test_race_does_not_depend_on_the_explorers():
    # the race is built on gdlib.run and gdlib.plotting only, and no function is named after its module
    assert "widgets" not in vars(race_module) and not hasattr(race_module, "race")
    source = open(race_module.__file__).read()
    assert "from .widgets" not in source and "import widgets" not in source

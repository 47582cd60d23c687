"""Plots and explorers build, and sliders survive their extremes (divergence shows in the title)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gdlib import functions, optimizers, plotting, widgets  # noqa: E402
from gdlib.run import minimize  # noqa: E402


def _titles(box):
    out = box.children[-1]
    return [o.get("data", {}).get("text/plain", "") for o in out.outputs]


def test_explorer_survives_slider_extremes():
    box = widgets.explorer({"bowl": functions.bowl, "beale": functions.beale},
                           {"sgd": optimizers.sgd, "adam": optimizers.adam},
                           {"eta": (1e-4, 10.0, 0.1), "beta1": (0.0, 0.99, 0.9)}, [2.0, 3.0], steps=30)
    sliders = [w for row in box.children[:-1] for w in row.children]
    eta = next(w for w in sliders if getattr(w, "description", "") == "eta")
    for value in (eta.min, eta.max):
        eta.value = 10 ** value if isinstance(eta, widgets.W.FloatLogSlider) else value
    beta1 = next(w for w in sliders if getattr(w, "description", "") == "beta1")
    beta1.value = beta1.max
    plt.close("all")


def test_draw_run_reports_divergence():
    traj = widgets.run_path(functions.parabola, optimizers.sgd, [1.0], 2000, eta=5.0)
    assert widgets.describe(traj).startswith("diverged at step")
    ax = widgets.draw_run(plt.subplots()[1], functions.parabola, traj)
    assert "diverged" in ax.get_title()
    plt.close("all")


def test_animation_has_one_frame_per_snapshot():
    traj = minimize(functions.beale, optimizers.adam(eta=0.05), [1.75, 1.9], 300)
    anim = plotting.animate_paths(functions.beale, {"adam": traj.thetas}, frames=12)
    html = anim.to_jshtml()
    assert html.count("frames[") >= 12
    fig = plotting.small_multiples(lambda ax, v: ax.plot([0, v]), [1, 2, 3, 4], ncols=3)
    assert sum(ax.get_visible() for ax in fig.axes) == 4
    plt.close("all")


def test_describe_flags_runs_that_grow_without_overflowing():
    # just above 2/L on x^2 + 50 y^2: |y| grows by 1.05 per step, far from overflow after 100 steps
    traj = widgets.run_path(functions.ill_conditioned, optimizers.sgd, [1.0, 1.0], 100, eta=0.021)
    assert int(traj.diverged) == -1
    assert widgets.describe(traj).startswith("diverging")
    calm = widgets.run_path(functions.ill_conditioned, optimizers.sgd, [1.0, 1.0], 100, eta=0.019)
    assert widgets.describe(calm).startswith("after 100 steps")


def test_explorer_start_sliders_follow_the_chosen_objective():
    box = widgets.explorer({"bowl": functions.bowl, "ill": functions.ill_conditioned}, optimizers.sgd,
                           {"eta": (1e-3, 0.1, 0.01)}, [2.0, 3.0], steps=5)
    controls = [w for row in box.children[:-1] for w in row.children]
    pick = next(w for w in controls if getattr(w, "description", "") == "objective")
    start_x = next(w for w in controls if getattr(w, "description", "") == "θ₀[1]")
    pick.value = "ill"
    assert (start_x.min, start_x.max) == functions.ill_conditioned.box[0]
    plt.close("all")

"""Plots and explorers build, and sliders survive their extremes (divergence shows in the title)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gdlib import datasets, functions, models, optimizers, plotting, run, schedules, widgets  # noqa: E402
from gdlib.run import minimize  # noqa: E402


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
    traj = minimize(functions.parabola, optimizers.sgd(eta=5.0), [1.0], 2000, warn=False)
    assert run.describe(traj).startswith("diverged at step")
    ax = plotting.draw_run(plt.subplots()[1], functions.parabola, traj)
    assert "diverged" in ax.get_title()
    plt.close("all")


def test_static_twins_of_the_schedule_and_clipping_explorers():
    bowl, cliff = functions.bowl, functions.cliff
    schedule = schedules.cosine(0.1, 50)
    traj = minimize(bowl, optimizers.sgd(eta=schedule), [3.0, 3.0], 50,
                    grad_fn=run.noisy(bowl.grad, eta=1.0, gamma=0.0, rng=0))
    ax = plotting.draw_schedule_run(plt.subplots()[1], schedule, traj, label="cosine")
    assert ax.get_title().startswith("cosine") and len(ax.figure.axes) == 2       # loss and eta_t axes
    clipped = minimize(cliff, optimizers.sgd(eta=0.1), [2.5, 2.0], 40, grad_fn=run.clipped(cliff.grad, 5.0))
    ax = plotting.draw_clipped(plt.subplots()[1], cliff, clipped)
    longest = np.linalg.norm(np.diff(clipped.thetas, axis=0), axis=-1).max()
    assert ax.get_title().startswith(f"longest step {longest:.2f}") and longest <= 0.5 + 1e-12
    plt.close("all")


def test_widgets_hold_only_widgets():
    # runners live in gdlib.run, pictures in gdlib.plotting: the explorers only wire sliders to them
    source = open(widgets.__file__).read()
    body = source.split("# --- older names")[0]
    for name in ("def run_path", "def describe", "def draw_", "def noisy_run", "def clipped_run"):
        assert name not in body
    for explorer in (widgets.schedule_explorer(functions.bowl, [3.0, 3.0], steps=20),   # each draws once
                     widgets.clipping_explorer(functions.cliff, [2.5, 2.0], steps=10)):
        assert isinstance(explorer.children[-1], widgets.W.Output)
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
    traj = minimize(functions.ill_conditioned, optimizers.sgd(eta=0.021), [1.0, 1.0], 100)
    assert int(traj.diverged) == -1
    assert run.describe(traj).startswith("diverging")
    calm = minimize(functions.ill_conditioned, optimizers.sgd(eta=0.019), [1.0, 1.0], 100)
    assert run.describe(calm).startswith("after 100 steps")


def test_explorer_start_sliders_follow_the_chosen_objective():
    box = widgets.explorer({"bowl": functions.bowl, "ill": functions.ill_conditioned}, optimizers.sgd,
                           {"eta": (1e-3, 0.1, 0.01)}, [2.0, 3.0], steps=5)
    controls = [w for row in box.children[:-1] for w in row.children]
    pick = next(w for w in controls if getattr(w, "description", "") == "objective")
    start_x = next(w for w in controls if getattr(w, "description", "") == "θ₀[1]")
    pick.value = "ill"
    assert (start_x.min, start_x.max) == functions.ill_conditioned.box[0]
    plt.close("all")


def test_fit_explorer_redraws_from_the_training_history():
    data = datasets.linear_regression(n=32, d=1, noise=0.3, rng=np.random.default_rng(0))[0]
    box = widgets.fit_explorer(models.LinearRegression(1), data, [0.0, 0.0], epochs=2)   # draws once
    sliders = box.children[0].children
    sliders[0].value = sliders[0].options[0]                        # batch size 1: redraw with SGD
    sliders[1].value = 10 ** sliders[1].max                         # the largest rate diverges: no error
    plt.close("all")


def test_animation_html_frames_follow_dpi_and_format():
    import base64
    import io
    import re

    from PIL import Image

    from matplotlib.animation import FuncAnimation
    fig, ax = plt.subplots(figsize=(2.0, 1.0))
    line, = ax.plot([0, 1], [0, 1])
    make = lambda: FuncAnimation(fig, lambda k: (line.set_ydata([0, k]),), frames=2)   # noqa: E731
    anim = make()                    # matplotlib caches an animation's HTML: a fresh one per call

    def first_frame(html):
        kind, data = re.search(r'data:image/(\w+);base64,([^"]+)"', html).groups()
        return kind, base64.b64decode(data.replace("\\\n", ""))          # lines end in a backslash

    kind, jpeg = first_frame(plotting.animation_html(anim, dpi=100, frame_format="jpeg").data)
    assert kind == "jpeg" and jpeg[:2] == b"\xff\xd8"
    assert Image.open(io.BytesIO(jpeg)).size == (200, 100)                   # 2 x 1 inches at 100 dpi
    kind, png = first_frame(plotting.animation_html(make(), dpi=50, frame_format="png").data)
    assert kind == "png" and Image.open(io.BytesIO(png)).size == (100, 50)
    plt.close(fig)
    with pytest.raises(ValueError, match="dpi"):
        plotting.animation_html(anim, dpi=0)
    with pytest.raises(ValueError, match="frame_format"):
        plotting.animation_html(anim, frame_format="gif")

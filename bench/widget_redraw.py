"""How long one redraw of the optimizer race widget takes (budget: 100 ms).

A redraw recomputes the runs and renders the paths on the cached contour background as PNG
bytes, exactly what the widget does when a slider moves (no front end needed). Two cases:

* all lanes: every run is recomputed (the start point, the shared learning-rate multiplier,
  the number of steps or the objective changed);
* one lane: one optimizer's learning rate changed, the other runs come from the cache;

and, for comparison, the naive redraw (one ``minimize`` call per optimizer, a new contour figure
saved as PNG).

Run: ``python bench/widget_redraw.py [--repeats 30]``. Prints medians, the budget and their ratio.
"""
import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import io  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402

from gdlib import optimizers, plotting, run  # noqa: E402
from gdlib.race import Race  # noqa: E402

BUDGET_MS = 100.0


def median_ms(samples):
    return 1e3 * statistics.median(samples)


def main(repeats=30):
    lanes = ("sgd", "momentum", "nag", "adagrad", "rmsprop", "adam")
    race = Race(lane_names=lanes, objective="beale", steps=500)          # builds the canvas once
    view = race.view
    settings = race.settings()
    n, steps, name = len(settings["lanes"]), settings["steps"], settings["objective"].name

    total, compute, render = [], [], []
    for k in range(repeats):
        view.cache.clear()                              # as after a change of start point or multiplier
        settings["scale"] = 1.0 + 1e-9 * k
        t0 = time.perf_counter()
        view.redraw(settings)
        total.append(time.perf_counter() - t0)
        compute.append(view.timings["compute"])
        render.append(view.timings["render"])
    settings["scale"] = 1.0
    one = []
    for k in range(repeats):
        settings["lanes"][0] = (settings["lanes"][0][0], 1e-3 * (1 + 1e-6 * (k + 1)))   # a new eta for lane 1
        t0 = time.perf_counter()
        view.redraw(settings)
        one.append(time.perf_counter() - t0)

    naive = []                                          # one minimize call per optimizer, figure from scratch
    for k in range(max(3, repeats // 6)):
        t0 = time.perf_counter()
        paths = {n_: run.minimize(settings["objective"], optimizers.ALL[n_](eta=eta), settings["theta0"], steps).thetas
                 for n_, eta in settings["lanes"]}
        fig, ax = plt.subplots(figsize=(5.0, 4.0), dpi=80)
        plotting.contour_paths(settings["objective"], paths, ax=ax, markers=False)
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
        naive.append(time.perf_counter() - t0)

    m = median_ms(total)
    print(f"race redraw ({n} optimizers x {steps} steps on {name}), all lanes recomputed: "
          f"median {m:.1f} ms over {repeats} redraws; budget {BUDGET_MS:.0f} ms; ratio {m / BUDGET_MS:.2f}")
    print(f"  of which compute (one minimize call for all lanes) {median_ms(compute):.1f} ms, "
          f"render (paths blitted on the cached contours + PNG) {median_ms(render):.1f} ms")
    m1 = median_ms(one)
    print(f"race redraw, one lane's learning rate changed (other runs cached): "
          f"median {m1:.1f} ms; budget {BUDGET_MS:.0f} ms; ratio {m1 / BUDGET_MS:.2f}")
    mn = median_ms(naive)
    print(f"for comparison, one minimize call per optimizer + a new contour figure saved as PNG: "
          f"median {mn:.1f} ms ({mn / m:.1f} x slower)")
    return m


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    main(parser.parse_args().repeats)

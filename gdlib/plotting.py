"""Pictures of optimisation: contours with paths, 1-D curves with iterates, loss curves, animations.

Every function draws on an ``ax`` it is given (or a new one) and returns it, so figures compose.
"""
import functools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation

from ._validate import ArgumentTypeError, choice, describe as _describe, flag, integer, real, real_array
from .run import describe

PALETTE = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def use_book_style():
    """The figure defaults used throughout the book: compact, legible, PNG output."""
    plt.rcParams.update({
        "figure.figsize": (6.4, 4.0), "figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3,
        "axes.spines.top": False, "axes.spines.right": False, "legend.frameon": False,
        "animation.embed_limit": 20.0,
    })


def _objective(objective, dim, what):
    """The objective a drawing function needs: one with ``dim`` coordinates."""
    if not hasattr(objective, "dim") or not callable(getattr(objective, "f", None)):
        raise ArgumentTypeError(f"objective must be a gdlib.functions.Objective, got {_describe(objective, 40)}")
    if objective.dim != dim:
        other = "curve_1d" if objective.dim == 1 else "contour" if objective.dim == 2 else "a loss curve (loss_curves)"
        raise ValueError(f"{what} draws objectives of {dim} coordinate{'s' * (dim > 1)}; {objective.name} has "
                         f"{objective.dim}: use {other}")
    return objective


def _box(box, objective, dim):
    """The plotting box as floats: ((xmin, xmax), (ymin, ymax)) for 2-D, (xmin, xmax) for 1-D; finite, non-empty."""
    if box is None:
        box = objective.box
        if box is None:
            raise ValueError(f"box is required: {objective.name} has no plotting box of its own; "
                             f"give box={'((xmin, xmax), (ymin, ymax))' if dim == 2 else '(xmin, xmax)'}")
    shape = (2, 2) if dim == 2 else (2,)
    arr = real_array("box", box, shape=shape)
    if np.any(arr[..., 0] >= arr[..., 1]):
        raise ValueError(f"box must give each axis as (min, max) with min < max, got {arr.tolist()}")
    return tuple(map(tuple, arr.tolist())) if dim == 2 else tuple(arr.tolist())


@functools.lru_cache(maxsize=32)
def _grid(objective, box, n):
    (x0, x1), (y0, y1) = box
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    with np.errstate(all="ignore"):
        Z = objective.f(np.stack([X, Y], -1))
    return X, Y, Z


def _levels(objective, Z, count=25):
    if objective.levels == "log":
        low = max(np.nanmin(Z) - (objective.min_value or 0.0), 1e-3)
        return (objective.min_value or 0.0) + np.logspace(np.log10(low), np.log10(np.nanmax(Z)), count)
    return np.linspace(np.nanmin(Z), np.nanmax(Z), count)


def contour(objective, ax=None, box=None, n=200, levels=None, filled=True, minima=True):
    """Contours of a 2-D objective (log-spaced levels for Beale, Rosenbrock and Himmelblau)."""
    _objective(objective, 2, "contour")
    box = _box(box, objective, 2)
    n = integer("n", n, low=2)
    filled, minima = flag("filled", filled), flag("minima", minima)
    ax = ax or plt.subplots()[1]
    X, Y, Z = _grid(objective, box, n)
    levels = _levels(objective, Z) if levels is None else levels
    if filled:
        ax.contourf(X, Y, Z, levels=levels, cmap="Blues_r", alpha=0.35)
    ax.contour(X, Y, Z, levels=levels, colors="0.45", linewidths=0.5)
    if minima and len(objective.minima):
        ax.plot(*np.asarray(objective.minima).T, "*", color="gold", mec="k", ms=13, zorder=5, label="minimum")
    ax.set(xlim=box[0], ylim=box[1], xlabel=r"$\theta_1$", ylabel=r"$\theta_2$")
    ax.set_aspect("equal" if _aspect_ok(box) else "auto")
    ax.grid(False)
    return ax


def _aspect_ok(box):
    (x0, x1), (y0, y1) = box
    return 0.25 < (y1 - y0) / (x1 - x0) < 4


def _as_path(path, dim=2, name="path"):
    """A (steps + 1, dim) array from a Trajectory of one run or an array; at least the start point."""
    thetas = getattr(path, "thetas", path)
    arr = real_array(name, thetas, finite=False, nonempty=False)
    if dim == 1 and arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(f"{name} must have shape (steps + 1, {dim}): one row per iterate of one run, got {arr.shape}")
    if len(arr) == 0:
        raise ValueError(f"{name} is empty: it needs at least the starting point")
    if not np.all(np.isfinite(arr[0])):
        raise ValueError(f"{name} must start at a finite point, got {arr[0].tolist()}")
    return arr


def _paths(paths, nonempty=False):
    """``paths`` (a dict label -> path) as a dict of checked (steps + 1, 2) arrays."""
    if not isinstance(paths, dict):
        raise ArgumentTypeError(f"paths must be a dict label -> (steps + 1, 2) path, got {_describe(paths, 40)}")
    if nonempty and not paths:
        raise ValueError("paths must hold at least one path, got an empty dict")
    return {label: _as_path(p, name=f"paths[{label!r}]") for label, p in paths.items()}


def path(ax, thetas, label=None, color=None, markers=True, **kwargs):
    """Draw one 2-D path: a line through the iterates, a dot at each, a ring at the start."""
    thetas = _as_path(thetas, name="thetas")
    line, = ax.plot(thetas[:, 0], thetas[:, 1], "-", color=color, lw=1.6, label=label, **kwargs)
    if markers:
        ax.plot(thetas[:, 0], thetas[:, 1], ".", color=line.get_color(), ms=4)
    ax.plot(*thetas[0, :2], "o", mfc="none", mec=line.get_color(), ms=9)
    return line


def contour_paths(objective, paths, ax=None, box=None, title=None, markers=True, legend=True):
    """Contours of ``objective`` with several paths: ``paths`` maps a label to a (steps + 1, 2) path."""
    paths = _paths(paths)
    ax = contour(objective, ax=ax, box=box)
    for i, (label, thetas) in enumerate(paths.items()):
        path(ax, thetas, label=label, color=PALETTE[i % len(PALETTE)], markers=markers)
    if title:
        ax.set_title(title)
    if legend and paths:
        ax.legend(loc="best", fontsize=8)
    return ax


def curve_1d(objective, thetas=None, ax=None, box=None, label=None, annotate=0):
    """A 1-D objective with its iterates: points on the curve joined by the steps taken.

    ``annotate`` labels the first that many iterates with their index.
    """
    _objective(objective, 1, "curve_1d")
    x0, x1 = _box(box, objective, 1)
    annotate = integer("annotate", annotate, low=0)
    pts = None if thetas is None else _as_path(thetas, dim=1, name="thetas").reshape(-1)
    ax = ax or plt.subplots()[1]
    x = np.linspace(x0, x1, 400)
    curve = objective.f(x[:, None])
    ax.plot(x, curve, color="0.3", lw=1.5, label=f"${objective.latex}$")
    if thetas is not None:
        pts = pts[np.isfinite(pts)]
        vals = objective.f(pts[:, None])
        ax.plot(pts, vals, "o-", color=PALETTE[1], ms=5, lw=1, alpha=0.85, label=label)
        for k in range(min(annotate, len(pts))):
            ax.annotate(str(k), (pts[k], vals[k]), textcoords="offset points", xytext=(5, 5), fontsize=8)
    pad = 0.08 * (curve.max() - curve.min())
    ax.set(xlim=(x0, x1), ylim=(curve.min() - pad, curve.max() + pad), xlabel=r"$\theta$", ylabel=r"$J(\theta)$")
    return ax


def loss_curves(curves, ax=None, log=True, xlabel="step", ylabel=r"$J(\theta_t) - J^*$"):
    """Plot several loss curves: ``curves`` maps a label to a 1-D array of values."""
    if not isinstance(curves, dict):
        raise ArgumentTypeError(f"curves must be a dict label -> 1-D array of values, got {_describe(curves, 40)}")
    curves = {label: real_array(f"curves[{label!r}]", values, ndim=1, finite=False) for label, values in curves.items()}
    log = flag("log", log)
    ax = ax or plt.subplots()[1]
    for i, (label, values) in enumerate(curves.items()):
        ax.plot(values, label=label, color=PALETTE[i % len(PALETTE)])
    if log:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if curves:
        ax.legend(fontsize=8)
    return ax


def animate_paths(objective, paths, frames=60, interval=80, box=None, title=None, figsize=(5.5, 4.5)):
    """An animation of several paths growing together on the contours of ``objective``.

    Show it on the website with ``IPython.display.HTML(anim.to_jshtml())`` (see ``animation_html``).
    ``frames`` evenly spaced snapshots keep the stored notebook small.
    """
    arrays = _paths(paths, nonempty=True)
    frames = integer("frames", frames, low=1)
    real("interval", interval, low=0, low_open=True, array=False)
    _objective(objective, 2, "animate_paths")
    fig, ax = plt.subplots(figsize=figsize)
    contour(objective, ax=ax, box=box)
    steps = max(len(a) for a in arrays.values()) - 1
    cuts = np.unique(np.linspace(0, steps, frames).round().astype(int))
    lines = [ax.plot([], [], "-", lw=1.8, color=PALETTE[i % len(PALETTE)], label=label)[0]
             for i, label in enumerate(arrays)]
    heads = [ax.plot([], [], "o", color=line.get_color(), ms=6)[0] for line in lines]
    ax.legend(loc="upper left", fontsize=8)
    text = ax.set_title(title or "")

    def draw(frame):
        k = cuts[frame]
        for line, head, a in zip(lines, heads, arrays.values()):
            seen = a[:k + 1]
            line.set_data(seen[:, 0], seen[:, 1])
            last = seen[np.all(np.isfinite(seen), axis=1)][-1:]
            head.set_data(last[:, 0], last[:, 1])
        text.set_text(f"{title + ': ' if title else ''}step {k}")
        return lines + heads

    anim = animation.FuncAnimation(fig, draw, frames=len(cuts), interval=interval, blit=False)
    plt.close(fig)
    return anim


def animation_html(anim, dpi=None, frame_format=None):
    """The animation as self-contained HTML (every frame embedded), for the website.

    ``dpi`` (default: ``savefig.dpi``) sets the frames' resolution and ``frame_format``
    (``"png"``, ``"jpeg"``; default: ``animation.frame_format``) their encoding: JPEG frames at
    100 dpi stay sharp at the page's column width at a fraction of PNG's size.
    """
    from IPython.display import HTML
    settings = {}
    if dpi is not None:
        settings["savefig.dpi"] = real("dpi", dpi, low=10, high=600, array=False)
    if frame_format is not None:
        settings["animation.frame_format"] = choice("frame_format", frame_format, ("png", "jpeg"))
    with plt.rc_context(settings):
        return HTML(anim.to_jshtml(default_mode="once"))


def small_multiples(draw, values, ncols=3, panel_size=(3.6, 3.0), sharey=False, title=None):
    """The static twin of a slider: one panel per value, ``draw(ax, value)`` fills each panel.

    ``title``, e.g. ``"eta = {}"``, replaces each panel's own title.
    """
    if not callable(draw):
        raise ArgumentTypeError(f"draw must be a function draw(ax, value), got {_describe(draw, 40)}")
    values = list(values)
    if not values:
        raise ValueError("values must hold at least one value (one panel each), got none")
    ncols = integer("ncols", ncols, low=1)
    nrows = -(-len(values) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                             squeeze=False, sharey=sharey)
    for ax, value in zip(axes.flat, values):
        draw(ax, value)
        if title is not None:
            ax.set_title(title.format(value), fontsize=10)
    for ax in axes.flat[len(values):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


class PathCanvas:
    """A persistent contour figure whose paths are redrawn fast, as PNG bytes (for widgets).

    The contours are rendered once and cached as a bitmap; ``draw`` restores that bitmap, draws
    only the path lines, their heads, the legend and the title (blitting), and encodes the
    canvas as PNG. No pyplot figure is created, so nothing is shown by the inline backend.
    """

    def __init__(self, objective, box=None, lines=6, figsize=(5.2, 4.2), dpi=80):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        self.objective = _objective(objective, 2, "PathCanvas")
        lines = integer("lines", lines, low=1)
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_subplot()
        contour(objective, ax=self.ax, box=box)
        colors = [PALETTE[i % len(PALETTE)] for i in range(lines)]
        self.lines = [self.ax.plot([], [], "-", lw=1.6, color=c, animated=True)[0] for c in colors]
        self.heads = [self.ax.plot([], [], "o", ms=5, color=c, animated=True)[0] for c in colors]
        self.start = self.ax.plot([], [], "o", mfc="none", mec="k", ms=9, animated=True)[0]
        self.title = self.ax.set_title(" ", fontsize=9)
        self.title.set_animated(True)
        self.figure.tight_layout()
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self.legend = None

    def draw(self, paths, title="", legend=True, legend_loc="upper left"):
        """Draw ``paths`` (label -> (steps + 1, 2) array; rows with NaN are left out) and return PNG bytes.

        Text is the slow part of a redraw (glyph rendering): with ``legend=False`` and an empty
        ``title`` only the lines are drawn, and the caller shows the labels elsewhere (e.g. HTML).
        """
        if len(paths) > len(self.lines):
            raise ValueError(f"this canvas draws at most {len(self.lines)} paths, got {len(paths)}")
        arrays = list(_paths(paths).values())
        self.canvas.restore_region(self._background)
        for i, (line, head) in enumerate(zip(self.lines, self.heads)):
            visible = i < len(arrays)
            line.set_visible(visible)
            head.set_visible(visible)
            if visible:
                a = arrays[i][np.all(np.isfinite(arrays[i]), axis=1)]
                line.set_data(a[:, 0], a[:, 1])
                head.set_data(a[-1:, 0], a[-1:, 1])
                self.ax.draw_artist(line)
                self.ax.draw_artist(head)
        if arrays:
            first = arrays[0][0]
            self.start.set_data([first[0]], [first[1]])
            self.ax.draw_artist(self.start)
        if arrays and legend:
            self.legend = self.ax.legend(self.lines[:len(arrays)], list(paths), loc=legend_loc, fontsize=7,
                                         handlelength=1.2, borderaxespad=0.3)
            self.legend.set_animated(True)
            self.ax.draw_artist(self.legend)
        if title:
            self.title.set_text(title)
            self.ax.draw_artist(self.title)
        return self.png()

    def png(self):
        """The canvas as it is now, encoded as PNG bytes (fast compression)."""
        from io import BytesIO

        from PIL import Image
        buffer = BytesIO()
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


# --- one run per panel: what the explorers of gdlib.widgets draw, and their static twins -------

def draw_run(ax, objective, traj, label=None):
    """Draw one run on ``ax``: contour and path for 2-D objectives, curve and iterates for 1-D.

    The title is :func:`gdlib.run.describe` of the run (its final value, or where it diverged).
    """
    if objective.dim == 1:
        curve_1d(objective, traj.thetas, ax=ax, label=label, annotate=4)
    else:
        contour_paths(objective, {label or traj.optimizer.name: traj.thetas}, ax=ax)
    ax.set_title(describe(traj), fontsize=10)
    return ax


def draw_schedule_run(ax, schedule, traj, label=None):
    """The loss of ``traj`` (log scale, left axis) and the schedule's eta_t (right axis) on one panel."""
    t = np.arange(traj.steps)
    gap = traj.values - (traj.objective.min_value or 0.0)
    ax.plot(np.arange(traj.steps + 1), gap, color=PALETTE[0], lw=1)
    ax.set_yscale("log")
    ax.set(xlabel="step t", ylabel=r"$J(\theta_t) - J^*$")
    right = ax.twinx()
    right.plot(t, np.broadcast_to(schedule(t), t.shape), color=PALETTE[1], lw=2)
    right.set_ylabel(r"$\eta_t$", color=PALETTE[1])
    right.set_ylim(bottom=0)
    right.grid(False)
    ax.set_title(f"{label}\n{describe(traj)}" if label else describe(traj), fontsize=9)
    return ax


def draw_clipped(ax, objective, traj, box=None, title=None):
    """A clipped (or unclipped) run on the contours, with the longest step it took in the title."""
    contour_paths(objective, {traj.optimizer.name: traj.thetas}, ax=ax, box=box, legend=False)
    jumps = np.linalg.norm(np.diff(traj.thetas, axis=0), axis=-1)
    longest = float(np.nanmax(jumps)) if np.any(np.isfinite(jumps)) else float("nan")
    ax.set_title(title or f"longest step {longest:.2f}; {describe(traj)}", fontsize=9)
    return ax

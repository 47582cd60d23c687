"""Argument checks shared by gdlib's modules: clear errors that name the argument and its range."""
import numpy as np


def check_range(name, value, low=None, high=None, low_open=False, high_open=False):
    """Raise ValueError unless every entry of ``value`` lies in the given interval.

    Works for scalars and arrays (``np.any``), so broadcast hyperparameters are checked too.
    Callables (schedules) are checked when they are evaluated, not here.
    """
    if callable(value):
        return
    arr = np.asarray(value, dtype=float)
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} must be a number, got NaN")
    too_low = low is not None and np.any(arr <= low if low_open else arr < low)
    too_high = high is not None and np.any(arr >= high if high_open else arr > high)
    if too_low or too_high:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        interval = f"{'(' if low_open or low is None else '['}{lo}, {hi}{')' if high_open or high is None else ']'}"
        shown = value if arr.ndim == 0 else f"an array with entries from {arr.min():g} to {arr.max():g}"
        raise ValueError(f"{name} must lie in {interval}, got {shown}")


def check_broadcast(name, value, theta_shape):
    """Raise ValueError unless ``value`` broadcasts against theta without changing theta's shape."""
    if callable(value):
        return
    shape = np.shape(value)
    try:
        out = np.broadcast_shapes(shape, theta_shape)
    except ValueError:
        out = None
    if out != tuple(theta_shape):
        raise ValueError(
            f"{name} has shape {shape}, which does not broadcast against theta of shape {tuple(theta_shape)}; "
            f"give one value per run with shape {tuple(theta_shape[:-1]) + (1,)} or a scalar"
        )


def as_params(theta):
    """theta as a float64 array of shape (..., d) with d >= 1."""
    theta = np.array(theta, dtype=float)
    if theta.ndim == 0:
        raise ValueError("theta must have at least one axis: shape (d,) or (..., d), got a scalar")
    return theta


def as_generator(rng):
    """A numpy Generator from ``rng``; None is refused so that every random draw is explicit."""
    if rng is None:
        raise ValueError("rng is required: pass np.random.default_rng(seed) (or an integer seed)")
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise ValueError(f"rng must be a numpy Generator or an integer seed, got {type(rng).__name__}")

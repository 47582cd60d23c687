"""Argument checks shared by gdlib's modules: clear errors that name the argument and its range.

One vocabulary for every public function (DESIGN.md section 4, "bad input gets a clear error"):

* :func:`real` -- a real number, or a numpy array of them, in an interval; finite unless told
  otherwise. ``bool``, ``str`` (numeric strings too), ``complex``, ``None`` and Python lists are
  refused: a hyperparameter is a number or a numpy array (one value per run).
* :func:`integer` -- an integer (``bool`` refused, ``3.0`` refused) in an interval.
* :func:`flag` -- ``True`` or ``False`` and nothing else (``'False'`` is not False).
* :func:`choice` -- one of a few strings.
* :func:`real_array` -- data: a real array (lists welcome), finite unless told otherwise, of a
  given number of dimensions or shape.
* :func:`as_params` -- ``theta`` of shape ``(..., d)``; :func:`as_points` -- ``theta`` for an
  objective of ``dim`` coordinates; :func:`as_gradient` -- what a ``grad_fn`` returned.
* :func:`check_range`, :func:`check_broadcast`, :func:`as_generator`.

Wrong values (range, NaN, inf, shape) raise ``ValueError``; wrong types raise
:class:`ArgumentTypeError`, a ``TypeError`` that is also a ``ValueError``, so that code written
to catch a bad argument with either keeps working. Every message starts with the argument's
name and states what is valid.
"""
import numbers

import numpy as np


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (``bool`` for a number, ``'0.1'``, ``None``, a list, ...)."""


_REAL_SCALARS = (int, float, np.integer, np.floating)
_REAL_KINDS = "iuf"                     # numpy dtype kinds of real numbers (bool is 'b')


def describe(value, limit=60):
    """A short description of a value for an error message: its type, and its repr if short."""
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    text = repr(value)
    kind = type(value).__name__
    return f"{kind} {text}" if len(text) <= limit else kind


def interval(low=None, high=None, low_open=False, high_open=False):
    """The interval as text: ``[0, inf)``, ``(0, 1]``, ..."""
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    return f"{left}{lo}, {hi}{right}"


def _is_real_scalar(value):
    return isinstance(value, _REAL_SCALARS) and not isinstance(value, (bool, np.bool_))


def real(name, value, low=None, high=None, low_open=False, high_open=False, finite=True, array=True):
    """Check a real number (or, if ``array``, a numpy array of real numbers) in an interval.

    Returns ``value`` unchanged, so that a validated hyperparameter keeps its type and repr.
    ``finite=False`` lets ``inf`` through where the interval allows it (NaN never passes).
    """
    span = interval(low, high, low_open, high_open)
    what = "a real number" + (" or a numpy array of real numbers" if array else "")
    if isinstance(value, np.ndarray) and array:
        if value.dtype.kind not in _REAL_KINDS:
            raise ArgumentTypeError(f"{name} must be {what} in {span}, got {describe(value)}")
        if value.size == 0:
            raise ValueError(f"{name} must be {what} in {span}, got an empty array of shape {value.shape}")
    elif not _is_real_scalar(value):
        hint = "; use np.array(...) for one value per run" if isinstance(value, (list, tuple)) and array else ""
        raise ArgumentTypeError(f"{name} must be {what} in {span}, got {describe(value)}{hint}")
    try:
        arr = np.asarray(value, dtype=float)
    except OverflowError:
        raise ValueError(f"{name} must be {what} in {span}, got {describe(value)} (too large for a float)") from None
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} must be {what} in {span}, got NaN")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, in {span}, got {'inf' if arr.ndim == 0 else 'an array with inf'}")
    too_low = low is not None and np.any(arr <= low if low_open else arr < low)
    too_high = high is not None and np.any(arr >= high if high_open else arr > high)
    if too_low or too_high:
        shown = value if arr.ndim == 0 else f"an array with entries from {arr.min():g} to {arr.max():g}"
        raise ValueError(f"{name} must lie in {span}, got {shown}")
    return value


def check_range(name, value, low=None, high=None, low_open=False, high_open=False):
    """:func:`real` for a value that may also be a schedule: callables are checked when evaluated."""
    if callable(value):
        return value
    return real(name, value, low, high, low_open, high_open)


def integer(name, value, low=None, high=None):
    """Check an integer (Python or numpy; not bool, not a float such as 3.0) in [low, high]; return an int."""
    span = interval(low, high)
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name} must be an integer in {span}, got {describe(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be an integer in {span}, got {value}")
    return int(value)


def flag(name, value):
    """Check a switch: ``True`` or ``False`` (numpy's bool too), nothing else; return a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def choice(name, value, options):
    """Check that ``value`` is one of the strings ``options``."""
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(o) for o in options)
        error = ValueError if isinstance(value, str) else ArgumentTypeError
        raise error(f"{name} must be one of {listed}, got {describe(value)}")
    return value


def _as_real_array(name, value, what):
    """``value`` as a real numpy array (not copied if it already is one), or a clear error."""
    if value is None or isinstance(value, (str, bytes, bool, np.bool_, dict, set)) or callable(value):
        raise ArgumentTypeError(f"{name} must be {what}, got {describe(value)}")
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name} must be {what} (real, not complex), got {describe(value)}")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be {what}; it is ragged (its rows have different lengths)") from None
    if arr.dtype.kind == "c":
        raise ArgumentTypeError(f"{name} must be {what} (real, not complex), got complex numbers")
    if arr.dtype.kind == "O":
        raise ArgumentTypeError(f"{name} must be {what}; it holds non-numbers (None, strings, ...) "
                        "or is ragged (rows of different lengths)")
    if arr.dtype.kind not in _REAL_KINDS:
        raise ArgumentTypeError(f"{name} must be {what}, got {describe(arr)}")
    return arr


def real_array(name, value, ndim=None, shape=None, finite=True, nonempty=True):
    """Check data: a real array (lists welcome) of ``ndim`` dimensions or of ``shape``; return it as floats.

    ``shape`` may hold ``None`` for any length, e.g. ``(None, 2)``.
    """
    what = "a real array" + (f" with {ndim} dimension{'s' * (ndim != 1)}" if ndim is not None else "") + \
           (f" of shape {_shape_text(shape)}" if shape is not None else "")
    arr = _as_real_array(name, value, what)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {what}, got shape {arr.shape}")
    if shape is not None and (arr.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, arr.shape))):
        raise ValueError(f"{name} must be {what}, got shape {arr.shape}")
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} must be {what}, got an empty array of shape {arr.shape}")
    arr = arr.astype(float, copy=False)
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def _shape_text(shape):
    return "(" + ", ".join("n" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


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


def as_params(theta, name="theta", copy=True):
    """theta as a float64 array of shape (..., d) with d >= 1 (NaN and inf pass: a diverged run).

    Refuses ``None``, strings, booleans, complex numbers and ragged nested lists with a
    ``TypeError``/``ValueError`` naming ``name``. ``copy=False`` returns a float64 array as it is.
    """
    if type(theta) is np.ndarray and theta.dtype == np.float64 and theta.ndim and theta.shape[-1]:  # the common case
        return theta.copy() if copy else theta
    arr = _as_real_array(name, theta, "a real array of shape (d,) or (..., d)")
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one axis: shape (d,) or (..., d), got a scalar")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one coordinate in its last axis, got shape {arr.shape}")
    return np.array(arr, dtype=float) if copy else arr.astype(float, copy=False)


def as_points(theta, dim, who="the objective"):
    """theta for an objective of ``dim`` coordinates: shape (..., dim), real; not copied if already float64."""
    theta = as_params(theta, copy=False)
    if theta.shape[-1] != dim:
        raise ValueError(f"theta must have shape (..., {dim}) for {who} ({dim} coordinate{'s' * (dim != 1)} "
                         f"in its last axis), got shape {theta.shape}")
    return theta


def as_gradient(g, theta, name="grad_fn"):
    """Check what a gradient function returned at ``theta``: a real array of theta's shape."""
    if type(g) is np.ndarray and g.shape == theta.shape and g.dtype.kind == "f":    # the common case
        return g
    expected = f"the gradient, a numpy array of shape {theta.shape} like theta"
    if g is None:
        raise ArgumentTypeError(f"{name} returned None; it must return {expected} (a missing `return`?)")
    if not isinstance(g, (np.ndarray, np.generic, int, float)) or isinstance(g, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name} returned {describe(g)}; it must return {expected}")
    arr = np.asarray(g)
    if arr.dtype.kind not in _REAL_KINDS:
        raise ArgumentTypeError(f"{name} returned {describe(arr)}; it must return {expected} of real numbers")
    if arr.shape != theta.shape:
        hint = ""
        if sorted(arr.shape) == sorted(theta.shape) or arr.shape == theta.shape + (1,) or arr.shape == theta.shape[::-1]:
            hint = " (a column or transposed array where one like theta was expected?)"
        raise ValueError(f"{name} returned shape {arr.shape} but theta has shape {theta.shape}: "
                         f"it must return one partial derivative per coordinate, shape {theta.shape}{hint}")
    return arr.astype(float, copy=False)


def as_generator(rng):
    """A numpy Generator from ``rng``; None is refused so that every random draw is explicit."""
    if rng is None:
        raise ValueError("rng is required: pass np.random.default_rng(seed) (or an integer seed)")
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"rng as an integer seed must be >= 0, got {rng}")
        return np.random.default_rng(rng)
    raise ArgumentTypeError(f"rng must be a numpy Generator or an integer seed >= 0, got {describe(rng)}")

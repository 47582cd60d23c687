"""Gradient checking by finite differences, and the checkers used by the exercises."""
import collections.abc
import functools

import numpy as np

from ._validate import ArgumentTypeError, as_params, real, real_array


def _function(name, fn):
    if not callable(fn):
        raise ArgumentTypeError(f"{name} must be a function of theta, got {type(fn).__name__}")
    return fn


def numerical_grad(f, theta, h=1e-6):
    """Central differences (f(theta + h e_i) - f(theta - h e_i)) / 2h, vectorised over leading axes.

    ``f`` maps theta of shape ``(..., d)`` to values of shape ``(...)``; ``h`` > 0 is the step.
    """
    _function("f", f)
    theta = as_params(theta, copy=False)
    real("h", h, low=0, low_open=True, array=False)
    d = theta.shape[-1]
    steps = h * np.eye(d)                                  # (d, d): one shifted copy per coordinate
    shifted = theta[..., None, :] + steps                  # (..., d, d)
    return (f(shifted) - f(theta[..., None, :] - steps)) / (2 * h)


def numerical_hess(grad, theta, h=1e-6):
    """Central differences of the gradient: column i is (grad(theta + h e_i) - grad(theta - h e_i)) / 2h."""
    _function("grad", grad)
    theta = as_params(theta, copy=False)
    real("h", h, low=0, low_open=True, array=False)
    steps = h * np.eye(theta.shape[-1])
    return (grad(theta[..., None, :] + steps) - grad(theta[..., None, :] - steps)) / (2 * h)


def relative_error(a, b):
    """max |a - b| / max(|a|, |b|, 1): a scale-aware distance between two real arrays that broadcast."""
    a = real_array("a", a, finite=False, nonempty=False)
    b = real_array("b", b, finite=False, nonempty=False)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"a and b must have shapes that broadcast, got {a.shape} and {b.shape}") from None
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)))


def grad_check(f, grad, theta, h=1e-6):
    """The largest relative error between ``grad(theta)`` and central finite differences of ``f``.

    Values around 1e-8 or below mean the analytic gradient is right; 1e-3 or more means a bug.
    """
    return relative_error(_function("grad", grad)(as_params(theta)), numerical_grad(f, theta, h))


def hess_check(grad, hess, theta, h=1e-6):
    """The largest relative error between ``hess(theta)`` and finite differences of ``grad``."""
    return relative_error(_function("hess", hess)(as_params(theta)), numerical_hess(grad, theta, h))


# --- exercise checkers: they print PASS or NOT YET with a hint, and never raise ---------
# They return None so that a check as the last line of a cell shows only its message;
# ``last_result`` keeps the verdict for code that needs it. Whatever a student's answer is
# (a dict, a generator, a string, a complex number, a ragged list, a function that crashes),
# the checker prints NOT YET and says why. Even a bad reference from the notebook's author is
# reported that way ("could not check this answer: ..."), and tests/test_exercises.py, which
# requires every solution to PASS, catches it.

last_result = None


def _report(name, ok, detail=""):
    global last_result
    last_result = bool(ok)
    print(f"{'PASS' if ok else 'NOT YET'}  {name}{': ' + detail if detail else ''}")


def _never_raises(checker):
    """A checker whose own failure on a strange answer is reported as NOT YET, not raised."""
    @functools.wraps(checker)
    def safe(name, *args, **kwargs):
        try:
            return checker(name, *args, **kwargs)
        except Exception as exc:                    # noqa: BLE001 - a student's answer must never crash the notebook
            return _report(name, False, f"could not check this answer ({type(exc).__name__}: {exc})")
    return safe


def _attempt(name, fn, *args):
    """Call a student's function; turn 'not written yet' and crashes into feedback."""
    if not callable(fn):
        _report(name, False, f"expected a function, got {type(fn).__name__}")
        return False, None
    try:
        return True, fn(*args)
    except NotImplementedError:
        _report(name, False, "not implemented yet")
    except Exception as exc:                        # a student's bug: explain, don't crash the notebook
        _report(name, False, f"calling it raised {type(exc).__name__}: {exc}")
    return False, None


def _as_answer(value, what="a number or an array of numbers"):
    """A student's answer as a float array, or ``(None, why not)``; never raises.

    Refused: strings (even '0.5'), booleans, complex numbers, dicts, sets, generators and other
    iterators, functions, ragged lists and lists holding any of these.
    """
    if isinstance(value, (str, bytes)):
        return None, f"expected {what}, got a string {value!r:.40}"
    if isinstance(value, (bool, np.bool_)):
        return None, f"expected {what}, got {value} (a bool)"
    if isinstance(value, (dict, set, frozenset, collections.abc.Iterator, collections.abc.Generator)) \
            or callable(value):
        return None, f"expected {what}, got a {type(value).__name__}"
    try:
        arr = np.asarray(value)
    except Exception:                               # noqa: BLE001 - ragged lists and odd objects
        return None, f"expected {what}; this {type(value).__name__} is ragged or holds non-numbers"
    if arr.dtype.kind == "c":
        return None, "expected real numbers, got complex ones"
    if arr.dtype.kind not in "iuf":
        return None, (f"expected {what}; this {type(value).__name__} is ragged or holds non-numbers"
                      if arr.dtype.kind == "O" else f"expected {what}, got entries of type {arr.dtype}")
    return arr.astype(float), None


def _difference(got, want, rtol, atol):
    """The measure check_value's verdict compares with its tolerance, at the worst failing entry."""
    with np.errstate(all="ignore"):
        bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
        diff, scale = np.abs(got - want)[bad], np.abs(want)[bad]
        if np.any(scale > 0):
            worst = np.max(diff[scale > 0] / scale[scale > 0])
            return f"relative difference |answer - expected| / |expected| = {worst:.1e} (tolerance {rtol:g})"
    return f"absolute difference {np.max(diff):.1e} where 0 is expected (tolerance {atol:g})"


@_never_raises
def check_value(name, answer, expected, rtol=1e-6, atol=1e-12, reveal=False):
    """Is a number (or array) the expected one: ``|answer - expected| <= atol + rtol |expected|`` everywhere?

    A scalar answer may stand for an array of equal entries; any other shape than the expected
    one fails. The hint prints the relative difference ``|answer - expected| / |expected|`` of the
    worst entry -- the measure the verdict compares with ``rtol`` -- and the tolerance. The
    expected value is not printed unless ``reveal=True``: the rendered exercise page shows this
    message under the empty template, so it must not give the answer away.
    """
    if answer is None:
        return _report(name, False, "no answer yet")
    want = np.asarray(expected, dtype=float)
    got, why = _as_answer(answer)
    if got is None:
        return _report(name, False, why)
    if got.ndim == 0:                               # a scalar may stand for an array of equal entries
        got = np.broadcast_to(got, want.shape)
    if got.shape != want.shape:
        return _report(name, False, f"expected shape {want.shape}, got {got.shape}")
    if not np.all(np.isfinite(got)):
        return _report(name, False, "the answer contains NaN or inf")
    if np.allclose(got, want, rtol=rtol, atol=atol):
        return _report(name, True)
    shown = f"; expected {np.round(want, 6).tolist()}" if reveal else ""
    return _report(name, False, f"not there yet: {_difference(got, want, rtol, atol)}{shown}")


@_never_raises
def check_gradient(name, student_grad, f, points, tol=1e-6):
    """Does ``student_grad(theta)`` match finite differences of ``f`` at every point given?

    ``student_grad`` is called with one point of shape ``(d,)`` at a time and must return an
    array of that shape; ``f`` must be vectorised.
    """
    points = real_array("points", points)
    flat = points.reshape(-1, points.shape[-1])
    if not callable(student_grad):
        return _report(name, False, f"expected a function theta -> gradient, got {type(student_grad).__name__}")
    ok, answers = _attempt(name, lambda: [student_grad(p.copy()) for p in flat])   # one point at a time
    if not ok:
        return None
    grads = []
    for g in answers:
        g, why = _as_answer(g, f"a gradient of shape {points.shape[-1:]}")
        if g is None:
            return _report(name, False, why)
        if g.shape != points.shape[-1:]:
            return _report(name, False, f"each gradient should have shape {points.shape[-1:]}, got {g.shape}")
        grads.append(g)
    g = np.reshape(grads, points.shape)
    err = relative_error(g, numerical_grad(f, points))
    return _report(name, err < tol, f"largest relative error {err:.1e} against finite differences"
                   + ("" if err < tol else f" (should be below {tol:.0e}; is a factor or a sign off?)"))


@_never_raises
def check_path(name, student_run, reference_path, rtol=1e-10):
    """Does ``student_run()`` return the same (steps + 1, d) path as the reference?"""
    want = real_array("reference_path", reference_path, finite=False)
    ok, got = _attempt(name, student_run)
    if not ok:
        return None
    got, why = _as_answer(got, f"a path, an array of shape {want.shape}")
    if got is None:
        return _report(name, False, why)
    if got.shape != want.shape:
        return _report(name, False, f"the path has shape {got.shape}, expected {want.shape}")
    with np.errstate(all="ignore"):
        wrong = ~np.isclose(got, want, rtol=rtol, atol=1e-12).all(axis=tuple(range(1, got.ndim)))
    if not wrong.any():
        return _report(name, True, f"{len(want) - 1} steps agree")
    k = int(np.argmax(wrong))
    return _report(name, False, f"first disagreement at step {k} (relative difference "
                   f"{relative_error(got[k], want[k]):.1e}): got {np.array2string(got[k], precision=10)}, "
                   f"expected {np.array2string(want[k], precision=10)}")

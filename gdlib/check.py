"""Gradient checking by finite differences, and the checkers used by the exercises."""
import numpy as np


def numerical_grad(f, theta, h=1e-6):
    """Central differences (f(theta + h e_i) - f(theta - h e_i)) / 2h, vectorised over leading axes."""
    theta = np.asarray(theta, dtype=float)
    d = theta.shape[-1]
    steps = h * np.eye(d)                                  # (d, d): one shifted copy per coordinate
    shifted = theta[..., None, :] + steps                  # (..., d, d)
    return (f(shifted) - f(theta[..., None, :] - steps)) / (2 * h)


def numerical_hess(grad, theta, h=1e-6):
    """Central differences of the gradient: column i is (grad(theta + h e_i) - grad(theta - h e_i)) / 2h."""
    theta = np.asarray(theta, dtype=float)
    steps = h * np.eye(theta.shape[-1])
    return (grad(theta[..., None, :] + steps) - grad(theta[..., None, :] - steps)) / (2 * h)


def relative_error(a, b):
    """max |a - b| / max(|a|, |b|, 1): a scale-aware distance between two arrays."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)))


def grad_check(f, grad, theta, h=1e-6):
    """The largest relative error between ``grad(theta)`` and central finite differences of ``f``.

    Values around 1e-8 or below mean the analytic gradient is right; 1e-3 or more means a bug.
    """
    return relative_error(grad(theta), numerical_grad(f, theta, h))


def hess_check(grad, hess, theta, h=1e-6):
    """The largest relative error between ``hess(theta)`` and finite differences of ``grad``."""
    return relative_error(hess(theta), numerical_hess(grad, theta, h))


# --- exercise checkers: they print PASS or NOT YET with a hint, and never raise ---------
# They return None so that a check as the last line of a cell shows only its message;
# ``last_result`` keeps the verdict for code that needs it.

last_result = None


def _report(name, ok, detail=""):
    global last_result
    last_result = bool(ok)
    print(f"{'PASS' if ok else 'NOT YET'}  {name}{': ' + detail if detail else ''}")


def _attempt(name, fn, *args):
    """Call a student's function; turn 'not written yet' and crashes into feedback."""
    try:
        return True, fn(*args)
    except NotImplementedError:
        _report(name, False, "not implemented yet")
    except Exception as exc:                        # a student's bug: explain, don't crash the notebook
        _report(name, False, f"calling it raised {type(exc).__name__}: {exc}")
    return False, None


def check_value(name, answer, expected, rtol=1e-6, atol=1e-12, reveal=False):
    """Is a number (or array) the expected one, to a relative tolerance?

    The expected value is not printed unless ``reveal=True``: the rendered exercise page shows
    this message under the empty template, so it must not give the answer away.
    """
    if answer is None:
        return _report(name, False, "no answer yet")
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return _report(name, False, f"expected a number or an array of numbers, got {type(answer).__name__}")
    try:                                    # a scalar may stand for an array of equal entries
        got = np.broadcast_to(got, np.shape(expected))
    except ValueError:
        return _report(name, False, f"expected shape {np.shape(expected)}, got {got.shape}")
    if np.allclose(got, expected, rtol=rtol, atol=atol):
        return _report(name, True)
    off = relative_error(got, expected)
    shown = f"; expected {np.round(expected, 6).tolist()}" if reveal else ""
    return _report(name, False, f"not there yet: relative difference {off:.1e}{shown}")


def check_gradient(name, student_grad, f, points, tol=1e-6):
    """Does ``student_grad(theta)`` match finite differences of ``f`` at every point given?

    ``student_grad`` is called with one point of shape ``(d,)`` at a time; ``f`` must be vectorised.
    """
    points = np.asarray(points, dtype=float)
    flat = points.reshape(-1, points.shape[-1])
    ok, g = _attempt(name, lambda: [student_grad(p.copy()) for p in flat])   # one point at a time
    if not ok:
        return None
    try:
        g = np.reshape(np.asarray(g, dtype=float), points.shape)
    except ValueError:
        return _report(name, False, f"each gradient should have shape {points.shape[-1:]}")
    err = relative_error(g, numerical_grad(f, points))
    return _report(name, err < tol, f"largest relative error {err:.1e} against finite differences"
                   + ("" if err < tol else f" (should be below {tol:.0e}; is a factor or a sign off?)"))


def check_path(name, student_run, reference_path, rtol=1e-10):
    """Does ``student_run()`` return the same (steps + 1, d) path as the reference?"""
    ok, got = _attempt(name, student_run)
    if not ok:
        return None
    got, want = np.asarray(got, dtype=float), np.asarray(reference_path, dtype=float)
    if got.shape != want.shape:
        return _report(name, False, f"the path has shape {got.shape}, expected {want.shape}")
    wrong = ~np.isclose(got, want, rtol=rtol, atol=1e-12).all(axis=tuple(range(1, got.ndim)))
    if not wrong.any():
        return _report(name, True, f"{len(want) - 1} steps agree")
    k = int(np.argmax(wrong))
    return _report(name, False, f"first disagreement at step {k} (relative difference "
                   f"{relative_error(got[k], want[k]):.1e}): got {np.array2string(got[k], precision=10)}, "
                   f"expected {np.array2string(want[k], precision=10)}")

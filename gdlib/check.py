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

"""What every update rule shares: the Optimizer record, checked inputs, schedules, powers beta^t."""
from typing import Callable, NamedTuple

import numpy as np

from .._validate import ArgumentTypeError, as_gradient, as_params, check_broadcast, describe, flag, real


class Optimizer(NamedTuple):
    """An update rule: ``state = init(theta)``; ``theta, state = update(theta, grad_fn, state)``."""
    name: str
    hyperparameters: dict
    init: Callable
    update: Callable

    def __repr__(self):
        args = ", ".join(f"{k}={_short(v)}" for k, v in self.hyperparameters.items())
        return f"{self.name}({args})"


def _short(value):
    if callable(value):
        return getattr(value, "__name__", "schedule")
    if np.ndim(value) == 0:
        return f"{value:g}" if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) else repr(value)
    return f"array{np.shape(value)}"


# --- hyperparameters: checked when the optimizer is built ----------------------------------

RATE = dict(low=0)                                  # eta, weight decay: [0, inf)
DECAY = dict(low=0, high=1, high_open=True)         # gamma, beta1, beta2: [0, 1)
WEIGHT = dict(low=0, high=1)                        # nu1, nu2: [0, 1]
EPS = dict(low=0, low_open=True)                    # eps: (0, inf)


def hyper(name, value, **span):
    """A numeric hyperparameter: a finite real number or a numpy array of them (one per run) in ``span``."""
    return real(name, value, **span)


def learning_rate(eta, name="eta"):
    """``eta``: a number or array in [0, inf), or a schedule (a callable of the step), checked at each step."""
    if callable(eta):
        if isinstance(eta, type):
            raise ArgumentTypeError(f"{name} must be a number, an array or a schedule eta(t), got the class "
                            f"{eta.__name__}; build the schedule first, e.g. {eta.__name__}(...)")
        return eta
    return real(name, eta, **RATE)


def switch(name, value):
    """A documented switch (``bias_correction``, ``eps_inside_sqrt``): a real bool."""
    return flag(name, value)


def eta_at(eta, t, shape):
    """The learning rate for the update after ``t`` completed steps; a schedule's value is checked here."""
    if not callable(eta):
        return eta                                  # checked when the optimizer was built
    value = eta(t)
    try:
        real("eta(t)", value, **RATE)
        check_broadcast("eta(t)", value, shape)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{error} (the schedule {getattr(eta, '__name__', repr(eta))} at t={t})") from None
    return value


def power(beta, t):
    r"""$\beta^t$ for an integer $t \ge 0$ by repeated squaring, for a float or an array ``beta``.

    The same sequence of IEEE multiplications for a Python float and for every entry of an
    array, so K runs in one call equal K separate calls bit for bit (Python's ``**`` calls libm's
    ``pow``, numpy's ``power`` a SIMD routine, and the two round differently); the result is the
    same on every machine. At most $2\log_2 t$ multiplications, each exactly rounded; the relative
    error is below $t$ units of $2^{-53}$ (measured: under $0.31\,t$), as for a running product, and
    it only matters while $\beta^t$ is not small, so $1 - \beta^t$ keeps about 13 correct digits.
    """
    if t == 0:
        return beta ** 0                            # 1.0, or ones shaped like beta
    result = 1.0
    while t:
        if t & 1:
            result = beta * result
        t >>= 1
        if t:
            beta = beta * beta
    return result


# --- one Optimizer from a state type, a state constructor and a step --------------------

def make(name, hyperparameters, state_type, zeros, step):
    """Wrap a state constructor and a step function into an Optimizer with checked inputs.

    ``init`` checks theta and that every array hyperparameter broadcasts against it;
    ``update`` checks theta, that ``state`` is this optimizer's (same type, shaped like theta)
    and, through the ``grad`` it hands to ``step``, what ``grad_fn`` returns.
    """
    arrays = {k: v for k, v in hyperparameters.items() if isinstance(v, np.ndarray) and v.ndim}

    def init(theta):
        theta = as_params(theta)
        for key, value in arrays.items():
            check_broadcast(key, value, theta.shape)
        return zeros(theta)

    def update(theta, grad_fn, state):
        theta = as_params(theta, copy=False)
        _check_state(name, state_type, state, theta.shape)
        if not callable(grad_fn):
            raise ArgumentTypeError(f"grad_fn must be a function theta -> gradient, got {describe(grad_fn)}")

        def grad(point):
            return as_gradient(grad_fn(point), point)

        return step(theta, grad, state)

    return Optimizer(name, hyperparameters, init, update)


def _check_state(name, state_type, state, shape):
    if not isinstance(state, state_type):
        raise ArgumentTypeError(f"state must be the {state_type.__name__} that {name}'s init returned, "
                                f"got {describe(state, 40)}")
    if len(state) > 1:                              # the first moment-like field is laid out like theta
        moment = state[1]
        lead = np.ndim(moment) - len(shape)
        if lead < 0 or np.shape(moment)[lead:] != shape:
            raise ValueError(f"state does not fit theta of shape {shape}: its {state._fields[1]} has shape "
                             f"{np.shape(moment)}; call {name}'s init with theta of this shape")


__all__ = ["Optimizer", "make", "hyper", "learning_rate", "switch", "eta_at", "power",
           "RATE", "DECAY", "WEIGHT", "EPS"]

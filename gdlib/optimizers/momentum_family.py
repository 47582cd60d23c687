r"""Gradient descent and the momentum family: SGD, Momentum, NAG, AggMo.

Ruder (2016, sections 2, 4.1, 4.2 and 4.10); the book's chapters 1, 2 and 4a. Every rule is
elementwise ``+ - * /``, so K runs in one call equal K separate runs bit for bit.
"""
from typing import Any, NamedTuple

import numpy as np

from .._validate import choice, describe, real
from ._base import DECAY, eta_at, hyper, learning_rate, make

FORMS = ("survey", "pytorch")


# --- plain gradient descent -------------------------------------------------------------

class SGDState(NamedTuple):
    t: int


def sgd(eta=0.01):
    r"""Gradient descent: $\theta_{t+1} = \theta_t - \eta\, g_t$ with $g_t = \nabla J(\theta_t)$.

    Symbols: $\eta$ = ``eta`` (>= 0, a number, an array with one value per run, or a schedule
    ``eta(t)``), $g_t$ = ``grad_fn(theta)``.

    Batch, stochastic or mini-batch depending on what ``grad_fn`` computes (Ruder 2016,
    section 2; ``ruder2016overview``, ``robbins1951stochastic``). Book: algorithms
    ``alg-gradient-descent`` (chapter 1), ``alg-sgd`` and ``alg-minibatch-gd`` (chapter 2).
    Matches ``torch.optim.SGD(lr=eta)``.
    """
    learning_rate(eta)

    def step(theta, grad_fn, state):
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        theta = theta - eta_t * g                       # theta <- theta - eta g
        return theta, SGDState(state.t + 1)

    return make("sgd", dict(eta=eta), SGDState, lambda theta: SGDState(0), step)


# --- momentum ---------------------------------------------------------------------------

class MomentumState(NamedTuple):
    t: int
    z: Any


def momentum(eta=0.01, gamma=0.9, form="survey"):
    r"""Momentum (Qian 1999; Ruder 2016, section 4.1).

    ``form="survey"``: $z_t = \gamma z_{t-1} + \eta\, g_t$, $\theta_{t+1} = \theta_t - z_t$.

    ``form="pytorch"``: $z_t = \gamma z_{t-1} + g_t$, $\theta_{t+1} = \theta_t - \eta\, z_t$
    (``torch.optim.SGD(lr=eta, momentum=gamma)``). With a constant ``eta`` the two give the same
    path (the survey's $z$ is $\eta$ times PyTorch's); with a schedule they differ, because the
    survey's velocity remembers old learning rates.

    Symbols: $\eta$ = ``eta`` in [0, inf) (or a schedule), $\gamma$ = ``gamma`` in [0, 1)
    (typically 0.9), $z$ = ``state.z``. References: ``qian1999momentum``, ``polyak1964some``.
    Book: algorithm ``alg-momentum`` (chapter 4a).
    """
    learning_rate(eta)
    hyper("gamma", gamma, **DECAY)
    choice("form", form, FORMS)

    def step(theta, grad_fn, state):
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        if form == "survey":
            z = gamma * state.z + eta_t * g             # z_t = gamma z_{t-1} + eta g_t
            theta = theta - z                           # theta_{t+1} = theta_t - z_t
        else:
            z = gamma * state.z + g                     # z_t = gamma z_{t-1} + g_t
            theta = theta - eta_t * z                   # theta_{t+1} = theta_t - eta z_t
        return theta, MomentumState(state.t + 1, z)

    return make("momentum", dict(eta=eta, gamma=gamma, form=form), MomentumState,
                lambda theta: MomentumState(0, np.zeros_like(theta)), step)


class NAGState(NamedTuple):
    t: int
    z: Any


def nag(eta=0.01, gamma=0.9, form="survey"):
    r"""Nesterov accelerated gradient (Nesterov 1983; Sutskever et al. 2013; Ruder 2016, section 4.2).

    ``form="survey"``: the gradient is taken at the look-ahead point,
    $z_t = \gamma z_{t-1} + \eta \nabla J(\theta_t - \gamma z_{t-1})$, $\theta_{t+1} = \theta_t - z_t$.

    ``form="pytorch"``: ``torch.optim.SGD(lr=eta, momentum=gamma, nesterov=True)`` stores the
    look-ahead point itself, $\phi_t = \theta_t - \gamma z_{t-1}$, and a buffer $b_t = z_t / \eta$:
    $b_t = \gamma b_{t-1} + \nabla J(\phi_t)$, $\phi_{t+1} = \phi_t - \eta(\nabla J(\phi_t) + \gamma b_t)$.
    After the same number of updates, PyTorch's parameter equals the survey form's ``theta - gamma * state.z``.
    Both forms produce the same sequence of gradient evaluations; their ``theta`` differ by
    $\gamma z_t$, which tends to zero as the run converges.

    Symbols: $\eta$ = ``eta`` in [0, inf) (or a schedule), $\gamma$ = ``gamma`` in [0, 1),
    $z$ = ``state.z`` ($b$ in the PyTorch form). References: ``nesterov1983method``,
    ``sutskever2013importance``. Book: algorithm ``alg-nag`` (chapter 4a).
    """
    learning_rate(eta)
    hyper("gamma", gamma, **DECAY)
    choice("form", form, FORMS)

    def step(theta, grad_fn, state):
        eta_t = eta_at(eta, state.t, theta.shape)
        if form == "survey":
            g = grad_fn(theta - gamma * state.z)        # gradient at the look-ahead point
            z = gamma * state.z + eta_t * g             # z_t = gamma z_{t-1} + eta grad J(theta - gamma z_{t-1})
            theta = theta - z                           # theta_{t+1} = theta_t - z_t
        else:
            g = grad_fn(theta)                          # theta is already the look-ahead point
            z = gamma * state.z + g                     # b_t = gamma b_{t-1} + g
            theta = theta - eta_t * (g + gamma * z)     # phi_{t+1} = phi_t - eta (g + gamma b_t)
        return theta, NAGState(state.t + 1, z)

    return make("nag", dict(eta=eta, gamma=gamma, form=form), NAGState,
                lambda theta: NAGState(0, np.zeros_like(theta)), step)


# --- after the survey: aggregated momentum -----------------------------------------------

class AggMoState(NamedTuple):
    t: int
    v: Any          # (K,) + theta.shape: one velocity per damping coefficient


def _betas(betas):
    """AggMo's damping coefficients: a non-empty flat sequence (or 1-D array) of real numbers in [0, 1)."""
    flat = isinstance(betas, (list, tuple)) or (isinstance(betas, np.ndarray) and betas.ndim == 1)
    if not flat or len(betas) == 0 or any(isinstance(b, (list, tuple, np.ndarray)) for b in betas):
        raise ValueError(f"betas must be a non-empty sequence of numbers in [0, 1), got {describe(betas)}")
    for i, beta in enumerate(betas):
        real(f"betas[{i}]", beta, array=False)          # refuses bool, str, complex, None
    return real("betas", np.array(betas, dtype=float), **DECAY)


def aggmo(eta=0.1, betas=(0.0, 0.9, 0.99)):
    r"""Aggregated momentum (Lucas et al. 2019; Ruder 2016, section 4.10).

    K velocities, one per damping coefficient $\beta^{(i)}$, all driven by the same gradient:
    $v^{(i)}_t = \beta^{(i)} v^{(i)}_{t-1} - g_t$ for $i = 1, \dots, K$,
    $\theta_{t+1} = \theta_t + \dfrac{\eta}{K} \sum_{i=1}^K v^{(i)}_t$.
    The small betas damp the oscillations that the large ones would cause on their own.

    Symbols: $\eta$ = ``eta`` in [0, inf) (a number, one per run, or a schedule),
    $\beta^{(i)}$ = ``betas``, a sequence of K numbers in [0, 1) shared by every run (the paper's
    default (0, 0.9, 0.99) is $\beta^{(i)} = 1 - 0.1^{i-1}$), $v^{(i)}$ = ``state.v[i]``: the
    state stacks the velocities in one array of shape ``(K,) + theta.shape``.
    With a single beta this is ``momentum(eta, gamma=beta, form="pytorch")`` with the sign of the
    velocity flipped. PyTorch has no AggMo; the authors' PyTorch code keeps buffers
    $b^{(i)} = \beta^{(i)} b^{(i)} + g_t$ $(= -v^{(i)})$ and subtracts $\tfrac{\eta}{K}\sum_i b^{(i)}$: the same path.
    Reference: ``lucas2019aggregated``. Book: chapter 4c, section "Later members: QHAdam and AggMo".
    """
    learning_rate(eta)
    betas = _betas(betas)
    K = betas.size

    def step(theta, grad_fn, state):
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        beta = betas.reshape((K,) + (1,) * theta.ndim)  # beta^(i) against the stacked velocities
        v = beta * state.v - g                          # v^(i)_t = beta^(i) v^(i)_{t-1} - g_t
        theta = theta + eta_t / K * np.sum(v, axis=0)   # theta_{t+1} = theta_t + eta / K sum_i v^(i)_t
        return theta, AggMoState(state.t + 1, v)

    opt = make("aggmo", dict(eta=eta), AggMoState, lambda theta: AggMoState(0, np.zeros((K,) + theta.shape)), step)
    return opt._replace(hyperparameters=dict(eta=eta, betas=tuple(betas.tolist())))


__all__ = ["sgd", "momentum", "nag", "aggmo", "SGDState", "MomentumState", "NAGState", "AggMoState"]

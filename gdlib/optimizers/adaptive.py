r"""Per-parameter learning rates: Adagrad, Adadelta, RMSprop.

Ruder (2016, sections 4.3-4.5); the book's chapter 4b. Every rule is elementwise
``+ - * /`` and ``sqrt`` (exactly rounded), so K runs in one call equal K separate runs bit for bit.
"""
from typing import Any, NamedTuple

import numpy as np

from ._base import DECAY, EPS, eta_at, hyper, learning_rate, make, switch


class AdagradState(NamedTuple):
    t: int
    G: Any


def adagrad(eta=0.01, eps=1e-8, eps_inside_sqrt=True):
    r"""Adagrad (Duchi et al. 2011; Ruder 2016, section 4.3).

    $G_t = G_{t-1} + g_t \odot g_t$ (the diagonal of the sum of outer products),
    $\theta_{t+1} = \theta_t - \dfrac{\eta}{\sqrt{G_t + \epsilon}} \odot g_t$.

    Rarely updated parameters keep a small $G$ and so get a *larger* step.
    ``eps_inside_sqrt=False`` uses $\eta\, g_t / (\sqrt{G_t} + \epsilon)$ as Duchi et al. and
    ``torch.optim.Adagrad(lr=eta, eps=eps)`` do.

    Symbols: $\eta$ = ``eta`` in [0, inf) (or a schedule), $\epsilon$ = ``eps`` in (0, inf),
    $G$ = ``state.G``; ``eps_inside_sqrt`` is True or False. Reference: ``duchi2011adaptive``.
    Book: algorithm ``alg-adagrad`` (chapter 4b).
    """
    learning_rate(eta)
    hyper("eps", eps, **EPS)
    switch("eps_inside_sqrt", eps_inside_sqrt)

    def step(theta, grad_fn, state):
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        G = state.G + g * g                             # G_t = G_{t-1} + g_t^2
        if eps_inside_sqrt:
            theta = theta - eta_t / np.sqrt(G + eps) * g
        else:
            theta = theta - eta_t * g / (np.sqrt(G) + eps)
        return theta, AdagradState(state.t + 1, G)

    return make("adagrad", dict(eta=eta, eps=eps, eps_inside_sqrt=eps_inside_sqrt), AdagradState,
                lambda theta: AdagradState(0, np.zeros_like(theta)), step)


class AdadeltaState(NamedTuple):
    t: int
    E_g2: Any
    E_dtheta2: Any


def adadelta(gamma=0.9, eps=1e-6, eta=1.0):
    r"""Adadelta (Zeiler 2012; Ruder 2016, section 4.4).

    $E[g^2]_t = \gamma E[g^2]_{t-1} + (1-\gamma) g_t^2$,
    $\Delta\theta_t = -\dfrac{RMS[\Delta\theta]_{t-1}}{RMS[g]_t} g_t$,
    $E[\Delta\theta^2]_t = \gamma E[\Delta\theta^2]_{t-1} + (1-\gamma)\Delta\theta_t^2$,
    $\theta_{t+1} = \theta_t + \eta\,\Delta\theta_t$, with $RMS[x] = \sqrt{E[x^2] + \epsilon}$.

    The survey's Adadelta has no learning rate: ``eta=1`` (the default). ``eta`` is PyTorch's
    extra multiplier (``torch.optim.Adadelta(lr=eta, rho=gamma, eps=eps)``); as in PyTorch it
    scales the step but not the accumulated $\Delta\theta$.

    Symbols: $\gamma$ = ``gamma`` in [0, 1), $\epsilon$ = ``eps`` in (0, inf), $\eta$ = ``eta``
    in [0, inf) (or a schedule), $E[g^2]$ = ``state.E_g2``, $E[\Delta\theta^2]$ = ``state.E_dtheta2``.
    Reference: ``zeiler2012adadelta``. Book: chapter 4b, section "Adadelta".
    """
    hyper("gamma", gamma, **DECAY)
    hyper("eps", eps, **EPS)
    learning_rate(eta)

    def step(theta, grad_fn, state):
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        E_g2 = gamma * state.E_g2 + (1 - gamma) * g * g
        dtheta = -np.sqrt(state.E_dtheta2 + eps) / np.sqrt(E_g2 + eps) * g   # -RMS[dtheta]_{t-1} / RMS[g]_t g_t
        E_dtheta2 = gamma * state.E_dtheta2 + (1 - gamma) * dtheta * dtheta
        theta = theta + eta_t * dtheta
        return theta, AdadeltaState(state.t + 1, E_g2, E_dtheta2)

    return make("adadelta", dict(gamma=gamma, eps=eps, eta=eta), AdadeltaState,
                lambda theta: AdadeltaState(0, np.zeros_like(theta), np.zeros_like(theta)), step)


class RMSpropState(NamedTuple):
    t: int
    E_g2: Any


def rmsprop(eta=0.001, gamma=0.9, eps=1e-8, eps_inside_sqrt=True):
    r"""RMSprop (Hinton, lecture 6e, 2012; Ruder 2016, section 4.5).

    $E[g^2]_t = \gamma E[g^2]_{t-1} + (1-\gamma) g_t^2$,
    $\theta_{t+1} = \theta_t - \dfrac{\eta}{\sqrt{E[g^2]_t + \epsilon}} g_t$.

    The survey suggests gamma = 0.9 and eta = 0.001. ``eps_inside_sqrt=False`` gives
    ``torch.optim.RMSprop(lr=eta, alpha=gamma, eps=eps)``, which divides by $\sqrt{E[g^2]_t} + \epsilon$.

    Symbols: $\eta$ = ``eta`` in [0, inf) (or a schedule), $\gamma$ = ``gamma`` in [0, 1),
    $\epsilon$ = ``eps`` in (0, inf), $E[g^2]$ = ``state.E_g2``; ``eps_inside_sqrt`` is True or
    False. Reference: ``hinton2012rmsprop``. Book: chapter 4b, section "RMSprop".
    """
    learning_rate(eta)
    hyper("gamma", gamma, **DECAY)
    hyper("eps", eps, **EPS)
    switch("eps_inside_sqrt", eps_inside_sqrt)

    def step(theta, grad_fn, state):
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        E_g2 = gamma * state.E_g2 + (1 - gamma) * g * g
        if eps_inside_sqrt:
            theta = theta - eta_t / np.sqrt(E_g2 + eps) * g
        else:
            theta = theta - eta_t * g / (np.sqrt(E_g2) + eps)
        return theta, RMSpropState(state.t + 1, E_g2)

    return make("rmsprop", dict(eta=eta, gamma=gamma, eps=eps, eps_inside_sqrt=eps_inside_sqrt), RMSpropState,
                lambda theta: RMSpropState(0, np.zeros_like(theta)), step)


__all__ = ["adagrad", "adadelta", "rmsprop", "AdagradState", "AdadeltaState", "RMSpropState"]

r"""Adam and its family: Adam, AdamW, AdaMax, Nadam, AMSGrad, QHAdam.

Ruder (2016, sections 4.6-4.10); the book's chapter 4c. The bias corrections $1 - \beta^t$ use
:func:`gdlib.optimizers._base.power` (repeated squaring), so that K runs in one call, with one
$\beta$ per run, equal K separate runs bit for bit.
"""
import math
from typing import Any, NamedTuple

import numpy as np

from .._validate import real
from ._base import DECAY, EPS, RATE, WEIGHT, eta_at, hyper, learning_rate, make, power, switch


class AdamState(NamedTuple):
    t: int
    m: Any
    v: Any


def _adam_family_checks(eta, beta1, beta2, eps):
    learning_rate(eta)
    hyper("beta1", beta1, **DECAY)
    hyper("beta2", beta2, **DECAY)
    hyper("eps", eps, **EPS)


def _zero_moments(theta):
    return AdamState(0, np.zeros_like(theta), np.zeros_like(theta))


def adam(eta=0.001, beta1=0.9, beta2=0.999, eps=1e-8, bias_correction=True):
    r"""Adam (Kingma & Ba 2015; Ruder 2016, section 4.6).

    $m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t$, $v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$,
    $\hat m_t = m_t / (1-\beta_1^t)$, $\hat v_t = v_t / (1-\beta_2^t)$,
    $\theta_{t+1} = \theta_t - \dfrac{\eta}{\sqrt{\hat v_t} + \epsilon}\hat m_t$.

    Epsilon is added *outside* the square root, as in the paper and ``torch.optim.Adam``
    (some lecture notes put it inside). ``bias_correction=False`` drops the hats, to show what
    the correction is for.

    Symbols: $\eta$ = ``eta`` in [0, inf) (a number, one per run, or a schedule),
    $\beta_1$, $\beta_2$ = ``beta1``, ``beta2`` in [0, 1), $\epsilon$ = ``eps`` in (0, inf);
    $m, v$ = ``state.m, state.v``; $t$ = ``state.t`` after the update;
    ``bias_correction`` is True or False. Reference: ``kingma2015adam``.
    Book: algorithm ``alg-adam`` (chapter 4c).
    """
    _adam_family_checks(eta, beta1, beta2, eps)
    switch("bias_correction", bias_correction)

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g           # first moment
        v = beta2 * state.v + (1 - beta2) * g * g       # second moment
        if bias_correction:
            m_hat = m / (1 - power(beta1, t))           # m_hat_t = m_t / (1 - beta1^t)
            v_hat = v / (1 - power(beta2, t))           # v_hat_t = v_t / (1 - beta2^t)
        else:
            m_hat, v_hat = m, v
        theta = theta - eta_t / (np.sqrt(v_hat) + eps) * m_hat
        return theta, AdamState(t, m, v)

    return make("adam", dict(eta=eta, beta1=beta1, beta2=beta2, eps=eps, bias_correction=bias_correction),
                AdamState, _zero_moments, step)


def adamw(eta=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    r"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019).

    $\theta_{t+1} = \theta_t - \eta\left(\dfrac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} + \lambda\,\theta_t\right)$,
    with $\hat m_t, \hat v_t$ as in Adam computed from the gradient of the loss alone, and
    $\lambda$ = ``weight_decay``. Adding $\tfrac{\lambda}{2}\|\theta\|^2$ to the loss instead (L2
    regularisation) would push the decay through $\hat v_t$ and shrink it where gradients are large.
    Matches ``torch.optim.AdamW(lr=eta, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)``;
    the paper's schedule multiplier is ``eta`` given as a schedule.

    Symbols: $\eta$ = ``eta`` in [0, inf) (a number, one per run, or a schedule),
    $\beta_1$, $\beta_2$ = ``beta1``, ``beta2`` in [0, 1), $\epsilon$ = ``eps`` in (0, inf);
    $\lambda$ = ``weight_decay`` in [0, inf). Reference:
    ``loshchilov2019decoupled``. Book: chapter 4c, section "AdamW: decoupled weight decay".
    """
    _adam_family_checks(eta, beta1, beta2, eps)
    hyper("weight_decay", weight_decay, **RATE)

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        m_hat = m / (1 - power(beta1, t))
        v_hat = v / (1 - power(beta2, t))
        theta = theta - eta_t * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * theta)
        return theta, AdamState(t, m, v)

    return make("adamw", dict(eta=eta, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay),
                AdamState, _zero_moments, step)


class AdaMaxState(NamedTuple):
    t: int
    m: Any
    u: Any


def adamax(eta=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    r"""AdaMax (Kingma & Ba 2015, section 7.1; Ruder 2016, section 4.7).

    Adam's $\ell_2$ norm of past gradients generalised to $\ell_\infty$:
    $u_t = \max(\beta_2 u_{t-1}, |g_t|)$, $\theta_{t+1} = \theta_t - \dfrac{\eta}{u_t}\hat m_t$
    with $\hat m_t = m_t / (1-\beta_1^t)$ (bias-corrected with $\beta_1$, not $\beta_2$;
    $u_t$ needs no correction).

    The paper has no epsilon; like ``torch.optim.Adamax`` we use
    $u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon)$ so that a coordinate whose gradient has
    always been exactly zero does not divide 0 by 0.

    Symbols: $\eta$ = ``eta`` in [0, inf) (a number, one per run, or a schedule),
    $\beta_1$, $\beta_2$ = ``beta1``, ``beta2`` in [0, 1), $\epsilon$ = ``eps`` in (0, inf);
    $m, u$ = ``state.m, state.u``. Reference: ``kingma2015adam``.
    Book: chapter 4c, section "AdaMax: the infinity norm".
    """
    _adam_family_checks(eta, beta1, beta2, eps)

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g
        u = np.maximum(beta2 * state.u, np.abs(g) + eps)    # u_t = max(beta2 u_{t-1}, |g_t|)
        m_hat = m / (1 - power(beta1, t))
        theta = theta - eta_t / u * m_hat
        return theta, AdaMaxState(t, m, u)

    return make("adamax", dict(eta=eta, beta1=beta1, beta2=beta2, eps=eps), AdaMaxState,
                lambda theta: AdaMaxState(0, np.zeros_like(theta), np.zeros_like(theta)), step)


class NadamState(NamedTuple):
    t: int
    m: Any
    v: Any
    mu_product: Any


def _pow_each(base, exponent):
    """``base ** exponent`` by libm's ``pow`` for a float and for every entry of an array alike."""
    if isinstance(exponent, np.ndarray):
        return np.vectorize(math.pow, otypes=[float])(base, exponent)
    return math.pow(base, exponent)


def nadam(eta=0.002, beta1=0.9, beta2=0.999, eps=1e-8, momentum_decay=None):
    r"""Nadam: Adam with Nesterov momentum (Dozat 2016; Ruder 2016, section 4.8).

    ``momentum_decay=None`` (the survey's form, constant $\beta_1$):
    $\theta_{t+1} = \theta_t - \dfrac{\eta}{\sqrt{\hat v_t} + \epsilon}
    \left(\beta_1 \hat m_t + \dfrac{(1-\beta_1) g_t}{1-\beta_1^t}\right)$.
    The look-ahead is the $\beta_1 \hat m_t$ term: the *current* momentum replaces the previous
    one, which is what makes this Nesterov rather than Adam.

    ``momentum_decay=psi`` (e.g. 0.004): Dozat's momentum schedule as in ``torch.optim.NAdam``,
    $\mu_t = \beta_1(1 - \tfrac12 0.96^{t\psi})$,
    $\theta_{t+1} = \theta_t - \dfrac{\eta}{\sqrt{\hat v_t}+\epsilon}\left(
    \dfrac{\mu_{t+1} m_t}{1 - \prod_{i\le t+1}\mu_i} + \dfrac{(1-\mu_t) g_t}{1-\prod_{i\le t}\mu_i}\right)$,
    with $0.96^{t\psi}$ computed as $(0.96^\psi)^t$.

    Symbols: $\eta$ = ``eta`` in [0, inf) (a number, one per run, or a schedule),
    $\beta_1$, $\beta_2$ = ``beta1``, ``beta2`` in [0, 1), $\epsilon$ = ``eps`` in (0, inf);
    $\psi$ = ``momentum_decay``, None or a number in [0, inf) (``False``
    is refused, not read as 0); $\prod_i \mu_i$ = ``state.mu_product``. Reference:
    ``dozat2016incorporating``. Book: chapter 4c, section "Nadam: Nesterov's look-ahead inside Adam".
    """
    _adam_family_checks(eta, beta1, beta2, eps)
    if momentum_decay is not None:
        real("momentum_decay", momentum_decay, **RATE)
        decay = _pow_each(0.96, momentum_decay)         # 0.96^psi, once: mu_t needs (0.96^psi)^t

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        v_hat = v / (1 - power(beta2, t))
        if momentum_decay is None:
            correction = 1 - power(beta1, t)            # 1 - beta1^t
            m_hat = m / correction
            direction = beta1 * m_hat + (1 - beta1) * g / correction
            mu_product = state.mu_product
        else:
            mu_t = beta1 * (1 - 0.5 * power(decay, t))              # mu_t = beta1 (1 - 0.96^(t psi) / 2)
            mu_next = beta1 * (1 - 0.5 * power(decay, t + 1))
            mu_product = state.mu_product * mu_t
            direction = (mu_next * m / (1 - mu_product * mu_next)
                         + (1 - mu_t) * g / (1 - mu_product))
        theta = theta - eta_t / (np.sqrt(v_hat) + eps) * direction
        return theta, NadamState(t, m, v, mu_product)

    return make("nadam", dict(eta=eta, beta1=beta1, beta2=beta2, eps=eps, momentum_decay=momentum_decay),
                NadamState, lambda theta: NadamState(0, np.zeros_like(theta), np.zeros_like(theta), 1.0), step)


class AMSGradState(NamedTuple):
    t: int
    m: Any
    v: Any
    v_hat: Any


def amsgrad(eta=0.001, beta1=0.9, beta2=0.999, eps=1e-8, bias_correction=False):
    r"""AMSGrad (Reddi et al. 2018; Ruder 2016, section 4.9).

    $m_t, v_t$ as in Adam, $\hat v_t = \max(\hat v_{t-1}, v_t)$,
    $\theta_{t+1} = \theta_t - \dfrac{\eta}{\sqrt{\hat v_t} + \epsilon} m_t$:
    the step size can never grow, which is what fixes Adam's non-convergence example.

    As in the survey and the paper there is no bias correction by default.
    ``bias_correction=True`` gives ``torch.optim.Adam(amsgrad=True)``: the maximum is taken over
    the *uncorrected* $v_t$, then both moments are bias-corrected,
    $\theta_{t+1} = \theta_t - \eta\,\dfrac{m_t/(1-\beta_1^t)}{\sqrt{\hat v_t/(1-\beta_2^t)} + \epsilon}$.

    Symbols: $\eta$ = ``eta`` in [0, inf) (a number, one per run, or a schedule),
    $\beta_1$, $\beta_2$ = ``beta1``, ``beta2`` in [0, 1), $\epsilon$ = ``eps`` in (0, inf);
    $m, v, \hat v$ = ``state.m, state.v, state.v_hat``;
    ``bias_correction`` is True or False. Reference: ``reddi2018convergence``.
    Book: chapter 4c, section "AMSGrad: when Adam's memory is too short".
    """
    _adam_family_checks(eta, beta1, beta2, eps)
    switch("bias_correction", bias_correction)

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        v_hat = np.maximum(state.v_hat, v)              # v_hat_t = max(v_hat_{t-1}, v_t)
        if bias_correction:
            theta = theta - eta_t * (m / (1 - power(beta1, t))) / (np.sqrt(v_hat / (1 - power(beta2, t))) + eps)
        else:
            theta = theta - eta_t / (np.sqrt(v_hat) + eps) * m
        return theta, AMSGradState(t, m, v, v_hat)

    return make("amsgrad", dict(eta=eta, beta1=beta1, beta2=beta2, eps=eps, bias_correction=bias_correction),
                AMSGradState, lambda theta: AMSGradState(0, *(np.zeros_like(theta) for _ in range(3))), step)


def qhadam(eta=0.001, beta1=0.995, beta2=0.999, nu1=0.7, nu2=1.0, eps=1e-8):
    r"""QHAdam: quasi-hyperbolic Adam (Ma & Yarats 2019; Ruder 2016, section 4.10).

    $m_t, v_t, \hat m_t, \hat v_t$ as in Adam, and
    $\theta_{t+1} = \theta_t - \eta\, \dfrac{(1-\nu_1)\, g_t + \nu_1 \hat m_t}
    {\sqrt{(1-\nu_2)\, g_t^2 + \nu_2 \hat v_t} + \epsilon}$:
    each moment is a weighted average of the current gradient (weight $1-\nu$) and the
    exponential average (weight $\nu$). ``nu1 = nu2 = 1`` is Adam; ``nu1 = 0, nu2 = 1`` is
    RMSprop with a bias-corrected $\hat v_t$; ``nu1 = beta1`` is close to Nadam.

    The defaults are the paper's recommendation for replacing Adam with
    $\beta_1 = 0.9$: $\nu_1 = 0.7$, $\beta_1 = 0.995$, $\nu_2 = 1$, everything else unchanged.
    PyTorch has no QHAdam; the authors' ``qhoptim.pyt.QHAdam(lr=eta, betas=(beta1, beta2),
    nus=(nu1, nu2), eps=eps)`` computes the same rule (it folds the bias correction into the
    running average) but defaults to ``betas=(0.9, 0.999), nus=(1, 1)``, which is Adam.

    Symbols: $\eta$ = ``eta`` in [0, inf) (a number, one per run, or a schedule),
    $\beta_1$, $\beta_2$ = ``beta1``, ``beta2`` in [0, 1), $\epsilon$ = ``eps`` in (0, inf);
    $\nu_1$, $\nu_2$ = ``nu1``, ``nu2`` in [0, 1]. Reference: ``ma2019qhadam``.
    Book: chapter 4c, section "QHAdam: how much the current gradient counts".
    """
    _adam_family_checks(eta, beta1, beta2, eps)
    hyper("nu1", nu1, **WEIGHT)
    hyper("nu2", nu2, **WEIGHT)

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = eta_at(eta, state.t, theta.shape)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g           # first moment
        v = beta2 * state.v + (1 - beta2) * g * g       # second moment
        m_hat = m / (1 - power(beta1, t))
        v_hat = v / (1 - power(beta2, t))
        numerator = (1 - nu1) * g + nu1 * m_hat         # (1 - nu1) g_t + nu1 m_hat_t
        root = np.sqrt((1 - nu2) * g * g + nu2 * v_hat)  # sqrt((1 - nu2) g_t^2 + nu2 v_hat_t)
        theta = theta - eta_t / (root + eps) * numerator
        return theta, AdamState(t, m, v)

    return make("qhadam", dict(eta=eta, beta1=beta1, beta2=beta2, nu1=nu1, nu2=nu2, eps=eps),
                AdamState, _zero_moments, step)


__all__ = ["adam", "adamw", "adamax", "nadam", "amsgrad", "qhadam",
           "AdamState", "AdaMaxState", "NadamState", "AMSGradState"]

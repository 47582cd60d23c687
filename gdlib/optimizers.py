r"""The update rules of Ruder's survey (2016, section 4) and their successors.

Every optimizer is built by a function of its hyperparameters and follows one contract::

    opt = gdlib.optimizers.adam(eta=1e-3)
    state = opt.init(theta)                          # a NamedTuple, e.g. AdamState(t, m, v)
    theta, state = opt.update(theta, grad_fn, state)

* ``theta`` has shape ``(..., d)``; every hyperparameter may be a scalar or an array that
  broadcasts against ``theta`` (e.g. ``eta`` of shape ``(K, 1)`` for K runs of shape ``(K, d)``).
* ``grad_fn(theta)`` returns the gradient at any point; the optimizer decides where to ask
  (NAG asks at the look-ahead point).
* ``eta`` may be a schedule: a callable ``eta(t)`` of the number of steps already taken
  (0 for the first update).
* ``state.t`` counts the updates taken; inside ``update`` the survey's step counter is ``t = state.t + 1``.
* Where PyTorch's ``torch.optim`` uses another convention than the survey, a documented switch
  reproduces it, so that the tests can compare both step for step.
"""
from typing import Any, Callable, NamedTuple

import numpy as np

from ._validate import as_params, check_broadcast, check_range


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


def _eta_at(eta, t):
    """The learning rate for the update after ``t`` completed steps (eta may be a schedule)."""
    value = eta(t) if callable(eta) else eta
    check_range("eta(t)" if callable(eta) else "eta", value, low=0)
    return value


def _make(name, hyper, make_state, step):
    """Wrap a state constructor and a step function into an Optimizer with checked inputs."""
    def init(theta):
        theta = as_params(theta)
        for key, value in hyper.items():
            if not isinstance(value, (bool, str)) and value is not None:
                check_broadcast(key, value, theta.shape)
        return make_state(theta)

    def update(theta, grad_fn, state):
        return step(as_params(theta), grad_fn, state)

    return Optimizer(name, hyper, init, update)


_RATE = dict(low=0)                     # eta, weight decay: [0, inf)
_DECAY = dict(low=0, high=1, high_open=True)   # gamma, beta1, beta2: [0, 1)
_EPS = dict(low=0, low_open=True)       # eps: (0, inf)


# --- plain gradient descent -------------------------------------------------------------

class SGDState(NamedTuple):
    t: int


def sgd(eta=0.01):
    r"""Gradient descent: $\theta_{t+1} = \theta_t - \eta\, g_t$ with $g_t = \nabla J(\theta_t)$.

    Batch, stochastic or mini-batch depending on what ``grad_fn`` computes (Ruder 2016, section 2).
    Matches ``torch.optim.SGD(lr=eta)``.
    """
    check_range("eta", eta, **_RATE)

    def step(theta, grad_fn, state):
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        theta = theta - eta_t * g                       # theta <- theta - eta g
        return theta, SGDState(state.t + 1)

    return _make("sgd", dict(eta=eta), lambda theta: SGDState(0), step)


# --- momentum ---------------------------------------------------------------------------

class MomentumState(NamedTuple):
    t: int
    v: Any


def momentum(eta=0.01, gamma=0.9, form="survey"):
    r"""Momentum (Qian 1999; Ruder 2016, section 4.1).

    ``form="survey"``: $v_t = \gamma v_{t-1} + \eta\, g_t$, $\theta_{t+1} = \theta_t - v_t$.

    ``form="pytorch"``: $v_t = \gamma v_{t-1} + g_t$, $\theta_{t+1} = \theta_t - \eta\, v_t$
    (``torch.optim.SGD(lr=eta, momentum=gamma)``). With a constant ``eta`` the two give the same
    path (the survey's $v$ is $\eta$ times PyTorch's); with a schedule they differ, because the
    survey's velocity remembers old learning rates.

    gamma: momentum coefficient in [0, 1), typically 0.9.
    """
    check_range("eta", eta, **_RATE)
    check_range("gamma", gamma, **_DECAY)
    if form not in ("survey", "pytorch"):
        raise ValueError(f"form must be 'survey' or 'pytorch', got {form!r}")

    def step(theta, grad_fn, state):
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        if form == "survey":
            v = gamma * state.v + eta_t * g             # v_t = gamma v_{t-1} + eta g_t
            theta = theta - v                           # theta_{t+1} = theta_t - v_t
        else:
            v = gamma * state.v + g                     # v_t = gamma v_{t-1} + g_t
            theta = theta - eta_t * v                   # theta_{t+1} = theta_t - eta v_t
        return theta, MomentumState(state.t + 1, v)

    return _make("momentum", dict(eta=eta, gamma=gamma, form=form),
                 lambda theta: MomentumState(0, np.zeros_like(theta)), step)


class NAGState(NamedTuple):
    t: int
    v: Any


def nag(eta=0.01, gamma=0.9, form="survey"):
    r"""Nesterov accelerated gradient (Nesterov 1983; Sutskever et al. 2013; Ruder 2016, section 4.2).

    ``form="survey"``: the gradient is taken at the look-ahead point,
    $v_t = \gamma v_{t-1} + \eta \nabla J(\theta_t - \gamma v_{t-1})$, $\theta_{t+1} = \theta_t - v_t$.

    ``form="pytorch"``: ``torch.optim.SGD(lr=eta, momentum=gamma, nesterov=True)`` stores the
    look-ahead point itself, $\phi_t = \theta_t - \gamma v_{t-1}$, and a buffer $b_t = v_t / \eta$:
    $b_t = \gamma b_{t-1} + \nabla J(\phi_t)$, $\phi_{t+1} = \phi_t - \eta(\nabla J(\phi_t) + \gamma b_t)$.
    After the same number of updates, PyTorch's parameter equals the survey form's ``theta - gamma * state.v``.
    Both forms produce the same sequence of gradient evaluations; their ``theta`` differ by
    $\gamma v_t$, which tends to zero as the run converges.
    """
    check_range("eta", eta, **_RATE)
    check_range("gamma", gamma, **_DECAY)
    if form not in ("survey", "pytorch"):
        raise ValueError(f"form must be 'survey' or 'pytorch', got {form!r}")

    def step(theta, grad_fn, state):
        eta_t = _eta_at(eta, state.t)
        if form == "survey":
            g = grad_fn(theta - gamma * state.v)        # gradient at the look-ahead point
            v = gamma * state.v + eta_t * g             # v_t = gamma v_{t-1} + eta grad J(theta - gamma v_{t-1})
            theta = theta - v                           # theta_{t+1} = theta_t - v_t
        else:
            g = grad_fn(theta)                          # theta is already the look-ahead point
            v = gamma * state.v + g                     # b_t = gamma b_{t-1} + g
            theta = theta - eta_t * (g + gamma * v)     # phi_{t+1} = phi_t - eta (g + gamma b_t)
        return theta, NAGState(state.t + 1, v)

    return _make("nag", dict(eta=eta, gamma=gamma, form=form),
                 lambda theta: NAGState(0, np.zeros_like(theta)), step)


# --- per-parameter learning rates -------------------------------------------------------

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
    """
    check_range("eta", eta, **_RATE)
    check_range("eps", eps, **_EPS)

    def step(theta, grad_fn, state):
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        G = state.G + g * g                             # G_t = G_{t-1} + g_t^2
        if eps_inside_sqrt:
            theta = theta - eta_t / np.sqrt(G + eps) * g
        else:
            theta = theta - eta_t * g / (np.sqrt(G) + eps)
        return theta, AdagradState(state.t + 1, G)

    return _make("adagrad", dict(eta=eta, eps=eps, eps_inside_sqrt=eps_inside_sqrt),
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
    """
    check_range("gamma", gamma, **_DECAY)
    check_range("eps", eps, **_EPS)
    check_range("eta", eta, **_RATE)

    def step(theta, grad_fn, state):
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        E_g2 = gamma * state.E_g2 + (1 - gamma) * g * g
        dtheta = -np.sqrt(state.E_dtheta2 + eps) / np.sqrt(E_g2 + eps) * g   # -RMS[dtheta]_{t-1} / RMS[g]_t g_t
        E_dtheta2 = gamma * state.E_dtheta2 + (1 - gamma) * dtheta * dtheta
        theta = theta + eta_t * dtheta
        return theta, AdadeltaState(state.t + 1, E_g2, E_dtheta2)

    return _make("adadelta", dict(gamma=gamma, eps=eps, eta=eta),
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
    """
    check_range("eta", eta, **_RATE)
    check_range("gamma", gamma, **_DECAY)
    check_range("eps", eps, **_EPS)

    def step(theta, grad_fn, state):
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        E_g2 = gamma * state.E_g2 + (1 - gamma) * g * g
        if eps_inside_sqrt:
            theta = theta - eta_t / np.sqrt(E_g2 + eps) * g
        else:
            theta = theta - eta_t * g / (np.sqrt(E_g2) + eps)
        return theta, RMSpropState(state.t + 1, E_g2)

    return _make("rmsprop", dict(eta=eta, gamma=gamma, eps=eps, eps_inside_sqrt=eps_inside_sqrt),
                 lambda theta: RMSpropState(0, np.zeros_like(theta)), step)


# --- Adam and its family ----------------------------------------------------------------

class AdamState(NamedTuple):
    t: int
    m: Any
    v: Any


def _adam_family_checks(eta, beta1, beta2, eps):
    check_range("eta", eta, **_RATE)
    check_range("beta1", beta1, **_DECAY)
    check_range("beta2", beta2, **_DECAY)
    check_range("eps", eps, **_EPS)


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
    """
    _adam_family_checks(eta, beta1, beta2, eps)

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g           # first moment
        v = beta2 * state.v + (1 - beta2) * g * g       # second moment
        if bias_correction:
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
        else:
            m_hat, v_hat = m, v
        theta = theta - eta_t / (np.sqrt(v_hat) + eps) * m_hat
        return theta, AdamState(t, m, v)

    return _make("adam", dict(eta=eta, beta1=beta1, beta2=beta2, eps=eps, bias_correction=bias_correction),
                 _zero_moments, step)


def adamw(eta=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    r"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019).

    $\theta_{t+1} = \theta_t - \eta\left(\dfrac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} + \lambda\,\theta_t\right)$,
    with $\hat m_t, \hat v_t$ as in Adam computed from the gradient of the loss alone, and
    $\lambda$ = ``weight_decay``. Adding $\tfrac{\lambda}{2}\|\theta\|^2$ to the loss instead (L2
    regularisation) would push the decay through $\hat v_t$ and shrink it where gradients are large.
    Matches ``torch.optim.AdamW(lr=eta, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)``;
    the paper's schedule multiplier is ``eta`` given as a schedule.
    """
    _adam_family_checks(eta, beta1, beta2, eps)
    check_range("weight_decay", weight_decay, **_RATE)

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        theta = theta - eta_t * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * theta)
        return theta, AdamState(t, m, v)

    return _make("adamw", dict(eta=eta, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay),
                 _zero_moments, step)


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
    """
    _adam_family_checks(eta, beta1, beta2, eps)

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g
        u = np.maximum(beta2 * state.u, np.abs(g) + eps)    # u_t = max(beta2 u_{t-1}, |g_t|)
        m_hat = m / (1 - beta1 ** t)
        theta = theta - eta_t / u * m_hat
        return theta, AdaMaxState(t, m, u)

    return _make("adamax", dict(eta=eta, beta1=beta1, beta2=beta2, eps=eps),
                 lambda theta: AdaMaxState(0, np.zeros_like(theta), np.zeros_like(theta)), step)


class NadamState(NamedTuple):
    t: int
    m: Any
    v: Any
    mu_product: Any


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
    \dfrac{\mu_{t+1} m_t}{1 - \prod_{i\le t+1}\mu_i} + \dfrac{(1-\mu_t) g_t}{1-\prod_{i\le t}\mu_i}\right)$.
    """
    _adam_family_checks(eta, beta1, beta2, eps)
    if momentum_decay is not None:
        check_range("momentum_decay", momentum_decay, low=0)

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        v_hat = v / (1 - beta2 ** t)
        if momentum_decay is None:
            m_hat = m / (1 - beta1 ** t)
            direction = beta1 * m_hat + (1 - beta1) * g / (1 - beta1 ** t)
            mu_product = state.mu_product
        else:
            mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
            mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
            mu_product = state.mu_product * mu_t
            direction = (mu_next * m / (1 - mu_product * mu_next)
                         + (1 - mu_t) * g / (1 - mu_product))
        theta = theta - eta_t / (np.sqrt(v_hat) + eps) * direction
        return theta, NadamState(t, m, v, mu_product)

    return _make("nadam", dict(eta=eta, beta1=beta1, beta2=beta2, eps=eps, momentum_decay=momentum_decay),
                 lambda theta: NadamState(0, np.zeros_like(theta), np.zeros_like(theta), 1.0), step)


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
    """
    _adam_family_checks(eta, beta1, beta2, eps)

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g * g
        v_hat = np.maximum(state.v_hat, v)              # v_hat_t = max(v_hat_{t-1}, v_t)
        if bias_correction:
            theta = theta - eta_t * (m / (1 - beta1 ** t)) / (np.sqrt(v_hat / (1 - beta2 ** t)) + eps)
        else:
            theta = theta - eta_t / (np.sqrt(v_hat) + eps) * m
        return theta, AMSGradState(t, m, v, v_hat)

    return _make("amsgrad", dict(eta=eta, beta1=beta1, beta2=beta2, eps=eps, bias_correction=bias_correction),
                 lambda theta: AMSGradState(0, *(np.zeros_like(theta) for _ in range(3))), step)


ALL = {f.__name__: f for f in (sgd, momentum, nag, adagrad, adadelta, rmsprop,
                               adam, adamax, nadam, amsgrad, adamw)}
"""Every optimizer factory by name, in the survey's order, then AdamW (QHAdam and AggMo join below)."""


# --- after the survey: quasi-hyperbolic and aggregated momentum --------------------------

def qhadam(eta=0.001, beta1=0.995, beta2=0.999, nu1=0.7, nu2=1.0, eps=1e-8):
    r"""QHAdam: quasi-hyperbolic Adam (Ma & Yarats 2019; Ruder 2016, section 4.10).

    $m_t, v_t, \hat m_t, \hat v_t$ as in Adam, and
    $\theta_{t+1} = \theta_t - \eta\, \dfrac{(1-\nu_1)\, g_t + \nu_1 \hat m_t}
    {\sqrt{(1-\nu_2)\, g_t^2 + \nu_2 \hat v_t} + \epsilon}$:
    each moment is a weighted average of the current gradient (weight $1-\nu$) and the
    exponential average (weight $\nu$). ``nu1 = nu2 = 1`` is Adam; ``nu1 = 0, nu2 = 1`` is
    RMSprop with a bias-corrected $\hat v_t$; ``nu1 = beta1`` is close to Nadam.

    nu1, nu2: in [0, 1]. The defaults are the paper's recommendation for replacing Adam with
    $\beta_1 = 0.9$: $\nu_1 = 0.7$, $\beta_1 = 0.995$, $\nu_2 = 1$, everything else unchanged.
    PyTorch has no QHAdam; the authors' ``qhoptim.pyt.QHAdam(lr=eta, betas=(beta1, beta2),
    nus=(nu1, nu2), eps=eps)`` computes the same rule (it folds the bias correction into the
    running average) but defaults to ``betas=(0.9, 0.999), nus=(1, 1)``, which is Adam.
    """
    _adam_family_checks(eta, beta1, beta2, eps)
    check_range("nu1", nu1, low=0, high=1)
    check_range("nu2", nu2, low=0, high=1)

    def step(theta, grad_fn, state):
        t = state.t + 1
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        m = beta1 * state.m + (1 - beta1) * g           # first moment
        v = beta2 * state.v + (1 - beta2) * g * g       # second moment
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        numerator = (1 - nu1) * g + nu1 * m_hat         # (1 - nu1) g_t + nu1 m_hat_t
        root = np.sqrt((1 - nu2) * g * g + nu2 * v_hat)  # sqrt((1 - nu2) g_t^2 + nu2 v_hat_t)
        theta = theta - eta_t / (root + eps) * numerator
        return theta, AdamState(t, m, v)

    return _make("qhadam", dict(eta=eta, beta1=beta1, beta2=beta2, nu1=nu1, nu2=nu2, eps=eps),
                 _zero_moments, step)


class AggMoState(NamedTuple):
    t: int
    v: Any          # (K,) + theta.shape: one velocity per damping coefficient


def aggmo(eta=0.1, betas=(0.0, 0.9, 0.99)):
    r"""Aggregated momentum (Lucas et al. 2019; Ruder 2016, section 4.10).

    K velocities, one per damping coefficient $\beta^{(i)}$, all driven by the same gradient:
    $v^{(i)}_t = \beta^{(i)} v^{(i)}_{t-1} - g_t$ for $i = 1, \dots, K$,
    $\theta_{t+1} = \theta_t + \dfrac{\eta}{K} \sum_{i=1}^K v^{(i)}_t$.
    The small betas damp the oscillations that the large ones would cause on their own.

    betas: a sequence of K numbers in [0, 1), shared by every run (the paper's default
    (0, 0.9, 0.99) is $\beta^{(i)} = 1 - 0.1^{i-1}$). ``eta`` may be an array (one per run) or a
    schedule. The state stacks the velocities in one array of shape ``(K,) + theta.shape``.
    With a single beta this is ``momentum(eta, gamma=beta, form="pytorch")`` with the sign of the
    velocity flipped. PyTorch has no AggMo; the authors' PyTorch code keeps buffers
    $b^{(i)} = \beta^{(i)} b^{(i)} + g_t$ $(= -v^{(i)})$ and subtracts $\tfrac{\eta}{K}\sum_i b^{(i)}$: the same path.
    """
    check_range("eta", eta, **_RATE)
    betas = np.array(betas, dtype=float)
    if betas.ndim != 1 or betas.size == 0:
        raise ValueError(f"betas must be a non-empty sequence of numbers, got shape {betas.shape}")
    check_range("betas", betas, **_DECAY)
    K = betas.size

    def step(theta, grad_fn, state):
        eta_t = _eta_at(eta, state.t)
        g = grad_fn(theta)
        beta = betas.reshape((K,) + (1,) * theta.ndim)  # beta^(i) against the stacked velocities
        v = beta * state.v - g                          # v^(i)_t = beta^(i) v^(i)_{t-1} - g_t
        theta = theta + eta_t / K * np.sum(v, axis=0)   # theta_{t+1} = theta_t + eta / K sum_i v^(i)_t
        return theta, AggMoState(state.t + 1, v)

    opt = _make("aggmo", dict(eta=eta), lambda theta: AggMoState(0, np.zeros((K,) + theta.shape)), step)
    return opt._replace(hyperparameters=dict(eta=eta, betas=tuple(betas.tolist())))


ALL.update(qhadam=qhadam, aggmo=aggmo)

r"""The update rules of Ruder's survey (2016, section 4) and their successors.

Every optimizer is built by a function of its hyperparameters and follows one contract::

    opt = gdlib.optimizers.adam(eta=1e-3)
    state = opt.init(theta)                          # a NamedTuple, e.g. AdamState(t, m, v)
    theta, state = opt.update(theta, grad_fn, state)

* ``theta`` has shape ``(..., d)``; every hyperparameter may be a scalar or an array that
  broadcasts against ``theta`` (e.g. ``eta`` of shape ``(K, 1)`` for K runs of shape ``(K, d)``).
  K runs in one call equal K separate runs bit for bit.
* ``grad_fn(theta)`` returns the gradient at any point, an array shaped like ``theta``; the
  optimizer decides where to ask (NAG asks at the look-ahead point).
* ``eta`` may be a schedule: a callable ``eta(t)`` of the number of steps already taken
  (0 for the first update); its value is checked at every step.
* ``state.t`` counts the updates taken; inside ``update`` the survey's step counter is ``t = state.t + 1``.
* Where PyTorch's ``torch.optim`` uses another convention than the survey, a documented switch
  reproduces it, so that the tests can compare both step for step.
* Bad input raises a ``TypeError``/``ValueError`` naming the argument and its valid range: a
  hyperparameter when the optimizer is built, a shape that does not broadcast at ``init``,
  another optimizer's state or a gradient of the wrong shape at ``update``.

One family per module: :mod:`.momentum_family` (SGD, Momentum, NAG, AggMo), :mod:`.adaptive`
(Adagrad, Adadelta, RMSprop), :mod:`.adam_family` (Adam, AdamW, AdaMax, Nadam, AMSGrad,
QHAdam); the shared machinery is in :mod:`._base`.
"""
from ._base import Optimizer
from .adam_family import (AdaMaxState, AdamState, AMSGradState, NadamState, adam, adamax, adamw,
                          amsgrad, nadam, qhadam)
from .adaptive import AdadeltaState, AdagradState, RMSpropState, adadelta, adagrad, rmsprop
from .momentum_family import AggMoState, MomentumState, NAGState, SGDState, aggmo, momentum, nag, sgd

SURVEY = ("sgd", "momentum", "nag", "adagrad", "adadelta", "rmsprop", "adam", "adamax", "nadam", "amsgrad")
"""The names of the survey's optimizers (Ruder 2016, sections 2 and 4.1-4.9), in its order."""

ALL = {f.__name__: f for f in (sgd, momentum, nag, adagrad, adadelta, rmsprop, adam, adamax, nadam, amsgrad,
                               adamw, qhadam, aggmo)}
"""Every optimizer factory by name: the survey's ten in its order (``SURVEY``), then AdamW,
QHAdam and AggMo."""

__all__ = ["ALL", "SURVEY", "Optimizer",
           "sgd", "momentum", "nag", "adagrad", "adadelta", "rmsprop", "adam", "adamax", "nadam", "amsgrad",
           "adamw", "qhadam", "aggmo",
           "SGDState", "MomentumState", "NAGState", "AdagradState", "AdadeltaState", "RMSpropState",
           "AdamState", "AdaMaxState", "NadamState", "AMSGradState", "AggMoState"]

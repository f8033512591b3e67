"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

import numpy as np

from .optimizer import Optimizer, required

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""``torch.optim.SGD``: with :math:`g_t = \nabla_\theta + \lambda\theta` (weight decay),

    .. math::
        b_1 = g_1,\quad b_t = \mu b_{t-1} + (1-\tau) g_t,\qquad
        \theta \leftarrow \theta - \gamma\,(g_t + \mu b_t \text{ if nesterov else } b_t)

    (no momentum: :math:`\theta \leftarrow \theta - \gamma g_t`).
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False):
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, group):
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        for p, g, state in self._params_with_grad(group):
            if weight_decay != 0:
                g = g + weight_decay * p
            if momentum != 0:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(g, copy=True)
                else:
                    buf *= momentum
                    buf += (1 - dampening) * g
                g = g + momentum * buf if nesterov else buf
            p -= lr * g

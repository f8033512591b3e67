"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

import numpy as np

from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""``torch.optim.RMSprop``:

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\quad
        \theta \leftarrow \theta - \gamma\,\frac{g_t}{\sqrt{v_t} + \epsilon}

    ``centered`` subtracts the square of the running mean gradient from :math:`v_t`;
    ``momentum`` accumulates :math:`b_t = \mu b_{t-1} + g_t / (\sqrt{v_t}+\epsilon)` and steps by
    :math:`\gamma b_t`.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not momentum >= 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not alpha >= 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, group):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        centered = group["centered"]
        for p, g, state in self._params_with_grad(group):
            if not state:
                state["step"] = 0
                state["square_avg"] = np.zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = np.zeros_like(p)
                if centered:
                    state["grad_avg"] = np.zeros_like(p)
            state["step"] += 1
            if weight_decay != 0:
                g = g + weight_decay * p
            v = state["square_avg"]
            v *= alpha
            v += (1 - alpha) * (g * g)
            if centered:
                m = state["grad_avg"]
                m += (1 - alpha) * (g - m)
                avg = np.sqrt(v - m * m)
            else:
                avg = np.sqrt(v)
            avg += eps
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf *= momentum
                buf += g / avg
                p -= lr * buf
            else:
                p -= lr * (g / avg)

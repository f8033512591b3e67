"""Adam and AdamW: bias-corrected running averages of the gradient and its square."""

import math

import numpy as np

from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""``torch.optim.Adam``:

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,
        \quad \theta \leftarrow \theta - \frac{\gamma}{1-\beta_1^t}\,
        \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    ``weight_decay`` adds :math:`\lambda\theta` to the gradient (L2 penalty); ``amsgrad`` uses
    the running maximum of :math:`v_t`.
    """

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False):
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
        for p, g, state in self._params_with_grad(group):
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(p)
                state["exp_avg_sq"] = np.zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = np.zeros_like(p)
            state["step"] += 1
            step = state["step"]
            if weight_decay != 0:
                if self._decoupled:
                    p *= 1 - lr * weight_decay
                else:
                    g = g + weight_decay * p
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m += (1 - beta1) * (g - m)
            v *= beta2
            v += (1 - beta2) * (g * g)
            bias_correction1 = 1 - beta1**step
            bias_correction2_sqrt = math.sqrt(1 - beta2**step)
            if amsgrad:
                vmax = state["max_exp_avg_sq"]
                np.maximum(vmax, v, out=vmax)
                v = vmax
            denom = np.sqrt(v) / bias_correction2_sqrt
            denom += eps
            p -= (lr / bias_correction1) * (m / denom)


class AdamW(Adam):
    r"""``torch.optim.AdamW``: Adam with *decoupled* weight decay,
    :math:`\theta \leftarrow \theta(1 - \gamma\lambda)` before the Adam step (default
    ``weight_decay=1e-2``)."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)

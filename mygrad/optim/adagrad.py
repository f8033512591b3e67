"""Adagrad: per-coordinate step sizes from the running sum of squared gradients."""

import numpy as np

from .optimizer import Optimizer, _array

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""``torch.optim.Adagrad``:

    .. math::
        \tilde\gamma = \frac{\gamma}{1 + (t-1)\eta},\quad s_t = s_{t-1} + g_t^2,\quad
        \theta \leftarrow \theta - \tilde\gamma\,\frac{g_t}{\sqrt{s_t} + \epsilon}
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, *, maximize=False):
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not lr_decay >= 0.0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not initial_accumulator_value >= 0.0:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch creates the state eagerly
            for p in group["params"]:
                arr = _array(p)
                self.state[p] = {
                    "step": 0,
                    "sum": np.full_like(arr, group["initial_accumulator_value"]),
                }

    def _update(self, group):
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        weight_decay = group["weight_decay"]
        for p, g, state in self._params_with_grad(group):
            state["step"] += 1
            if weight_decay != 0:
                g = g + weight_decay * p
            clr = lr / (1 + (state["step"] - 1) * lr_decay)
            s = state["sum"]
            s += g * g
            p -= clr * (g / (np.sqrt(s) + eps))

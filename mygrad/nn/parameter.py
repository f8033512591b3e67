"""``Parameter``: a Tensor that a Module registers as one of its weights."""

import numpy as np

from ..tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` by default. Assigning one to a Module attribute
    adds it to ``module.parameters()``. ``Parameter(t)`` shares ``t``'s array, like torch."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = Tensor._wrap(np.empty(0, dtype=np.float32))
        elif not isinstance(data, Tensor):
            data = Tensor._wrap(np.asarray(data))
        super().__init__(data)
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._rg))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(Tensor._wrap(self._data.copy()), self._rg)
        if self._grad is not None:
            out._grad = Tensor._wrap(self._grad._data.copy())
        memo[id(self)] = out
        return out


def _rebuild_parameter(data, requires_grad):
    return Parameter(Tensor._wrap(data), requires_grad)


def zero_grad(params, set_to_none=True):
    """Reset the gradients of ``params``: to ``None`` (the default, like torch) or to zeros in
    place. ``Module.zero_grad`` and ``Optimizer.zero_grad`` both call this."""
    for p in params:
        g = p._grad
        if g is None:
            continue
        if set_to_none:
            p._grad = None
        else:  # in place, like torch: a gradient with history is detached first
            if g.grad_fn is not None:
                p._grad = g = g.detach()
            g.zero_()

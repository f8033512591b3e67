"""Choosing between tensors elementwise: where, maximum, minimum."""

import numpy as np

from . import _common as C
from ._common import Op


class Where(Op):
    __slots__ = ()
    _torch_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = C.saved_arrays(ctx)
        return None, grad * cond, grad * ~cond


class Maximum(Op):
    """Elementwise max; on ties each side gets half the gradient, like torch."""

    __slots__ = ()
    _torch_name = "MaximumBackward0"
    _ufunc = staticmethod(np.maximum)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return type(ctx)._ufunc(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = C.saved_arrays(ctx)
        wins = (a > b) if type(ctx)._ufunc is np.maximum else (a < b)
        dt = grad.dtype if isinstance(grad, (np.ndarray, np.generic)) else grad._data.dtype
        share = (wins + 0.5 * (a == b)).astype(dt)
        return grad * share, grad * (1 - share)


class Minimum(Maximum):
    __slots__ = ()
    _torch_name = "MinimumBackward0"
    _ufunc = staticmethod(np.minimum)

"""Choosing between tensors elementwise: where, maximum, minimum."""

import numpy as np

from . import _common as C
from ._common import Op


class Where(Op):
    __slots__ = ()
    _torch_name = "WhereBackward0"
    _torch_inputs = (1, 2)  # torch lists the two values, not the condition

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = C.saved_arrays(ctx)
        return None, grad * cond, grad * ~cond


class MaskedFill(Op):
    """``x.masked_fill(mask, value)`` with a number (or a tensor that needs no gradient) as the
    value: torch's node, dtype (x's) and shape (x's; the mask broadcasts to it)."""

    __slots__ = ()
    _torch_name = "MaskedFillBackward0"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        return np.where(mask, np.asarray(value).astype(x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = C.saved_arrays(ctx)
        return grad * ~mask, None, None


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

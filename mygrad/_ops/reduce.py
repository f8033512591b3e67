"""Reductions: sum, mean, max, min (over everything or over ``dim``)."""

import math

import numpy as np

from . import _common as C
from ._common import Op


def _kept_shape(shape, dims):
    return tuple(1 if (dims is None or i in dims) else s for i, s in enumerate(shape))


class SumAll(Op):
    __slots__ = ("shape",)
    _torch_name = "SumBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return np.add.reduce(x, axis=None)  # = x.sum(), without numpy's Python wrapper

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, (np.ndarray, np.generic)):
            out = np.empty(ctx.shape, dtype=grad.dtype)
            out.fill(grad)
            return out
        return grad.expand(ctx.shape)


class SumDim(Op):
    __slots__ = ("shape", "dims", "keepdim")
    _torch_name = "SumBackward1"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = np.shape(x), dims, keepdim
        return np.add.reduce(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdim:
            grad = grad.reshape(_kept_shape(ctx.shape, ctx.dims))
        return C.expand(grad, ctx.shape), None, None


class MeanAll(Op):
    __slots__ = ("shape",)
    _torch_name = "MeanBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        n = x.size
        return np.add.reduce(x, axis=None) / n if n else np.full((), np.nan, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        n = max(math.prod(ctx.shape), 1)
        if isinstance(grad, (np.ndarray, np.generic)):
            out = np.empty(ctx.shape, dtype=grad.dtype)
            out.fill(grad / n)
            return out
        return (grad / n).expand(ctx.shape)


class MeanDim(Op):
    __slots__ = ("shape", "dims", "keepdim")
    _torch_name = "MeanBackward1"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = np.shape(x), dims, keepdim
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.mean(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        kept = _kept_shape(ctx.shape, ctx.dims)
        n = int(np.prod(ctx.shape)) // max(int(np.prod(kept)), 1)
        if not ctx.keepdim:
            grad = grad.reshape(kept)
        return C.expand(grad / max(n, 1), ctx.shape), None, None


class AMax(Op):
    """max over ``dims`` (all when None); ties share the gradient evenly, like torch."""

    __slots__ = ("dims", "keepdim")
    _torch_name = "AmaxBackward0"
    _torch_inputs = 1
    _reduce = staticmethod(np.max)

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        raise NotImplementedError  # replaced below (shared by AMax/AMin/MaxAll/MinAll)

    @staticmethod
    def backward(ctx, grad):
        x, ykeep = C.saved_arrays(ctx)
        mask = x == ykeep
        count = np.sum(mask, axis=ctx.dims, keepdims=True)
        if not ctx.keepdim:
            grad = grad.reshape(np.shape(ykeep))
        return grad * (mask / count), None, None


def _amax_forward(ctx, x, dims=None, keepdim=False):
    ctx.dims, ctx.keepdim = dims, keepdim
    ykeep = type(ctx)._reduce(x, axis=dims, keepdims=True)
    ctx.save_for_backward(x, ykeep)
    return ykeep if keepdim else ykeep.reshape(
        tuple(s for i, s in enumerate(np.shape(x)) if dims is not None and i not in dims))


AMax.forward = staticmethod(_amax_forward)


class AMin(AMax):
    __slots__ = ()
    _torch_name = "AminBackward0"
    _reduce = staticmethod(np.min)


class MaxAll(AMax):
    """``x.max()`` (no dim)."""

    __slots__ = ()
    _torch_name = "MaxBackward1"

    @staticmethod
    def backward(ctx, grad):
        return AMax.backward(ctx, grad)[0]


class MinAll(MaxAll):
    __slots__ = ()
    _torch_name = "MinBackward1"
    _reduce = staticmethod(np.min)


class MaxDim(Op):
    """``x.max(dim)``: the values at ``indices``; the gradient goes to those indices only."""

    __slots__ = ("shape", "dim", "keepdim")
    _torch_name = "MaxBackward0"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, dim, idx, keepdim):
        ctx.shape, ctx.dim, ctx.keepdim = np.shape(x), dim, keepdim
        if np.ndim(x) == 0:
            ctx.save_for_backward(None)
            return np.array(x, copy=True)
        ctx.save_for_backward(idx)
        y = np.take_along_axis(x, idx, axis=dim)
        return y if keepdim else np.squeeze(y, dim)

    @staticmethod
    def backward(ctx, grad):
        (idx,) = C.saved_arrays(ctx)
        if idx is None:
            return grad, None, None, None
        onehot = np.zeros(ctx.shape, dtype=bool)
        np.put_along_axis(onehot, idx, True, axis=ctx.dim)
        if not ctx.keepdim:
            grad = grad.reshape(idx.shape)
        return grad * onehot, None, None, None


class MinDim(MaxDim):
    __slots__ = ()
    _torch_name = "MinBackward0"

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


# ---------------------------------------------------------------------------- var, std, norm
def _regrow(grad, ctx):
    """The reduced gradient, given back the reduced dims (size 1) so that it broadcasts."""
    return grad if ctx.keepdim else grad.reshape(_kept_shape(ctx.shape, ctx.dims))


def _variance(ctx, x, dims, correction, keepdim):
    ctx.shape, ctx.dims, ctx.keepdim = np.shape(x), dims, keepdim
    n = x.size // max(math.prod(_kept_shape(x.shape, dims)), 1) if x.size else 0
    ctx.denom = max(n - correction, 0)
    d = x - np.mean(x, axis=dims, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.add.reduce(d * d, axis=dims, keepdims=keepdim)
                          / x.dtype.type(ctx.denom))


class Var(Op):
    """``x.var(dim, correction=c)``: one node, torch's VarBackward0."""

    __slots__ = ("shape", "dims", "keepdim", "denom")
    _torch_name = "VarBackward0"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.save_for_backward(x)
        return _variance(ctx, x, dims, correction, keepdim)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        centred = x - x.mean(axis=ctx.dims, keepdims=True)
        return _regrow(grad, ctx) * (2.0 / ctx.denom) * centred, None, None, None


class Std(Var):
    __slots__ = ()
    _torch_name = "StdBackward0"

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        out = np.sqrt(_variance(ctx, x, dims, correction, keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        centred = x - x.mean(axis=ctx.dims, keepdims=True)
        zero = np.asarray(_raw(out) == 0)
        if isinstance(out, (np.ndarray, np.generic)):
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(zero, 0, grad / (ctx.denom * out)).astype(x.dtype)
        else:  # torch: grad / (2 * std), masked to 0 where std is 0
            scale = grad / (ctx.denom * out)
            scale = scale.masked_fill(zero, 0.0) if zero.any() else scale
        return _regrow(scale, ctx) * centred, None, None, None


def _raw(x):
    return x if isinstance(x, (np.ndarray, np.generic)) else x._data


class Norm(Op):
    """``x.norm(p, dim)`` for a number p (2, 1, inf, ...): torch's LinalgVectorNormBackward0;
    where the norm is 0 the gradient is 0, like torch's."""

    __slots__ = ("shape", "dims", "keepdim", "p")
    _torch_name = "LinalgVectorNormBackward0"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim, ctx.p = np.shape(x), dims, keepdim, p
        a = np.abs(x)
        if p == 2:
            r = np.sqrt(np.add.reduce(a * a, axis=dims, keepdims=keepdim))
        elif p == math.inf:
            r = np.max(a, axis=dims, keepdims=keepdim)
        elif p == -math.inf:
            r = np.min(a, axis=dims, keepdims=keepdim)
        elif p == 1:
            r = np.add.reduce(a, axis=dims, keepdims=keepdim)
        elif p == 0:
            r = np.add.reduce((a != 0).astype(x.dtype), axis=dims, keepdims=keepdim)
        else:
            r = np.add.reduce(a ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)
        out = np.asarray(r, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        n, g, p = _regrow(out, ctx), _regrow(grad, ctx), ctx.p
        xa, na = _raw(x), _raw(n)
        if p == 0:
            return g * np.zeros_like(xa), None, None, None
        if p == 1:
            return g * np.sign(xa), None, None, None
        if p in (math.inf, -math.inf):  # shared equally among the elements at the extreme
            hit = np.abs(xa) == na
            w = hit * np.sign(xa) / np.add.reduce(hit, axis=ctx.dims, keepdims=True)
            return g * w.astype(xa.dtype), None, None, None
        zero = np.asarray(na == 0)
        tensor = not isinstance(n, (np.ndarray, np.generic))
        if tensor:  # create_graph: tensor operations all the way, zeros masked
            safe = n.masked_fill(zero, 1.0) if zero.any() else n
            gx = g * x / safe if p == 2 else g * (x.sign() * x.abs() ** (p - 1)) / safe ** (p - 1)
            return (gx.masked_fill(zero, 0.0) if zero.any() else gx), None, None, None
        safe = np.where(zero, 1, na).astype(xa.dtype)
        gx = g * x / safe if p == 2 else g * (np.sign(x) * np.abs(x) ** (p - 1)) / safe ** (p - 1)
        if zero.any():
            gx = np.where(zero, 0, gx).astype(xa.dtype)
        return gx, None, None, None

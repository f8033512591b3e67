"""Elementwise functions of one tensor: exp, log, sqrt, sin, cos, tanh, sigmoid, relu, abs,
clamp, and the dtype cast / clone."""

import numpy as np

from ..tensor import Tensor
from . import _common as C
from ._common import Op


class Exp(Op):
    __slots__ = ()
    _torch_name = "ExpBackward0"

    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Op):
    __slots__ = ()
    _torch_name = "LogBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)  # log(0) = -inf, log(-1) = nan, like torch

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Op):
    __slots__ = ()
    _torch_name = "SqrtBackward0"

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)


class Sin(Op):
    __slots__ = ()
    _torch_name = "SinBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * C.cos(x)


class Cos(Op):
    __slots__ = ()
    _torch_name = "CosBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * C.sin(x)


class Tanh(Op):
    __slots__ = ()
    _torch_name = "TanhBackward0"

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class Sigmoid(Op):
    __slots__ = ()
    _torch_name = "SigmoidBackward0"

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):  # e^-x = inf for x < -709 gives y = 0, as in torch
            e = np.exp(-x)
        e += 1
        y = np.reciprocal(e, out=e) if type(e) is np.ndarray else 1 / e  # torch's 1 / (1 + e^-x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


class Relu(Op):
    __slots__ = ()
    _torch_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = C.saved_arrays(ctx)
        g = grad * (y > 0)
        if not isinstance(g, Tensor):
            g += 0.0  # -0.0 (a negative grad times False) becomes +0.0, as torch prints it
        return g


class Abs(Op):
    __slots__ = ()
    _torch_name = "AbsBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = C.saved_arrays(ctx)
        return grad * np.sign(x)


class Clamp(Op):
    __slots__ = ()
    _torch_name = "ClampBackward1"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, lo, hi):
        keep = np.ones(np.shape(x), dtype=bool)
        if lo is not None:
            keep &= x >= lo
        if hi is not None:
            keep &= x <= hi
        ctx.save_for_backward(keep)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        (keep,) = C.saved_arrays(ctx)
        return grad * keep, None, None


class Cast(Op):
    """A dtype conversion between floating types (``x.double()``, ``x.to(float32)``)."""

    __slots__ = ("src",)
    _torch_name = "ToCopyBackward0"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.src = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, (np.ndarray, np.generic)):
            return grad.astype(ctx.src), None
        return grad.to(ctx.src), None


class Clone(Op):
    __slots__ = ()
    _torch_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x):
        return np.array(x, copy=True)

    @staticmethod
    def backward(ctx, grad):
        return grad

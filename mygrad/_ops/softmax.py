"""softmax and log_softmax along one dim, numerically stable (the max is subtracted first)."""

import numpy as np

from ..autograd.function import Function
from . import _common as C


class Softmax(Function):
    __slots__ = ("dim",)
    _saves_output = True
    _torch_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        e = np.exp(x - x.max(axis=dim, keepdims=True))
        y = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        gy = grad * y
        return gy - y * gy.sum(axis=ctx.dim, keepdims=True), None


class LogSoftmax(Function):
    __slots__ = ("dim",)
    _saves_output = True
    _torch_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        shifted = x - x.max(axis=dim, keepdims=True)
        y = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        e = np.exp(y) if isinstance(y, np.ndarray) else C.exp(y)
        return grad - e * grad.sum(axis=ctx.dim, keepdims=True), None

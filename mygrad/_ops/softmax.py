"""softmax and log_softmax along one dim, numerically stable (the max is subtracted first)."""

import numpy as np

from . import _common as C
from ._common import Op


class Softmax(Op):
    __slots__ = ("dim",)
    _torch_name = "SoftmaxBackward0"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        e = np.exp(x - np.maximum.reduce(x, axis=dim, keepdims=True))
        y = e / np.add.reduce(e, axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        gy = grad * y
        if isinstance(gy, np.ndarray):
            return gy - y * np.add.reduce(gy, axis=ctx.dim, keepdims=True), None
        return gy - y * gy.sum(axis=ctx.dim, keepdims=True), None


class LogSoftmax(Op):
    __slots__ = ("dim",)
    _torch_name = "LogSoftmaxBackward0"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        shifted = x - np.maximum.reduce(x, axis=dim, keepdims=True)
        y = shifted - np.log(np.add.reduce(np.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        if isinstance(grad, np.ndarray):
            return grad - np.exp(y) * np.add.reduce(grad, axis=ctx.dim, keepdims=True), None
        return grad - C.exp(y) * grad.sum(axis=ctx.dim, keepdims=True), None

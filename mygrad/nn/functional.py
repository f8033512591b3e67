"""``mygrad.nn.functional``: the stateless functions behind the layers and losses.

Activations and ``softmax`` reuse the engine's operations. ``linear`` and the losses are fused:
each is one :class:`~mygrad.autograd.Function` whose forward computes the whole result with
numpy and whose backward writes the gradient in closed form. That is faster (one graph node
instead of five to ten) and numerically stable where the composition is not (cross-entropy
via log-sum-exp, BCE-with-logits via softplus). Under ``create_graph=True`` the backward
formulas are rebuilt from differentiable tensor operations, so second derivatives work.
"""

import warnings

import numpy as np

from ..autograd import Function
from ..tensor import Tensor

__all__ = [
    "linear", "relu", "tanh", "sigmoid", "softmax", "log_softmax", "flatten",
    "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "nll_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _size(shape):
    return f"mygrad.Size([{', '.join(str(int(s)) for s in shape)}])"


_SCALAR_NAMES = {"float64": "Double", "float32": "Float", "float16": "Half", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _scalar_name(np_dtype):
    """torch's name for a dtype in error messages: Float, Double, Long, ..."""
    return _SCALAR_NAMES.get(np_dtype.name, np_dtype.name)


def _is_array(g):
    return isinstance(g, (np.ndarray, np.generic))


# ============================================================================ linear
class _Linear(Function):
    """y = x Wᵀ + b for a 2-D input x of shape (N, in)."""

    _torch_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = grad @ weight if need[0] else None
        gw = grad.T @ x if need[1] else None
        gb = None
        if len(need) > 2 and need[2]:
            gb = grad.sum(0) if _is_array(grad) else grad.sum(dim=0)
        return gx, gw, gb


class _LinearNoBias(_Linear):
    _torch_name = "MmBackward0"


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` for input of shape (*, in_features)."""
    if input.shape[-1] != weight.shape[-1]:
        rows = int(np.prod(input.shape[:-1])) if input.ndim > 1 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{weight.shape[1]}x{weight.shape[0]})"
        )
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            "mat1 and mat2 must have the same dtype, but got "
            f"{_scalar_name(input._data.dtype)} and {_scalar_name(weight._data.dtype)}"
        )
    fn = _Linear if bias is not None else _LinearNoBias
    if input.ndim == 2:
        return fn.apply(input, weight, bias)
    lead = tuple(input.shape[:-1])
    out = fn.apply(input.reshape(-1, input.shape[-1]), weight, bias)
    return out.reshape(*lead, weight.shape[0])


# ============================================================================ activations
def relu(input, inplace=False):
    return input.relu()


def tanh(input):
    return input.tanh()


def sigmoid(input):
    return input.sigmoid()


def _softmax_dim(ndim):
    warnings.warn(
        "Implicit dimension choice for softmax has been deprecated. Change the call to include "
        "dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None):
    """exp(x) / sum(exp(x)) along ``dim``."""
    if dim is None:
        dim = _softmax_dim(input.ndim)
    return input.softmax(dim)


def log_softmax(input, dim=None):
    """x - logsumexp(x) along ``dim``."""
    if dim is None:
        dim = _softmax_dim(input.ndim)
    return input.log_softmax(dim)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one."""
    shape = tuple(input.shape)
    if len(shape) == 0:
        return input.reshape(1)
    start = start_dim % len(shape)
    end = end_dim % len(shape)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    merged = int(np.prod(shape[start:end + 1], dtype=np.int64))
    return input.reshape(*shape[:start], merged, *shape[end + 1:])


# ============================================================================ reductions
def _reduce(loss, reduction):
    """Reduce an elementwise loss array (numpy) by 'none' / 'mean' / 'sum'."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum())
    return np.asarray(loss.mean())


def _expand_grad(grad, shape, reduction):
    """d(reduced loss)/d(elementwise loss): broadcastable to ``shape``."""
    if reduction == "mean":
        n = int(np.prod(shape, dtype=np.int64))
        return grad / n if n else grad
    return grad


# ============================================================================ MSE
def mse_loss(input, target, reduction="mean"):
    """Mean squared error (``reduction='mean'``), or the sum, or the elementwise squares."""
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({_size(target.shape)}) that is different to the input size "
            f"({_size(input.shape)}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=2,
        )
    return _MSE.apply(input, target, reduction)


class _MSE(Function):
    _torch_name = "MseLossBackward0"

    @staticmethod
    def forward(ctx, x, t, reduction):
        diff = x - t
        ctx.save_for_backward(x, t)
        ctx.reduction = reduction
        ctx.diff = diff
        return _reduce(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        diff = ctx.diff if _is_array(grad) else x - t
        g = 2 * _expand_grad(grad, ctx.diff.shape, ctx.reduction) * diff
        need = ctx.needs_input_grad
        return (g if need[0] else None), (-g if need[1] else None), None


# ============================================================================ BCE
class _BCE(Function):
    _torch_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, p, t, weight, reduction):
        if np.any((p < 0) | (p > 1)):
            raise RuntimeError("all elements of input should be between 0 and 1")
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        loss = -(t * log_p + (1 - t) * log_1mp)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(p, t, weight)
        ctx.reduction = reduction
        ctx.log_ratio = log_1mp - log_p  # d loss / d t
        return _reduce(loss, reduction).astype(p.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        p, t, weight = ctx.saved_tensors
        g = _expand_grad(grad, p.shape, ctx.reduction)
        need = ctx.needs_input_grad
        gp = gt = None
        if need[0]:
            if _is_array(grad):
                gp = g * (p - t) / np.maximum((1 - p) * p, 1e-12)
            else:
                gp = g * (p - t) / ((1 - p) * p).clamp(min=1e-12)
            if weight is not None:
                gp = gp * weight
        if need[1]:
            gt = g * ctx.log_ratio
            if weight is not None:
                gt = gt * weight
        return gp, gt, None, None


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-[t·log(p) + (1-t)·log(1-p)] with the logs clamped at -100 (as torch does)."""
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({_size(target.shape)}) that is different to the input size "
            f"({_size(input.shape)}) is deprecated. Please ensure they have the same size."
        )
    return _BCE.apply(input, target, weight, reduction)


class _BCEWithLogits(Function):
    _torch_name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(ctx, x, t, weight, pos_weight, reduction):
        # softplus(-x) = log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|))
        sp_neg = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
        if pos_weight is None:
            loss = (1 - t) * x + sp_neg
        else:
            loss = (1 - t) * x + (1 + (pos_weight - 1) * t) * sp_neg
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, t, weight, pos_weight)
        ctx.reduction = reduction
        ctx.sp_neg = sp_neg
        return _reduce(loss, reduction).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, t, weight, pw = ctx.saved_tensors
        g = _expand_grad(grad, x.shape, ctx.reduction)
        if weight is not None:
            g = g * weight
        need = ctx.needs_input_grad
        gx = gt = None
        if need[0]:
            if _is_array(grad):
                s = 0.5 * (1 + np.tanh(0.5 * x))  # sigmoid, stable for any x
            else:
                s = x.sigmoid()
            # d/dx [(1-t) x + L softplus(-x)] = (1 - t) - L (1 - s),  L = 1 + (pw - 1) t
            gx = g * (s - t) if pw is None else g * ((1 - t) - (1 + (pw - 1) * t) * (1 - s))
        if need[1]:
            gt = g * (-x) if pw is None else g * (-x + (pw - 1) * ctx.sp_neg)
        return gx, gt, None, None, None


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """BCE of sigmoid(input) computed stably from the logits ``input``."""
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Target size ({_size(target.shape)}) must be the same as input size "
            f"({_size(input.shape)})"
        )
    return _BCEWithLogits.apply(input, target, weight, pos_weight, reduction)


# ============================================================================ cross-entropy
class _CrossEntropy(Function):
    """Cross-entropy of logits x (M, C) against class indices t (M,), optionally with class
    weights, an ignored index and label smoothing. ``log_input=True`` makes it NLL (x already
    holds log-probabilities)."""

    _torch_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, t, weight, ignore_index, reduction, smoothing, log_input):
        m, c = x.shape
        valid = t != ignore_index
        t_safe = np.where(valid, t, 0)
        if np.any(valid & ((t < 0) | (t >= c))):
            bad = t[valid & ((t < 0) | (t >= c))][0]
            raise IndexError(f"Target {bad} is out of bounds.")
        if log_input:
            logp = x
        else:
            shifted = x - x.max(axis=1, keepdims=True)
            logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(m)
        w_t = weight[t_safe] * valid if weight is not None else valid.astype(x.dtype)
        loss = -(1 - smoothing) * w_t * logp[rows, t_safe]
        if smoothing:
            wl = logp * weight if weight is not None else logp
            loss = loss - (smoothing / c) * wl.sum(axis=1) * valid
        if reduction == "mean":
            denom = w_t.sum()
            out = np.asarray(loss.sum() / denom if denom != 0 else np.nan)
        elif reduction == "sum":
            out = np.asarray(loss.sum())
        else:
            out = loss
            denom = None
        ctx.save_for_backward(x)
        ctx.extra = (logp, t_safe, valid, w_t, weight, reduction, smoothing, log_input,
                     denom if reduction == "mean" else None)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        logp, t_safe, valid, w_t, weight, reduction, eps, log_input, denom = ctx.extra
        m, c = logp.shape
        rows = np.arange(m)
        # d loss_i / d x_ic = a_i * s_ic - b_ic   (s = softmax; for NLL input s is absent)
        w_all = weight if weight is not None else np.ones(c, logp.dtype)
        a = (1 - eps) * w_t + (eps / c) * w_all.sum() * valid
        b = np.zeros_like(logp)
        b[rows, t_safe] = (1 - eps) * w_t
        if eps:
            b += (eps / c) * w_all[None, :] * valid[:, None]
        if reduction == "mean":
            scale = 1.0 / denom if denom else np.nan
            a, b = a * scale, b * scale
        if _is_array(grad):
            g = grad[:, None] if reduction == "none" else grad
            if log_input:
                return -g * b, None, None, None, None, None, None
            s = np.exp(logp)
            return g * (s * a[:, None] - b), None, None, None, None, None, None
        g = grad.reshape(m, 1) if reduction == "none" else grad
        if log_input:
            return g * Tensor._wrap(-b), None, None, None, None, None, None
        s = x.softmax(1)
        return (g * (s * Tensor._wrap(a[:, None]) - Tensor._wrap(b)),
                None, None, None, None, None, None)


def _class_targets(input, target, fname):
    """Bring (C,), (N, C) or (N, C, d1, ...) input and matching target to (M, C) and (M,)."""
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":  # = not np.issubdtype(t.dtype, np.integer), >10x cheaper
        raise RuntimeError(
            f"{fname}: expected target of class indices with scalar type Long but found "
            f"{t.dtype}; probability targets are not supported by mygrad"
        )
    shape = input._data.shape
    if len(shape) == 0:
        raise ValueError(f"Expected input to have at least 1 dimension, got {_size(shape)}")
    if len(shape) == 1:
        if t.ndim != 0:
            raise ValueError(
                f"Expected a 0-d target for a 1-d input, got target shape {_size(t.shape)}"
            )
        return input.reshape(1, shape[0]), t.reshape(1), (lambda out: out.reshape(()))
    if t.shape[0] != shape[0]:
        raise ValueError(
            f"Expected input batch_size ({shape[0]}) to match target batch_size ({t.shape[0]})."
        )
    if len(shape) == 2:
        if t.ndim != 1:
            raise RuntimeError(f"expected target of shape {_size(shape[:1])}, got {_size(t.shape)}")
        return input, t, (lambda out: out)
    expected = (shape[0],) + shape[2:]
    if t.shape != expected:
        raise RuntimeError(f"expected target size {_size(expected)}, got {_size(t.shape)}")
    # move the class dim last with one transpose per axis, then flatten
    x = input
    for d in range(1, len(shape) - 1):
        x = x.transpose(d, d + 1)
    x = x.reshape(-1, shape[1])
    moved = (shape[0],) + shape[2:]

    def restore(out):
        return out.reshape(*moved)

    return x, t.reshape(-1), restore


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax + NLL of logits ``input`` (C,), (N, C) or (N, C, d1, ...) against class
    indices ``target``; stable (log-sum-exp) and fused into one graph node."""
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x, t, restore = _class_targets(input, target, "cross_entropy")
    out = _CrossEntropy.apply(x, t, weight, ignore_index, reduction, float(label_smoothing),
                              False)
    return restore(out) if reduction == "none" else out


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood: -input[i, target[i]] (weighted, averaged by the weights)."""
    _check_reduction(reduction)
    x, t, restore = _class_targets(input, target, "nll_loss")
    out = _CrossEntropy.apply(x, t, weight, ignore_index, reduction, 0.0, True)
    return restore(out) if reduction == "none" else out

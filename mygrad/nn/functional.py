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

from .._ops import losses as _L
from .._ops.arithmetic import DivScalar as _DivScalar
from .._ops.linalg import Linear, LinearNoBias
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


# ============================================================================ linear
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
    fn = Linear if bias is not None else LinearNoBias
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
    return _L.MseLoss.apply(input, target, reduction)


# ============================================================================ BCE
def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-[t·log(p) + (1-t)·log(1-p)] with the logs clamped at -100 (as torch does)."""
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({_size(target.shape)}) that is different to the input size "
            f"({_size(input.shape)}) is deprecated. Please ensure they have the same size."
        )
    return _L.BinaryCrossEntropy.apply(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """BCE of sigmoid(input) computed stably from the logits ``input``."""
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Target size ({_size(target.shape)}) must be the same as input size "
            f"({_size(input.shape)})"
        )
    return _L.BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)


# ============================================================================ cross-entropy
def _class_targets(input, target, fname):
    """Bring (C,), (N, C) or (N, C, d1, ...) input and matching target to (M, C) and (M,)."""
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_scalar_name(t.dtype)}"
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
    if (isinstance(target, Tensor) and target._data.dtype.kind == "f"
            and tuple(target.shape) == tuple(input.shape)):
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing)
    x, t, restore = _class_targets(input, target, "cross_entropy")
    out = _L.CrossEntropy.apply(x, t, weight, ignore_index, reduction, float(label_smoothing),
                              False)
    return restore(out) if reduction == "none" else out


def _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing):
    """Targets holding class probabilities, shaped like ``input``: torch's composition
    ``-(log_softmax(input) * target * weight).sum(...)``, with torch's nodes."""
    cdim = 1 if input.ndim > 1 else 0
    n_classes = input.shape[cdim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = log_softmax(input, dim=cdim) * target
    if weight is not None:
        shape = [1] * input.ndim
        shape[cdim] = n_classes
        prod = prod * weight.reshape(shape)
    if reduction == "none":
        return -prod.sum(cdim)
    if reduction == "sum":
        return -prod.sum()
    return _DivScalar.apply(-prod.sum(), input.numel() // n_classes)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood: -input[i, target[i]] (weighted, averaged by the weights)."""
    _check_reduction(reduction)
    x, t, restore = _class_targets(input, target, "nll_loss")
    out = _L.CrossEntropy.apply(x, t, weight, ignore_index, reduction, 0.0, True)
    return restore(out) if reduction == "none" else out

"""``mygrad.nn.utils``: gradient clipping, torch's ``clip_grad_norm_`` and ``clip_grad_value_``."""

import math

import numpy as np

from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients in place so that their joint norm is at most ``max_norm``; return
    the joint norm before clipping (a 0-d tensor), computed as torch does: the norm of the
    per-gradient norms, scaled by ``max_norm / (norm + 1e-6)`` clamped to 1."""
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    with np.errstate(over="ignore", invalid="ignore"):
        norms = [_vector_norm(g._data, norm_type) for g in grads]
        total = _vector_norm(np.stack(norms), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = min(np.float32(max_norm) / (total + np.float32(1e-6)), np.float32(1.0))
    for g in grads:
        g._data *= g._data.dtype.type(coef)
    return Tensor._wrap(np.asarray(total))


def _vector_norm(a, p):
    a = np.abs(a)
    if p == math.inf:
        return a.max()
    if p == -math.inf:
        return a.min()
    if p == 2:
        return np.sqrt((a * a).sum())
    return (a ** p).sum() ** (1.0 / p)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient in place to ``[-clip_value, clip_value]``."""
    c = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -c, c, out=g._data)

"""Matrix products: ``a @ b`` for 1-D, 2-D and batched shapes, with torch's names and errors."""

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from . import _common as C
from ._common import Op, Stage


class Matmul(Op):
    """The general product (batched; torch names this node UnsafeViewBackward0)."""

    __slots__ = ()
    _torch_name = "UnsafeViewBackward0"
    _cross = True  # each input's array is needed only for the other's gradient (versions.py)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        na, nb = len(a.shape), len(b.shape)
        need_a, need_b = C.needs(ctx, 0), C.needs(ctx, 1)
        ga = gb = None
        if na == 1 and nb == 1:                      # (k) . (k) -> ()
            ga = grad * b if need_a else None
            gb = grad * a if need_b else None
        elif na == 1:                                # (k) @ (..., k, n) -> (..., n)
            gs = tuple(grad.shape)
            if need_a:
                ga = (grad.reshape(gs[:-1] + (1, gs[-1])) @ b.swapaxes(-1, -2))
                ga = ga.reshape(gs[:-1] + (a.shape[0],))
            if need_b:
                gb = a.reshape((a.shape[0], 1)) * grad.reshape(gs[:-1] + (1, gs[-1]))
        elif nb == 1:                                # (..., m, k) @ (k) -> (..., m)
            gs = tuple(grad.shape)
            g2 = grad.reshape(gs + (1,))
            if need_a:
                ga = g2 * b
            if need_b:
                gb = (a.swapaxes(-1, -2) @ g2).reshape(gs[:-1] + (b.shape[0],))
        else:                                        # (..., m, k) @ (..., k, n)
            ga = grad @ b.swapaxes(-1, -2) if need_a else None
            gb = a.swapaxes(-1, -2) @ grad if need_b else None
        return ga, gb


class Mm(Matmul):
    """2-D @ 2-D."""

    __slots__ = ()
    _torch_name = "MmBackward0"

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ta, tb = ctx.inputs
        return (grad @ b.T if ta is not None and ta._rg else None,
                a.T @ grad if tb is not None and tb._rg else None)


class Mv(Matmul):
    __slots__ = ()
    _torch_name = "MvBackward0"


class Dot(Matmul):
    __slots__ = ()
    _torch_name = "DotBackward0"


class VecMat(Matmul):
    __slots__ = ()
    _torch_name = "SqueezeBackward4"


def _fmt(shape):
    return "x".join(map(str, shape))


_BY_NDIM = {(2, 2): Mm, (1, 1): Dot, (2, 1): Mv, (1, 2): VecMat}


def matmul(a, b):
    """``a @ b`` with torch's dispatch (dot, mv, mm, batched) and torch's error messages."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul(): argument 'input' and 'other' must be Tensor, not "
                        f"{type(a).__name__} and {type(b).__name__}")
    ad, bd = a._data, b._data
    if ad.dtype is not bd.dtype and ad.dtype != bd.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{a.dtype.name} != {b.dtype.name}")
    cls = _BY_NDIM.get((ad.ndim, bd.ndim), Matmul)
    if cls is Mm and ad.shape[1] == bd.shape[0]:
        return Mm.apply(a, b)  # the common case: no further checks
    _check_matmul_shapes(ad.shape, bd.shape)
    return cls.apply(a, b)


def _check_matmul_shapes(sa, sb):
    na, nb = len(sa), len(sb)
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    ka = sa[-1]
    kb = sb[0] if nb == 1 else sb[-2]
    if ka != kb:
        if na == 1 and nb == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src "
                               f"[{sb[0]}] to have the same number of elements, but got "
                               f"{sa[0]} and {sb[0]} elements respectively")
        if nb == 1 and na == 2:
            raise RuntimeError(f"size mismatch, got input ({sa[0]}), mat ({_fmt(sa)}), vec "
                               f"({sb[0]})")
        left = (1, sa[0]) if na == 1 else sa[-2:]
        right = (sb[0], 1) if nb == 1 else sb[-2:]
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_fmt(left)} and "
                           f"{_fmt(right)})")
    if na > 2 or nb > 2:
        try:
            np.broadcast_shapes(sa[:-2] if na > 2 else (), sb[:-2] if nb > 2 else ())
        except ValueError:
            from .._dispatch import _broadcast_msg

            raise RuntimeError(_broadcast_msg(sa[:-2], sb[:-2])) from None


# fused: the layer nn.Linear computes (torch's node names)
class Linear(Op):
    """y = x Wᵀ + b for a 2-D input x of shape (N, in)."""

    _torch_name = "AddmmBackward0"
    _cross = True  # x is needed only for W's gradient and W only for x's (versions.py)

    @property
    def next_functions(self):
        """torch's order: addmm(bias, x, weight.t()), the weight behind a TBackward0."""
        x, w, b = Function.next_functions.fget(self)
        wt = (Stage("TBackward0", (w,)), 0) if w[0] is not None else w
        return (x, wt) if self.inputs[2] is None else (b, x, wt)

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
            gb = grad.sum(0) if isinstance(grad, np.ndarray) else grad.sum(dim=0)
        return gx, gw, gb


class LinearNoBias(Linear):
    _torch_name = "MmBackward0"

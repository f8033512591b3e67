"""Operations that move numbers without changing them: view/reshape, unsqueeze, squeeze,
expand, transpose/permute, indexing, cat, stack."""

import numpy as np

from ..tensor import Tensor
from ._common import Op


class View(Op):
    __slots__ = ("shape",)
    _torch_name = "ViewBackward0"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = np.shape(x)
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class Unsqueeze(View):
    __slots__ = ()
    _torch_name = "UnsqueezeBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.shape = np.shape(x)
        return np.expand_dims(x, dim)


class Squeeze(View):
    __slots__ = ()
    _torch_name = "SqueezeBackward0"

    @staticmethod
    def forward(ctx, x, dims):
        ctx.shape = np.shape(x)
        return np.squeeze(x, dims)


class SqueezeDim(Squeeze):
    __slots__ = ()
    _torch_name = "SqueezeBackward1"


class Expand(Op):
    """Broadcast to a bigger shape; the engine's unbroadcast sums the gradient back."""

    __slots__ = ()
    _torch_name = "ExpandBackward0"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Permute(Op):
    __slots__ = ("perm",)
    _torch_name = "PermuteBackward0"
    _torch_inputs = 1

    @staticmethod
    def forward(ctx, x, perm):
        ctx.perm = perm
        return np.transpose(x, perm)

    @staticmethod
    def backward(ctx, grad):
        inv = tuple(np.argsort(ctx.perm))
        if isinstance(grad, Tensor):
            return grad.permute(inv), None
        return np.transpose(grad, inv), None


class Transpose(Permute):
    __slots__ = ()
    _torch_name = "TransposeBackward0"


class TransposeT(Permute):
    __slots__ = ()
    _torch_name = "TBackward0"


# ---------------------------------------------------------------------------- indexing
class Select(Op):
    """``x[key]``; the gradient is scattered back into zeros of x's shape.

    Basic indexing (ints, slices, None, ...) never selects an element twice, so plain
    assignment scatters it; integer-array indexing can, so ``Index`` accumulates with
    ``np.add.at`` (``x[[0, 0]]`` gives element 0 a gradient of 2).
    """

    __slots__ = ("shape", "key")
    _torch_name = "SelectBackward0"
    _torch_inputs = 1
    _advanced = False

    @staticmethod
    def forward(ctx, x, key):
        if not isinstance(x, np.ndarray):
            x = np.asarray(x)  # a 0-d result kept as a numpy scalar
        ctx.shape, ctx.key = x.shape, key
        y = x[key]
        if isinstance(y, np.generic):  # one element: a 0-d view (x[0].add_(1) changes x)
            y = x[(key if isinstance(key, tuple) else (key,)) + (Ellipsis,)]
        return y

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):
            return IndexPut.apply(grad, ctx.key, ctx.shape, type(ctx)._advanced), None
        return IndexPut.forward(ctx, grad, ctx.key, ctx.shape, type(ctx)._advanced), None


class Slice(Select):
    __slots__ = ()
    _torch_name = "SliceBackward0"


class UnsqueezeIdx(Select):
    __slots__ = ()
    _torch_name = "UnsqueezeBackward0"


class Index(Select):
    __slots__ = ()
    _torch_name = "IndexBackward0"
    _advanced = True

    @staticmethod
    def forward(ctx, x, key):
        y = Select.forward(ctx, x, key)
        ctx._saved = (key,)  # torch saves the indices: a second backward without retain raises
        return y


class IndexPut(Op):
    """zeros(shape) with ``grad`` added at ``key``: the adjoint of indexing."""

    __slots__ = ("key",)
    _torch_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, grad, key, shape, advanced):
        if isinstance(ctx, IndexPut):
            ctx.key = key
        out = np.zeros(shape, dtype=grad.dtype)  # grad: an array or a numpy scalar
        if advanced:
            np.add.at(out, key, grad)
        else:
            out[key] = grad
        return out

    @staticmethod
    def backward(ctx, g):
        return g[ctx.key], None, None, None


# ---------------------------------------------------------------------------- joining
class Cat(Op):
    """``cat(tensors, dim)``: ``Cat.apply(*tensors, dim)``."""

    __slots__ = ("sizes", "dim")
    _torch_name = "CatBackward0"
    _torch_inputs = -1  # the tensors, not the dim

    @staticmethod
    def forward(ctx, *args):
        *arrays, dim = args
        ctx.dim = dim
        ctx.sizes = [np.shape(a)[dim] for a in arrays]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        out, start = [], 0
        lead = (slice(None),) * ctx.dim
        for n in ctx.sizes:
            out.append(grad[lead + (slice(start, start + n),)])
            start += n
        return (*out, None)


class Stack(Op):
    __slots__ = ("n", "dim")
    _torch_name = "StackBackward0"
    _torch_inputs = -1

    @staticmethod
    def forward(ctx, *args):
        *arrays, dim = args
        ctx.dim, ctx.n = dim, len(arrays)
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.dim
        return (*(grad[lead + (i,)] for i in range(ctx.n)), None)


# ---------------------------------------------------------------------------- in-place writes
class CopySlices(Op):
    """``x[key] = v`` recorded (torch's node for a write through basic indexing): the written
    region's old values get no gradient, ``v`` gets the gradient of that region."""

    __slots__ = ("key", "shape")
    _torch_name = "CopySlices"
    _torch_inputs = 2  # the base and the value, not the key

    def name(self):
        return "torch::autograd::CopySlices"  # torch's C++ node keeps its namespace here

    @staticmethod
    def forward(ctx, x, v, key):
        ctx.key, ctx.shape = key, np.shape(x)
        out = np.array(x, copy=True)
        out[key] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):
            keep = np.ones(ctx.shape, dtype=bool)
            keep[ctx.key] = False
            gx = grad * keep
        else:
            gx = grad.copy()
            gx[ctx.key] = 0
        return gx, grad[ctx.key], None


class IndexPutInplace(CopySlices):
    """``x[mask] = v`` / ``x[indices] = v`` recorded."""

    __slots__ = ()
    _torch_name = "IndexPutBackward0"

    def name(self):
        return self._torch_name


class Fill(Op):
    """``x.fill_(v)`` recorded: x's old values get a zero gradient, a tensor ``v`` the sum."""

    __slots__ = ()
    _torch_name = "FillBackward0"

    @staticmethod
    def forward(ctx, x, v):
        out = np.empty_like(x)
        out[...] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, grad  # the engine sums grad down to v's shape (None for a number)


class FillTensor(Fill):
    __slots__ = ()
    _torch_name = "FillBackward1"


class Zero(Fill):
    __slots__ = ()
    _torch_name = "ZeroBackward0"


class Copy(Fill):
    __slots__ = ()
    _torch_name = "CopyBackwards"


class _Fill:
    """The out-of-place forms ``Tensor.zero_`` / ``fill_`` / ``copy_`` write back."""

    @staticmethod
    def zero(x, v):
        return Zero.apply(x, v)

    @staticmethod
    def fill(x, v):
        return (FillTensor if isinstance(v, Tensor) else Fill).apply(x, v)

    @staticmethod
    def copy(x, src):
        if src._data.shape != x._data.shape:
            try:
                src = src.expand(x._data.shape)
            except RuntimeError:
                from .._dispatch import _broadcast_msg

                raise RuntimeError(_broadcast_msg(x._data.shape, src._data.shape)) from None
        return Copy.apply(x, src)


class BackwardHook(Op):
    """Identity node that module backward hooks attach to (torch's BackwardHookFunction)."""

    __slots__ = ()
    _torch_name = "BackwardHookFunctionBackward"

    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad

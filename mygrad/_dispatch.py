"""From Python arguments to a ``Function``: what Tensor's methods share.

Operand promotion (``_binary``: Python numbers, numpy values, mixed dtypes as torch promotes
them), ``dim`` arguments (``_dims``), ``max``/``min``/``argmax`` with and without ``dim``, and
indexing (``_getitem``: which node a key makes). Errors use torch's words.
"""

import numpy as np

from . import dtypes as _dt
from ._ops.arithmetic import Div, RSub, Sub
from ._ops.reduce import MaxAll, MaxDim, MinAll, MinDim
from ._ops.shape import Index, Select, Slice, UnsqueezeIdx
from ._types import max_return, min_return
from .tensor import _SCALARS, Tensor


def _broadcast_msg(sa, sb):
    """torch's words for two shapes that do not broadcast (rightmost clash reported)."""
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + tuple(sa)
    pb = (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return (f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) "
                    f"at non-singleton dimension {i}")
    return f"shapes {tuple(sa)} and {tuple(sb)} cannot be broadcast together"


def _dims(dim, ndim):
    """Normalise ``dim`` (int, tuple or None) to a tuple of non-negative axes, or None."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        dims = tuple(_dim(d, ndim) for d in dim)
    else:
        dims = (_dim(dim, ndim),)
    return dims if ndim else ()  # a 0-d tensor has no axis to reduce


def _dim(d, ndim):
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {d})")
    return d % n if ndim else 0


def _sizes(args):
    """``(2, 3)``, ``((2, 3),)`` or ``([2, 3],)`` -> ``(2, 3)``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(a) for a in args)


def _raw(x):
    """A numpy array or Python number for any operand; NotImplemented for anything else."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (*_SCALARS, np.ndarray, np.generic)):
        return x
    if isinstance(x, (list, tuple)):
        return np.asarray(x)
    return NotImplemented


def _to_tensor_operand(other, like):
    """Wrap a non-Tensor operand of an arithmetic operator, or return NotImplemented."""
    if isinstance(other, np.ndarray):
        return Tensor._wrap(other)
    if isinstance(other, np.generic):
        return Tensor._wrap(np.asarray(other))
    return NotImplemented


def _binary(op, a, b):
    """``op.apply(a, b)`` with torch's type promotion and torch's broadcasting error."""
    if isinstance(b, Tensor):
        da, db = a._data.dtype, b._data.dtype
        if da is not db and da != db:
            rt = _dt.result_type(a._data, b._data)
            if da != rt:
                a = a.to(rt) if da.kind == "f" else Tensor._wrap(a._data.astype(rt))
            if db != rt:
                b = b.to(rt) if db.kind == "f" else Tensor._wrap(b._data.astype(rt))
        if op is Div and a._data.dtype.kind != "f":
            a, b = a._float(), b._float()
        try:
            return op.apply(a, b)
        except ValueError:
            if a._data.shape != b._data.shape:
                raise RuntimeError(_broadcast_msg(a._data.shape, b._data.shape)) from None
            raise
    tb = type(b)
    if tb is float or tb is int or tb is bool:
        if a._data.dtype.kind != "f" and (tb is float or op is Div):
            a = a._float()
        return op.apply(a, b)
    b = _to_tensor_operand(b, a)
    if b is NotImplemented:
        return NotImplemented
    if op is RSub:
        return _binary(Sub, b, a)
    return _binary(op, a, b)


def _minmax(x, dim, keepdim, is_max):
    if isinstance(dim, Tensor):
        from ._ops.functions import maximum, minimum

        return maximum(x, dim) if is_max else minimum(x, dim)
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(f"{'max' if is_max else 'min'}(): Expected reduction dim to be "
                               "specified for input.numel() == 0. Specify the reduction dim "
                               "with the 'dim' argument.")
        return (MaxAll if is_max else MinAll).apply(x)
    d = _dim(dim, x._data.ndim)
    arr = x._data
    idx = (np.argmax if is_max else np.argmin)(arr, axis=d, keepdims=True) if arr.ndim else \
        np.zeros((), dtype=np.int64)
    values = (MaxDim if is_max else MinDim).apply(x, d, idx, bool(keepdim))
    if arr.ndim and not keepdim:
        idx = np.squeeze(idx, d)
    indices = Tensor._wrap(np.asarray(idx, dtype=np.int64))
    return (max_return if is_max else min_return)(values, indices)


def _arg(x, dim, keepdim, fn, dtype=np.int64):
    """argmax / argmin / all / any: a new tensor of ``dtype`` without history."""
    arr = x._data
    if dim is None:
        out = np.asarray(fn(arr), dtype=dtype)
        if keepdim:
            out = out.reshape((1,) * arr.ndim)
        return Tensor._wrap(out)
    d = _dim(dim, arr.ndim)
    if arr.ndim == 0:
        if dtype is np.int64:
            return Tensor._wrap(np.zeros((), np.int64))
        return Tensor._wrap(np.asarray(fn(arr), dtype=dtype))
    return Tensor._wrap(np.asarray(fn(arr, axis=d, keepdims=bool(keepdim)), dtype=dtype))


def _index(key):
    """Convert Tensors and lists inside an index to numpy arrays."""
    if isinstance(key, tuple):
        return tuple([_index_one(k) for k in key])  # a list is built faster than a generator
    return _index_one(key)


def _index_one(k):
    if isinstance(k, Tensor):
        return k._data
    if isinstance(k, list):
        return np.asarray(k)
    return k


def _getitem(x, key):
    key = _index(key)
    parts = key if isinstance(key, tuple) else (key,)
    cls = Select
    advanced = False
    for p in parts:
        if isinstance(p, np.ndarray) and not (p.ndim == 0 and p.dtype.kind in "iu"):
            advanced = True
            break
    if advanced:
        cls = Index
    else:
        for p in reversed(parts):
            if p is Ellipsis:
                continue
            if p is None:
                cls = UnsqueezeIdx
            elif isinstance(p, slice):
                cls = Slice
            else:
                cls = Select
            break
    try:
        return cls.apply(x, key)
    except IndexError as e:
        raise IndexError(f"{e} (indexing a tensor of shape {tuple(x._data.shape)})") from None

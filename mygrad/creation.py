"""Creating tensors: tensor, zeros, ones, full, arange, linspace, eye, *_like, from_numpy.

dtype rules follow torch: Python floats -> float32 (the default dtype), Python ints -> int64,
bools -> bool; a numpy array keeps its dtype; ``dtype=`` overrides.
"""

import numpy as np

from . import dtypes as _dt
from ._dispatch import _sizes
from ._types import device
from .tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange",
           "linspace", "eye", "zeros_like", "ones_like", "full_like", "empty_like"]

_F32 = np.dtype(np.float32)


def _infer(data):
    """The numpy array for ``tensor(data)`` with torch's dtype inference."""
    if isinstance(data, Tensor):
        return np.array(data._data, copy=True)
    if isinstance(data, np.ndarray):
        _dt.from_numpy_dtype(data.dtype)
        return np.array(data, copy=True)
    if isinstance(data, np.generic):
        return np.array(data)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
        data = _untensor(data)
    arr = np.array(data)
    k = arr.dtype.kind
    if k == "f":
        if arr.dtype != np.float64 or not _has_numpy_float64(data):
            arr = arr.astype(_F32)
    elif k in "iu":
        arr = arr.astype(np.int64)
    elif k == "b":
        pass
    else:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}"
                        if k == "O" else f"can't convert data of dtype {arr.dtype} to a tensor")
    return arr


def _flat(data):
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        else:
            yield x


def _untensor(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_untensor(x) for x in data]
    return data


def _has_numpy_float64(data):
    """True when the data holds numpy float64 scalars (torch keeps those as float64)."""
    if isinstance(data, np.floating):
        return data.dtype == np.float64
    if isinstance(data, (list, tuple)):
        return any(isinstance(x, np.float64) for x in _flat(data))
    return False


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor copying ``data`` (a number, nested lists, a numpy array, a Tensor)."""
    _check_device(device)
    if dtype is not None and not isinstance(data, (Tensor, np.ndarray)):
        # straight to the requested dtype: 0.7 as float64 must not pass through float32
        arr = np.array(_untensor(data), dtype=_dt.to_numpy_dtype(dtype))
    else:
        arr = _infer(data)
        if dtype is not None:
            arr = arr.astype(_dt.to_numpy_dtype(dtype), copy=False)
    return _make(arr, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a numpy array or Tensor when it can."""
    _check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        _dt.from_numpy_dtype(data.dtype)
        arr = data if dtype is None else data.astype(_dt.to_numpy_dtype(dtype), copy=False)
        return Tensor._wrap(arr)
    return tensor(data, dtype=dtype)


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (same dtype)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    return Tensor._wrap(ndarray)


def _check_device(d):
    if d is not None:
        device(d).check()


def _make(arr, requires_grad):
    if requires_grad and arr.dtype.kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    return Tensor._wrap(arr, bool(requires_grad))


def _np_dtype(dtype, default=_F32):
    return default if dtype is None else _dt.to_numpy_dtype(dtype)


def _size_of(args, size, fname):
    """``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros([2, 3])`` or ``zeros(size=(2, 3))``."""
    if size is not None:
        if args:
            raise TypeError(f"{fname}() received an invalid combination of arguments: size given "
                            "both positionally and as size=")
        args = (size,)
    return _sizes(args)


def _finish(arr, requires_grad, out, fname):
    t = _make(arr, requires_grad)
    if out is None:
        return t
    from ._ops.functions import _out

    return _out(t, out, fname)


def zeros(*size, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kw):
    _check_device(device)
    shape = _size_of(size, kw.pop("size", None), "zeros")
    _no_extra(kw, "zeros")
    return _finish(np.zeros(shape, _np_dtype(dtype)), requires_grad, out, "zeros")


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw):
    _check_device(device)
    shape = _size_of(size, kw.pop("size", None), "ones")
    _no_extra(kw, "ones")
    return _finish(np.ones(shape, _np_dtype(dtype)), requires_grad, out, "ones")


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None, **kw):
    """Like torch.empty, but filled with zeros (numpy's empty memory is not interesting)."""
    _check_device(device)
    shape = _size_of(size, kw.pop("size", None), "empty")
    _no_extra(kw, "empty")
    return _finish(np.zeros(shape, _np_dtype(dtype)), requires_grad, out, "empty")


def _no_extra(kw, fname):
    if kw:
        name = next(iter(kw))
        raise TypeError(f"{fname}() got an unexpected keyword argument '{name}'")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    _check_device(device)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = _infer(fill_value).dtype
    return _finish(np.full(_sizes((size,)), fill_value, _dt.to_numpy_dtype(dtype)),
                   requires_grad, out, "full")


def _like_dtype(input, dtype):  # noqa: A002
    return dtype or input.dtype


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
               memory_format=None):
    return zeros(input.shape, dtype=_like_dtype(input, dtype), device=device,
                 requires_grad=requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
              memory_format=None):
    return ones(input.shape, dtype=_like_dtype(input, dtype), device=device,
                requires_grad=requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
               memory_format=None):
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None,  # noqa: A002
              requires_grad=False, memory_format=None):
    return full(input.shape, fill_value, dtype=_like_dtype(input, dtype), device=device,
                requires_grad=requires_grad)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """``arange(5)``, ``arange(1, 4)``, ``arange(0, 1, 0.25)``: int64 when all ints."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    vals = [_num(v) for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, int) and not isinstance(v, bool)
                                 for v in vals) else _dt.float32
    npd = _dt.to_numpy_dtype(dtype)
    # like torch: the length is computed in double precision, values are start + i * step
    n = int(np.ceil((vals[1] - vals[0]) / vals[2]))
    arr = (vals[0] + np.arange(max(n, 0), dtype=np.float64) * vals[2]).astype(npd) \
        if npd.kind == "f" else np.arange(vals[0], vals[1], vals[2], dtype=npd)
    return _finish(arr, requires_grad, out, "arange")


def _num(v):
    return v.item() if isinstance(v, Tensor) else v


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    _check_device(device)
    return _finish(np.linspace(_num(start), _num(end), int(steps)).astype(_np_dtype(dtype)),
                   requires_grad, out, "linspace")


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _check_device(device)
    return _finish(np.eye(n, m, dtype=_np_dtype(dtype)), requires_grad, out, "eye")

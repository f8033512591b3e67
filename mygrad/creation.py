"""Creating tensors: tensor, zeros, ones, full, arange, linspace, eye, *_like, from_numpy.

dtype rules follow torch: Python floats -> float32 (the default dtype), Python ints -> int64,
bools -> bool; a numpy array keeps its dtype; ``dtype=`` overrides.
"""

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor, _sizes, device

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


def tensor(data, dtype=None, device=None, requires_grad=False):
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
        device(d)


def _make(arr, requires_grad):
    if requires_grad and arr.dtype.kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    return Tensor._wrap(arr, bool(requires_grad))


def _np_dtype(dtype, default=_F32):
    return default if dtype is None else _dt.to_numpy_dtype(dtype)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    return _make(np.zeros(_sizes(size), _np_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    return _make(np.ones(_sizes(size), _np_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    if dtype is None:
        dtype = _infer(fill_value).dtype
    return _make(np.full(_sizes((size,)), fill_value, _dt.to_numpy_dtype(dtype)), requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return zeros(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return ones(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return full(input.shape, fill_value, dtype=dtype or input.dtype, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
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
    return _make(arr, requires_grad)


def _num(v):
    return v.item() if isinstance(v, Tensor) else v


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    return _make(np.linspace(_num(start), _num(end), int(steps)).astype(_np_dtype(dtype)),
                 requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    return _make(np.eye(n, m, dtype=_np_dtype(dtype)), requires_grad)

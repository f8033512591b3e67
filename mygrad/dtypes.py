"""Tensor dtypes: mygrad.float32, float64, int64, ... and torch's promotion rules for the subset.

A mygrad dtype is a thin named wrapper around a numpy dtype. Tensors store a numpy array; the
dtype object is looked up from the array's dtype only when someone asks for ``tensor.dtype``.
"""

import numpy as np

__all__ = [
    "dtype", "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
    "get_default_dtype", "to_numpy_dtype", "from_numpy_dtype", "result_type",
]


class dtype:
    """A tensor element type, printed like torch's (``mygrad.float32``)."""

    __slots__ = ("name", "np_dtype", "is_floating_point", "itemsize")

    def __init__(self, name, np_dtype):
        self.name = name
        self.np_dtype = np.dtype(np_dtype)
        self.is_floating_point = self.np_dtype.kind == "f"
        self.itemsize = self.np_dtype.itemsize

    def __repr__(self):
        return f"mygrad.{self.name}"

    def __reduce__(self):
        return (from_numpy_dtype, (self.np_dtype,))


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
uint8 = dtype("uint8", np.uint8)
bool = dtype("bool", np.bool_)  # noqa: A001 - torch.bool

half, float, double = float16, float32, float64  # noqa: A001 - torch aliases
short, int, long = int16, int32, int64  # noqa: A001

_BY_NUMPY = {d.np_dtype: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8,
                                     bool)}
_DEFAULT_FLOAT = np.dtype(np.float32)
_NP_FLOAT32 = np.dtype(np.float32)
_NP_INT64 = np.dtype(np.int64)
_NP_BOOL = np.dtype(np.bool_)


def get_default_dtype():
    """The dtype of tensors created from Python floats (float32, as in torch)."""
    return float32


def from_numpy_dtype(np_dtype):
    """The mygrad dtype for a numpy dtype; TypeError if mygrad has no such dtype."""
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype)}. The only supported "
            "types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_numpy_dtype(d):
    """Accept a mygrad dtype, a numpy dtype or the Python types float/int/bool."""
    if isinstance(d, dtype):
        return d.np_dtype
    if d is _py_float:
        return np.dtype(np.float64)
    if d is _py_int:
        return np.dtype(np.int64)
    if d is _py_bool:
        return np.dtype(np.bool_)
    npd = np.dtype(d)
    from_numpy_dtype(npd)  # validates
    return npd


import builtins as _builtins  # noqa: E402

_py_float, _py_int, _py_bool = _builtins.float, _builtins.int, _builtins.bool


def _category(npd):
    k = npd.kind
    return 2 if k == "f" else (0 if k == "b" else 1)


def result_type(a, b):
    """torch's promotion for two numpy arrays (0-d arrays count as "wrapped scalars").

    Dimensioned tensors win over 0-d tensors of the same category (``float32 * float64 0-d``
    stays float32); a higher category (bool < int < float) always wins.
    """
    da, db = a.dtype, b.dtype
    if da == db:
        return da
    ca, cb = _category(da), _category(db)
    if ca != cb:
        return da if ca > cb else db
    a0, b0 = a.ndim == 0, b.ndim == 0
    if a0 != b0:
        return db if a0 else da
    return np.promote_types(da, db)

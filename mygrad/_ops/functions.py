"""The function forms: ``mygrad.exp(x)``, ``mygrad.sum(x, dim)``, ``mygrad.cat([...])``, ..."""

import numpy as np

from .. import dtypes as _dt
from .._dispatch import _binary, _dim
from ..tensor import Tensor, _numpy_names
from .linalg import matmul as _matmul
from .select import MaskedFill, Maximum, Minimum, Where
from .shape import Cat, Stack

__all__ = [
    "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "pow", "clamp", "clip",
    "sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "softmax", "log_softmax",
    "matmul", "mm", "dot", "reshape", "flatten", "transpose", "permute", "unsqueeze", "squeeze",
    "cat", "concat", "concatenate", "stack", "where", "maximum", "minimum", "numel", "is_tensor",
    "add", "sub", "mul", "div", "neg", "square", "var", "std", "allclose", "equal", "isnan",
    "isfinite", "sign", "t", "detach", "clone", "masked_fill", "all", "any", "norm", "narrow",
    "multiply", "subtract", "divide", "true_divide", "negative",
]


def _check(x, fname):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


def _out(res, out, fname):
    """torch's ``out=``: write the result into ``out`` (resized when its shape differs)."""
    if out is None:
        return res
    if not isinstance(out, Tensor):
        raise TypeError(f"{fname}(): argument 'out' must be Tensor, not {type(out).__name__}")
    from ..autograd.grad_mode import _State

    if _State.enabled and (out._rg or (isinstance(res, Tensor) and res._rg)):
        raise RuntimeError(f"{fname}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    arr = res._data if isinstance(res, Tensor) else np.asarray(res)
    if out._data.shape != arr.shape:
        out._data = np.array(arr, dtype=out._data.dtype)
    else:
        out._write(arr)
    return out


def _unary(name):
    def f(input, *args, out=None, **kwargs):  # noqa: A002 - torch's parameter name
        return _out(getattr(_check(input, name), name)(*args, **kwargs), out, name)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"``mygrad.{name}(input, ...)`` is ``input.{name}(...)``."
    return f


exp, log, sqrt, sin, cos, tanh = (_unary(n) for n in ("exp", "log", "sqrt", "sin", "cos", "tanh"))
sigmoid, relu, abs, clamp, clip = (_unary(n) for n in ("sigmoid", "relu", "abs", "clamp", "clip"))
sum, mean, amax, amin = (_unary(n) for n in ("sum", "mean", "amax", "amin"))
argmax, argmin, softmax, log_softmax = (_unary(n) for n in ("argmax", "argmin", "softmax",
                                                           "log_softmax"))
reshape, flatten, transpose, permute = (_unary(n) for n in ("reshape", "flatten", "transpose",
                                                           "permute"))
unsqueeze, squeeze, square, var, std = (_unary(n) for n in ("unsqueeze", "squeeze", "square",
                                                           "var", "std"))
neg, t, detach, clone, mm, dot = (_unary(n) for n in ("neg", "t", "detach", "clone", "mm", "dot"))
all, any, norm, narrow = (_unary(n) for n in ("all", "any", "norm", "narrow"))  # noqa: A001
isnan, isfinite, sign, allclose, equal = (_unary(n) for n in ("isnan", "isfinite", "sign",
                                                              "allclose", "equal"))


def _as_tensor(x, like=None):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, float) and like is not None and like._data.dtype.kind == "f":
        return Tensor._wrap(np.asarray(x, dtype=like._data.dtype))
    from ..creation import tensor

    return tensor(x)


def pow(input, exponent, *, out=None):  # noqa: A001
    if out is not None:
        return _out(pow(input, exponent), out, "pow")
    if not isinstance(input, Tensor):
        return _as_tensor(input, exponent if isinstance(exponent, Tensor) else None) ** exponent
    return input ** exponent


def add(input, other, *, alpha=1, out=None):  # noqa: A002
    return _out(_check(input, "add").add(other, alpha=alpha), out, "add")


def sub(input, other, *, alpha=1, out=None):  # noqa: A002
    return _out(_check(input, "sub").sub(other, alpha=alpha), out, "sub")


def mul(input, other, *, out=None):  # noqa: A002
    return _out(_as_tensor(input) * other, out, "mul")


def div(input, other, *, rounding_mode=None, out=None):  # noqa: A002
    if rounding_mode is not None:
        raise NotImplementedError("div(rounding_mode=...) is outside mygrad's subset")
    return _out(_as_tensor(input) / other, out, "div")


def matmul(input, other, *, out=None):  # noqa: A002
    return _out(_matmul(input, other), out, "matmul")


@_numpy_names
def max(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    if out is not None:
        raise NotImplementedError("max(..., out=...) is outside mygrad's subset")
    return _check(input, "max").max(dim, keepdim)


@_numpy_names
def min(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    if out is not None:
        raise NotImplementedError("min(..., out=...) is outside mygrad's subset")
    return _check(input, "min").min(dim, keepdim)


def numel(input):  # noqa: A002
    return _check(input, "numel").numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def _promote_all(tensors):
    dts = {t._data.dtype for t in tensors}
    if len(dts) == 1:
        return tensors
    rt = tensors[0]._data
    for t in tensors[1:]:
        rt = np.empty((1,), _dt.result_type(np.empty((1,), rt.dtype), np.empty((1,),
                                                                               t._data.dtype)))
    return [t if t._data.dtype == rt.dtype else t.to(rt.dtype) for t in tensors]


@_numpy_names
def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim (torch.cat)."""
    if out is not None:
        return _out(cat(tensors, dim), out, "cat")
    tensors = [_check(t, "cat") for t in tensors]
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    nd = tensors[0]._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _dim(dim, nd)
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        s = t._data.shape
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{len(s)}")
        for k in range(nd):
            if k != d and s[k] != ref[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref[k]} but got size {s[k]} for tensor "
                                   f"number {i} in the list.")
    return Cat.apply(*_promote_all(tensors), d)


concat = concatenate = cat


@_numpy_names
def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dim (torch.stack)."""
    if out is not None:
        return _out(stack(tensors, dim), out, "stack")
    tensors = [_check(t, "stack") for t in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(ref)} at entry 0 and {list(t._data.shape)} at entry {i}")
    d = _dim(dim, len(ref) + 1)
    return Stack.apply(*_promote_all(tensors), d)


def where(condition, input=None, other=None):  # noqa: A002
    """``where(cond, a, b)``: a where cond is True, else b (differentiable in a and b)."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if input is None and other is None:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(cond))
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_dt.from_numpy_dtype(cond.dtype).name.capitalize()}")
    like = input if isinstance(input, Tensor) else other if isinstance(other, Tensor) else None
    a, b = _as_tensor(input, like), _as_tensor(other, like)
    if a._data.dtype != b._data.dtype:
        a, b = _promote_all([a, b])
    try:
        return Where.apply(Tensor._wrap(cond), a, b)
    except ValueError:
        raise RuntimeError(f"where: shapes {tuple(cond.shape)}, {tuple(a.shape)} and "
                           f"{tuple(b.shape)} cannot be broadcast together") from None


def maximum(input, other, *, out=None):  # noqa: A002
    if out is not None:
        return _out(maximum(input, other), out, "maximum")
    return _binary(Maximum, _check(input, "maximum"), _check(other, "maximum"))


def minimum(input, other, *, out=None):  # noqa: A002
    if out is not None:
        return _out(minimum(input, other), out, "minimum")
    return _binary(Minimum, _check(input, "minimum"), _check(other, "minimum"))


_C_NAMES = {"float32": "float", "float64": "double", "float16": "half", "int64": "long",
            "int32": "int", "int16": "short", "int8": "signed char", "uint8": "unsigned char"}


def masked_fill(input, mask, value):  # noqa: A002
    """``input`` with ``value`` where ``mask`` is True: input's dtype and shape (torch)."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_C_NAMES.get(m.dtype.name, m.dtype.name)}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s).")
        if value.requires_grad:  # the value's gradient too: the general where
            return where(mask, value.to(input.dtype), input)
        value = value._data
    try:
        fits = np.broadcast_shapes(m.shape, input._data.shape) == input._data.shape
    except ValueError:
        fits = False
    if not fits:
        from .._dispatch import _broadcast_msg

        raise RuntimeError(_broadcast_msg(m.shape, tuple(input.shape)))
    return MaskedFill.apply(input, m, value)


multiply, subtract, divide, true_divide, negative = mul, sub, div, div, neg  # torch's aliases

"""``mygrad.Tensor``: a numpy array plus what reverse-mode autodiff needs.

A Tensor holds four things (``__slots__`` keeps each one cheap):

* ``_data``    the numpy array (``.numpy()`` returns it, ``.data`` wraps it without history);
* ``_rg``      requires_grad;
* ``grad_fn``  the ``Function`` node that produced it (None for leaves);
* ``_grad``    the accumulated gradient of a leaf (``.grad``).

Every differentiable method is one ``Function`` from ``mygrad/_ops``; this file only converts
arguments (Python numbers, dtypes, dims) and names errors the way torch does.
"""

import functools
import math
import warnings
import weakref

import numpy as np

from . import dtypes as _dt
from ._repr import _tensor_repr
from ._types import _CPU, _SCALAR_NAME, _TYPE_NAMES, Size, _scalar_name, device

__all__ = ["Tensor", "device"]

_SCALARS = (int, float, bool)
_NP_F32 = np.dtype(np.float32)


def _numpy_names(method):
    """torch's aliases for numpy's argument names: ``axis=`` for ``dim=``, ``keepdims=`` for
    ``keepdim=`` (``x.sum(axis=0)``, ``X.argmax(axis=1)``, ``torch.cat(xs, axis=1)``)."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        if "axis" in kwargs:
            kwargs["dim"] = kwargs.pop("axis")
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return method(*args, **kwargs)

    return wrapper


class Tensor:
    """An n-dimensional array that can record the operations applied to it."""

    __slots__ = ("_data", "_grad", "grad_fn", "_rg", "__weakref__")
    __array_ufunc__ = None  # ``ndarray * Tensor`` defers to Tensor.__rmul__
    __array_priority__ = 1000

    def __init__(self, data=(), dtype=None, requires_grad=False):
        """Like ``torch.Tensor(data)``: always float32 unless ``dtype`` says otherwise.

        Prefer :func:`mygrad.tensor`, which infers the dtype. A Tensor argument shares its
        array (this is how ``nn.Parameter(t)`` wraps a tensor)."""
        if isinstance(data, Tensor):
            arr = data._data
            if dtype is not None:
                arr = arr.astype(_dt.to_numpy_dtype(dtype), copy=False)
        else:
            arr = np.array(data, dtype=_dt.to_numpy_dtype(dtype) if dtype is not None
                           else _NP_F32)
        self._data = arr
        self._grad = None
        self.grad_fn = None
        self._rg = False
        if requires_grad:
            if arr.dtype.kind not in "fc":
                raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                                   "gradients")
            self._rg = True

    @staticmethod
    def _wrap(arr, requires_grad=False, grad_fn=None):
        """The one constructor the engine uses: a Tensor around the numpy value ``arr`` (no
        copy, no checks), a leaf unless ``grad_fn`` (the node that made it) is given."""
        t = object.__new__(Tensor)
        t._data = arr
        t._grad = None
        t.grad_fn = grad_fn
        t._rg = requires_grad
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dt.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    @property
    def device(self):
        return _CPU

    is_cuda = False

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self.grad_fn is None and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Turn gradient tracking on (or off) for a leaf, in place; returns self."""
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return self
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._rg = requires_grad
        return self

    @property
    def grad(self):
        fn = self.grad_fn
        if fn is not None and not (fn._retain and fn._retained is self):
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed "
                "want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() "
                "on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
                "you access the leaf Tensor instead.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                            f"type {type(value).__name__}")
        if value is not None:
            if value is self:
                raise RuntimeError("can't assign Variable as its own grad")
            if tuple(value.shape) != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor "
                    f"of size '{list(self._data.shape)}'. Please ensure that the gradient and "
                    "the tensor are the same size".replace(", ", ","))
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype "
                    f"'{_scalar_name(value._data.dtype).lower()}' to a tensor with grad_dtype "
                    f"'{_scalar_name(self._data.dtype)}'. The gradient must match the tensor's "
                    "grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
                    "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
                    "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient "
                    "may break downstream systems that assume they match.")
        self._grad = value

    def retain_grad(self):
        """Keep ``.grad`` of this non-leaf tensor after backward (a no-op on leaves)."""
        if self.grad_fn is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        self.grad_fn._retained = self
        self.grad_fn._retain = True

    @property
    def retains_grad(self):
        fn = self.grad_fn
        return fn is not None and fn._retain and fn._retained is self

    @property
    def data(self):
        """The same numbers without history: a Tensor sharing this tensor's array."""
        if not isinstance(self._data, np.ndarray):
            self._data = np.asarray(self._data)
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        if isinstance(value, Tensor):
            value = value._data
        else:
            value = np.asarray(value, dtype=self._data.dtype)
        self._data = value

    @property
    def T(self):
        return self.permute(tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    # ------------------------------------------------------------------ conversion
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force=False):
        """The underlying numpy array (shared, like torch's CPU ``numpy()``)."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if not isinstance(self._data, np.ndarray):
            self._data = np.asarray(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return np.array(arr, copy=True) if copy else arr

    # ------------------------------------------------------------------ new_* (torch's helpers:
    # a new tensor with this one's dtype unless told otherwise)
    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        from .creation import tensor

        return tensor(data, dtype=dtype or self.dtype, device=device,
                      requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        from .creation import full

        return full(size, fill_value, dtype=dtype or self.dtype, device=device,
                    requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import empty

        return empty(*size, dtype=dtype or self.dtype, device=device,
                     requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import zeros

        return zeros(*size, dtype=dtype or self.dtype, device=device,
                     requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import ones

        return ones(*size, dtype=dtype or self.dtype, device=device,
                    requires_grad=requires_grad)

    def detach(self):
        """A new leaf sharing the same array, cut from the graph."""
        return Tensor._wrap(self._data)

    def detach_(self):
        if self.grad_fn is not None and _is_view(self.grad_fn, self):
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
                "called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        if self.grad_fn is not None:
            self.grad_fn = None
        self._rg = False
        return self

    def clone(self):
        return Clone.apply(self)

    def contiguous(self):
        return self

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to('cpu')``, ``to(device, dtype)``, ``to(other_tensor)``."""
        target = kwargs.get("dtype")
        for a in list(args) + [kwargs.get("device")]:
            if a is None:
                continue
            if isinstance(a, Tensor):
                target = a.dtype
            elif isinstance(a, (str, device)):
                device(a).check()  # raises for anything but cpu
            else:
                target = a
        if target is None:
            return self
        npd = _dt.to_numpy_dtype(target)
        if npd == self._data.dtype:
            return self
        if self._rg and npd.kind == "f":
            return Cast.apply(self, npd)
        return Tensor._wrap(self._data.astype(npd))

    def type(self, dtype=None):
        if dtype is None:
            return f"mygrad.{_TYPE_NAMES.get(self._data.dtype.name, 'Tensor')}"
        return self.to(dtype)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        device("cuda").check()

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    def half(self):
        return self.to(_dt.float16)

    def long(self):
        return self.to(_dt.int64)

    def int(self):
        return self.to(_dt.int32)

    def bool(self):
        return self.to(_dt.bool)

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        """Pickle / deepcopy a tensor as its numbers and requires_grad (like torch, no graph)."""
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        return (_rebuild_tensor, (np.array(self._data), self._rg))

    def masked_fill(self, mask, value):
        from ._ops.functions import masked_fill

        return masked_fill(self, mask, value)

    def __repr__(self):
        return _tensor_repr(self)

    __str__ = __repr__

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (torch semantics); with
        ``inputs``, only into those tensors' ``.grad``."""
        if inputs is not None:
            from .autograd import backward

            backward(self, gradient, retain_graph, create_graph, inputs=inputs)
            return
        run_backward([self], [gradient], retain_graph, create_graph)

    def register_hook(self, hook):
        """Call ``hook(grad)`` whenever a gradient for this tensor is computed; a hook may return
        a Tensor that replaces the gradient. Returns a handle with ``remove()`` (torch API)."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        fn = self.grad_fn
        if fn is None:
            from .autograd.engine import _LEAF_HOOKS

            hooks = _LEAF_HOOKS.get(id(self))
            if hooks is None:
                hooks = _LEAF_HOOKS[id(self)] = []
                weakref.finalize(self, _LEAF_HOOKS.pop, id(self), None)
        else:
            if fn._hooks is None:
                fn._hooks = []
            fn._retained = self
            hooks = fn._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    # ------------------------------------------------------------------ in-place operations
    # Recorded like torch (see mygrad/autograd/versions.py): the result of the out-of-place
    # operation is written into this tensor's array, the operation's node becomes this tensor's
    # grad_fn, and nodes recorded earlier keep seeing the old history. Without a gradient
    # involved, numpy modifies the array directly.
    def _recording(self, *args):
        if not _State.enabled:
            return False
        return self._rg or any(isinstance(a, Tensor) and a._rg for a in args)

    def _inplace(self, op, *args):
        """``self`` takes the values (and, when recording, the history) of ``op(self, *args)``."""
        if not self._recording(*args):
            res = op(self, *args)
            self._write(res._data if isinstance(res, Tensor) else res)
            return self
        return _record_inplace(self, op, args)

    def _write(self, values):
        """Write ``values`` into this tensor's array in place (bumping its version)."""
        d = self._data
        if not isinstance(d, np.ndarray) or not d.flags.writeable:
            if isinstance(d, np.ndarray) and d.base is not None and 0 in d.strides and d.size > 1:
                raise RuntimeError(
                    "unsupported operation: more than one element of the written-to tensor "
                    "refers to a single memory location. Please clone() the tensor before "
                    "performing the operation.")
            _v.bump(d)
            new = np.array(d)
            _v.carry_over(d, new)
            self._data = d = new
        else:
            _v.bump(d)
        vk = np.result_type(values).kind if not isinstance(values, _SCALARS) else (
            "f" if isinstance(values, float) else "i")
        if d.dtype.kind in "iub" and vk in "fc" or d.dtype.kind == "b" and vk in "iu":
            raise RuntimeError(f"result type {_SCALAR_NAME.get(vk, 'Float')} can't be cast to "
                               f"the desired output type {_scalar_name(d.dtype)}")
        np.copyto(d, values, casting="unsafe")

    def _ufunc_(self, other, ufunc, op):
        """``self op= other`` on the array directly when no gradient is involved."""
        if _State.enabled and (self._rg or (isinstance(other, Tensor) and other._rg)):
            return _record_inplace(self, op, (other,))
        o = other._data if isinstance(other, Tensor) else _raw(other)
        if o is NotImplemented:
            return NotImplemented
        d = self._data
        if type(d) is np.ndarray and d.dtype.kind == "f":
            try:
                ufunc(d, o, out=d)  # numpy refuses read-only arrays itself
            except ValueError:
                if d.flags.writeable:
                    raise
            else:
                _v.bump(d)
                return self
        self._write(ufunc(d, o))
        return self

    def zero_(self):
        return self._inplace(_Fill.zero, 0.0)

    def fill_(self, value):
        return self._inplace(_Fill.fill, value)

    def copy_(self, src, non_blocking=False):
        if not isinstance(src, Tensor):
            src = Tensor._wrap(np.asarray(_raw(src)))
        return self._inplace(_Fill.copy, src)

    def add_(self, other, alpha=1):
        if alpha != 1:
            other = other * alpha
        return self._ufunc_(other, np.add, Tensor.__add__)

    def sub_(self, other, alpha=1):
        if alpha != 1:
            other = other * alpha
        return self._ufunc_(other, np.subtract, Tensor.__sub__)

    def mul_(self, other):
        return self._ufunc_(other, np.multiply, Tensor.__mul__)

    def div_(self, other):
        return self._ufunc_(other, np.true_divide, Tensor.__truediv__)

    def pow_(self, exponent):
        return self._inplace(Tensor.__pow__, exponent)

    def addcmul_(self, tensor1, tensor2, value=1):
        return self._inplace(lambda s, a, b: s + value * a * b, tensor1, tensor2)

    def addcdiv_(self, tensor1, tensor2, value=1):
        return self._inplace(lambda s, a, b: s + value * a / b, tensor1, tensor2)

    def clamp_(self, min=None, max=None):  # noqa: A002
        return self._inplace(lambda s: s.clamp(min, max))

    clip_ = clamp_

    def neg_(self):
        return self._inplace(Tensor.__neg__)

    def exp_(self):
        return self._inplace(Tensor.exp)

    def log_(self):
        return self._inplace(Tensor.log)

    def sqrt_(self):
        return self._inplace(Tensor.sqrt)

    def sin_(self):
        return self._inplace(Tensor.sin)

    def cos_(self):
        return self._inplace(Tensor.cos)

    def tanh_(self):
        return self._inplace(Tensor.tanh)

    def sigmoid_(self):
        return self._inplace(Tensor.sigmoid)

    def relu_(self):
        return self._inplace(Tensor.relu)

    def abs_(self):
        return self._inplace(Tensor.abs)

    def masked_fill_(self, mask, value):
        return self._inplace(lambda s: s.masked_fill(mask, value))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import _rng

        vals = _rng(generator).normal(mean, std, self._data.shape)
        return self._inplace(_Fill.fill, Tensor._wrap(vals.astype(self._data.dtype)))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import _rng

        vals = _rng(generator).uniform(a, b, self._data.shape)
        return self._inplace(_Fill.fill, Tensor._wrap(vals.astype(self._data.dtype)))

    def __iadd__(self, other):
        return self._ufunc_(other, np.add, Tensor.__add__)

    def __isub__(self, other):
        return self._ufunc_(other, np.subtract, Tensor.__sub__)

    def __imul__(self, other):
        return self._ufunc_(other, np.multiply, Tensor.__mul__)

    def __itruediv__(self, other):
        return self._ufunc_(other, np.true_divide, Tensor.__truediv__)

    def __setitem__(self, key, value):
        key = _index(key)
        if self._recording(value):
            if isinstance(value, Tensor) and value._data.dtype != self._data.dtype:
                value = value.to(self.dtype)
            cls = _setitem_class(key)
            _record_inplace(self, lambda s, v: cls.apply(s, v, key), (value,))
            return
        d = self._data
        if not isinstance(d, np.ndarray) or not d.flags.writeable:
            self._write(d)  # makes the array writable (or raises torch's error)
            d = self._data
        _v.bump(d)
        d[key] = value._data if isinstance(value, Tensor) else _raw(value)

    @property
    def _version(self):
        """How many times this tensor's memory was modified in place (torch's counter)."""
        return _v.version(self._data)

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other):
        if type(other) is float and self._data.dtype.kind == "f":  # the common case
            if not (self._rg and _State.enabled):
                return Tensor._wrap(self._data + other)  # nothing to record: numpy alone
            return AddScalar._apply_scalar(self, other)
        if isinstance(other, Tensor) and self._data.dtype is other._data.dtype:
            try:
                return Add._apply_pair(self, other)  # same dtypes: nothing to promote
            except ValueError:
                pass  # shapes do not broadcast: _binary raises torch's error
        return _binary(Add, self, other)

    def __radd__(self, other):
        return _binary(Add, self, other)

    def __sub__(self, other):
        return _binary(Sub, self, other)

    def __rsub__(self, other):
        if isinstance(other, Tensor):
            return _binary(Sub, other, self)
        return _binary(RSub, self, other)

    def __mul__(self, other):
        if type(other) is float and self._data.dtype.kind == "f":
            if not (self._rg and _State.enabled):  # lr * p.grad in an update: numpy alone
                return Tensor._wrap(self._data * other)
            return MulScalar._apply_scalar(self, other)
        if isinstance(other, Tensor) and self._data.dtype is other._data.dtype:
            try:
                return Mul._apply_pair(self, other)
            except ValueError:
                pass
        return _binary(Mul, self, other)

    def __rmul__(self, other):
        if type(other) is float and self._data.dtype.kind == "f":
            if not (self._rg and _State.enabled):
                return Tensor._wrap(self._data * other)
            return MulScalar._apply_scalar(self, other)
        return _binary(Mul, self, other)

    def __truediv__(self, other):
        return _binary(Div, self, other)

    def __rtruediv__(self, other):
        if isinstance(other, Tensor):
            return _binary(Div, other, self)
        if not isinstance(other, (*_SCALARS, np.ndarray, np.generic)):
            return NotImplemented
        return _binary(Mul, self.reciprocal(), other)

    def __neg__(self):
        return Neg.apply(self)

    def __pos__(self):
        return self

    def __pow__(self, other):
        if isinstance(other, _SCALARS) and not isinstance(other, bool):
            return Pow.apply(self._floatify_for(other), other)
        return _binary(PowTensor, self, other)

    def __rpow__(self, other):
        if not isinstance(other, (*_SCALARS, np.ndarray, np.generic)):
            return NotImplemented
        base = Tensor._wrap(np.asarray(other, dtype=self._data.dtype
                                       if self._data.dtype.kind == "f" else _NP_F32))
        return _binary(PowTensor, base, self)

    def __matmul__(self, other):
        if isinstance(other, Tensor):
            a, b = self._data, other._data
            if (a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0]
                    and a.dtype is b.dtype):
                return Mm._apply_pair(self, other)  # the common case, checks done
            return matmul(self, other)
        if not isinstance(other, Tensor):
            if not isinstance(other, (np.ndarray, list)):
                return NotImplemented
            other = Tensor._wrap(np.asarray(other))
        return matmul(self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, (np.ndarray, list)):
            return NotImplemented
        return matmul(Tensor._wrap(np.asarray(other)), self)

    def __abs__(self):
        return self.abs()

    def _floatify_for(self, scalar):
        if type(scalar) is float and self._data.dtype.kind != "f":
            return Tensor._wrap(self._data.astype(_NP_F32))
        return self

    def add(self, other, alpha=1):
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self ** exponent

    def neg(self):
        return -self

    def reciprocal(self):
        return Reciprocal.apply(self._float())

    def matmul(self, other):
        return self @ other

    def mm(self, other):
        if self._data.ndim != 2 or other.ndim != 2:
            raise RuntimeError("self must be a matrix")
        return self @ other

    def dot(self, other):
        return self @ other

    # ------------------------------------------------------------------ comparisons
    def _cmp(self, other, ufunc):
        o = _raw(other)
        if o is NotImplemented:
            return NotImplemented
        return Tensor._wrap(ufunc(self._data, o))

    def __eq__(self, other):
        return self._cmp(other, np.equal)

    def __ne__(self, other):
        return self._cmp(other, np.not_equal)

    def __lt__(self, other):
        return self._cmp(other, np.less)

    def __le__(self, other):
        return self._cmp(other, np.less_equal)

    def __gt__(self, other):
        return self._cmp(other, np.greater)

    def __ge__(self, other):
        return self._cmp(other, np.greater_equal)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __invert__(self):
        return Tensor._wrap(~self._data)

    def __and__(self, other):
        return self._cmp(other, np.logical_and if self._data.dtype.kind == "b"
                         else np.bitwise_and)

    def __or__(self, other):
        return self._cmp(other, np.logical_or if self._data.dtype.kind == "b"
                         else np.bitwise_or)

    @_numpy_names
    def all(self, dim=None, keepdim=False):
        return _arg(self, dim, keepdim, lambda a, **kw: np.all(a, **kw), np.bool_)

    @_numpy_names
    def any(self, dim=None, keepdim=False):
        return _arg(self, dim, keepdim, lambda a, **kw: np.any(a, **kw), np.bool_)

    def logical_not(self):
        return Tensor._wrap(np.logical_not(self._data))

    def equal(self, other):
        return self._data.shape == other._data.shape and bool(np.all(self._data == other._data))

    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        return bool(np.allclose(self._data, _raw(other), rtol, atol, equal_nan))

    def isnan(self):
        return Tensor._wrap(np.isnan(self._data))

    def isfinite(self):
        return Tensor._wrap(np.isfinite(self._data))

    def sign(self):
        return Tensor._wrap(np.sign(self._data))

    # ------------------------------------------------------------------ elementwise math
    def _float(self):
        if self._data.dtype.kind != "f":
            return Tensor._wrap(self._data.astype(_NP_F32))
        return self

    def exp(self):
        return Exp.apply(self._float())

    def log(self):
        return Log.apply(self._float())

    def sqrt(self):
        return Sqrt.apply(self._float())

    def sin(self):
        return Sin.apply(self._float())

    def cos(self):
        return Cos.apply(self._float())

    def tanh(self):
        return Tanh.apply(self._float())

    def sigmoid(self):
        return Sigmoid.apply(self._float())

    def relu(self):
        return Relu.apply(self)

    def abs(self):
        return Abs.apply(self)

    def square(self):
        return Pow.apply(self, 2)

    def clamp(self, min=None, max=None):  # noqa: A002 - torch's names
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            from ._ops.functions import maximum, minimum

            out = self
            if min is not None:
                out = maximum(out, min if isinstance(min, Tensor) else Tensor._wrap(
                    np.asarray(min, dtype=self._data.dtype)))
            if max is not None:
                out = minimum(out, max if isinstance(max, Tensor) else Tensor._wrap(
                    np.asarray(max, dtype=self._data.dtype)))
            return out
        return Clamp.apply(self, min, max)

    clip = clamp

    @_numpy_names
    def softmax(self, dim, dtype=None):
        x = self._float() if dtype is None else self.to(dtype)
        nd = x._data.ndim
        return Softmax.apply(x, _dim(dim, nd) if nd else ())

    @_numpy_names
    def log_softmax(self, dim, dtype=None):
        x = self._float() if dtype is None else self.to(dtype)
        nd = x._data.ndim
        return LogSoftmax.apply(x, _dim(dim, nd) if nd else ())

    # ------------------------------------------------------------------ reductions
    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        dim = axis if dim is None else dim
        keepdim = keepdims if keepdims is not None else keepdim
        x = self if dtype is None else self.to(dtype)
        if x._data.dtype.kind in "bu" or x._data.dtype == np.int32:
            x = Tensor._wrap(x._data.astype(np.int64))
        if dim is None:
            return SumAll.apply(x) if not keepdim else SumDim.apply(x, None, True)
        return SumDim.apply(x, _dims(dim, x._data.ndim), bool(keepdim))

    def mean(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        if (dim is None and axis is None and not keepdim and keepdims is None and dtype is None
                and self._data.dtype.kind == "f"):
            return MeanAll.apply(self)
        dim = axis if dim is None else dim
        keepdim = keepdims if keepdims is not None else keepdim
        x = self if dtype is None else self.to(dtype)
        if x._data.dtype.kind != "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {x.dtype.name.capitalize()}")
        if dim is None:
            return MeanAll.apply(x) if not keepdim else MeanDim.apply(x, None, True)
        return MeanDim.apply(x, _dims(dim, x._data.ndim), bool(keepdim))

    @_numpy_names
    def max(self, dim=None, keepdim=False):
        return _minmax(self, dim, keepdim, True)

    @_numpy_names
    def min(self, dim=None, keepdim=False):
        return _minmax(self, dim, keepdim, False)

    @_numpy_names
    def amax(self, dim=(), keepdim=False):
        return AMax.apply(self, _dims(dim, self._data.ndim) or None, keepdim)

    @_numpy_names
    def amin(self, dim=(), keepdim=False):
        return AMin.apply(self, _dims(dim, self._data.ndim) or None, keepdim)

    @_numpy_names
    def argmax(self, dim=None, keepdim=False):
        return _arg(self, dim, keepdim, np.argmax)

    @_numpy_names
    def argmin(self, dim=None, keepdim=False):
        return _arg(self, dim, keepdim, np.argmin)

    @_numpy_names
    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None):
        return self._spread(Var, dim, unbiased, keepdim, correction)

    @_numpy_names
    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None):
        return self._spread(Std, dim, unbiased, keepdim, correction)

    def _spread(self, op, dim, unbiased, keepdim, correction):
        if isinstance(dim, bool):  # x.var(False): torch's legacy (unbiased) overload
            dim, unbiased = None, dim
        if correction is None:
            correction = 1 if unbiased else 0
        if self._data.dtype.kind != "f":
            raise RuntimeError("std and var only support floating point and complex dtypes")
        return op.apply(self, _dims(dim, self._data.ndim), correction, bool(keepdim))

    @_numpy_names
    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        if p == "fro" or p is None:
            p = 2
        if isinstance(p, str):
            raise NotImplementedError(f"norm(p={p!r}) is outside mygrad's subset (vector norms "
                                      "and 'fro' only)")
        x = self if dtype is None else self.to(dtype)
        if x._data.dtype.kind != "f":
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex "
                               f"tensor as input. Got {x.dtype.name.capitalize()}")
        return Norm.apply(x, float(p), _dims(dim, x._data.ndim), bool(keepdim))

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape):
        shape = _sizes(shape)
        size = self._data.size
        neg = [i for i, s in enumerate(shape) if s == -1]
        known = math.prod(s for s in shape if s != -1)
        if len(neg) > 1:
            raise RuntimeError("only one dimension can be inferred")
        if (neg and (known == 0 or size % known)) or (not neg and known != size) or any(
                s < -1 for s in shape):
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input "
                               f"of size {size}")
        if neg:
            shape = tuple(size // known if s == -1 else s for s in shape)
        if shape == self._data.shape:
            return View.apply(self, shape) if self._rg else Tensor._wrap(self._data)
        return View.apply(self, shape)

    view = reshape

    def narrow(self, dim, start, length):
        """``x.narrow(0, 1, 4)`` is ``x[1:5]`` along ``dim`` (a view, SliceBackward0)."""
        d = _dim(dim, self._data.ndim)
        n = self._data.shape[d]
        start = int(start.item()) if isinstance(start, Tensor) else int(start)
        start = start + n if start < 0 else start
        if not 0 <= start <= n:
            raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but "
                             f"got {start})")
        if length < 0 or start + length > n:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                               f"({n}).")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        nd = self._data.ndim
        if nd == 0:
            return self.reshape(1)
        s, e = _dim(start_dim, nd), _dim(end_dim, nd)
        shp = self._data.shape
        return self.reshape(shp[:s] + (math.prod(shp[s:e + 1]),) + shp[e + 1:])

    @_numpy_names
    def unsqueeze(self, dim):
        d = _dim(dim, self._data.ndim + 1)
        return Unsqueeze.apply(self, d)

    @_numpy_names
    def squeeze(self, dim=None):
        if dim is None:
            return Squeeze.apply(self, None)
        dims = tuple(d for d in _dims(dim, self._data.ndim) if self._data.shape[d] == 1)
        return SqueezeDim.apply(self, dims)

    def expand(self, *sizes):
        sizes = _sizes(sizes)
        shp = self._data.shape
        lead = len(sizes) - len(shp)
        if lead < 0:
            raise RuntimeError(f"expand(torch.FloatTensor{{[{', '.join(map(str, shp))}]}}, "
                               f"size=[{', '.join(map(str, sizes))}]): the number of sizes "
                               "provided must be greater or equal to the number of dimensions "
                               "in the tensor")
        target = tuple(shp[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        try:
            np.broadcast_shapes(shp, target)
        except ValueError:
            raise RuntimeError(_broadcast_msg(shp, target)) from None
        return Expand.apply(self, target)

    def expand_as(self, other):
        return self.expand(other.shape)

    def transpose(self, dim0, dim1):
        nd = self._data.ndim
        d0, d1 = _dim(dim0, nd), _dim(dim1, nd)
        perm = list(range(nd))
        perm[d0], perm[d1] = perm[d1], perm[d0]
        return Transpose.apply(self, tuple(perm))

    swapaxes = swapdims = transpose

    def t(self):
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self._data.ndim}D")
        return TransposeT.apply(self, tuple(range(self._data.ndim - 1, -1, -1)))

    def permute(self, *dims):
        dims = _sizes(dims)
        nd = self._data.ndim
        if len(dims) != nd:
            raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input "
                               f"does not match the length of the desired ordering of "
                               f"dimensions i.e. input.dim() = {nd} is not equal to "
                               f"len(dims) = {len(dims)}")
        return Permute.apply(self, tuple(_dim(d, nd) for d in dims))

    def __getitem__(self, key):
        return _getitem(self, key)


class _HookHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


Tensor.__module__ = "mygrad"  # type(x) prints <class 'mygrad.Tensor'>, as torch's is torch.Tensor


def _rebuild_tensor(data, requires_grad):
    return Tensor._wrap(data, requires_grad)


# Tensor's methods call these at run time; the modules need Tensor, so they come after it
from ._dispatch import (  # noqa: E402
    _arg,
    _binary,
    _broadcast_msg,
    _dim,
    _dims,
    _getitem,
    _index,
    _minmax,
    _raw,
    _sizes,
)
from ._inplace import _is_view, _record_inplace, _setitem_class  # noqa: E402
from ._ops.arithmetic import (  # noqa: E402
    Add,
    AddScalar,
    Div,
    Mul,
    MulScalar,
    Neg,
    Pow,
    PowTensor,
    Reciprocal,
    RSub,
    Sub,
)
from ._ops.elementwise import (  # noqa: E402
    Abs,
    Cast,
    Clamp,
    Clone,
    Cos,
    Exp,
    Log,
    Relu,
    Sigmoid,
    Sin,
    Sqrt,
    Tanh,
)
from ._ops.linalg import Mm, matmul  # noqa: E402
from ._ops.reduce import (  # noqa: E402
    AMax,
    AMin,
    MeanAll,
    MeanDim,
    Norm,
    Std,
    SumAll,
    SumDim,
    Var,
)
from ._ops.shape import (  # noqa: E402
    Expand,
    Permute,
    Squeeze,
    SqueezeDim,
    Transpose,
    TransposeT,
    Unsqueeze,
    View,
    _Fill,
)
from ._ops.softmax import LogSoftmax, Softmax  # noqa: E402
from .autograd import versions as _v  # noqa: E402
from .autograd.engine import run_backward  # noqa: E402  (after Tensor)
from .autograd.grad_mode import _State  # noqa: E402


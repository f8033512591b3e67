"""In-place operations with a gradient involved, recorded like torch records them.

The result of the out-of-place operation is written into the tensor's array, the operation's
node becomes the tensor's ``grad_fn``, and nodes recorded earlier keep seeing the old history
(``autograd/versions.py``). On a view made by indexing, the write goes through the base tensor
(torch's CopySlices).
"""

import numpy as np

from ._ops.shape import CopySlices, Expand, Index, IndexPutInplace, Permute, Select, View
from .autograd import versions as _v
from .autograd.grad_mode import _State
from .tensor import Tensor

_VIEW_OPS = (View, Expand, Permute, Select)  # ops whose output shares its input's memory


def _record_inplace(self, op, args):
    """Record ``self.op_(*args)`` like torch: the new node becomes ``self.grad_fn``."""
    fn = self.grad_fn
    if fn is None and self._rg:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    if _is_view(fn, self):
        return _inplace_on_view(self, op, args)
    if fn is None and isinstance(self._data, np.ndarray) and self._data.base is not None:
        raise NotImplementedError(
            "mygrad does not record an in-place operation with a tensor that requires grad into "
            "a view of another tensor (torch rewrites the base tensor's history, CopySlices); "
            "clone() the view first or build the result out of place")
    old = Tensor._wrap(self._data, self._rg)  # this tensor as it was, for the new node's input
    old.grad_fn = fn
    args = tuple(old if a is self else a for a in args)
    res = op(old, *args)
    node = res.grad_fn if isinstance(res, Tensor) else None
    d = self._data
    if node is not None and node._saved and any(s is d for s in node._saved):
        keep = np.array(d, copy=True)  # the node needs the values from before the write
        old._data = keep
        node._saved = tuple(keep if s is d else s for s in node._saved)
    elif isinstance(d, np.ndarray):
        # never the same array object as self's: create_graph maps saved arrays to tensors by
        # identity, and a saved output (sigmoid_) must map to the output, not to this input
        old._data = d.view()
    self._write(res._data if isinstance(res, Tensor) else res)
    if node is None:
        return self
    d = self._data
    if node._out is not None:  # the output (and a saved reference to it) is now this array
        out = node._out
        node._saved = tuple(d if s is out else s for s in node._saved)
        node._out = d
    node._e = _State.epoch
    _v.remember(self, _State.epoch, old)
    self.grad_fn = node
    self._rg = True
    return self


def _inplace_on_view(self, op, args):
    """In place on a view ``v = base[key]``: torch writes into ``base`` (CopySlices) and makes
    ``v`` a fresh view of it. mygrad does the same for views made by indexing."""
    fn = self.grad_fn
    root, t = fn, self
    while _is_view(root, t):
        base = root.inputs[0]
        t = base
        if base.grad_fn is None:
            if base._rg:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                                   "an in-place operation.")
            break
        root = base.grad_fn
    if not isinstance(fn, Select):
        raise NotImplementedError(
            f"in-place operations on a view made by {type(fn).__name__.lower()} of a tensor "
            "that requires grad are outside mygrad's subset (torch rewrites the base's history "
            "here); use an out-of-place operation (y = y + 1) or clone() the view first")
    base, key = fn.inputs[0], fn.key
    new = op(self, *args)
    base[key] = new  # records CopySlices on the base and writes through to this view's memory
    fresh = base[key]
    old = Tensor._wrap(self._data, self._rg)
    old.grad_fn = fn
    _v.remember(self, _State.epoch, old)
    self.grad_fn = fresh.grad_fn
    self._rg = True
    return self


def _is_view(fn, t):
    """Is ``t`` (made by node ``fn``) a view of ``fn``'s input, sharing its memory?"""
    return (fn is not None and isinstance(fn, _VIEW_OPS) and not isinstance(fn, Index)
            and isinstance(t._data, np.ndarray) and t._data.base is not None)


def _setitem_class(key):
    parts = key if isinstance(key, tuple) else (key,)
    for p in parts:
        if isinstance(p, np.ndarray) and not (p.ndim == 0 and p.dtype.kind in "iu"):
            return IndexPutInplace
    return CopySlices

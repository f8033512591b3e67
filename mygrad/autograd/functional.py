"""Whole-function derivatives built on ``autograd.grad``, with torch's signatures:
``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp``, ``hvp``.

Each output row of a Jacobian costs one reverse pass; ``jvp`` uses the double-vjp trick
(differentiate ``u -> vjp(f, x, u)`` with respect to ``u``), so no forward-mode engine is needed.
"""

import numpy as np

from ..tensor import Tensor
from . import grad as _grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prep(inputs, create_graph):
    out = []
    for x in inputs:
        if not isinstance(x, Tensor):
            raise TypeError(f"The inputs given to the function must be Tensors, got "
                            f"{type(x).__name__}")
        d = x.detach() if not create_graph or not x.requires_grad else x
        if not d.requires_grad:
            d = Tensor._wrap(d._data, d._data.dtype.kind == "f")
        out.append(d)
    return tuple(out)


def _grads(outputs, inputs, grad_outputs, create_graph, retain=True):
    needs = [o for o in outputs if o.requires_grad]
    if not needs:
        return tuple(None for _ in inputs)
    idx = [i for i, o in enumerate(outputs) if o.requires_grad]
    gos = [grad_outputs[i] for i in idx]
    return _grad(needs, list(inputs), gos, retain_graph=retain or create_graph,
                 create_graph=create_graph, allow_unused=True)


def _fill(gs, inputs, strict=False):
    from ..creation import zeros_like

    return tuple(zeros_like(x) if g is None else (g if isinstance(g, Tensor) else g)
                 for g, x in zip(gs, inputs))


def _detach_all(xs, create_graph):
    return tuple(x if create_graph else x.detach() for x in xs)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``."""
    ins, tup_in = _tuple(inputs)
    with enable_grad():
        ins = _prep(ins, create_graph)
        outs, tup_out = _tuple(func(*ins))
        if v is None:
            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            vs = (None,)
        else:
            vs, _ = _tuple(v)
        gs = _fill(_grads(outs, ins, list(vs), create_graph), ins)
    outs = _detach_all(outs, create_graph)
    gs = _detach_all(gs, create_graph)
    return (outs if tup_out else outs[0]), (gs if tup_in else gs[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)`` via the double-vjp trick."""
    ins, tup_in = _tuple(inputs)
    with enable_grad():
        ins = _prep(ins, create_graph)
        outs, tup_out = _tuple(func(*ins))
        if v is None:
            if len(ins) != 1 or ins[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
            vs = (Tensor._wrap(np.ones_like(ins[0]._data)),)
        else:
            vs, _ = _tuple(v)
        us = tuple(Tensor._wrap(np.zeros_like(o._data), True) for o in outs)
        gs = _grads(outs, ins, list(us), create_graph=True)
        pairs = [(g, vv) for g, vv in zip(gs, vs) if g is not None and g.requires_grad]
        if pairs:
            jv = _grad([g for g, _ in pairs], list(us), [vv for _, vv in pairs],
                       retain_graph=True, create_graph=create_graph, allow_unused=True)
        else:
            jv = (None,) * len(us)
        jv = _fill(jv, outs)
    outs = _detach_all(outs, create_graph)
    jv = _detach_all(jv, create_graph)
    return (outs if tup_out else outs[0]), (jv if tup_out else jv[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian: for one input and one output a tensor of shape out.shape + in.shape;
    tuples of tuples otherwise (``result[i][j]`` = d output i / d input j). One reverse pass
    per output element."""
    return _jacobian(func, inputs, create_graph=create_graph)


def _stack_rows(rows, out_shape, in_shape):
    from .._ops.functions import stack

    return stack(rows).reshape(tuple(out_shape) + tuple(in_shape))


def _jacobian(func, inputs, create_graph=False):
    ins, tup_in = _tuple(inputs)
    with enable_grad():
        ins = _prep(ins, create_graph)
        outs, tup_out = _tuple(func(*ins))
        result = []
        for o in outs:
            rows = [[] for _ in ins]
            flat_n = o.numel()
            for k in range(flat_n):
                seed = np.zeros(o._data.shape, dtype=o._data.dtype)
                seed.reshape(-1)[k] = 1
                if o.requires_grad:
                    gs = _grad([o], list(ins), [Tensor._wrap(seed)], retain_graph=True,
                               create_graph=create_graph, allow_unused=True)
                else:
                    gs = (None,) * len(ins)
                for j, (g, x) in enumerate(zip(gs, ins)):
                    if g is None:
                        g = Tensor._wrap(np.zeros_like(x._data))
                    rows[j].append(g)
            per_in = tuple(_stack_rows(r, o.shape, x.shape) for r, x in zip(rows, ins))
            result.append(per_in)
    result = tuple(tuple(r if create_graph else r.detach() for r in row) for row in result)
    if not tup_out:
        result = result[0]
        return result if tup_in else result[0]
    return result if tup_in else tuple(r[0] for r in result)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: shape in.shape + in.shape for one input."""
    ins, tup_in = _tuple(inputs)

    def grad_fn(*xs):
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "containing a single element")
        gs = _grad([out], list(xs), retain_graph=True, create_graph=True, allow_unused=True)
        gs = tuple(Tensor._wrap(np.zeros_like(x._data)) if g is None else g
                   for g, x in zip(gs, xs))
        return gs if tup_in else gs[0]

    return _jacobian(grad_fn, ins if tup_in else ins[0], create_graph=create_graph)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``: the vjp of its gradient."""
    ins, tup_in = _tuple(inputs)
    with enable_grad():
        ins = _prep(ins, True)
        out = func(*ins)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to vhp should return a single Tensor "
                               "containing a single element")
        if v is None:
            if len(ins) != 1 or ins[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
            vs = (Tensor._wrap(np.ones_like(ins[0]._data)),)
        else:
            vs, _ = _tuple(v)
        gs = _fill(_grads([out], ins, [None], create_graph=True), ins)
        pairs = [(g, vv) for g, vv in zip(gs, vs) if g.requires_grad]
        hv = (_grad([g for g, _ in pairs], list(ins), [vv for _, vv in pairs],
                    retain_graph=True, create_graph=create_graph, allow_unused=True)
              if pairs else (None,) * len(ins))
        hv = _fill(hv, ins)
    out = out if create_graph else out.detach()
    hv = _detach_all(hv, create_graph)
    return out, (hv if tup_in else hv[0])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)``: the Hessian of a (twice differentiable) scalar function is
    symmetric, so this is ``vhp``."""
    return vhp(func, inputs, v, create_graph=create_graph, strict=strict)

"""Reverse-mode automatic differentiation: ``Function``, ``grad``, ``backward``, grad modes,
``unbroadcast`` and ``functional`` (jacobian, hessian, vjp, jvp). Mirrors ``torch.autograd``."""

from .engine import run_backward, unbroadcast
from .function import Function
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["Function", "grad", "backward", "unbroadcast", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "inference_mode", "functional"]


def _as_list(x):
    if x is None:
        return None
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple.

    Nothing is accumulated into any ``.grad``. With ``create_graph=True`` the returned
    gradients are part of a graph themselves and can be differentiated again.
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    if not ins:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    gouts = _as_list(grad_outputs) or [None] * len(outs)
    if len(gouts) != len(outs):
        raise RuntimeError(f"grad requires one grad_output per output: got {len(gouts)} "
                           f"grad_outputs and {len(outs)} outputs")
    if all(getattr(o, "requires_grad", True) for o in outs):  # torch checks outputs first
        for t in ins:
            if getattr(t, "requires_grad", True) is False:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outs, gouts, retain_graph, create_graph, capture=ins,
                       allow_unused=allow_unused)
    if materialize_grads:
        from ..creation import zeros_like

        res = tuple(zeros_like(t) if r is None else r for t, r in zip(ins, res))
    return res


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """``mygrad.autograd.backward([y1, y2], [g1, g2])``: accumulate into leaves' ``.grad``
    (with ``inputs``, only into those tensors' ``.grad``, leaves or not)."""
    ts = _as_list(tensors)
    gs = _as_list(grad_tensors) or [None] * len(ts)
    if len(gs) != len(ts):
        raise RuntimeError(f"got {len(gs)} tensors and {len(ts)} gradients")
    if inputs is None:
        run_backward(ts, gs, retain_graph, create_graph)
        return
    ins = _as_list(inputs)
    if not ins:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    from .engine import _accumulate

    grads = run_backward(ts, gs, retain_graph, create_graph, capture=ins, allow_unused=True)
    for t, g in zip(ins, grads):
        if g is not None:
            _accumulate(t, g if create_graph else g._data, create_graph, copy=True)


def __getattr__(name):
    if name == "functional":
        import importlib

        return importlib.import_module(f"{__name__}.functional")
    raise AttributeError(f"module 'mygrad.autograd' has no attribute '{name}'")

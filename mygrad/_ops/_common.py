"""Helpers for backward formulas that must work on numpy arrays and on Tensors alike."""

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor


class Op(Function, builtin=True):
    """Base of mygrad's own operations (every class in ``mygrad/_ops``).

    The same ``Function`` a user subclasses, on the fast path a user never sees: ``forward``
    receives the inputs' numpy arrays and returns a numpy array, ``backward`` receives the
    output's gradient as a numpy array (a Tensor under ``create_graph=True``) and returns a
    *new* array per input, never one it keeps elsewhere, so a leaf may keep it as its ``.grad``
    without a copy (``autograd/engine.py: _fresh``).
    """

    __slots__ = ()
    # Which inputs torch's node lists in ``next_functions``. Ops whose further arguments are
    # dims, shapes, exponents or bounds (``x.sum(0)``, ``x ** 2``) list only the tensor (torch:
    # ``(x ** 2).grad_fn.next_functions == ((AccumulateGrad, 0),)``). None: all inputs; an int
    # n: ``inputs[:n]`` (negative: all but the last -n); a tuple: those inputs, in that order.
    _torch_inputs = None

    @property
    def next_functions(self):
        nf = Function.next_functions.fget(self)
        k = self._torch_inputs
        if k is None:
            return nf
        if isinstance(k, int):
            return nf[:k]
        return tuple(nf[i] for i in k)


class Stage:
    """A node torch's graph has where a fused op of mygrad's has none (``nn.Linear``'s
    ``TBackward0`` on the weight, ``cross_entropy``'s ``LogSoftmaxBackward0``): shown in
    ``next_functions`` so that walking the graph prints what torch prints; backward never
    sees it."""

    __slots__ = ("_name", "next_functions")

    def __init__(self, name, next_functions):
        self._name, self.next_functions = name, tuple(next_functions)

    def name(self):
        return self._name

    def __repr__(self):
        return f"<{self._name} object at {hex(id(self))}>"


def exp(x):
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def log(x):
    return x.log() if isinstance(x, Tensor) else np.log(x)


def sin(x):
    return x.sin() if isinstance(x, Tensor) else np.sin(x)


def cos(x):
    return x.cos() if isinstance(x, Tensor) else np.cos(x)


def raw(x):
    """The numpy array behind x (for masks and indices: constants in the graph)."""
    return x._data if isinstance(x, Tensor) else x


def expand(g, shape):
    """Broadcast g to shape (a read-only view for numpy; an Expand node for Tensors)."""
    if isinstance(g, Tensor):
        return g.expand(shape)
    return np.broadcast_to(g, shape)


def saved_arrays(ctx):
    """What forward saved, as the numpy arrays themselves, also under ``create_graph=True``
    (where ``ctx.saved_tensors`` hands back Tensors): for masks and indices, which are
    constants of the graph whatever the inputs are."""
    saved = ctx._saved
    if saved is None:  # freed by an earlier backward: saved_tensors raises torch's error
        return ctx.saved_tensors
    return saved


def needs(ctx, i):
    """Does forward input i need a gradient?"""
    t = ctx.inputs[i]
    return t is not None and t._rg

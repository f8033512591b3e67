"""``Function``: one differentiable operation, with torch's custom-Function API.

A user's subclass gets torch's convention (Tensors in and out)::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):              # the input Tensor (grad recording off)
            y = x.exp()
            ctx.save_for_backward(y)
            return y                      # a Tensor

        @staticmethod
        def backward(ctx, grad):          # a Tensor
            (y,) = ctx.saved_tensors
            return grad * y               # one gradient per forward input

    y = Exp.apply(x)                      # Tensor in, Tensor out, grad_fn=<ExpBackward>

mygrad's own operations (mygrad/_ops) are Functions on numpy arrays: ``apply`` unwraps the
Tensors, ``forward`` returns an array, ``backward`` receives one (a Tensor under
create_graph). The object passed as ``ctx`` is the node of the graph: it becomes
``y.grad_fn``. See docs/engine.md for the whole calling convention.
"""

import numpy as np

from ..tensor import Tensor
from .grad_mode import _State

_wrap = Tensor._wrap  # the one way autograd makes a Tensor

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)


class Function:
    """Base class of every differentiable operation (subclass it; call ``.apply``).

    The object ``apply`` passes to ``forward`` as ``ctx`` is the node of the graph: it becomes
    the output's ``grad_fn``. It keeps

    * ``inputs``   the forward arguments that were Tensors (None for the others), in order;
    * ``_saved``   what ``save_for_backward`` kept (None once backward has freed it);
    * ``_out``     the output's array (a saved array that *is* it comes back from
      ``saved_tensors`` as the output Tensor under create_graph);
    * ``_e``       the in-place epoch it was recorded in (``versions.py``).
    """

    __slots__ = ("inputs", "_saved", "_out", "_e", "__dict__")

    #: mygrad's own ops say ``class Add(Function, builtin=True)`` (see ``_ops/_common.Op``):
    #: they compute on numpy arrays and return fresh gradient arrays. A user's Function is not
    #: built in: it gets torch's convention (Tensors in and out), and the engine copies the
    #: gradients its backward returns.
    _builtin = False

    #: the non-leaf Tensor this node made, when it has hooks or called ``retain_grad``
    _retained = None
    _retain = False  # fill _retained's .grad (retain_grad)
    _hooks = None    # its register_hook hooks

    #: the name shown in ``grad_fn=<...>``; defaults to the class name + "Backward"
    _torch_name = None

    def __init_subclass__(cls, builtin=None, **kwargs):
        super().__init_subclass__(**kwargs)
        if builtin is not None:
            cls._builtin = bool(builtin)
        if "_torch_name" not in cls.__dict__:
            cls._torch_name = cls.__name__ + "Backward"
        if not cls._builtin and "apply" not in cls.__dict__:
            # a user's Function gets torch's calling convention (Tensors in and out)
            cls.apply = classmethod(_apply_custom)
            cls._numpy_style = None  # learnt on the first call: see _apply_custom

    # -- the two methods a subclass writes ------------------------------------------------
    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """torch 2's alternative: ``forward(*args)`` without ctx, then this fills ctx."""

    # -- the ctx API -----------------------------------------------------------------------
    def save_for_backward(self, *arrays):
        """Keep what backward needs (numpy arrays, normally inputs or the output)."""
        self._saved = arrays

    @property
    def saved_tensors(self):
        """What ``save_for_backward`` kept. Under ``create_graph=True`` every saved array that is
        an input's or the output's data comes back as that Tensor, so that gradients computed
        from it are themselves differentiable; other saved arrays come back as constants."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED)
        if _State.create_graph and not self._tensor_style:
            return tuple(_as_graph_tensor(self, s) for s in saved)
        return saved

    @property
    def needs_input_grad(self):
        """One bool per forward argument: does that input need a gradient?"""
        return tuple([t is not None and t._rg for t in self.inputs])

    #: True for a user's Function called with Tensors (torch's convention)
    _tensor_style = False
    _materialize_grads = True
    _non_differentiable = ()

    def mark_non_differentiable(self, *outputs):
        """The given outputs will not require grad (torch API)."""
        self._non_differentiable = tuple(id(o) for o in outputs)

    def set_materialize_grads(self, value):
        """torch API. mygrad's custom Functions have one output, whose gradient is always
        materialised when backward runs, so this only records the choice."""
        self._materialize_grads = bool(value)

    def mark_dirty(self, *args):
        raise NotImplementedError("ctx.mark_dirty (custom Functions that modify their inputs in "
                                  "place) is outside mygrad's subset")

    def name(self):
        """``"MulBackward0"``: the name torch gives the same node."""
        return self._torch_name

    @property
    def next_functions(self):
        """``((grad_fn or None, 0), ...)`` per input, like torch's (leaves give their tensor)."""
        out = []
        for t in self.inputs:
            if t is None and not self._builtin:
                continue  # a user's Function: torch lists its tensor arguments only
            if t is None or not t._rg:
                out.append((None, 0))
            else:
                out.append((t.grad_fn if t.grad_fn is not None else _Accumulate(t), 0))
        return tuple(out)

    def __repr__(self):
        return f"<{self._torch_name} object at {hex(id(self))}>"

    # -- building the graph (built-in ops: numpy arrays in, numpy array out) ---------------
    @classmethod
    def apply(cls, *args):
        """Run ``forward`` on the arguments' arrays and wrap the result in a Tensor that
        records this node when any input requires grad and grad mode is on."""
        ctx = object.__new__(cls)
        ctx._saved = ()
        n = len(args)
        if n == 1 and isinstance(args[0], Tensor):  # unary ops, spelled out for speed
            x = args[0]
            return ctx._link(cls.forward(ctx, x._data), args, x._rg)
        if n == 2:  # a tensor and an option (dim, index), or two operands: spelled out too
            a, b = args
            ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
            y = cls.forward(ctx, a._data if ta else a, b._data if tb else b)
            return ctx._link(y, (a if ta else None, b if tb else None),
                             (ta and a._rg) or (tb and b._rg))
        arrays = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                record = record or a._rg
            else:
                arrays.append(a)
        y = cls.forward(ctx, *arrays)
        if record:
            args = tuple([a if isinstance(a, Tensor) else None for a in args])
        return ctx._link(y, args, record)

    @classmethod
    def _apply_pair(cls, a, b):
        """``apply(a, b)`` for two Tensors, called by the operators' fast paths (``h @ W + b``)
        once they have checked the types and dtypes. Spelled out: the hottest path."""
        ctx = object.__new__(cls)
        ctx._saved = ()
        y = cls.forward(ctx, a._data, b._data)
        if (a._rg or b._rg) and _State.enabled:
            return ctx._record(y, (a, b))
        return _wrap(y)

    @classmethod
    def _apply_scalar(cls, a, c):
        """``apply(a, c)`` for a Tensor ``a`` and a Python number ``c`` (``y * 1.0001 + 0.0``,
        ``lr * p.grad``). Spelled out, like ``_apply_pair``."""
        ctx = object.__new__(cls)
        ctx._saved = ()
        y = cls.forward(ctx, a._data, c)
        if a._rg and _State.enabled:
            return ctx._record(y, (a, None))
        return _wrap(y)

    def _link(self, y, inputs, record):
        """The output Tensor around forward's result ``y``; this node becomes its ``grad_fn``
        when ``record`` (some input requires grad) and grad mode is on (read after forward)."""
        if not isinstance(y, (np.ndarray, np.generic)):
            y = np.asarray(y)
        if record and _State.enabled:
            return self._record(y, inputs)
        self._saved = ()
        return _wrap(y)

    def _record(self, y, inputs):
        """Make this node ``y``'s ``grad_fn``: remember the inputs, the in-place epoch and the
        output's array (when forward also saved it, create_graph hands it back as the output
        Tensor: found by identity, so no op has to declare it)."""
        self.inputs = inputs
        self._e = _State.epoch
        self._out = y
        return _wrap(y, True, self)


def _apply_custom(cls, *args):
    """``apply`` of a user's Function, torch's convention: ``forward(ctx, *args)`` receives the
    Tensors themselves with grad recording off and returns a Tensor; ``backward(ctx, grad)``
    receives and returns Tensors (see ``_custom_backward``).

    mygrad extension, for course code written against numpy: a forward that only works on numpy
    arrays (``np.exp(x)``, ``x.max(axis=1)``) fails on Tensors with TypeError or AttributeError
    on its first call; the class is then run the way mygrad's own ops are (arrays in, arrays
    out) from then on.
    """
    if cls._numpy_style:
        return Function.apply.__func__(cls, *args)
    ctx = object.__new__(cls)
    ctx._saved = ()
    ctx._tensor_style = True
    ctx._out = None
    ctx.inputs = tuple([a if isinstance(a, Tensor) else None for a in args])
    prev = _State.enabled
    _State.enabled = False
    try:
        if cls.setup_context is not Function.setup_context:
            y = cls.forward(*args)
            cls.setup_context(ctx, args, y)
        else:
            y = cls.forward(ctx, *args)
    except (TypeError, AttributeError):
        if cls._numpy_style is not None:
            raise
        cls._numpy_style = True
        _State.enabled = prev
        return Function.apply.__func__(cls, *args)
    finally:
        _State.enabled = prev
    cls._numpy_style = False
    if isinstance(y, (tuple, list)):
        raise NotImplementedError(
            f"{cls.__name__}.forward returned {len(y)} outputs: custom Functions with several "
            "outputs are outside mygrad's subset (return one Tensor)")
    record = prev and any(isinstance(a, Tensor) and a._rg for a in args)
    if isinstance(y, Tensor) and y.grad_fn is None and not any(y is a for a in args):
        out = y  # forward's own new Tensor becomes the output (what it saved stays the output)
    else:  # an input returned as is, or a number: a new Tensor, as in torch
        out = Tensor._wrap(y._data if isinstance(y, Tensor) else np.asarray(y))
    out._grad = None
    if record and id(y) not in ctx._non_differentiable and out._data.dtype.kind in "fc":
        ctx._e = _State.epoch
        ctx._out = out._data
        out.grad_fn = ctx
        out._rg = True
    else:
        ctx._saved = ()
        out.grad_fn = None
        out._rg = False
    return out


def _custom_backward(fn, g):
    """Call a user's ``backward`` the way its forward was called (Tensors for torch-style)."""
    if not fn._tensor_style:
        return fn.backward(fn, g)
    if not isinstance(g, Tensor):
        g = Tensor._wrap(g)
    gin = fn.backward(fn, g)
    n = len(fn.inputs)
    if type(gin) is not tuple:
        gin = tuple(gin) if isinstance(gin, list) else (gin,)
    if len(gin) > n and all(x is None for x in gin[n:]):
        gin = gin[:n]  # torch allows trailing Nones for extra (non-tensor) arguments
    return gin


def _as_graph_tensor(ctx, s):
    """Map a saved array to the Tensor it belongs to (for create_graph backward)."""
    if isinstance(s, Tensor) or not isinstance(s, (np.ndarray, np.generic)):
        return s
    for t in ctx.inputs:
        if t is not None and t._data is s:
            return t
    if ctx._out is not None and s is ctx._out:
        return Tensor._wrap(s, True, ctx)  # the output, as the node's own Tensor
    return Tensor._wrap(s)


class _Accumulate:
    """Stand-in for torch's AccumulateGrad node (what ``next_functions`` shows for a leaf)."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"

    next_functions = ()

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

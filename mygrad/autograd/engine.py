"""The backward engine: reverse topological order without recursion, one ``unbroadcast``.

``run_backward`` walks the graph of ``Function`` nodes from the roots:

1. an explicit stack counts, for every node, how many edges reach it from the roots (the number
   of consumers whose gradient it must wait for);
2. Kahn's algorithm then pops nodes whose consumers are all done, calls ``backward`` once with
   the *sum* of the gradients from every path, reduces each input gradient to the input's shape
   with ``unbroadcast``, and passes it on: to the producing node, or into a leaf's ``.grad``.

Nothing recurses, so graphs of any depth work. Without ``retain_graph`` each node's saved
arrays are freed as soon as it has run.
"""

import numpy as np

from ..tensor import Tensor
from . import versions as _v
from .function import _custom_backward
from .grad_mode import _State

#: id(leaf tensor) -> its hooks (``register_hook`` on a leaf); empty in most programs
_LEAF_HOOKS = {}

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")
_NO_GRAD_ELEMENT = "element {i} of tensors does not require grad and does not have a grad_fn"


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the inverse of numpy broadcasting.

    Leading axes that broadcasting added are summed away; axes where ``shape`` has size 1 but
    ``grad`` does not are summed with keepdims. Works on numpy arrays and on Tensors (then the
    reduction is itself recorded, for create_graph). Raises RuntimeError when ``shape`` could not
    have been broadcast to ``grad.shape``.
    """
    gshape = grad.shape
    shape = tuple(shape)
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    if lead > 0 and gshape[lead:] == shape and not isinstance(grad, Tensor):
        return np.add.reduce(grad, axis=0 if lead == 1 else tuple(range(lead)))
    if lead < 0:
        raise RuntimeError(f"unbroadcast: a gradient of shape {tuple(gshape)} cannot be reduced "
                           f"to shape {shape}")
    axes = list(range(lead))
    for i, s in enumerate(shape):
        g = gshape[i + lead]
        if s == g:
            continue
        if s != 1:
            raise RuntimeError(f"unbroadcast: a gradient of shape {tuple(gshape)} cannot be "
                               f"reduced to shape {shape}")
        axes.append(i + lead)
    if isinstance(grad, Tensor):
        return grad.sum(dim=tuple(axes), keepdim=True).reshape(shape)
    return np.add.reduce(grad, axis=tuple(axes), keepdims=True).reshape(shape)


def _as_root_grad(t, g, i, create_graph):
    if g is None:
        if t._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        if t._data.dtype.kind != "f":
            raise RuntimeError("grad can be implicitly created only for real scalar outputs "
                               f"but got {t.dtype}")
        # np.array(1) builds the usual 0-d seed in half the time np.ones(()) takes
        d = t._data
        g = np.array(1, dtype=d.dtype) if d.ndim == 0 else np.ones(d.shape, dtype=d.dtype)
    elif isinstance(g, Tensor):
        if tuple(g.shape) != tuple(t.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{_sz(g.shape)} and output[{i}] has a shape of {_sz(t.shape)}.")
        g = g if create_graph else g._data.copy()
    else:
        g = np.array(g, dtype=t._data.dtype)  # a copy: it may end up in a leaf's .grad
        if g.shape != t._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{_sz(g.shape)} and output[{i}] has a shape of {_sz(t.shape)}.")
    if create_graph and not isinstance(g, Tensor):
        g = Tensor._wrap(g)
    return g


def _sz(shape):
    return "torch.Size([" + ", ".join(str(s) for s in shape) + "])"


def run_backward(roots, grad_roots, retain_graph=None, create_graph=False, capture=None,
                 allow_unused=False):
    """Backpropagate from ``roots`` (Tensors) seeded with ``grad_roots``.

    Without ``capture`` gradients accumulate into leaves' ``.grad`` (``Tensor.backward``).
    With ``capture`` (a list of Tensors) nothing is accumulated; the gradients reaching those
    tensors are returned in order (``autograd.grad``).

    One loop serves every case. Its everyday case -- one ``loss.backward()``, numpy gradients,
    into ``.grad`` -- takes the inline branches; what ``create_graph`` (gradients are Tensors),
    ``autograd.grad`` (gradients are captured, not stored) and hooks need sits in branches
    and small functions that the everyday case never calls.
    """
    create_graph = bool(create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    seeds = []
    for i, t in enumerate(roots):
        if not isinstance(t, Tensor):
            raise TypeError(f"backward expects Tensors, got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError(_NO_GRAD_ELEMENT.format(i=i))
        seeds.append((t, _as_root_grad(t, grad_roots[i], i, create_graph)))

    # Nodes recorded before a tensor changed history in place see its old state (versions.py);
    # in programs without in-place operations these stay None and cost nothing.
    hist = _v._HISTORY if _v._HISTORY else None
    hist_e = _State.history_epoch
    mods = _v._MODS if _v._MODS else None
    now = _State.epoch

    # 1. count the edges into each node: how many consumers' gradients it waits for
    deps = {}
    for t, _ in seeds:
        fn = t.grad_fn
        if fn is not None:
            deps[fn] = 0
    starts = list(deps)
    stack = starts[:]
    while stack:
        fn = stack.pop()
        inputs = fn.inputs
        if hist and fn._e < hist_e:
            inputs = _v.as_of(inputs, fn._e)
        for t in inputs:
            if t is not None:
                f = t.grad_fn
                if f is not None:
                    if f in deps:
                        deps[f] += 1
                    else:
                        deps[f] = 1
                        stack.append(f)

    # where gradients that reach leaves go (one shared sink for the everyday case)
    sink = _INTO_GRAD if capture is None and not create_graph and not _LEAF_HOOKS else _Sink(
        capture, create_graph)

    # 2. seed
    grads = {}
    for t, g in seeds:
        fn = t.grad_fn
        if fn is None:
            sink.leaf(t, g, owned=False)  # the same root may be listed twice
        elif fn in grads:
            grads[fn] = grads[fn] + g
        else:
            grads[fn] = g

    # 3. Kahn's algorithm: run a node once all its consumers have passed their gradients on
    fast = sink.fast  # Tensor.backward without create_graph: leaves take numpy arrays directly
    ndarray = np.ndarray
    captured = sink.nodes  # autograd.grad of non-leaf tensors (None: nothing to capture)
    prev_enabled, prev_cg = _State.enabled, _State.create_graph
    _State.enabled = create_graph  # record the backward's own operations only for create_graph
    if prev_cg is not create_graph:
        _State.create_graph = create_graph
    try:
        ready = []
        for fn in starts:
            if deps[fn] == 0:  # no other root consumes it
                ready.append(fn)
        while ready:
            fn = ready.pop()
            g = grads.pop(fn, None)
            inputs = fn.inputs
            if hist and fn._e < hist_e:
                inputs = _v.as_of(inputs, fn._e)
            if g is None:  # no gradient reached this node: just release its inputs' nodes
                _release(inputs, deps, ready)
                continue
            if captured is not None or fn._retained is not None:
                g = sink.node(fn, g)  # autograd.grad captures, tensor hooks, retain_grad
            saved = fn._saved
            if saved is None:
                raise RuntimeError(_FREED)
            if mods and saved and fn._e < now:
                _v.check_saved(fn)  # was something it saved modified in place since?
            gin = fn.backward(fn, g) if fn._builtin else _custom_backward(fn, g)
            if type(gin) is not tuple:
                gin = tuple(gin) if isinstance(gin, list) else (gin,)
            if len(gin) != len(inputs):
                raise RuntimeError(f"function {fn._torch_name} returned an incorrect number of "
                                   f"gradients (expected {len(inputs)}, got {len(gin)})")
            i = -1
            for t in inputs:
                i += 1
                if t is None:
                    continue
                f = t.grad_fn
                gi = gin[i]
                if gi is not None and t._rg:
                    if type(gi) is not ndarray:
                        gi = _as_grad(gi, create_graph)
                    shape = t._data.shape
                    summed = gi.shape != shape
                    if summed:  # the sum is a new value made for this input alone
                        gi = _unbroadcast_for(fn, i, gi, shape)
                    if f is not None:  # an inner node: sum the gradients from every path
                        old = grads.get(f)
                        grads[f] = gi if old is None else old + gi
                    elif not fast or id(t) in _LEAF_HOOKS:
                        sink.leaf(t, gi, summed or _fresh(fn, gi, g, gin))
                    elif (t._grad is None and type(gi) is ndarray and gi.dtype is t._data.dtype
                            and (gi.base is None if summed else _fresh(fn, gi, g, gin))):
                        t._grad = Tensor._wrap(gi)  # the leaf takes the array, no copy
                    else:
                        _accumulate(t, gi, False, copy=True)
                if f is not None:
                    d = deps[f] - 1
                    deps[f] = d
                    if d == 0:
                        ready.append(f)
            if saved and not retain_graph:  # free what backward needed
                fn._saved = None
                fn._out = None
        if sink.pending:
            sink.run_leaf_hooks()
    finally:
        _State.enabled = prev_enabled
        if prev_cg is not create_graph:
            _State.create_graph = prev_cg
    return sink.results(allow_unused) if capture is not None else None


class _Sink:
    """Where the gradients that reach the graph's ends go.

    ``Tensor.backward``: into each leaf's ``.grad`` (the loop above does the everyday case
    inline). ``autograd.grad`` (``capture``): into result slots, leaves found by identity and
    non-leaves by their node, nothing stored. A leaf with ``register_hook`` hooks collects the
    sum first; its hooks then run once, as in torch.
    """

    __slots__ = ("create_graph", "capture", "fast", "pending", "nodes", "out", "leaves")

    def __init__(self, capture, create_graph):
        self.create_graph = create_graph
        self.capture = capture
        self.fast = capture is None and not create_graph
        self.pending = {}  # id(leaf with hooks) -> (leaf, summed gradient); empty in _INTO_GRAD
        self.nodes = None  # grad_fn -> result slots (autograd.grad of non-leaf tensors)
        if capture is None:
            return
        self.out = [None] * len(capture)
        self.leaves = {}
        for k, t in enumerate(capture):
            if not isinstance(t, Tensor):
                raise TypeError(f"grad expects Tensors as inputs, got {type(t).__name__}")
            if not t._rg:
                raise RuntimeError(_NO_GRAD_ELEMENT.format(i=k))
            if t.grad_fn is None:
                self.leaves.setdefault(id(t), []).append(k)
            else:
                if self.nodes is None:
                    self.nodes = {}
                self.nodes.setdefault(t.grad_fn, []).append(k)

    def leaf(self, t, g, owned, hooked=False):
        """A gradient ``g`` reaches leaf ``t``; ``owned``: nothing else holds the array."""
        if _LEAF_HOOKS and not hooked and id(t) in _LEAF_HOOKS:
            old = self.pending.get(id(t))
            self.pending[id(t)] = (t, g if old is None else old[1] + g)
            return
        if self.capture is not None:
            out = self.out
            for k in self.leaves.get(id(t), ()):
                out[k] = g if out[k] is None else out[k] + g
            return
        _accumulate(t, g, self.create_graph, copy=not owned)

    def node(self, fn, g):
        """The gradient ``g`` of the non-leaf tensor ``fn`` made: captured before its hooks
        (autograd.grad), then its hooks and retain_grad; returns the gradient to go on with."""
        if self.nodes is not None:
            out = self.out
            for k in self.nodes.get(fn, ()):
                out[k] = g
        if fn._retained is not None:
            g = _tensor_hooks(fn, g, self.create_graph)
        return g

    def run_leaf_hooks(self):
        pending, self.pending = self.pending, {}
        for t, g in pending.values():
            self.leaf(t, _run_hooks(_LEAF_HOOKS[id(t)], g, self.create_graph), False, True)

    def results(self, allow_unused):
        """autograd.grad's tuple: one Tensor per captured input, each its own."""
        out = self.out
        seen = set()  # one array (or Tensor) may have reached several slots: give each its own
        for k, r in enumerate(out):
            if r is None:
                if not allow_unused:
                    raise RuntimeError(
                        f"The differentiated Tensor at index {k} appears to not have been used "
                        "in the graph. Set allow_unused=True if this is the desired behavior.")
                continue
            if id(r) in seen:
                r = r.clone() if isinstance(r, Tensor) else r.copy()
            seen.add(id(r))
            if not isinstance(r, Tensor):
                r = Tensor._wrap(_cast(r, self.capture[k]._data.dtype))
            out[k] = r
        return tuple(out)


#: the sink of every plain ``backward()`` while no leaf has hooks (it never holds state then)
_INTO_GRAD = _Sink(None, False)


def _as_grad(g, create_graph):
    """A gradient a backward returned, as the loop needs it: a Tensor under create_graph, else
    a numpy value."""
    if create_graph:
        return g if isinstance(g, Tensor) else Tensor._wrap(np.asarray(g))
    if isinstance(g, Tensor):
        return g._data
    return g if isinstance(g, np.generic) else np.asarray(g)


def _run_hooks(hooks, g, create_graph):
    """Call a tensor's hooks in order; a hook may return a replacement gradient."""
    for h in list(hooks):
        r = h(g if isinstance(g, Tensor) else Tensor._wrap(g))
        if r is not None:
            if not isinstance(r, Tensor):
                raise TypeError(f"hook returned an object of type {type(r).__name__}; "
                                "expected a Tensor or None")
            g = r
    if not create_graph and isinstance(g, Tensor):
        g = g._data
    return g


def _tensor_hooks(fn, g, create_graph):
    """The gradient reaching a non-leaf tensor: its hooks run, then retain_grad keeps it (as in
    torch, where retain_grad's hook always runs last)."""
    hooks = fn._hooks
    if hooks:
        g = _run_hooks(hooks, g, create_graph)
    if fn._retain:
        _accumulate(fn._retained, g, create_graph, copy=True)
    return g


def _fresh(fn, gi, g, gin):
    """May a leaf keep ``gi``, the gradient ``fn.backward`` returned for it, as its ``.grad``
    without a copy? Only when nothing else can hold that array. A leaf's ``.grad`` is later
    accumulated into in place (and users call ``.grad.zero_()``), so a shared array would
    silently change someone else's gradient: ``x + x + x`` once gave 4.

    Safe exactly when ``gi`` is a new array that the backward of a built-in op made for this
    one input: not the upstream gradient ``g`` passed through (``Add`` returns ``grad, grad``;
    ``g`` may be pending for other nodes), not also returned for another input, not a view of
    anything (``base is None``). A custom Function's backward may return an array it keeps
    elsewhere, so its gradients are always copied.
    """
    arr = gi._data if isinstance(gi, Tensor) else gi  # a Tensor under create_graph
    if not fn._builtin or gi is g or arr.base is not None:
        return False
    n = 0
    for other in gin:
        if other is gi:
            n += 1
    return n == 1


def _release(inputs, deps, ready):
    """A node that no gradient reached still counts as done for the nodes it was computed
    from: lower their pending counts and queue those that are now ready."""
    for t in inputs:
        if t is not None and t.grad_fn is not None:
            f = t.grad_fn
            d = deps[f] - 1
            deps[f] = d
            if d == 0:
                ready.append(f)


def _unbroadcast_for(fn, i, g, shape):
    try:
        return unbroadcast(g, shape)
    except RuntimeError:
        raise RuntimeError(f"Function {fn._torch_name} returned an invalid gradient at index "
                           f"{i} - got {list(g.shape)} but expected shape compatible with "
                           f"{list(shape)}") from None


def _cast(g, dtype):
    if not isinstance(g, np.ndarray):
        g = np.asarray(g)
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g


def _accumulate(t, g, create_graph, copy=False):
    """Add ``g`` into ``t.grad`` (leaves, and non-leaves that called retain_grad)."""
    old = t._grad
    if create_graph:
        if not isinstance(g, Tensor):
            g = Tensor._wrap(_cast(g, t._data.dtype))
        if g.dtype is not t.dtype:
            g = g.to(t.dtype)
        elif old is None and copy:  # the same Tensor must not become two leaves' .grad
            g = g.clone() if g.grad_fn is not None else Tensor._wrap(g._data.copy())
        t._grad = g if old is None else old + g
        return
    if isinstance(g, Tensor):
        g = g._data
    g = _cast(g, t._data.dtype)
    if old is None:
        # own the memory: a view of a broadcast or of another tensor must not be shared
        if copy or g.base is not None or not g.flags.writeable:
            g = g.copy()
        t._grad = Tensor._wrap(g)
    elif old._rg or old.grad_fn is not None or not old._data.flags.writeable:
        t._grad = Tensor._wrap(old._data + g)
    else:
        np.add(old._data, g, out=old._data)

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
from .function import _ABSENT, _custom_backward
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
    """
    if retain_graph is None:
        retain_graph = create_graph
    if capture is None and not create_graph and len(roots) == 1:
        t = roots[0]
        if isinstance(t, Tensor) and t.grad_fn is not None:
            g = _as_root_grad(t, grad_roots[0], 0, False)
            return _backward_simple(t.grad_fn, g, retain_graph)
    seeds = []
    for i, t in enumerate(roots):
        if not isinstance(t, Tensor):
            raise TypeError(f"backward expects Tensors, got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError(_NO_GRAD_ELEMENT.format(i=i))
        seeds.append((t, _as_root_grad(t, grad_roots[i], i, create_graph)))

    # 1. count the edges into each node (explicit stack, no recursion)
    # in place (versions.py): only nodes recorded before the latest change need a look
    hist = _v._HISTORY if _v._HISTORY else None
    hist_e = _State.history_epoch
    mods = _v._MODS if _v._MODS else None
    now = _State.epoch
    deps = {}
    stack = []
    for t, _ in seeds:
        fn = t.grad_fn
        if fn is not None and fn not in deps:
            deps[fn] = 0
            stack.append(fn)
    while stack:
        fn = stack.pop()
        for t in (_v.as_of(fn.inputs, fn._e) if hist and fn._e < hist_e else fn.inputs):
            if t is not None:
                f = t.grad_fn
                if f is not None:
                    if f in deps:
                        deps[f] += 1
                    else:
                        deps[f] = 1
                        stack.append(f)

    # what to capture (autograd.grad): leaves by identity, non-leaves by their node
    leaf_slot = {}
    node_slot = {}
    results = None
    if capture is not None:
        results = [None] * len(capture)
        for k, t in enumerate(capture):
            if not isinstance(t, Tensor):
                raise TypeError(f"grad expects Tensors as inputs, got {type(t).__name__}")
            if not t._rg:
                raise RuntimeError(_NO_GRAD_ELEMENT.format(i=k))
            if t.grad_fn is None:
                leaf_slot.setdefault(id(t), []).append(k)
            else:
                node_slot.setdefault(t.grad_fn, []).append(k)

    pending = {}  # leaves with hooks: their gradient is summed first, hooks run once (torch)

    def deliver_leaf(t, g, owned, hooked=False):
        if _LEAF_HOOKS and not hooked and id(t) in _LEAF_HOOKS:
            old = pending.get(id(t))
            pending[id(t)] = (t, g if old is None else old[1] + g)
            return
        if capture is not None:
            slots = leaf_slot.get(id(t))
            if slots is not None:
                for k in slots:
                    results[k] = g if results[k] is None else results[k] + g
            return
        _accumulate(t, g, create_graph, copy=not owned)

    # 2. seed
    grads = {}
    for t, g in seeds:
        fn = t.grad_fn
        if fn is None:
            # a seed is a fresh array, but the same root may be listed twice
            deliver_leaf(t, g, owned=False)
        elif fn in grads:
            grads[fn] = grads[fn] + g
        else:
            grads[fn] = g

    # 3. Kahn's algorithm in reverse topological order
    prev_enabled, prev_cg = _State.enabled, _State.create_graph
    _State.enabled = create_graph
    _State.create_graph = create_graph
    try:
        ready = [fn for fn in deps if deps[fn] == 0]
        while ready:
            fn = ready.pop()
            g = grads.pop(fn, None)
            inputs = _v.as_of(fn.inputs, fn._e) if hist and fn._e < hist_e else fn.inputs
            if g is None:  # no gradient reached this node: just release its consumers
                _release(inputs, deps, ready)
                continue
            if node_slot:  # autograd.grad captures a non-leaf's gradient before its hooks
                slots = node_slot.get(fn)
                if slots is not None:
                    for k in slots:
                        results[k] = g
            if fn._retained is not None:
                g = _tensor_hooks(fn, g, create_graph)
            if fn._saved is None:
                raise RuntimeError(_FREED)
            if mods and fn._e < now and fn._saved:
                _v.check_saved(fn)
            gin = fn.backward(fn, g) if fn._builtin else _custom_backward(fn, g)
            if type(gin) is not tuple:
                gin = (gin,) if not isinstance(gin, list) else tuple(gin)
            if len(gin) != len(inputs):
                raise RuntimeError(f"function {fn._torch_name} returned an incorrect number of "
                                   f"gradients (expected {len(inputs)}, got {len(gin)})")
            for i, t in enumerate(inputs):
                if t is None:
                    continue
                gi = gin[i]
                f = t.grad_fn
                if gi is not None and t._rg:
                    if not create_graph and isinstance(gi, Tensor):
                        gi = gi._data
                    elif create_graph and not isinstance(gi, Tensor):
                        gi = Tensor._wrap(np.asarray(gi))
                    owned = _fresh(fn, gi, g, gin)
                    if gi.shape != t._data.shape:
                        gi = _unbroadcast_for(fn, i, gi, t._data.shape)
                        owned = True  # a sum made for this input alone
                    if f is None:
                        deliver_leaf(t, gi, owned)
                    else:
                        old = grads.get(f)
                        grads[f] = gi if old is None else old + gi
                if f is not None:
                    d = deps[f] - 1
                    deps[f] = d
                    if d == 0:
                        ready.append(f)
            if not retain_graph and fn._saved:
                fn._saved = None
                fn._out = None
        for t, g in pending.values():
            deliver_leaf(t, _run_hooks(_LEAF_HOOKS[id(t)], g, create_graph), False, True)
    finally:
        _State.enabled = prev_enabled
        _State.create_graph = prev_cg

    if capture is not None:
        seen = set()  # one array (or Tensor) may have reached several slots: give each its own
        for k, r in enumerate(results):
            if r is not None:
                if id(r) in seen:
                    r = r.clone() if isinstance(r, Tensor) else r.copy()
                seen.add(id(r))
            if r is None:
                if not allow_unused:
                    raise RuntimeError(
                        f"The differentiated Tensor at index {k} appears to not have been used "
                        "in the graph. Set allow_unused=True if this is the desired behavior.")
                continue
            if not isinstance(r, Tensor):
                r = Tensor._wrap(_cast(r, capture[k]._data.dtype))
            results[k] = r
        return tuple(results)
    return None


def _backward_simple(root, grad, retain_graph):
    """``run_backward`` for the everyday case (one root, numpy gradients, into ``.grad``).

    The same algorithm as the general loop, with the create_graph and autograd.grad branches
    taken out: this loop is most of the per-node cost of a backward pass.
    """
    hist = _v._HISTORY if _v._HISTORY else None  # see run_backward
    hist_e = _State.history_epoch
    mods = _v._MODS if _v._MODS else None
    now = _State.epoch
    deps = {root: 0}
    stack = [root]
    while stack:
        fn = stack.pop()
        inputs = fn._more  # = fn.inputs, spelled out (no property call per node)
        if inputs is None:
            b = fn._b
            inputs = (fn._a,) if b is _ABSENT else (fn._a, b)
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
    grads = {root: grad}
    ready = [root]
    pending = {}  # leaves with hooks (see run_backward)
    ndarray = np.ndarray
    prev = _State.enabled
    _State.enabled = False
    try:
        while ready:
            fn = ready.pop()
            g = grads.pop(fn, None)
            inputs = fn._more
            if inputs is None:
                b = fn._b
                inputs = (fn._a,) if b is _ABSENT else (fn._a, b)
            if hist and fn._e < hist_e:
                inputs = _v.as_of(inputs, fn._e)
            if g is None:
                _release(inputs, deps, ready)
                continue
            if fn._retained is not None:
                g = _tensor_hooks(fn, g, False)
            saved = fn._saved
            if saved is None:
                raise RuntimeError(_FREED)
            if mods and saved and fn._e < now:
                _v.check_saved(fn)
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
                        gi = gi._data if isinstance(gi, Tensor) else (
                            gi if isinstance(gi, np.generic) else np.asarray(gi))
                    shape = t._data.shape
                    summed = gi.shape != shape
                    if summed:  # the sum is a new array made for this input alone
                        gi = _unbroadcast_for(fn, i, gi, shape)
                    if f is None:
                        if _LEAF_HOOKS and id(t) in _LEAF_HOOKS:  # hooks see the sum, once
                            old = pending.get(id(t))
                            pending[id(t)] = (t, gi if old is None else old[1] + gi)
                        elif (t._grad is None and type(gi) is ndarray
                                and gi.dtype is t._data.dtype
                                and (gi.base is None if summed else _fresh(fn, gi, g, gin))):
                            t._grad = Tensor._wrap(gi)  # the leaf takes the array, no copy
                        else:
                            _accumulate(t, gi, False, copy=True)
                    else:
                        old = grads.get(f)
                        grads[f] = gi if old is None else old + gi
                if f is not None:
                    d = deps[f] - 1
                    deps[f] = d
                    if d == 0:
                        ready.append(f)
            if saved and not retain_graph:
                fn._saved = None
                fn._out = None
        for t, gi in pending.values():
            _accumulate(t, _run_hooks(_LEAF_HOOKS[id(t)], gi, False), False, copy=True)
    finally:
        _State.enabled = prev


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

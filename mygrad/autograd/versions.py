"""Version counters and in-place history: what lets in-place operations live in a graph.

torch records an in-place operation (``y.add_(1)``, ``y += x``, ``y[0] = v``) as a new node that
becomes ``y``'s ``grad_fn``, and refuses to backpropagate through a node whose saved tensor was
modified afterwards. mygrad does the same with two small registries that stay empty (and cost
nothing) in programs without in-place operations:

* **epochs.** ``_State.epoch`` counts in-place modifications. Every recorded node remembers the
  epoch it was created in (``ctx._e``). Modifying an array in place stamps its memory (the
  array that owns it, so views count too) with a new epoch. A node created *before* that stamp
  that saved this memory raises torch's "modified by an inplace operation" error at backward.
* **history.** When an in-place operation is recorded on a tensor, its previous state (old
  ``grad_fn`` and ``requires_grad``) is kept here with the epoch of the change. Nodes created
  before the change still see the old state, exactly like torch's edges point at the node
  that was ``grad_fn`` when they were recorded.
"""

import weakref

import numpy as np

from .grad_mode import _State

# id(memory owner) -> [number of modifications, its latest epochs (8 to 64 of them), keep-alive]
_MODS = {}
# id(tensor) -> list of (epoch, stand-in Tensor carrying the state before that epoch)
_HISTORY = {}


def _owner(a):
    """The object whose memory ``a`` uses (numpy collapses view chains to the owner)."""
    b = getattr(a, "base", None)
    while b is not None and isinstance(b, np.ndarray):
        a, b = b, b.base
    return a


def bump(arr):
    """Record that ``arr``'s memory is about to change in place; returns the new epoch.

    Called on every in-place update (``p -= lr * p.grad`` six times per training step), so it
    does the least it can: one dict lookup, and the epoch list is trimmed only now and then."""
    root = arr if arr.base is None else _owner(arr)
    entry = _MODS.get(id(root))
    if entry is None:
        entry = _track(root)
    e = _State.epoch = _State.epoch + 1
    entry[0] += 1
    recent = entry[1]
    recent.append(e)
    if len(recent) > 64:
        del recent[:-8]  # only the latest epochs matter (see check_saved)
    return e


def _track(root):
    key = id(root)
    entry = _MODS[key] = [0, [], None]
    if isinstance(root, np.ndarray):
        weakref.finalize(root, _MODS.pop, key, None)
    else:  # a numpy scalar (0-d results): tiny and immutable, keep it so its id stays unique
        entry[2] = root
    return entry


def carry_over(old, new):
    """``new`` replaces ``old`` as a tensor's array (a numpy scalar became an array): the two
    share one version history."""
    entry = _MODS.get(id(_owner(old)))
    if entry is not None:
        _MODS[id(new)] = entry
        weakref.finalize(new, _MODS.pop, id(new), None)


def version(arr):
    """How many times ``arr``'s memory was modified in place (torch's ``t._version``)."""
    entry = _MODS.get(id(_owner(arr)))
    return 0 if entry is None else entry[0]


def remember(t, epoch, standin):
    """Tensor ``t`` changes history at ``epoch``; ``standin`` carries its state before."""
    key = id(t)
    hist = _HISTORY.get(key)
    if hist is None:
        hist = _HISTORY[key] = []
        weakref.finalize(t, _HISTORY.pop, key, None)
    hist.append((epoch, standin))
    _State.history_epoch = epoch


def as_of(inputs, e):
    """The node's inputs as they were when the node was recorded (epoch ``e``)."""
    out = []
    for t in inputs:
        if t is not None:
            hist = _HISTORY.get(id(t))
            if hist is not None:
                for epoch, standin in hist:
                    if epoch > e:
                        t = standin
                        break
        out.append(t)
    return tuple(out)


_MODIFIED = (
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation: [torch.{kind}Tensor [{shape}]]{which} is at version {now}; expected version "
    "{then} instead. Hint: enable anomaly detection to find the operation that failed to "
    "compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")

_KIND = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
         "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def check_saved(fn):
    """Raise torch's error when something ``fn`` saved was modified in place after ``fn`` was
    recorded (only called while some array has been modified in place at all)."""
    saved = fn._saved
    inputs = fn.inputs
    cross = getattr(fn, "_cross", False) and len(inputs) >= 2
    for k, s in enumerate(saved):
        arr = s._data if hasattr(s, "_data") else s
        if not isinstance(arr, (np.ndarray, np.generic)):
            continue
        entry = _MODS.get(id(_owner(arr)))
        if entry is None:
            continue
        count, epochs = entry[0], entry[1]
        if epochs[-1] <= fn._e:
            continue
        if cross and k < 2:  # Mul, Mm, Linear save (a, b) in input order: an input's array
            other = inputs[1 - k]  # is needed only for the *other* input's gradient (by
            if other is None or not other._rg:  # position: an in-place change on a 0-d
                continue  # tensor may replace its numpy scalar, so identity would not match)
        then = count - sum(1 for x in epochs if x > fn._e)
        owner = _tensor_of(fn, arr)
        which = ""
        if owner is not None and owner.grad_fn is not None:
            name = owner.grad_fn._torch_name
            which = (f", which is output 0 of "
                     f"{name[:-9] if name.endswith('Backward0') else name},")
        raise RuntimeError(_MODIFIED.format(
            kind=_KIND.get(np.asarray(arr).dtype.name, ""),
            shape=", ".join(str(n) for n in np.shape(arr)), which=which, now=count,
            then=then))


def _tensor_of(fn, arr):
    """The Tensor whose data ``arr`` is: an input of ``fn`` (named by its grad_fn now, as torch
    does), or ``fn``'s own output (named by ``fn``)."""
    if fn._out is not None and fn._out is arr:
        return _Output(fn)
    for t in fn.inputs:
        if t is not None and t._data is arr:
            return t
    return None


class _Output:
    __slots__ = ("grad_fn",)

    def __init__(self, fn):
        self.grad_fn = fn

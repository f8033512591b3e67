"""Convert Python / numpy / torch / mygrad results into plain JSON-able data.

This module is the only code that both sides of grading share *as source text*: the grader
ships it into the sandbox (it imports nothing at module level beyond the standard library), and
the visible checks use it in the student's own kernel. Whatever it returns is untrusted by the
grader and validated again by :func:`autograder.checks.validate_plain`.

Encoding (``t`` is the kind):

* ``{"t": "none"}``
* ``{"t": "bool", "v": true}``
* ``{"t": "num", "v": 1.5, "dtype": "float" | "int"}``
* ``{"t": "array", "lib": "torch" | "numpy" | "mygrad", "dtype": "float32", "shape": [2, 3],
  "data": [[...], ...], "requires_grad": bool, "is_leaf": bool, "grad": <plain> | None}``
* ``{"t": "list", "items": [<plain>, ...]}`` (lists and tuples)
* ``{"t": "dict", "items": {"key": <plain>, ...}}`` (string keys only)
* ``{"t": "unsupported", "type": "module.QualName"}`` for anything else (custom classes, lazy
  proxies, generators, ...): never compared, always a failed check.
"""


import math
import sys
import warnings

MAX_ELEMENTS = 100_000
MAX_DEPTH = 6


class TooLarge(ValueError):
    pass


def _type_name(obj) -> str:
    t = type(obj)
    return f"{getattr(t, '__module__', '?')}.{getattr(t, '__qualname__', '?')}"


def _float_list(flat, shape):
    """Nest a flat list of floats into ``shape``."""
    if not shape:
        return flat[0]
    step = 1
    for n in shape[1:]:
        step *= n
    return [_float_list(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def _number(x) -> float:
    x = float(x)
    return x


def _numpy_array(arr, lib="numpy", requires_grad=False, is_leaf=True, grad=None):
    import numpy as np

    arr = np.asarray(arr)
    if arr.size > MAX_ELEMENTS:
        raise TooLarge(f"{arr.size} elements")
    kind = arr.dtype.kind
    if kind not in "biuf":
        return {"t": "unsupported", "type": f"{lib} array of dtype {arr.dtype}"}
    flat = [_number(v) for v in np.asarray(arr, dtype=np.float64).ravel().tolist()]
    return {
        "t": "array",
        "lib": lib,
        "dtype": str(arr.dtype),
        "shape": [int(n) for n in arr.shape],
        "data": _float_list(flat, list(arr.shape)) if arr.shape else flat[0],
        "requires_grad": bool(requires_grad),
        "is_leaf": bool(is_leaf),
        "grad": grad,
    }


_PIN: dict = {}
_MRO = type.__dict__["__mro__"].__get__


def pin() -> None:
    """Take the types and C-level descriptors that tensor facts (is it a tensor, its data,
    ``requires_grad``, ``is_leaf``, ``.grad``) are read through. The sandbox calls this before
    any student code runs, so a subclass overriding ``grad``, ``requires_grad`` or
    ``__class__``, a ``__torch_function__`` or a patched ``torch.Tensor`` cannot impersonate a
    fact. Without a call (the visible checks in a student's kernel) it happens on first use."""
    torch = sys.modules.get("torch")
    if torch is not None and "torch" not in _PIN:
        base = torch._C.TensorBase
        _PIN["torch"] = {
            "base": base, "off": torch._C.DisableTorchFunction, "strided": torch.strided,
            "float64": torch.float64, "detach": base.detach, "is_complex": base.is_complex,
            "numel": base.numel, "tolist": base.tolist, "reshape": base.reshape, "to": base.to,
            "layout": base.layout.__get__, "dtype": base.dtype.__get__,
            "shape": base.shape.__get__, "requires_grad": base.requires_grad.__get__,
            "is_leaf": base.is_leaf.__get__, "grad": base.grad.__get__,
        }
    mg = sys.modules.get("mygrad")
    tensor = getattr(mg, "Tensor", None) if mg is not None else None
    if tensor is not None and "mygrad" not in _PIN:
        slots = {k: tensor.__dict__.get(k) for k in ("_data", "_rg", "grad_fn", "_grad")}
        if all(hasattr(v, "__get__") for v in slots.values()):
            _PIN["mygrad"] = {"cls": tensor, **{k: v.__get__ for k, v in slots.items()}}


def _is_instance(obj, cls) -> bool:
    return cls in _MRO(type(obj))


def tensor_grad(t):
    """``t.grad`` read through the pinned descriptor, for probes: a student's override of
    ``Tensor.grad`` (a property patched onto the class, a subclass) cannot fake it."""
    pin()
    if "torch" in _PIN and _is_instance(t, _PIN["torch"]["base"]):
        with _PIN["torch"]["off"](), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns when a non-leaf's .grad is read
            return _PIN["torch"]["grad"](t)
    if "mygrad" in _PIN and _is_instance(t, _PIN["mygrad"]["cls"]):
        return _PIN["mygrad"]["_grad"](t)
    return getattr(t, "grad", None)


def _torch_tensor(t, depth):
    p = _PIN["torch"]
    with p["off"]():
        d = p["detach"](t)
        if p["is_complex"](d) or p["layout"](d) != p["strided"]:
            return {"t": "unsupported", "type": f"torch tensor {p['dtype'](d)} {p['layout'](d)}"}
        n = p["numel"](d)
        if n > MAX_ELEMENTS:
            raise TooLarge(f"{n} elements")
        shape = [int(k) for k in p["shape"](d)]
        flat = [_number(v) for v in p["tolist"](p["reshape"](p["to"](d, "cpu", p["float64"]),
                                                            (-1,)))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a non-leaf's .grad: None, without torch's warning
            g = p["grad"](t) if depth == 0 else None
        requires_grad, is_leaf = bool(p["requires_grad"](t)), bool(p["is_leaf"](t))
        dtype = str(p["dtype"](d)).replace("torch.", "")
    if g is not None and not _is_instance(g, p["base"]):
        g = None
    return {
        "t": "array",
        "lib": "torch",
        "dtype": dtype,
        "shape": shape,
        "data": _float_list(flat, shape) if shape else flat[0],
        "requires_grad": requires_grad,
        "is_leaf": is_leaf,
        "grad": None if g is None else _torch_tensor(g, depth + 1),
    }


def to_plain(obj, _depth: int = 0):
    """Return the plain encoding of ``obj`` (see the module docstring)."""
    if _depth > MAX_DEPTH:
        return {"t": "unsupported", "type": "nesting too deep"}
    t = type(obj)
    if obj is None:
        return {"t": "none"}
    if t is bool:
        return {"t": "bool", "v": obj}
    if t is int:
        if abs(obj) > 2**63:
            return {"t": "num", "v": float(obj), "dtype": "int"}
        return {"t": "num", "v": obj, "dtype": "int"}
    if t is float:
        return {"t": "num", "v": obj, "dtype": "float"}
    pin()
    if "torch" in _PIN and _is_instance(obj, _PIN["torch"]["base"]):
        return _torch_tensor(obj, 0)
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(obj, np.ndarray):
            return _numpy_array(obj)
        if isinstance(obj, (np.floating, np.integer)):
            kind = "float" if isinstance(obj, np.floating) else "int"
            return {"t": "num", "v": float(obj) if kind == "float" else int(obj), "dtype": kind}
        if isinstance(obj, np.bool_):
            return {"t": "bool", "v": bool(obj)}
    if "mygrad" in _PIN and _is_instance(obj, _PIN["mygrad"]["cls"]):
        m = _PIN["mygrad"]
        g = m["_grad"](obj)
        if g is not None and _is_instance(g, m["cls"]):
            g = m["_data"](g)
        grad = None if g is None else _numpy_array(g, lib="mygrad")
        return _numpy_array(m["_data"](obj), lib="mygrad", requires_grad=bool(m["_rg"](obj)),
                            is_leaf=m["grad_fn"](obj) is None, grad=grad)
    if t is list or t is tuple:
        if len(obj) > MAX_ELEMENTS:
            raise TooLarge(f"{len(obj)} items")
        return {"t": "list", "items": [to_plain(v, _depth + 1) for v in obj]}
    if t is dict:
        if len(obj) > 1000:
            raise TooLarge(f"{len(obj)} keys")
        items = {}
        for k, v in obj.items():
            if type(k) is not str:
                return {"t": "unsupported", "type": "dict with non-string keys"}
            items[k] = to_plain(v, _depth + 1)
        return {"t": "dict", "items": items}
    return {"t": "unsupported", "type": _type_name(obj)}


def is_finite_number(x) -> bool:
    return type(x) in (int, float) and math.isfinite(x)

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


def _torch_tensor(t, depth):
    torch = sys.modules["torch"]
    base = torch.Tensor
    d = base.detach(t)
    if base.is_complex(d) or d.layout != torch.strided:
        return {"t": "unsupported", "type": f"torch tensor {d.dtype} {d.layout}"}
    if base.numel(d) > MAX_ELEMENTS:
        raise TooLarge(f"{base.numel(d)} elements")
    shape = [int(n) for n in d.shape]
    flat = [_number(v) for v in base.tolist(base.reshape(base.to(d, "cpu", torch.float64), -1))]
    g = t.grad if depth == 0 else None
    return {
        "t": "array",
        "lib": "torch",
        "dtype": str(d.dtype).replace("torch.", ""),
        "shape": shape,
        "data": _float_list(flat, shape) if shape else flat[0],
        "requires_grad": bool(t.requires_grad),
        "is_leaf": bool(t.is_leaf),
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
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(obj, torch.Tensor):
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
    mg = sys.modules.get("mygrad")
    mg_tensor = getattr(mg, "Tensor", None) if mg is not None else None
    if mg_tensor is not None and isinstance(obj, mg_tensor):
        g = getattr(obj, "grad", None)
        grad = None
        if g is not None:
            gdata = getattr(g, "data", g)
            grad = _numpy_array(gdata, lib="mygrad")
        return _numpy_array(
            obj.data,
            lib="mygrad",
            requires_grad=getattr(obj, "requires_grad", False),
            is_leaf=getattr(obj, "is_leaf", True),
            grad=grad,
        )
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

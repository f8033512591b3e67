"""``compare_with_torch``: run the same function with mygrad and with torch, side by side.

>>> def f(lib, x, w):
...     return (lib.tanh(x @ w) ** 2).sum()
>>> table = compare_with_torch(f, np.random.randn(3, 2), np.random.randn(2, 4))
quantity   shape   max abs diff   max rel diff   ok
output     ()      0.000e+00      0.000e+00      ✓
grad x     (3, 2)  ...

torch is imported only when this function runs (a function-level import), so ``import mygrad`` never
needs it; everything is compared in float64.
"""

import inspect

import numpy as np

__all__ = ["compare_with_torch", "Comparison"]


class Comparison(list):
    """The rows of a comparison (dicts with ``name``, ``shape``, ``mygrad``, ``torch``,
    ``max_abs``, ``max_rel``, ``ok``, ``note``); prints as a table. ``ok`` is True when every
    row agrees."""

    @property
    def ok(self):
        return all(row["ok"] for row in self)

    def __str__(self):
        header = ("quantity", "shape", "max abs diff", "max rel diff", "ok", "")
        lines = []
        for r in self:
            lines.append((
                r["name"],
                "-" if r["shape"] is None else str(tuple(r["shape"])),
                "-" if r["max_abs"] is None else f"{r['max_abs']:.3e}",
                "-" if r["max_rel"] is None else f"{r['max_rel']:.3e}",
                "✓" if r["ok"] else "✗",
                r["note"],
            ))
        widths = [max(len(str(x)) for x in col) for col in zip(header, *lines)]

        def fmt(cells):
            return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()

        verdict = "all match ✓" if self.ok else "MISMATCH ✗"
        return "\n".join([fmt(header)] + [fmt(line) for line in lines] + [verdict])

    def __repr__(self):
        return str(self)


def _input_names(fn, n):
    try:
        params = list(inspect.signature(fn).parameters.values())[1:]
    except (TypeError, ValueError):
        params = []
    names = []
    for i in range(n):
        if i < len(params) and params[i].kind in (params[i].POSITIONAL_ONLY,
                                                  params[i].POSITIONAL_OR_KEYWORD):
            names.append(params[i].name)
        else:
            names.append(f"input {i}")
    return names


def _as_input(x):
    """(array, requires_grad): Python numbers and float arrays -> float64 with gradient;
    integer and bool arrays (labels, indices, masks) -> int64 / bool without."""
    if isinstance(x, bool):
        return np.asarray(x), False
    if isinstance(x, (int, float)):
        return np.asarray(float(x)), True
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        return arr.astype(np.float64), True
    if arr.dtype.kind == "b":
        return arr, False
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64), False
    raise TypeError(f"compare_with_torch inputs must be numbers or numpy arrays, got {x!r}")


def _run(lib, fn, arrays, differentiable):
    """Call ``fn(lib, *tensors)``; return (outputs as float64 arrays, grads, error text)."""
    tensors = [lib.tensor(arr, requires_grad=diff) for arr, diff in zip(arrays, differentiable)]
    try:
        out = fn(lib, *tensors)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        total = None
        for o in outs:
            if getattr(o, "requires_grad", False):
                s = o.sum()
                total = s if total is None else total + s
        if total is not None:
            total.backward()
    except Exception as exc:  # report the failing library instead of crashing the comparison
        return None, None, f"{lib.__name__}: {type(exc).__name__}: {exc}"
    values = [np.asarray(o.detach().numpy() if hasattr(o, "detach") else o, dtype=np.float64)
              for o in outs]
    grads = []
    for t, diff in zip(tensors, differentiable):
        g = t.grad if diff else None
        grads.append(None if g is None else np.asarray(g.detach().numpy(), dtype=np.float64))
    return values, grads, None


def _row(name, a, b, atol, rtol, note=""):
    if a is None and b is None:
        return dict(name=name, shape=None, mygrad=None, torch=None, max_abs=None, max_rel=None,
                    ok=True, note=note or "no gradient in either")
    if a is None or b is None:  # one library gives no gradient: compare with zeros
        ref = b if a is None else a
        a = np.zeros_like(ref) if a is None else a
        b = np.zeros_like(ref) if b is None else b
        note = note or "no gradient on one side (taken as 0)"
    if a.shape != b.shape:
        return dict(name=name, shape=b.shape, mygrad=a, torch=b, max_abs=None, max_rel=None,
                    ok=False, note=f"shape {a.shape} in mygrad vs {b.shape} in torch")
    diff = np.abs(a - b)
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.where(both_nan, 0.0, diff)
    max_abs = float(diff.max()) if diff.size else 0.0
    nz = np.abs(b) > 0
    max_rel = float((diff[nz] / np.abs(b[nz])).max()) if nz.any() else 0.0
    ok = bool(np.all(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)))
    if not ok and diff.size:
        i = np.unravel_index(int(np.nanargmax(np.where(np.isnan(diff), np.inf, diff))), diff.shape)
        where = f"[{', '.join(map(str, i))}]" if diff.ndim else ""
        note = f"worst{where}: mygrad {a[i]:.6g} vs torch {b[i]:.6g}"
    return dict(name=name, shape=b.shape, mygrad=a, torch=b, max_abs=max_abs, max_rel=max_rel,
                ok=ok, note=note)


def compare_with_torch(fn, *inputs, atol=1e-6, rtol=1e-5, verbose=True):
    """Run ``fn(lib, *tensors)`` with ``lib=mygrad`` and with ``lib=torch`` and compare.

    ``inputs`` are numbers or numpy arrays; floating ones become float64 tensors with
    ``requires_grad=True`` (integer ones, e.g. class labels, are passed as int64 without
    gradient). ``fn`` returns a tensor or a tuple of tensors; the gradient of the sum of all
    outputs is taken with respect to every input. Prints (unless ``verbose=False``) and
    returns a :class:`Comparison`: one row per output and per input gradient with the largest
    absolute and relative difference and ✓ when ``|mygrad - torch| <= atol + rtol·|torch|``.
    """
    import torch  # the one place mygrad uses torch: on request, never at import time

    import mygrad
    prepared = [_as_input(x) for x in inputs]
    arrays = [a for a, _ in prepared]
    differentiable = [d for _, d in prepared]
    names = _input_names(fn, len(arrays))

    mg_vals, mg_grads, mg_err = _run(mygrad, fn, arrays, differentiable)
    th_vals, th_grads, th_err = _run(torch, fn, arrays, differentiable)

    table = Comparison()
    if mg_err or th_err:
        for err in (mg_err, th_err):
            if err:
                table.append(dict(name="error", shape=None, mygrad=None, torch=None,
                                  max_abs=None, max_rel=None, ok=False, note=err))
    else:
        if len(mg_vals) != len(th_vals):
            table.append(dict(name="outputs", shape=None, mygrad=None, torch=None, max_abs=None,
                              max_rel=None, ok=False,
                              note=f"{len(mg_vals)} outputs in mygrad vs {len(th_vals)} in torch"))
        single = len(th_vals) == 1
        for i, (a, b) in enumerate(zip(mg_vals, th_vals)):
            table.append(_row("output" if single else f"output {i}", a, b, atol, rtol))
        for name, a, b, diff in zip(names, mg_grads, th_grads, differentiable):
            if diff:
                table.append(_row(f"grad {name}", a, b, atol, rtol))
    if verbose:
        print(table)
    return table

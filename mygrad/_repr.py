"""``repr(tensor)`` in torch's format: layout, number formatting, summarisation beyond 1000
elements and line wrapping at 80 columns, character for character (docs/engine.md §1)."""

import math

import numpy as np

# ---------------------------------------------------------------------- repr (torch's format)
_LINEWIDTH, _THRESHOLD, _EDGE, _PREC = 80, 1000, 3, 4


class _Formatter:
    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        v = values.reshape(-1)
        if not floating:
            for x in v.tolist():
                self.max_width = max(self.max_width, len(str(x)))
            return
        v = v.astype(np.float64)
        nz = v[np.isfinite(v) & (v != 0)]
        if nz.size == 0:
            return
        a = np.abs(nz)
        mn, mx = float(a.min()), float(a.max())
        self.int_mode = bool(np.all(nz == np.ceil(nz)))
        vals = nz.tolist()
        if self.int_mode:
            if mx / mn > 1000.0 or mx > 1.0e8:
                self.sci_mode = True
                self.max_width = max(len(f"{x:.{_PREC}e}") for x in vals)
            else:
                self.max_width = max(len(f"{x:.0f}") + 1 for x in vals)
        else:
            if mx / mn > 1000.0 or mx > 1.0e8 or mn < 1.0e-4:
                self.sci_mode = True
                self.max_width = max(len(f"{x:.{_PREC}e}") for x in vals)
            else:
                self.max_width = max(len(f"{x:.{_PREC}f}") for x in vals)

    def format(self, x):
        if self.floating:
            if self.sci_mode:
                s = f"{x:{self.max_width}.{_PREC}e}"
            elif self.int_mode:
                s = f"{x:.0f}"
                if not (math.isinf(x) or math.isnan(x)):
                    s += "."
            else:
                s = f"{x:.{_PREC}f}"
        else:
            s = str(x)
        return (self.max_width - len(s)) * " " + s


def _summarized(a):
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        if a.shape[0] > 2 * _EDGE:
            return np.concatenate((a[:_EDGE], a[-_EDGE:]))
        return a
    if a.shape[0] > 2 * _EDGE:
        rows = [a[i] for i in range(_EDGE)] + [a[i] for i in range(len(a) - _EDGE, len(a))]
    else:
        rows = list(a)
    return np.stack([_summarized(r) for r in rows])


def _vector_str(a, indent, summarize, fmt):
    elem_len = fmt.max_width + 2
    per_line = max(1, int(math.floor((_LINEWIDTH - indent) / elem_len)))
    if summarize and a.shape[0] > 2 * _EDGE:
        data = ([fmt.format(v) for v in a[:_EDGE].tolist()] + [" ..."]
                + [fmt.format(v) for v in a[-_EDGE:].tolist()])
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _array_str(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    if summarize and a.shape[0] > 2 * _EDGE:
        slices = ([_array_str(a[i], indent + 1, summarize, fmt) for i in range(_EDGE)] + ["..."]
                  + [_array_str(a[i], indent + 1, summarize, fmt)
                     for i in range(len(a) - _EDGE, len(a))])
    else:
        slices = [_array_str(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _tensor_repr(t):
    """``tensor([1., 2.], requires_grad=True)``: torch's layout, torch's number formatting."""
    a = np.asarray(t._data)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    default = a.dtype in (np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_))
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append("size=" + str(tuple(a.shape)))
        if a.dtype != np.float32:
            suffixes.append(f"dtype={t.dtype!r}")
        body = "[]"
    else:
        if not default:
            suffixes.append(f"dtype={t.dtype!r}")
        summarize = a.size > _THRESHOLD
        fmt = _Formatter(_summarized(a) if summarize else a, a.dtype.kind == "f")
        body = _array_str(a, indent, summarize, fmt)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn._torch_name}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    s = prefix + body
    out = [s]
    last = len(s) - s.rfind("\n") + 1
    for suf in suffixes:
        if last + len(suf) + 2 > _LINEWIDTH:
            out.append(",\n" + " " * indent + suf)
            last = indent + len(suf)
        else:
            out.append(", " + suf)
            last += len(suf) + 2
    out.append(")")
    return "".join(out)

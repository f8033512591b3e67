"""Pictures for the lectures: loss curves, contour plots with gradient fields, decision boundaries,
and computation graphs.

Only numpy is imported at module level; matplotlib (and graphviz) are imported inside the
functions that need them, so ``import mygrad`` works with numpy alone.
"""

import io
import shutil

import numpy as np

from .fonts import use_japanese_font

__all__ = [
    "use_japanese_font", "plot_loss_curves", "plot_contour", "plot_decision_boundary",
    "draw_graph", "GraphDrawing",
]


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _new_axes(ax, figsize=(5, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _to_numpy(x):
    """Convert a mygrad/torch tensor, a list of scalars or 0-d tensors, or an array to numpy."""
    if hasattr(x, "detach"):  # mygrad.Tensor or torch.Tensor
        x = x.detach()
        if hasattr(x, "cpu"):
            x = x.cpu()
        return np.asarray(x.numpy())
    if isinstance(x, (list, tuple)):
        return np.asarray([float(v.item()) if hasattr(v, "item") else v for v in x], dtype=float)
    return np.asarray(x)


def _check_lim(name, lim):
    try:
        lo, hi = (float(v) for v in lim)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {lim!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must satisfy low < high with finite values, got {lim!r}")
    return lo, hi


# --------------------------------------------------------------------------------------------
# loss curves
# --------------------------------------------------------------------------------------------
def plot_loss_curves(curves, ax=None, logy=False):
    """Plot one line per named loss curve and return the Axes.

    ``curves`` maps a label to a sequence of losses (floats, 0-d tensors, or an array), e.g.
    ``{"SGD": sgd_losses, "Adam": adam_losses}``; a bare sequence is plotted as ``"損失"``.
    The x axis is the step number (starting at 1). With ``logy=True`` the y axis is logarithmic.
    Axis labels are Japanese (see :func:`use_japanese_font`); change them with
    ``ax.set_xlabel`` and the like.
    """
    if not isinstance(curves, dict):
        if isinstance(curves, (str, bytes)) or not hasattr(curves, "__len__"):
            raise TypeError(
                "curves must be a dict mapping a label to a sequence of losses, "
                f"got {type(curves).__name__}"
            )
        curves = {"損失": curves}
    if len(curves) == 0:
        raise ValueError("curves is empty: give at least one label -> sequence of losses")

    arrays = {}
    for label, values in curves.items():
        y = _to_numpy(values).astype(float).ravel()
        if y.size == 0:
            raise ValueError(f"loss curve {label!r} is empty")
        if logy and np.any(y[np.isfinite(y)] <= 0):
            raise ValueError(
                f"loss curve {label!r} has values <= 0, which a logarithmic y axis cannot show; "
                "use logy=False"
            )
        arrays[str(label)] = y

    ax = _new_axes(ax)
    for label, y in arrays.items():
        ax.plot(np.arange(1, y.size + 1), y, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("ステップ")
    ax.set_ylabel("損失")
    ax.legend()
    return ax


# --------------------------------------------------------------------------------------------
# contour + gradient field + optimiser paths
# --------------------------------------------------------------------------------------------
def plot_contour(f, xlim, ylim, ax=None, levels=30, gradient=None, paths=None, n=100):
    """Filled contour plot of ``f(X, Y)`` over ``xlim`` x ``ylim``; returns the Axes.

    ``f`` takes two numpy arrays ``X, Y`` of the same shape (from ``np.meshgrid``) and returns
    an array of that shape. ``gradient(X, Y) -> (U, V)``, if given, is drawn as arrows on a
    coarser grid (the gradient points uphill). ``paths`` maps a label to an array of shape
    ``(k, 2)`` of points, e.g. the iterates of gradient descent; each is drawn as a line with
    markers, starting point circled.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of (X, Y), got {type(f).__name__}")
    x0, x1 = _check_lim("xlim", xlim)
    y0, y1 = _check_lim("ylim", ylim)
    n = int(n)
    if n < 2:
        raise ValueError(f"n (grid points per axis) must be at least 2, got {n}")

    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    Z = _to_numpy(f(X, Y)).astype(float)
    if Z.shape != X.shape:
        if Z.size == 1:
            Z = np.full(X.shape, float(Z))
        else:
            raise ValueError(
                f"f(X, Y) must return an array of the grid's shape {X.shape}, got shape {Z.shape}"
            )
    if not np.any(np.isfinite(Z)):
        raise ValueError("f(X, Y) is not finite anywhere on the grid; check xlim / ylim")

    checked_paths = {}
    for label, pts in (paths or {}).items():
        p = _to_numpy(pts).astype(float)
        if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] == 0:
            raise ValueError(f"path {label!r} must be an array of shape (k, 2), got {p.shape}")
        checked_paths[str(label)] = p

    ax = _new_axes(ax, figsize=(5.5, 4.5))
    cs = ax.contourf(X, Y, np.ma.masked_invalid(Z), levels=levels, cmap="viridis")
    ax.figure.colorbar(cs, ax=ax)

    if gradient is not None:
        m = max(2, min(n, 20))
        GX, GY = np.meshgrid(np.linspace(x0, x1, m), np.linspace(y0, y1, m))
        out = gradient(GX, GY)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise ValueError("gradient(X, Y) must return a pair (U, V) of arrays")
        U, V = (np.broadcast_to(_to_numpy(c).astype(float), GX.shape) for c in out)
        ax.quiver(GX, GY, U, V, color="tab:red", angles="xy")

    for label, p in checked_paths.items():
        (line,) = ax.plot(p[:, 0], p[:, 1], "-o", markersize=3, label=label)
        ax.plot(p[0, 0], p[0, 1], "o", markersize=9, markerfacecolor="none",
                color=line.get_color())
    if checked_paths:
        ax.legend()

    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    return ax


# --------------------------------------------------------------------------------------------
# decision boundary
# --------------------------------------------------------------------------------------------
def plot_decision_boundary(predict, X, y, ax=None, n=200):
    """Shade the plane by a classifier's prediction and scatter the data on top; returns the Axes.

    ``predict(points)`` receives a numpy array of shape ``(m, 2)`` and returns ``m`` class
    scores or labels (numpy array or tensor). A ``(m, C)`` array of per-class scores is reduced
    with argmax. ``X`` is ``(N, 2)``, ``y`` holds the ``N`` labels.
    """
    if not callable(predict):
        raise TypeError(
            f"predict must be a function of points (m, 2), got {type(predict).__name__}"
        )
    X = _to_numpy(X).astype(float)
    y = _to_numpy(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2), got {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X and y must have the same number of samples, got {X.shape[0]} and {y.shape[0]}"
        )
    if X.shape[0] == 0:
        raise ValueError("X is empty")
    n = int(n)
    if n < 2:
        raise ValueError(f"n (grid points per axis) must be at least 2, got {n}")

    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.where(hi > lo, hi - lo, 1.0)
    xx, yy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], n),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], n))
    points = np.c_[xx.ravel(), yy.ravel()]
    Z = _to_numpy(predict(points))
    if Z.ndim == 2 and Z.shape[0] == points.shape[0] and Z.shape[1] > 1:
        Z = Z.argmax(axis=1)
    Z = np.asarray(Z, dtype=float).reshape(-1)
    if Z.size != points.shape[0]:
        raise ValueError(
            f"predict(points) must return one score or label per point: got {Z.size} values "
            f"for {points.shape[0]} points"
        )
    Z = Z.reshape(xx.shape)

    ax = _new_axes(ax)
    values = np.unique(Z[np.isfinite(Z)])
    if 0 < values.size <= 10:  # labels: one band per label, boundaries half-way between them
        mids = (values[:-1] + values[1:]) / 2
        levels = np.concatenate([[values[0] - 0.5], mids, [values[-1] + 0.5]])
    else:  # continuous scores
        levels = 20
    ax.contourf(xx, yy, Z, levels=levels, alpha=0.3, cmap="coolwarm")
    classes = np.unique(y)
    cmap = _colormap("coolwarm")
    for i, c in enumerate(classes):
        mask = y == c
        color = cmap(i / max(1, len(classes) - 1))
        ax.scatter(X[mask, 0], X[mask, 1], s=12, color=color, edgecolors="k", linewidths=0.3,
                   label=str(c.item() if hasattr(c, "item") else c))
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.legend(title="クラス", loc="best")
    return ax


def _colormap(name):
    import matplotlib

    return matplotlib.colormaps[name]


# --------------------------------------------------------------------------------------------
# computation graphs
# --------------------------------------------------------------------------------------------
_MAX_NODES = 400  # beyond this a drawing is unreadable; the rest is summarised in a note


class GraphDrawing:
    """A drawn computation graph. Displays as SVG (or PNG) in Jupyter.

    Attributes: ``backend`` (``"graphviz"`` or ``"matplotlib"``), ``svg`` (the SVG text, when
    ``format="svg"``), ``png`` (bytes, when ``format="png"``), ``source`` (the DOT source; also
    built on the matplotlib path), ``nodes`` (one dict per drawn node) and ``edges``.
    """

    def __init__(self, backend, fmt, image, source, nodes, edges, figure=None):
        self.backend = backend
        self.format = fmt
        self.svg = image if fmt == "svg" else None
        self.png = image if fmt == "png" else None
        self.source = source
        self.nodes = nodes
        self.edges = edges
        self.figure = figure

    def _repr_svg_(self):
        return self.svg

    def _repr_png_(self):
        return self.png

    def save(self, filename):
        """Write the image (SVG text or PNG bytes) to ``filename``; returns the filename."""
        data = self.svg if self.format == "svg" else self.png
        mode = "w" if isinstance(data, str) else "wb"
        kwargs = {"encoding": "utf-8"} if mode == "w" else {}
        with open(filename, mode, **kwargs) as fh:
            fh.write(data)
        return filename

    def __repr__(self):
        n_ops = sum(1 for n in self.nodes if n["kind"] == "op")
        return (f"<GraphDrawing: {len(self.nodes) - n_ops} values, {n_ops} operations, "
                f"drawn with {self.backend}>")


def _fmt_number(x):
    x = float(x)
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.3e}"
    return f"{x:.4f}"


def _fmt_array(arr):
    arr = np.asarray(arr)
    if arr.size == 1:
        return _fmt_number(arr.reshape(()))
    return f"shape {tuple(int(s) for s in arr.shape)}"


def _trace(root, names):
    """Nodes and edges of the graph that produced ``root`` (a Value or a Tensor).

    Returns ``(nodes, edges, hidden)``: nodes are dicts with ``id``, ``kind`` ("value" or
    "op") and text fields; edges go from input to consumer; ``hidden`` counts values left out
    beyond the size limit. Walks with an explicit stack: no recursion limit.
    """
    from .scalar import Value
    from .tensor import Tensor

    if isinstance(root, Value):
        def parents(v):
            return v._prev

        def describe(v):
            return v._op or "", (v.label or ""), _fmt_number(v.data), _fmt_number(v.grad)
    elif isinstance(root, Tensor):
        def parents(t):
            fn = t.grad_fn
            if fn is None:
                return ()
            return tuple(x for x in getattr(fn, "inputs", ()) if x is not None)

        label_of = {id(t): name for name, t in (names or {}).items()}

        def describe(t):
            op = t.grad_fn.name() if t.grad_fn is not None else ""
            grad = t._grad
            return (op, label_of.get(id(t), ""), _fmt_array(t._data),
                    "None" if grad is None else _fmt_array(grad._data))
    else:
        raise TypeError(
            "draw_graph expects a mygrad.Value or a mygrad.Tensor (the output of a "
            f"computation), got {type(root).__name__}"
        )

    order, seen, stack = [], {id(root)}, [root]
    hidden = 0
    while stack:
        v = stack.pop()
        if len(order) >= _MAX_NODES:
            hidden += 1
            continue
        order.append(v)
        for p in parents(v):
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    drawn = {id(v) for v in order}

    nodes, edges = [], []
    for v in order:
        op, label, data, grad = describe(v)
        vid = f"v{id(v)}"
        nodes.append({"id": vid, "kind": "value", "label": label, "data": data, "grad": grad})
        if op:
            oid = f"op{id(v)}"
            nodes.append({"id": oid, "kind": "op", "label": op})
            edges.append((oid, vid))
            for p in parents(v):
                if id(p) in drawn:
                    edges.append((f"v{id(p)}", oid))
    return nodes, list(dict.fromkeys(edges)), hidden


def _value_text(node, show_data, show_grad, sep):
    parts = [node["label"]] if node["label"] else []
    if show_data:
        parts.append(f"data {node['data']}")
    if show_grad:
        parts.append(f"grad {node['grad']}")
    return sep.join(parts) if parts else " "


def _dot_source(nodes, edges, hidden, show_data, show_grad, rankdir):
    def q(s):
        return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"digraph G {{\n  rankdir={rankdir};",
             '  node [fontname="Helvetica", fontsize=11];']
    for n in nodes:
        if n["kind"] == "op":
            lines.append(f"  {n['id']} [label={q(n['label'])}, shape=ellipse, "
                         'style=filled, fillcolor="#fde9c9"];')
        else:
            text = _value_text(n, show_data, show_grad, "\n")
            lines.append(f"  {n['id']} [label={q(text)}, shape=box, style=\"rounded,filled\", "
                         'fillcolor="#dbe9f6"];')
    for a, b in edges:
        lines.append(f"  {a} -> {b};")
    if hidden:
        lines.append(f"  more [label={q(f'... {hidden} more values not drawn')}, shape=plaintext];")
    lines.append("}")
    return "\n".join(lines)


def _dot_available():
    return shutil.which("dot") is not None


def _render_graphviz(source, fmt):
    """Render DOT with the graphviz package and the ``dot`` binary; None if either is missing
    or rendering fails for any reason."""
    if not _dot_available():
        return None
    try:
        import graphviz

        out = graphviz.Source(source).pipe(format=fmt)
    except Exception:  # no python package, dot crashed, timeout, ...: fall back
        return None
    return out.decode("utf-8") if fmt == "svg" else out


def _layers(nodes, edges):
    """Longest-path layering: inputs at layer 0, every node one right of its latest input."""
    ids = [n["id"] for n in nodes]
    preds = {i: [] for i in ids}
    succs = {i: [] for i in ids}
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    indeg = {i: len(preds[i]) for i in ids}
    layer = dict.fromkeys(ids, 0)
    queue = [i for i in ids if indeg[i] == 0]
    while queue:
        i = queue.pop()
        for j in succs[i]:
            layer[j] = max(layer[j], layer[i] + 1)
            indeg[j] -= 1
            if indeg[j] == 0:
                queue.append(j)
    return layer, preds


def _render_matplotlib(nodes, edges, hidden, show_data, show_grad, fmt, rankdir="LR"):
    from matplotlib.figure import Figure

    layer, preds = _layers(nodes, edges)
    columns = {}
    for n in nodes:
        columns.setdefault(layer[n["id"]], []).append(n["id"])
    # order each column by the mean position of its inputs (fewer crossings)
    ypos = {}
    for col in sorted(columns):
        def key(i):
            ys = [ypos[p] for p in preds[i] if p in ypos]
            return sum(ys) / len(ys) if ys else 0.0

        members = sorted(columns[col], key=key)
        for k, i in enumerate(members):
            ypos[i] = k - (len(members) - 1) / 2
    n_cols = max(columns) + 1 if columns else 1
    n_rows = max(len(m) for m in columns.values()) if columns else 1
    if rankdir in ("TB", "BT"):
        n_cols, n_rows = n_rows, int(n_cols * 1.6)
    xstep, ystep = 2.2, 1.0
    fig = Figure(figsize=(min(1.5 + 1.6 * n_cols, 40), min(1.0 + 0.9 * n_rows, 40)))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    by_id = {n["id"]: n for n in nodes}
    if rankdir in ("LR", "RL"):
        sign = 1 if rankdir == "LR" else -1
        pos = {i: (sign * layer[i] * xstep, -ypos[i] * ystep) for i in by_id}
    else:
        sign = -1 if rankdir == "TB" else 1
        pos = {i: (ypos[i] * xstep, sign * layer[i] * ystep * 1.6) for i in by_id}

    texts = {i: (n["label"] if n["kind"] == "op" else
                 _value_text(n, show_data, show_grad, "\n")) for i, n in by_id.items()}

    def shrink(i):  # points from a node's centre to its outline along the flow, roughly
        lines = texts[i].split("\n")
        if rankdir in ("TB", "BT"):
            return 6 + 5.5 * len(lines)
        char = 5.0 if by_id[i]["kind"] == "op" else 4.8
        return 7 + char / 2 * max(len(line) for line in lines)

    for a, b in edges:
        ax.annotate("", xy=pos[b], xytext=pos[a],
                    arrowprops=dict(arrowstyle="-|>", color="0.35", shrinkA=shrink(a),
                                    shrinkB=shrink(b)))
    for i, n in by_id.items():
        x, y = pos[i]
        if n["kind"] == "op":
            ax.text(x, y, n["label"], ha="center", va="center", fontsize=9,
                    bbox=dict(boxstyle="circle,pad=0.3" if len(n["label"]) <= 3
                              else "round,pad=0.3", fc="#fde9c9", ec="0.4"))
        else:
            ax.text(x, y, _value_text(n, show_data, show_grad, "\n"), ha="center",
                    va="center", fontsize=8, family="monospace",
                    bbox=dict(boxstyle="round,pad=0.4", fc="#dbe9f6", ec="0.4"))
    xs = [p[0] for p in pos.values()] or [0]
    ys = [p[1] for p in pos.values()] or [0]
    ax.set_xlim(min(xs) - xstep * 0.6, max(xs) + xstep * 0.6)
    ax.set_ylim(min(ys) - ystep * 0.8, max(ys) + ystep * 0.8)
    if hidden:
        ax.text(min(xs), max(ys) + ystep * 0.5, f"... {hidden} more values not drawn",
                fontsize=9, color="0.3")
    buf = io.BytesIO()
    from matplotlib import rc_context

    with rc_context({"svg.fonttype": "none"}):  # keep text as text: searchable, selectable
        fig.savefig(buf, format=fmt)
    data = buf.getvalue()
    return (data.decode("utf-8") if fmt == "svg" else data), fig


def draw_graph(root, format="svg", show_data=True, show_grad=True, rankdir="LR", names=None):
    """Draw the computation graph that produced ``root`` (a ``mygrad.Value`` or ``Tensor``).

    Value nodes (boxes) show the label (for tensors: the name given in ``names``, a dict
    ``name -> tensor`` such as ``dict(model.named_parameters())``), the data (the shape, for
    tensors with more than one element) and the gradient; operation nodes (ellipses) show
    the operation (``+``, ``*``, ... for Values, torch's ``grad_fn`` name for tensors).

    Uses graphviz when the ``dot`` program is installed and a pure-matplotlib layered drawing
    otherwise; rendering problems fall back to matplotlib instead of raising. Returns a
    :class:`GraphDrawing`, which Jupyter displays as an image.
    """
    if format not in ("svg", "png"):
        raise ValueError(f"format must be 'svg' or 'png', got {format!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be one of 'LR', 'TB', 'RL', 'BT', got {rankdir!r}")
    nodes, edges, hidden = _trace(root, names)
    source = _dot_source(nodes, edges, hidden, show_data, show_grad, rankdir)
    image = _render_graphviz(source, format)
    if image is not None:
        return GraphDrawing("graphviz", format, image, source, nodes, edges)
    image, fig = _render_matplotlib(nodes, edges, hidden, show_data, show_grad, format,
                                    rankdir)
    return GraphDrawing("matplotlib", format, image, source, nodes, edges, figure=fig)

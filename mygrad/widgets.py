"""Interactive explorers for the lectures, each with a static picture for stored outputs.

* :func:`backward_stepper` — walk a backward pass one node at a time (lectures 4, 5, 7);
* :func:`mode_cost_explorer` — forward vs reverse mode: sweeps for a full Jacobian as the
  numbers of inputs and outputs grow (lecture 8);
* :func:`optimizer_playground` — SGD, momentum and Adam on one 2-D surface, learning rates
  on sliders (lectures 2 and 9).

Each returns an object that Jupyter displays as a static PNG (what a committed notebook and a
code host show) followed by the live widget, whose plain-text fallback is a Japanese sentence
rather than a widget repr. Without ipywidgets only the static picture is shown. The numbers
behind every picture come from plain functions (:func:`backward_steps`,
:func:`jacobian_costs`, :func:`optimizer_paths`) that the tests compare with torch.

Works with ipywidgets 7.7 (Colab) and 8.x. Only numpy is imported at module level; call
:func:`mygrad.fonts.use_japanese_font` once per notebook so the Japanese labels render.
"""

from __future__ import annotations

import base64
import io
import time
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "BackwardTrace", "backward_steps", "plot_backward_step", "plot_backward_steps",
    "backward_stepper", "jacobian_costs", "plot_jacobian_costs", "mode_cost_explorer",
    "Surface", "SURFACES", "optimizer_paths", "plot_optimizer_paths", "optimizer_playground",
    "interact", "progress",
]

WIDGET_NOTE = "（操作できる図です。Jupyter / Colab でセルを実行すると表示されます）"


# --------------------------------------------------------------------------------------------
# display plumbing shared by the three explorers
# --------------------------------------------------------------------------------------------
def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return buf.getvalue()


def _new_figure(figsize):
    from matplotlib.figure import Figure  # not pyplot: no global figure is left behind

    return Figure(figsize=figsize, layout="constrained")


def _widgets():
    """The ipywidgets module, or None when it is not installed."""
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


def _display_widget(widget, text=WIDGET_NOTE):
    """Display ``widget`` with ``text`` as its plain-text fallback (ipywidgets 7 and 8)."""
    from IPython.display import display

    bundle = {"text/plain": text,
              "application/vnd.jupyter.widget-view+json": {
                  "version_major": 2, "version_minor": 0, "model_id": widget.model_id}}
    display(bundle, raw=True)
    handle = getattr(widget, "_handle_displayed", None)  # ipywidgets 7 display callbacks
    if handle is not None:
        handle()


class _Explorer:
    """Static PNG first, then the live widget (if ipywidgets is installed)."""

    def static_figure(self):  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def widget(self):  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    alt = "（図）"

    def _ipython_display_(self):
        from IPython.display import display

        # a raw bundle: the plain-text fallback is a caption, not "<IPython...Image object>"
        png = base64.b64encode(_png(self.static_figure())).decode("ascii")
        display({"image/png": png, "text/plain": self.alt}, raw=True)
        w = self.widget()
        if w is not None:
            _display_widget(w)

    def _image_output(self, w, draw):
        """An Output widget redrawn by ``draw(**values)`` as a PNG whenever a control moves."""
        from IPython.display import Image, clear_output, display

        out = w.Output()

        def redraw(**values):
            with out:
                clear_output(wait=True)
                display(Image(data=_png(draw(**values))))

        return out, redraw


# --------------------------------------------------------------------------------------------
# 1. backward stepper
# --------------------------------------------------------------------------------------------
@dataclass
class BackwardStep:
    """One node's turn in the backward pass.

    ``node`` indexes :attr:`BackwardTrace.nodes` and ``inputs`` lists its inputs' indices in
    argument order (``x * x`` lists ``x`` twice); ``upstream`` is that node's (complete)
    gradient d(output)/d(node); ``local[i]`` is the local derivative d(node)/d(input i) (for a
    tensor node with more than one element: ``None``); ``contribution[i]`` is what this step
    adds to input ``i``'s gradient (upstream x local, a vector-Jacobian product for tensors);
    ``grads`` is every node's accumulated gradient after the step (``None``: nothing yet).
    """

    node: int
    inputs: tuple
    upstream: object
    local: dict
    contribution: dict
    grads: list = field(repr=False)


@dataclass
class BackwardTrace:
    """Nodes (dicts with ``label``, ``op``, ``data``), edges ``(input, node)`` and the steps.

    Frame ``k`` (0..len(steps)) is the state after ``k`` steps; frame 0 has only the output's
    gradient, 1.
    """

    nodes: list
    edges: list
    steps: list
    start: list = field(repr=False)

    def grads_at(self, k):
        return self.start if k == 0 else self.steps[k - 1].grads

    @property
    def n_frames(self):
        return len(self.steps) + 1


def _trace_value(root):
    order, seen, stack = [], {id(root)}, [root]
    while stack:
        v = stack.pop()
        order.append(v)
        for p in v._prev:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    if all(getattr(v, "_stamp", None) is not None for v in order):
        order.sort(key=lambda v: v._stamp)  # creation order: inputs before their consumers
    else:  # a lecture's own Value without creation stamps: any topological order will do
        order = _topological(root, lambda v: v._prev)
    index = {id(v): i for i, v in enumerate(order)}
    nodes = [{"label": v.label, "op": v._op, "data": float(v.data)} for v in order]
    edges = list(dict.fromkeys((index[id(p)], index[id(v)]) for v in order for p in v._prev))

    def local_derivatives(v):
        """d(v)/d(input) for each distinct input, by running v's own backward rule with
        upstream 1 on zeroed inputs; every gradient it touches is restored afterwards."""
        inputs = list({id(p): p for p in v._prev}.values())
        saved = [(p, p.grad) for p in inputs] + [(v, v.grad)]
        try:
            for p in inputs:
                p.grad = 0.0
            v.grad = 1.0
            v._backward(v)
            return {index[id(p)]: float(p.grad) for p in inputs}
        finally:
            for node, g in saved:
                node.grad = g

    grads = [None] * len(order)
    grads[index[id(root)]] = 1.0
    start = list(grads)
    steps = []
    for v in reversed(order):
        if v._backward is None:
            continue
        i = index[id(v)]
        up = grads[i] if grads[i] is not None else 0.0
        local = local_derivatives(v)
        contribution = {j: up * d for j, d in local.items()}
        for j, c in contribution.items():
            grads[j] = c if grads[j] is None else grads[j] + c
        steps.append(BackwardStep(i, tuple(index[id(p)] for p in v._prev), up, local,
                                  contribution, list(grads)))
    return BackwardTrace(nodes, edges, steps, start)


def _trace_tensor(root, names):
    import mygrad as lib

    from .autograd.engine import unbroadcast

    if root.numel() != 1:
        raise ValueError(
            "backward_steps: the output must have one element (like backward() without a "
            f"gradient argument), got shape {tuple(root.shape)}")
    if root.grad_fn is None:
        raise ValueError("backward_steps: the output has no grad_fn (no graph to step through)")

    def positions(t):  # (argument position, input) for inputs that take a gradient
        fn = t.grad_fn
        if fn is None:
            return []
        return [(k, x) for k, x in enumerate(fn.inputs) if x is not None and x.requires_grad]

    def inputs_of(t):
        return list({id(x): x for _, x in positions(t)}.values())

    order = _topological(root, inputs_of)  # every tensor after its inputs
    index = {id(t): i for i, t in enumerate(order)}
    label_of = {id(t): name for name, t in (names or {}).items()}
    nodes = [{"label": label_of.get(id(t), ""),
              "op": t.grad_fn.name() if t.grad_fn is not None else "",
              "data": t.detach().numpy().copy()} for t in order]
    edges = [(index[id(p)], index[id(t)]) for t in order for p in inputs_of(t)]

    def direct(t, upstream):
        """What t's own backward rule sends to each input for ``upstream`` (this edge only,
        not the other paths to that input), reduced to the input's shape."""
        fn = t.grad_fn
        if fn._saved is None:
            raise RuntimeError(
                "backward_steps: the graph was freed by backward(); call backward_steps "
                "first, or backward(retain_graph=True)")
        g = np.asarray(upstream, dtype=t.detach().numpy().dtype).reshape(tuple(t.shape))
        with lib.no_grad():
            gin = fn.backward(fn, g)
        if not isinstance(gin, (tuple, list)):
            gin = (gin,)
        out = {}
        for k, x in positions(t):
            gi = gin[k]
            if gi is None:
                continue
            gi = np.asarray(gi.detach().numpy() if hasattr(gi, "detach") else gi, np.float64)
            if gi.shape != tuple(x.shape):
                gi = unbroadcast(gi, tuple(x.shape))
            j = index[id(x)]
            out[j] = gi if j not in out else out[j] + gi
        return out

    grads = [None] * len(order)
    grads[index[id(root)]] = np.ones(tuple(root.shape))
    start = list(grads)
    steps = []
    for t in reversed(order):
        if not inputs_of(t):
            continue
        i = index[id(t)]
        up = grads[i]
        local = direct(t, np.ones(tuple(t.shape))) if t.numel() == 1 else {}
        contribution = direct(t, up)
        for j, c in contribution.items():
            grads[j] = c if grads[j] is None else grads[j] + c
        steps.append(BackwardStep(i, tuple(index[id(x)] for _, x in positions(t)), up, local,
                                  contribution, list(grads)))
    return BackwardTrace(nodes, edges, steps, start)


def _topological(root, inputs_of):
    """Every node reachable from ``root``, each after all of its inputs (no recursion)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        v, done = stack.pop()
        if done:
            order.append(v)
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.append((v, True))
        stack.extend((p, False) for p in reversed(list(inputs_of(v))) if id(p) not in seen)
    return order


def _trace_recorded(root):
    """A node that stores its inputs with their local derivatives, ``inputs = [(node, d), ...]``
    (lecture 4's ``Node``): the local derivatives are read, not recomputed."""
    order = _topological(root, lambda v: [p for p, _ in v.inputs])
    index = {id(v): i for i, v in enumerate(order)}
    nodes = [{"label": v.label, "op": v.op, "data": float(v.data)} for v in order]
    edges = list(dict.fromkeys((index[id(p)], index[id(v)]) for v in order for p, _ in v.inputs))
    grads = [None] * len(order)
    grads[index[id(root)]] = 1.0
    start = list(grads)
    steps = []
    for v in reversed(order):
        if not v.inputs:
            continue
        i = index[id(v)]
        up = grads[i] if grads[i] is not None else 0.0
        local, contribution = {}, {}
        for p, d in v.inputs:  # x * x lists x twice: both local derivatives add up
            j = index[id(p)]
            local[j] = local.get(j, 0.0) + float(d)
            contribution[j] = contribution.get(j, 0.0) + up * float(d)
        for j, c in contribution.items():
            grads[j] = c if grads[j] is None else grads[j] + c
        steps.append(BackwardStep(i, tuple(index[id(p)] for p, _ in v.inputs), up, local,
                                  contribution, list(grads)))
    return BackwardTrace(nodes, edges, steps, start)


def _trace_torch(root, names):
    """A torch tensor's recorded graph, walked through ``grad_fn.next_functions`` (torch is
    not imported here: each node's own backward is called, ``grad_fn(upstream)``). Nodes are
    the ``grad_fn`` objects and the leaves (``AccumulateGrad.variable``); call it before
    ``backward()``, which frees what the nodes saved."""
    if root.numel() != 1:
        raise ValueError(
            "backward_steps: the output must have one element (like backward() without a "
            f"gradient argument), got shape {tuple(root.shape)}")
    if root.grad_fn is None:
        raise ValueError("backward_steps: the output has no grad_fn (no graph to step through)")

    def key(fn):  # a leaf is its tensor, an operation its grad_fn
        return getattr(fn, "variable", fn)

    def inputs_of(fn):
        return [f for f, _ in fn.next_functions if f is not None]

    order = _topological(root.grad_fn, inputs_of)
    index = {id(key(fn)): i for i, fn in enumerate(order)}
    by_name = {id(t.grad_fn if t.grad_fn is not None else t): (name, t)
               for name, t in (names or {}).items()}
    nodes = []
    for fn in order:
        name, tensor = by_name.get(id(key(fn)), ("", None))
        leaf = fn is not key(fn)
        tensor = key(fn) if leaf else tensor
        nodes.append({"label": name, "op": "" if leaf else type(fn).__name__,
                      "data": None if tensor is None else tensor.detach().numpy().copy()})
    edges = list(dict.fromkeys((index[id(key(p))], index[id(key(fn))])
                               for fn in order for p in inputs_of(fn)))

    def send(fn, upstream):
        """What fn's backward sends to each input for ``upstream``."""
        out = fn(upstream)
        out = out if isinstance(out, tuple) else (out,)
        sent = {}
        for (p, _), g in zip(fn.next_functions, out):
            if p is None or g is None:
                continue
            j = index[id(key(p))]
            g = g.detach()
            sent[j] = g if j not in sent else sent[j] + g
        return sent

    grads = [None] * len(order)
    grads[index[id(root.grad_fn)]] = root.detach().new_ones(tuple(root.shape))
    start = [None if g is None else g.numpy().copy() for g in grads]
    steps = []
    for fn in reversed(order):
        if fn is not key(fn):
            continue  # a leaf: its gradient is complete, nothing to send
        i = index[id(fn)]
        up = grads[i]
        sent = send(fn, up)
        local = ({j: g.numpy().copy() for j, g in send(fn, up.new_ones(up.shape)).items()}
                 if up.numel() == 1 else {})
        for j, c in sent.items():
            grads[j] = c if grads[j] is None else grads[j] + c
        steps.append(BackwardStep(i, tuple(index[id(key(p))] for p in inputs_of(fn)),
                                  up.numpy().copy(), local,
                                  {j: c.numpy().copy() for j, c in sent.items()},
                                  [None if g is None else g.numpy().copy() for g in grads]))
    return BackwardTrace(nodes, edges, steps, start)


def backward_steps(root, names=None):
    """Record the backward pass from ``root`` (a ``mygrad.Value`` or a one-element ``Tensor``)
    node by node, without changing any ``.grad``; returns a :class:`BackwardTrace`.

    The lectures' own engines work too, before the packaged ones are built: a Value that keeps
    ``_prev`` and a ``_backward(out)`` rule (lecture 5), a node that keeps
    ``inputs = [(input, local derivative), ...]`` (lecture 4), and a torch tensor with a
    ``grad_fn`` (lecture 6; each ``grad_fn`` is one node, named after its class).

    The order is the engine's: newest node first, each node after every node that uses it,
    so a node's gradient is complete when its turn comes. For tensors call this *before*
    ``backward()`` (which frees the graph) or after ``backward(retain_graph=True)``; ``names``
    maps a label to a tensor, e.g. ``{"x": x, "W": W}``.
    """
    from .scalar import Value
    from .tensor import Tensor

    if isinstance(root, Value):
        return _trace_value(root)
    if isinstance(root, Tensor):
        return _trace_tensor(root, names)
    # the lectures' own engines and torch, told apart by what a node records
    if callable(getattr(root, "_backward", None)) or getattr(root, "_prev", None) is not None:
        return _trace_value(root)      # lecture 5's Value: _prev and a _backward(out) rule
    if isinstance(getattr(root, "inputs", None), (list, tuple)):
        return _trace_recorded(root)   # lecture 4's Node: inputs with local derivatives
    if getattr(getattr(root, "grad_fn", None), "next_functions", None) is not None:
        return _trace_torch(root, names)
    raise TypeError("backward_steps expects a mygrad.Value, a mygrad.Tensor, a torch tensor "
                    f"with a grad_fn, or a node with inputs, got {type(root).__name__}")


def _short(x):
    if x is None:
        return "—"
    arr = np.asarray(x, dtype=float)
    if arr.size == 1:
        v = float(arr.reshape(()))
        return f"{v:.4g}" if v != 0 else "0"
    return "[" + ", ".join(f"{v:.3g}" for v in arr.ravel()[:3]) + (", …]" if arr.size > 3
                                                                   else "]")


def _layout(trace):
    from .viz import _layers

    ids = [str(i) for i in range(len(trace.nodes))]
    layer, preds = _layers([{"id": i} for i in ids], [(str(a), str(b)) for a, b in trace.edges])
    columns = {}
    for i in ids:
        columns.setdefault(layer[i], []).append(i)
    pos = {}
    for col in sorted(columns):
        def key(i):  # near the mean height of the inputs (fewer crossings)
            ys = [pos[p][1] for p in preds[i] if p in pos]
            return -sum(ys) / len(ys) if ys else -int(i)

        members = sorted(columns[col], key=key)
        for k, i in enumerate(members):
            pos[i] = (col * 2.4, (len(members) - 1) / 2 - k)
    return {int(i): p for i, p in pos.items()}


def _constants(trace):
    """Unnamed leaves (the 3 in ``3 * x``) when some leaf has a name: left out of drawings."""
    leaves = [i for i, n in enumerate(trace.nodes) if not n["op"]]
    if not any(trace.nodes[i]["label"] for i in leaves):
        return set()
    return {i for i in leaves if not trace.nodes[i]["label"]}


def plot_backward_step(trace, k, ax=None):
    """Draw frame ``k`` of ``trace``: the node whose turn it is (orange), the gradients
    sent along its input edges (red, with local derivative and contribution), nodes
    already done (green) and gradients accumulated so far. Unnamed leaves (numbers such as the
    3 in ``3 * x``) are left out when some leaf has a name. Returns the Axes."""
    if not 0 <= k < trace.n_frames:
        raise IndexError(f"frame {k} out of range 0..{trace.n_frames - 1}")
    if ax is None:
        ax = _new_figure((7.5, 3.8)).add_subplot()
    pos = _layout(trace)
    hidden = _constants(trace)
    grads = trace.grads_at(k)
    step = trace.steps[k - 1] if k > 0 else None
    done = {s.node for s in trace.steps[:k]}
    current = step.node if step else None
    for a, b in trace.edges:
        if a in hidden:
            continue
        hot = step is not None and b == current
        ax.annotate("", xy=pos[a], xytext=pos[b],  # arrows point backward: gradient flow
                    arrowprops=dict(arrowstyle="-|>", lw=2.2 if hot else 0.8,
                                    color="tab:red" if hot else "0.75",
                                    shrinkA=28, shrinkB=28))
        if hot:
            (x0, y0), (x1, y1) = pos[a], pos[b]
            loc = step.local.get(a)
            text = (f"局所微分 {_short(loc)}\n" if loc is not None else "") + \
                f"+= {_short(step.contribution[a])}"
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.18, text, ha="center", va="bottom",
                    fontsize=7.5, color="tab:red")
    for i, n in enumerate(trace.nodes):
        if i in hidden:
            continue
        x, y = pos[i]
        name = n["label"] or n["op"] or f"定数 {_short(n['data'])}"
        if n["label"] and n["op"]:
            name = f"{n['label']} ({n['op']})"
        color = ("#ffb347" if i == current else "#c8e6c9" if i in done
                 else "#fff3c4" if grads[i] is not None else "white")
        ax.text(x, y, f"{name}\n値 {_short(n['data'])}\n勾配 {_short(grads[i])}",
                ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round,pad=0.35", fc=color, ec="0.4"))
    xs = [p[0] for i, p in pos.items() if i not in hidden]
    ys = [p[1] for i, p in pos.items() if i not in hidden]
    ax.set_xlim(min(xs) - 1.3, max(xs) + 1.3)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    if step is None:
        ax.set_title(f"ステップ 0/{len(trace.steps)}: 出力の勾配を 1 にして始める", fontsize=10)
    else:
        n = trace.nodes[current]
        ax.set_title(f"ステップ {k}/{len(trace.steps)}: {n['label'] or n['op']} の勾配 "
                     f"{_short(step.upstream)} を入力へ送る", fontsize=10)
    return ax


def plot_backward_steps(trace, ncols=3, max_frames=9):
    """All frames (at most ``max_frames``, evenly chosen, always the first and the last) in a
    grid; the static companion of :func:`backward_stepper`. Returns the Figure."""
    frames = list(range(trace.n_frames))
    if len(frames) > max_frames:
        frames = sorted(set(np.linspace(0, trace.n_frames - 1, max_frames).round().astype(int)))
    ncols = min(ncols, len(frames))
    nrows = -(-len(frames) // ncols)
    fig = _new_figure((5.2 * ncols, 3.0 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for ax, k in zip(axes, frames):
        plot_backward_step(trace, k, ax=ax)
    for ax in axes[len(frames):]:
        ax.set_axis_off()
    return fig


class _BackwardStepper(_Explorer):
    alt = "（図: 逆伝播を 1 ノードずつ進めた各ステップ）"
    def __init__(self, trace):
        self.trace = trace

    def static_figure(self):
        return plot_backward_steps(self.trace)

    def widget(self):
        w = _widgets()
        if w is None:
            return None
        last = self.trace.n_frames - 1
        slider = w.IntSlider(value=0, min=0, max=last, description="ステップ")
        play = w.Play(value=0, min=0, max=last, interval=1200, description="再生")
        w.jslink((play, "value"), (slider, "value"))

        def draw(k):
            fig = _new_figure((7.5, 3.8))
            plot_backward_step(self.trace, k, ax=fig.add_subplot())
            return fig

        out, redraw = self._image_output(w, draw)
        slider.observe(lambda change: redraw(k=change["new"]), names="value")
        redraw(k=0)
        return w.VBox([w.HBox([play, slider]), out])


def backward_stepper(root, names=None):
    """Step through the backward pass of ``root`` one node at a time (slider and play
    button); stored outputs show the frames as a grid. See :func:`backward_steps`."""
    return _BackwardStepper(backward_steps(root, names))


# --------------------------------------------------------------------------------------------
# 2. forward vs reverse mode: sweeps for a full Jacobian
# --------------------------------------------------------------------------------------------
_HIDDEN = 16


def _mode_problem(n, m, seed):
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((_HIDDEN, n)) / np.sqrt(n)
    W2 = rng.standard_normal((m, _HIDDEN)) / np.sqrt(_HIDDEN)
    x = rng.standard_normal(n)
    return W1, W2, x


def _jacobian_forward(W1, W2, x):
    """One forward-mode sweep (dual numbers) per input: n sweeps, one column each."""
    from . import forward

    return forward.jacobian(lambda d: W2 @ np.array([forward.tanh(h) for h in W1 @ d]), x), \
        x.size


def _jacobian_reverse(W1, W2, x):
    """One forward pass, then one reverse sweep per output: m sweeps, one row each."""
    import mygrad as lib

    xt = lib.tensor(x, dtype=lib.float64, requires_grad=True)
    y = lib.tensor(W2, dtype=lib.float64) @ (lib.tensor(W1, dtype=lib.float64) @ xt).tanh()
    rows = [lib.autograd.grad(y[i], xt, retain_graph=True)[0].numpy()
            for i in range(y.shape[0])]
    return np.stack(rows), len(rows)


def jacobian_costs(sizes, fixed=1, vary="inputs", seed=0, measure=True):
    """Full Jacobians of f(x) = W2 tanh(W1 x) (hidden width 16) by forward and reverse mode.

    ``vary="inputs"``: n takes each value of ``sizes`` and m = ``fixed``; ``vary="outputs"``:
    the other way round. Returns a dict of lists: ``n``, ``m``, ``forward_sweeps``,
    ``reverse_sweeps`` (counted while the Jacobians are built), ``forward_seconds``,
    ``reverse_seconds`` (wall clock, NaN unless ``measure``), and ``jacobians`` (pairs
    ``(forward, reverse)`` for checking).
    """
    if vary not in ("inputs", "outputs"):
        raise ValueError(f"vary must be 'inputs' or 'outputs', got {vary!r}")
    rows = {k: [] for k in ("n", "m", "forward_sweeps", "reverse_sweeps", "forward_seconds",
                            "reverse_seconds", "jacobians")}
    if measure and len(sizes):  # one untimed run first: imports and caches out of the timings
        _jacobian_reverse(*_mode_problem(1, 1, seed))
        _jacobian_forward(*_mode_problem(1, 1, seed))
    for s in sizes:
        n, m = (int(s), int(fixed)) if vary == "inputs" else (int(fixed), int(s))
        if n < 1 or m < 1:
            raise ValueError(f"sizes must be at least 1, got n={n}, m={m}")
        W1, W2, x = _mode_problem(n, m, seed)
        t0 = time.perf_counter()
        Jf, nf = _jacobian_forward(W1, W2, x)
        t1 = time.perf_counter()
        Jr, nr = _jacobian_reverse(W1, W2, x)
        t2 = time.perf_counter()
        rows["n"].append(n)
        rows["m"].append(m)
        rows["forward_sweeps"].append(nf)
        rows["reverse_sweeps"].append(nr)
        rows["forward_seconds"].append(t1 - t0 if measure else float("nan"))
        rows["reverse_seconds"].append(t2 - t1 if measure else float("nan"))
        rows["jacobians"].append((np.asarray(Jf, float).reshape(m, n), Jr.reshape(m, n)))
    return rows


def plot_jacobian_costs(by_inputs, by_outputs, fig=None):
    """Two panels: sweeps (and measured time, if any) as inputs grow with one output, and as
    outputs grow with one input. Returns the Figure."""
    fig = fig or _new_figure((9, 3.6))
    axes = fig.subplots(1, 2)
    for ax, rows, key, title in (
            (axes[0], by_inputs, "n", f"出力 1 個、入力 n 個（m = {by_inputs['m'][0]}）"),
            (axes[1], by_outputs, "m", f"入力 1 個、出力 m 個（n = {by_outputs['n'][0]}）")):
        x = rows[key]
        ax.plot(x, rows["forward_sweeps"], "o-", label="前進モード: 掃引回数")
        ax.plot(x, rows["reverse_sweeps"], "s-", label="リバースモード: 掃引回数")
        ax.set_xlabel("入力の数 n" if key == "n" else "出力の数 m")
        ax.set_ylabel("ヤコビ行列 1 つに要る掃引回数")
        ax.set_title(title, fontsize=10)
        if np.all(np.isfinite(rows["forward_seconds"])):
            tx = ax.twinx()
            tx.plot(x, 1e3 * np.asarray(rows["forward_seconds"]), "o:", color="tab:blue",
                    alpha=0.5, label="前進モード: 実測時間")
            tx.plot(x, 1e3 * np.asarray(rows["reverse_seconds"]), "s:", color="tab:orange",
                    alpha=0.5, label="リバースモード: 実測時間")
            tx.set_ylabel("実測時間 [ms]（点線）")
        ax.legend(fontsize=8, loc="upper left")
    return fig


class _ModeCostExplorer(_Explorer):
    alt = "（図: 入力・出力の数と、前進モード・リバースモードの掃引回数）"
    def __init__(self, sizes, seed, measure):
        self.sizes, self.seed, self.measure = list(sizes), seed, measure
        self.by_inputs = jacobian_costs(self.sizes, vary="inputs", seed=seed, measure=measure)
        self.by_outputs = jacobian_costs(self.sizes, vary="outputs", seed=seed, measure=measure)

    def static_figure(self):
        return plot_jacobian_costs(self.by_inputs, self.by_outputs)

    def widget(self):
        w = _widgets()
        if w is None:
            return None
        hi = max(self.sizes)
        n = w.IntSlider(value=1, min=1, max=hi, description="入力 n")
        m = w.IntSlider(value=1, min=1, max=hi, description="出力 m")

        def draw(n, m):
            rows = jacobian_costs([n], fixed=m, seed=self.seed, measure=self.measure)
            fig = _new_figure((6.5, 3.0))
            ax = fig.add_subplot()
            ax.barh(["前進モード", "リバースモード"],
                    [rows["forward_sweeps"][0], rows["reverse_sweeps"][0]],
                    color=["tab:blue", "tab:orange"])
            ax.set_xlabel("掃引回数")
            times = (f"（実測 {1e3 * rows['forward_seconds'][0]:.1f} ms / "
                     f"{1e3 * rows['reverse_seconds'][0]:.1f} ms）" if self.measure else "")
            ax.set_title(f"{m}×{n} のヤコビ行列{times}", fontsize=10)
            return fig

        out, redraw = self._image_output(w, draw)
        for s in (n, m):
            s.observe(lambda change: redraw(n=n.value, m=m.value), names="value")
        redraw(n=1, m=1)
        return w.VBox([w.HBox([n, m]), out])


def mode_cost_explorer(sizes=(1, 2, 4, 8, 16, 32), seed=0, measure=True):
    """Forward vs reverse mode as the numbers of inputs and outputs grow: sweeps counted
    while building full Jacobians of f(x) = W2 tanh(W1 x), with wall-clock times. Sliders
    for n and m; stored outputs show the two-panel figure."""
    return _ModeCostExplorer(sizes, seed, measure)


# --------------------------------------------------------------------------------------------
# 3. optimiser playground
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Surface:
    """A 2-D test function written with ``+ - * **`` only, so numpy arrays, mygrad tensors and
    torch tensors all evaluate it; with a start point, the plotting window, default learning
    rates per method and a default number of steps."""

    f: object
    start: tuple
    xlim: tuple
    ylim: tuple
    lr: dict
    steps: int


SURFACES = {
    "細長い谷": Surface(lambda x, y: 0.1 * x ** 2 + 2 * y ** 2, (-9.0, 2.5), (-10, 4), (-3, 3),
                    {"SGD": 0.4, "Momentum": 0.05, "Adam": 0.8}, 30),
    "Rosenbrock 関数": Surface(lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2, (-1.5, 2.0),
                           (-2, 2), (-1, 3), {"SGD": 0.001, "Momentum": 0.0005, "Adam": 0.1},
                           300),
    # momentum carries the point over the ridge into the deeper valley; SGD and Adam stay
    "谷が 2 つ": Surface(lambda x, y: (x ** 2 - 1) ** 2 + 0.5 * y ** 2 + 0.3 * x, (1.5, 1.5),
                     (-2, 2), (-2, 2), {"SGD": 0.05, "Momentum": 0.05, "Adam": 0.1}, 80),
}
METHODS = ("SGD", "Momentum", "Adam")
_DIVERGED = 1e6


def _make_optimizer(lib, params, method, lr, momentum, betas):
    if method == "SGD":
        return lib.optim.SGD(params, lr=lr)
    if method == "Momentum":
        return lib.optim.SGD(params, lr=lr, momentum=momentum)
    if method == "Adam":
        return lib.optim.Adam(params, lr=lr, betas=betas)
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def optimizer_paths(f, start, lr, steps=30, methods=METHODS, momentum=0.9,
                    betas=(0.9, 0.999)):
    """Run each method from ``start`` on ``f(x, y)`` with ``mygrad.optim`` in float64.

    ``lr`` is one float for all methods or a dict ``method -> lr``. "Momentum" is
    ``optim.SGD(momentum=...)``. Returns ``{method: array (k, 2)}`` of iterates, the start
    included; a run that leaves |x| < 1e6 or becomes NaN stops there (k <= steps + 1).
    """
    import mygrad as lib

    paths = {}
    for method in methods:
        rate = lr[method] if isinstance(lr, dict) else lr
        p = lib.tensor(np.asarray(start, dtype=np.float64), requires_grad=True)
        opt = _make_optimizer(lib, [p], method, rate, momentum, betas)
        path = [p.detach().numpy().copy()]
        for _ in range(int(steps)):
            opt.zero_grad()
            f(p[0], p[1]).backward()
            opt.step()
            point = p.detach().numpy().copy()
            if not np.all(np.isfinite(point)) or np.abs(point).max() > _DIVERGED:
                break
            path.append(point)
        paths[method] = np.array(path)
    return paths


def plot_optimizer_paths(surface, lr=None, steps=None, methods=METHODS, momentum=0.9,
                         fig=None):
    """Contour of a surface from :data:`SURFACES` (a name) with each method's path, and the
    function value per step beside it; ``lr`` and ``steps`` default to the surface's.
    Returns the Figure."""
    from .viz import plot_contour

    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {list(SURFACES)}, got {surface!r}")
    s = SURFACES[surface]
    lr = s.lr if lr is None else lr
    steps = s.steps if steps is None else int(steps)
    paths = optimizer_paths(s.f, s.start, lr, steps, methods, momentum)
    rates = {m: (lr[m] if isinstance(lr, dict) else lr) for m in methods}
    labels = {m: f"{m}（学習率 {rates[m]:g}）" for m in methods}
    fig = fig or _new_figure((10, 4))
    ax0, ax1 = fig.subplots(1, 2, width_ratios=[1.3, 1])
    X, Y = np.meshgrid(np.linspace(*s.xlim, 101), np.linspace(*s.ylim, 101))
    low = min(float(np.min(s.f(X, Y))),
              *(float(np.min(s.f(p[:, 0], p[:, 1]))) for p in paths.values()))
    # log(1 + f - low): the valley floors stay visible next to steep walls
    plot_contour(lambda X, Y: np.log1p(s.f(X, Y) - low), s.xlim, s.ylim, ax=ax0, levels=25,
                 paths={labels[m]: np.clip(p, [s.xlim[0], s.ylim[0]], [s.xlim[1], s.ylim[1]])
                        for m, p in paths.items()})
    ax0.legend(fontsize=7, loc="lower right")
    ax0.set_title(f"{surface}：{steps} ステップの軌跡（色は log(1 + 関数値)）", fontsize=10)
    for m, p in paths.items():
        note = "（発散）" if len(p) < steps + 1 else ""
        ax1.plot(np.arange(len(p)), s.f(p[:, 0], p[:, 1]), label=labels[m] + note)
    ax1.set_yscale("symlog", linthresh=1e-3)
    ax1.set_xlabel("ステップ数")
    ax1.set_ylabel("関数値")
    ax1.set_title("関数値の推移", fontsize=10)
    ax1.legend(fontsize=7)
    return fig


class _OptimizerPlayground(_Explorer):
    alt = "（図: 同じ関数の上の SGD・Momentum・Adam の軌跡）"
    def __init__(self, surface, steps):
        if surface not in SURFACES:
            raise ValueError(f"surface must be one of {list(SURFACES)}, got {surface!r}")
        self.surface = surface
        self.steps = SURFACES[surface].steps if steps is None else int(steps)

    def static_figure(self):
        return plot_optimizer_paths(self.surface, steps=self.steps)

    def widget(self):
        w = _widgets()
        if w is None:
            return None
        surface = w.Dropdown(options=list(SURFACES), value=self.surface, description="関数")
        steps = w.IntSlider(value=self.steps, min=1, max=500, description="ステップ数")
        momentum = w.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01,
                                 description="慣性 μ")
        rates = {m: w.FloatLogSlider(value=SURFACES[self.surface].lr[m], base=10, min=-4,
                                     max=0.5, step=0.05, description=f"{m} 学習率",
                                     readout_format=".3g")
                 for m in METHODS}

        resetting = []  # non-empty while a new surface sets its defaults: draw once, after

        def reset_defaults(change):
            new = SURFACES[change["new"]]
            resetting.append(True)
            try:
                steps.value = new.steps
                for m, slider in rates.items():
                    slider.value = new.lr[m]
            finally:
                resetting.clear()

        surface.observe(reset_defaults, names="value")

        def draw(**_):
            return plot_optimizer_paths(surface.value, lr={m: s.value for m, s in rates.items()},
                                        steps=steps.value, momentum=momentum.value)

        out, redraw = self._image_output(w, draw)
        for c in (surface, steps, momentum, *rates.values()):
            c.observe(lambda change: None if resetting else redraw(), names="value")
        redraw()
        style = {"description_width": "initial"}
        for c in (surface, steps, momentum, *rates.values()):
            c.style = style
        return w.VBox([w.HBox([surface, steps, momentum]), w.HBox(list(rates.values())), out])


def optimizer_playground(surface="細長い谷", steps=None):
    """SGD, momentum and Adam on one surface of :data:`SURFACES`, each with its own learning
    rate slider (plus steps, momentum and the surface). Stored outputs show the paths at the
    default learning rates. The paths are ``mygrad.optim``'s; see :func:`optimizer_paths`."""
    return _OptimizerPlayground(surface, steps)


# --------------------------------------------------------------------------------------------
# 4. ipywidgets.interact with a stored picture
# --------------------------------------------------------------------------------------------
def interact(func, **controls):
    """Like ``ipywidgets.interact(func, **controls)`` (each control an ipywidgets control),
    for a ``func`` that draws or prints: ``func`` is first called once with the controls'
    starting values, so a committed notebook keeps that output, then the live controls are
    shown with a Japanese sentence, not a widget repr, as their plain-text fallback. Without
    ipywidgets only that first output is shown."""
    func(**{name: control.value for name, control in controls.items()})
    w = _widgets()
    if w is None:
        return None
    ui = w.interactive(func, **controls)
    _display_widget(ui, "（操作できるウィジェットです。上の出力は最初の値のときのもの。"
                        "Jupyter / Colab でセルを実行すると表示されます）")
    return None


# --------------------------------------------------------------------------------------------
# 5. a progress bar whose stored output is its final state
# --------------------------------------------------------------------------------------------
class _DisplayLine:
    """A file for tqdm that keeps one line in one display: each new state of the bar replaces
    the previous one (``update_display``), so a saved notebook holds only the last state, not
    every state a text stream would pile up."""

    encoding = "utf-8"  # tqdm draws its bar with Unicode blocks only for a file that says so

    def __init__(self):
        from IPython.display import display

        self._handle = display({"text/plain": ""}, raw=True, display_id=True)

    def write(self, text):
        lines = [line for line in text.replace("\r", "\n").split("\n") if line.strip()]
        if lines and self._handle is not None:
            self._handle.update({"text/plain": lines[-1].rstrip()}, raw=True)

    def flush(self):
        pass


def progress(iterable, desc="", **options):
    """``tqdm(iterable, desc=desc, **options)`` drawn on one display line that is replaced as
    the bar moves: live in Jupyter / Colab, and only the final state in a saved notebook."""
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, file=_DisplayLine(), **options)

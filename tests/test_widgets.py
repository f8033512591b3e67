"""Tests for mygrad.widgets: the numbers each explorer shows against torch (float64), and
that each displays a static image plus a widget whose plain-text fallback is no repr."""

import math

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

import mygrad  # noqa: E402
from mygrad import Value, widgets  # noqa: E402
from mygrad.fonts import use_japanese_font  # noqa: E402

F64 = torch.float64
# every figure here carries Japanese text: a glyph missing from the font is a failure
pytestmark = pytest.mark.filterwarnings("error:Glyph:UserWarning")


@pytest.fixture(autouse=True)
def _japanese_font():
    with matplotlib.rc_context():
        use_japanese_font()
        yield

LEAVES = {"a": 0.7, "b": -1.3, "c": 2.1}


def build(a, b, c):
    """The same program for mygrad.Value, 0-d mygrad tensors and torch tensors; ``a`` and
    ``d`` are used more than once, and there are plain-number constants."""
    d = a * b
    e = d + c
    f = e.tanh()
    g = f * a
    h = (g / 2).exp()
    i = d ** 2 - 3 * c
    j = (c * c + 1).log()
    y = h + i * j + a.sigmoid() - b.relu()
    return {"d": d, "e": e, "f": f, "g": g, "h": h, "i": i, "j": j}, y


def torch_reference():
    leaves = {k: torch.tensor(v, dtype=F64, requires_grad=True) for k, v in LEAVES.items()}
    inner, y = build(**leaves)
    for t in inner.values():
        t.retain_grad()
    everything = {**leaves, **inner, "y": y}
    y.backward(retain_graph=True)
    return everything, y


def label_nodes_value():
    leaves = {k: Value(v, label=k) for k, v in LEAVES.items()}
    inner, y = build(**leaves)
    for k, v in inner.items():
        v.label = k
    y.label = "y"
    return leaves, inner, y


def by_label(trace):
    return {n["label"]: i for i, n in enumerate(trace.nodes) if n["label"]}


def _sigmoid(u):
    return 1 / (1 + math.exp(-u))


# op name (Value's, then mygrad/torch's grad_fn name) -> the function of its inputs
OPS = {"+": lambda a, b: a + b, "*": lambda a, b: a * b, "-": lambda a, b: a - b,
       "tanh": math.tanh, "exp": math.exp, "log": math.log, "sigmoid": _sigmoid,
       "ReLU": lambda u: max(u, 0.0),
       "AddBackward0": lambda a, b: a + b, "MulBackward0": lambda a, b: a * b,
       "SubBackward0": lambda a, b: a - b, "TanhBackward0": math.tanh,
       "ExpBackward0": math.exp, "LogBackward0": math.log, "SigmoidBackward0": _sigmoid,
       "ReluBackward0": lambda u: max(u, 0.0)}


def check_local_derivatives(trace, step, to_float):
    """Oracle without torch: central differences of the node's operation in each argument,
    summed over the positions where the same input appears; only for nodes whose inputs are
    all graph nodes (not folded-in constants)."""
    node = trace.nodes[step.node]
    fn = OPS.get(node["op"])
    if fn is None or not step.local:
        return
    args = [to_float(trace.nodes[j]["data"]) for j in step.inputs]
    if fn.__code__.co_argcount != len(args) if hasattr(fn, "__code__") else len(args) != 1:
        return
    h = 1e-6
    expected = {}
    for pos, j in enumerate(step.inputs):
        up, down = list(args), list(args)
        up[pos] += h
        down[pos] -= h
        expected[j] = expected.get(j, 0.0) + (fn(*up) - fn(*down)) / (2 * h)
    for j, d in expected.items():
        assert to_float(step.local[j]) == pytest.approx(d, rel=1e-6, abs=1e-8), \
            (node["op"], trace.nodes[j]["label"])
    check_local_derivatives.checked += 1


check_local_derivatives.checked = 0


def check_trace(trace, ref, to_float=float):
    idx = by_label(trace)
    final = trace.grads_at(trace.n_frames - 1)
    # 1. accumulated gradients at the end equal torch's .grad for every named node
    for name, t in ref.items():
        if name == "y":
            continue
        assert name in idx, name
        assert to_float(final[idx[name]]) == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-12), \
            name
    # 2. when a node's turn comes its gradient is complete (= torch's), and what it sends to
    #    each input is that gradient times the local derivative
    for step in trace.steps:
        name = trace.nodes[step.node]["label"]
        if not name:
            continue
        expected_up = 1.0 if name == "y" else ref[name].grad.item()
        assert to_float(step.upstream) == pytest.approx(expected_up, rel=1e-12, abs=1e-12), name
        for j, local in step.local.items():
            assert to_float(step.contribution[j]) == pytest.approx(
                expected_up * to_float(local), rel=1e-12, abs=1e-12)
        check_local_derivatives(trace, step, to_float)
    # 3. a node is processed only after every node that uses it
    position = {s.node: k for k, s in enumerate(trace.steps)}
    for a, b in trace.edges:
        if a in position:
            assert position[a] > position[b]


def test_value_stepper_matches_torch():
    _, _, y = label_nodes_value()
    ref, _ = torch_reference()
    before = check_local_derivatives.checked
    check_trace(widgets.backward_steps(y), ref)
    assert check_local_derivatives.checked - before >= 8  # the oracle really ran


def test_value_stepper_local_derivatives_match_central_differences():
    # an oracle without torch: d(node)/d(input) by central differences on the op itself
    x = Value(0.9, label="x")
    w = Value(-0.4, label="w")
    ops = {"tanh": math.tanh, "exp": math.exp}
    y = (x * w).tanh().exp()
    y.label = "y"
    trace = widgets.backward_steps(y)
    h = 1e-6
    for step in trace.steps:
        node = trace.nodes[step.node]
        if node["op"] in ops:
            (j, local), = step.local.items()
            u = trace.nodes[j]["data"]
            fn = ops[node["op"]]
            assert local == pytest.approx((fn(u + h) - fn(u - h)) / (2 * h), rel=1e-8)


def test_value_stepper_leaves_grads_untouched_before_and_after_backward():
    leaves, inner, y = label_nodes_value()
    everything = [*leaves.values(), *inner.values(), y]
    before = [v.grad for v in everything]
    widgets.backward_steps(y)
    assert [v.grad for v in everything] == before == [0.0] * len(everything)
    y.backward()
    after = [v.grad for v in everything]
    trace = widgets.backward_steps(y)
    assert [v.grad for v in everything] == after
    idx = by_label(trace)
    final = trace.grads_at(trace.n_frames - 1)
    for v in leaves.values():  # a trace after backward() agrees with backward()
        assert final[idx[v.label]] == pytest.approx(v.grad, rel=1e-12)


def test_tensor_stepper_matches_torch_on_scalars():
    leaves = {k: mygrad.tensor(v, dtype=mygrad.float64, requires_grad=True)
              for k, v in LEAVES.items()}
    inner, y = build(**leaves)
    trace = widgets.backward_steps(y, names={**leaves, **inner, "y": y})
    ref, _ = torch_reference()
    before = check_local_derivatives.checked
    check_trace(trace, ref, to_float=lambda v: float(np.asarray(v).reshape(())))
    assert check_local_derivatives.checked - before >= 6


def test_tensor_stepper_matrix_graph_matches_torch():
    rng = np.random.default_rng(0)
    W0, x0, b0 = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal(3)
    W, x, b = (mygrad.tensor(v, requires_grad=True) for v in (W0, x0, b0))
    loss = ((W @ x + b).tanh() * (W @ x)).sum()
    trace = widgets.backward_steps(loss, names={"W": W, "x": x, "b": b})
    Wt, xt, bt = (torch.tensor(v, requires_grad=True) for v in (W0, x0, b0))
    ((Wt @ xt + bt).tanh() * (Wt @ xt)).sum().backward()
    idx = by_label(trace)
    final = trace.grads_at(trace.n_frames - 1)
    for name, t in {"W": Wt, "x": xt, "b": bt}.items():
        np.testing.assert_allclose(final[idx[name]], t.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert W.grad is None  # nothing was accumulated
    with pytest.raises(ValueError, match="one element"):
        widgets.backward_steps(W @ x)


class RecordedNode:
    """Lecture 4's Node in brief: inputs with their local derivatives, numbered by creation."""

    created = 0

    def __init__(self, data, inputs=(), op="", label=""):
        self.data, self.inputs, self.op, self.label = float(data), list(inputs), op, label
        RecordedNode.created += 1
        self.number = RecordedNode.created

    def __mul__(self, other):
        return RecordedNode(self.data * other.data, [(self, other.data), (other, self.data)], "*")

    def __add__(self, other):
        return RecordedNode(self.data + other.data, [(self, 1.0), (other, 1.0)], "+")

    def tanh(self):
        t = math.tanh(self.data)
        return RecordedNode(t, [(self, 1 - t ** 2)], "tanh")


class LectureValue:
    """Lecture 5's Value in brief: _prev and a _backward(out) rule, no creation stamp."""

    def __init__(self, data, prev=(), op="", label=""):
        self.data, self.grad, self._prev, self._op, self.label = float(data), 0.0, prev, op, label
        self._backward = None

    def _binary(self, other, data, op, da, db):
        out = LectureValue(data, (self, other), op)

        def _backward(out):
            self.grad += da * out.grad
            other.grad += db * out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        return self._binary(other, self.data * other.data, "*", other.data, self.data)

    def __add__(self, other):
        return self._binary(other, self.data + other.data, "+", 1.0, 1.0)

    def tanh(self):
        out = LectureValue(math.tanh(self.data), (self,), "tanh")

        def _backward(out):
            self.grad += (1 - out.data ** 2) * out.grad
        out._backward = _backward
        return out


@pytest.mark.parametrize("kind", ["Node", "Value"])
def test_stepper_on_the_lectures_own_engines(kind):
    cls = RecordedNode if kind == "Node" else LectureValue
    a, b, c = cls(0.7, label="a"), cls(-1.3, label="b"), cls(2.1, label="c")
    d = a * b
    y = (d + c).tanh() * a        # a is used twice
    y.label = "y"
    trace = widgets.backward_steps(y)
    at, bt, ct = (torch.tensor(v, dtype=F64, requires_grad=True) for v in (0.7, -1.3, 2.1))
    (torch.tanh(at * bt + ct) * at).backward()
    idx = by_label(trace)
    final = trace.grads_at(trace.n_frames - 1)
    for name, t in {"a": at, "b": bt, "c": ct}.items():
        assert final[idx[name]] == pytest.approx(t.grad.item(), rel=1e-12)
    position = {s.node: k for k, s in enumerate(trace.steps)}
    for i, j in trace.edges:
        if i in position:
            assert position[i] > position[j]
    if kind == "Value":
        assert [v.grad for v in (a, b, c, d, y)] == [0.0] * 5  # nothing accumulated


def test_stepper_on_a_torch_graph():
    x = torch.tensor([1.0, 0.5, -1.0], dtype=F64, requires_grad=True)
    w = torch.tensor([0.5, 1.0, 2.0], dtype=F64, requires_grad=True)
    loss = (w * x).tanh().sum()
    trace = widgets.backward_steps(loss, names={"x": x, "w": w, "loss": loss})
    ops = [trace.nodes[s.node]["op"] for s in trace.steps]
    assert ops == ["SumBackward0", "TanhBackward0", "MulBackward0"]
    assert x.grad is None and w.grad is None
    final = trace.grads_at(trace.n_frames - 1)
    idx = by_label(trace)
    loss.backward()
    np.testing.assert_allclose(final[idx["x"]], x.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(final[idx["w"]], w.grad.numpy(), rtol=1e-12)
    assert trace.steps[0].local  # a one-element node shows its local derivatives
    fig = widgets.plot_backward_steps(trace)
    assert fig.axes[-1].get_title() or fig.axes[0].get_title()


def test_frames_and_drawing():
    _, _, y = label_nodes_value()
    trace = widgets.backward_steps(y)
    assert trace.n_frames == len(trace.steps) + 1
    assert trace.grads_at(0).count(None) == len(trace.nodes) - 1
    ax = widgets.plot_backward_step(trace, 1)
    title = ax.get_title()
    assert title.startswith(f"ステップ 1/{len(trace.steps)}") and "y" in title
    texts = [t.get_text() for t in ax.texts]
    assert any("勾配 1" in t for t in texts)
    with pytest.raises(IndexError):
        widgets.plot_backward_step(trace, trace.n_frames)
    fig = widgets.plot_backward_steps(trace, max_frames=6)
    titled = [a.get_title() for a in fig.axes if a.get_title()]
    assert len(titled) == 6
    assert titled[0].startswith("ステップ 0/") and titled[-1].startswith(
        f"ステップ {len(trace.steps)}/")


# ---------------------------------------------------------------- forward vs reverse mode
@pytest.mark.parametrize("vary", ["inputs", "outputs"])
def test_mode_costs_jacobians_match_torch_and_sweeps_count(vary):
    sizes = [1, 3, 6]
    rows = widgets.jacobian_costs(sizes, fixed=2, vary=vary, seed=1)
    for n, m, nf, nr, (Jf, Jr), tf, tr in zip(
            rows["n"], rows["m"], rows["forward_sweeps"], rows["reverse_sweeps"],
            rows["jacobians"], rows["forward_seconds"], rows["reverse_seconds"]):
        W1, W2, x = (torch.tensor(a) for a in widgets._mode_problem(n, m, 1))
        J = torch.autograd.functional.jacobian(
            lambda v, W1=W1, W2=W2: W2 @ torch.tanh(W1 @ v), x).numpy()
        np.testing.assert_allclose(Jf, J, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(Jr, J, rtol=1e-12, atol=1e-12)
        assert (nf, nr) == (n, m)  # forward: one sweep per input; reverse: one per output
        assert tf > 0 and tr > 0
    assert rows["n" if vary == "inputs" else "m"] == sizes


def test_mode_cost_figure_has_japanese_labels():
    a = widgets.jacobian_costs([1, 2], measure=False)
    b = widgets.jacobian_costs([1, 2], vary="outputs", measure=False)
    fig = widgets.plot_jacobian_costs(a, b)
    labels = [ax.get_xlabel() for ax in fig.axes[:2]]
    assert labels == ["入力の数 n", "出力の数 m"]


# ---------------------------------------------------------------- optimiser playground
def torch_paths(f, start, lr, steps, momentum=0.9, betas=(0.9, 0.999)):
    out = {}
    for method in ("SGD", "Momentum", "Adam"):
        p = torch.tensor(start, dtype=F64, requires_grad=True)
        rate = lr[method]
        if method == "SGD":
            opt = torch.optim.SGD([p], lr=rate)
        elif method == "Momentum":
            opt = torch.optim.SGD([p], lr=rate, momentum=momentum)
        else:
            opt = torch.optim.Adam([p], lr=rate, betas=betas)
        path = [p.detach().numpy().copy()]
        for _ in range(steps):
            opt.zero_grad()
            f(p[0], p[1]).backward()
            opt.step()
            path.append(p.detach().numpy().copy())
        out[method] = np.array(path)
    return out


@pytest.mark.parametrize("name", list(widgets.SURFACES))
def test_optimizer_paths_equal_torch_optim(name):
    s = widgets.SURFACES[name]
    steps = min(s.steps, 60)
    ours = widgets.optimizer_paths(s.f, s.start, s.lr, steps)
    ref = torch_paths(s.f, s.start, s.lr, steps)
    for method in ("SGD", "Momentum", "Adam"):
        assert ours[method].shape == (steps + 1, 2)
        np.testing.assert_allclose(ours[method], ref[method], rtol=1e-10, atol=1e-12,
                                   err_msg=f"{name} / {method}")


def test_optimizer_paths_sgd_is_the_closed_form_on_a_quadratic():
    lr, steps = 0.3, 10
    path = widgets.optimizer_paths(widgets.SURFACES["細長い谷"].f, (-9.0, 2.5), lr, steps,
                                   methods=("SGD",))["SGD"]
    k = np.arange(steps + 1)
    np.testing.assert_allclose(path[:, 0], -9.0 * (1 - lr * 0.2) ** k, rtol=1e-12)
    np.testing.assert_allclose(path[:, 1], 2.5 * (1 - lr * 4) ** k, rtol=1e-12)


def test_optimizer_paths_stop_when_diverging():
    path = widgets.optimizer_paths(widgets.SURFACES["細長い谷"].f, (-9.0, 2.5), 1.2, 100,
                                   methods=("SGD",))["SGD"]
    assert 2 < len(path) < 101 and np.all(np.isfinite(path))
    assert np.abs(path).max() <= 1e6
    fig = widgets.plot_optimizer_paths("細長い谷", lr=1.2, steps=100, methods=("SGD",))
    (curve_ax,) = [a for a in fig.axes if a.get_title() == "関数値の推移"]
    assert any("発散" in t.get_text() for t in curve_ax.get_legend().get_texts())


def test_unknown_surface_and_method():
    with pytest.raises(ValueError, match="surface"):
        widgets.optimizer_playground("nope")
    with pytest.raises(ValueError, match="method"):
        widgets.optimizer_paths(widgets.SURFACES["細長い谷"].f, (0.0, 1.0), 0.1, 1,
                                methods=("Lion",))


def test_import_needs_numpy_only():
    import subprocess
    import sys

    code = ("import sys, mygrad, mygrad.widgets, mygrad.fonts; "
            "bad = {'matplotlib', 'ipywidgets', 'IPython', 'torch'} & set(sys.modules); "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unnamed_constants_are_left_out_of_drawings():
    x = Value(1.5, label="x")
    y = 3 * x + 1
    y.label = "y"
    trace = widgets.backward_steps(y)
    assert len(trace.nodes) == 3  # x, 3*x, y: mygrad.Value keeps numbers inside the operation
    ax = widgets.plot_backward_step(trace, trace.n_frames - 1)
    texts = [t.get_text() for t in ax.texts]
    assert not any(t.startswith("定数") for t in texts)
    assert any(t.startswith("x\n") and t.endswith("勾配 3") for t in texts)
    z = Value(2.0) * Value(3.0)  # no names at all: every leaf is drawn
    texts = [t.get_text() for t in widgets.plot_backward_step(widgets.backward_steps(z), 1).texts]
    assert sum(t.startswith("定数") for t in texts) == 2


# ---------------------------------------------------------------- display
def _captured(monkeypatch, obj):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display",
                        lambda *a, **k: shown.append((a, k)))
    obj._ipython_display_()
    return shown


def _explorers():
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    y = a * b + a
    y.label = "y"
    return [widgets.backward_stepper(y), widgets.mode_cost_explorer((1, 2), measure=False),
            widgets.optimizer_playground(steps=5)]


def test_display_is_static_image_then_widget_without_repr(monkeypatch):
    import base64

    for obj in _explorers():
        # (between the two: the widget's first frame, drawn into its Output widget)
        shown = _captured(monkeypatch, obj)
        (first, kw0), (second, kw) = shown[0], shown[-1]
        assert kw0 == {"raw": True}
        assert base64.b64decode(first[0]["image/png"])[:4] == b"\x89PNG"
        assert first[0]["text/plain"].startswith("（図")
        bundle = second[0]
        assert kw == {"raw": True}
        assert bundle["text/plain"] == widgets.WIDGET_NOTE
        assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]


def test_without_ipywidgets_only_the_static_image(monkeypatch):
    monkeypatch.setattr(widgets, "_widgets", lambda: None)
    for obj in _explorers():
        shown = _captured(monkeypatch, obj)
        assert len(shown) == 1


def test_widget_controls_redraw(monkeypatch):
    import ipywidgets

    drawn = []
    real_png = widgets._png
    monkeypatch.setattr(widgets, "_png", lambda fig: drawn.append(fig) or real_png(fig))
    stepper, modes, playground = _explorers()
    box = stepper.widget()
    slider = box.children[0].children[1]
    assert isinstance(slider, ipywidgets.IntSlider)
    slider.value = slider.max
    assert drawn[-1].axes[0].get_title().startswith(f"ステップ {slider.max}/")
    box = modes.widget()
    box.children[0].children[0].value = 2
    assert drawn[-1].axes[0].get_title().startswith("1×2")
    box = playground.widget()
    before = len(drawn)
    box.children[0].children[0].value = "谷が 2 つ"
    assert len(drawn) == before + 1  # one redraw, not one per reset slider
    assert drawn[-1].axes[0].get_title().startswith("谷が 2 つ：80 ステップ")
    assert box.children[0].children[1].value == widgets.SURFACES["谷が 2 つ"].steps


def test_interact_draws_the_start_values_then_the_controls(monkeypatch):
    import IPython.display
    import ipywidgets

    calls, shown = [], []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    slider = ipywidgets.FloatSlider(value=0.3, min=0.0, max=1.0)
    widgets.interact(lambda lr, steps: calls.append((lr, steps)), lr=slider,
                     steps=ipywidgets.IntSlider(value=30, min=1, max=100))
    assert calls[0] == (0.3, 30)   # the stored picture: the starting values
    (bundle,), kw = shown[-1]
    assert kw == {"raw": True} and "interactive(" not in bundle["text/plain"]
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]
    slider.value = 0.6
    assert calls[-1] == (0.6, 30)
    monkeypatch.setattr(widgets, "_widgets", lambda: None)
    calls.clear()
    shown.clear()
    widgets.interact(lambda lr: calls.append(lr), lr=slider)
    assert calls == [0.6] and shown == []


def test_progress_keeps_one_line_that_ends_in_the_final_state(monkeypatch):
    import IPython.display

    states = []

    class Handle:
        def update(self, bundle, raw=False):
            states.append(bundle["text/plain"])

    monkeypatch.setattr(IPython.display, "display",
                        lambda *a, display_id=False, **k: Handle() if display_id else None)
    total = sum(widgets.progress(range(50), desc="学習", mininterval=0))
    assert total == sum(range(50))
    assert states and all("\r" not in s and "\n" not in s for s in states)
    assert states[-1].startswith("学習: 100%|██████████|") and "50/50" in states[-1]

"""Tests for mygrad.viz: the plotting helpers and the computation-graph drawing."""

import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.quiver import Quiver  # noqa: E402

from mygrad import viz  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_mygrad_viz_imports_without_matplotlib():
    code = (
        "import sys; import mygrad, mygrad.viz; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- plot_loss_curves
def test_loss_curves_one_line_per_label_with_data():
    a = [3.0, 2.0, 1.5, 1.2]
    b = np.array([4.0, 1.0])
    ax = viz.plot_loss_curves({"SGD": a, "Adam": b})
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["SGD", "Adam"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(lines[0].get_ydata(), a)
    np.testing.assert_array_equal(lines[1].get_ydata(), b)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD", "Adam"]
    assert ax.get_yscale() == "linear"


def test_loss_curves_uses_given_axes_and_log_scale():
    fig, (ax0, ax1) = plt.subplots(1, 2)
    out = viz.plot_loss_curves({"train": [1.0, 0.1, 0.01]}, ax=ax1, logy=True)
    assert out is ax1
    assert ax1.get_yscale() == "log"
    assert len(ax0.get_lines()) == 0


def test_loss_curves_accepts_bare_sequence_and_scalar_tensors():
    class Scalar:  # anything with .item(), like a 0-d tensor
        def __init__(self, v):
            self.v = v

        def item(self):
            return self.v

    ax = viz.plot_loss_curves([Scalar(2.0), Scalar(1.0)])
    (line,) = ax.get_lines()
    assert line.get_label() == "損失"
    np.testing.assert_array_equal(line.get_ydata(), [2.0, 1.0])


@pytest.mark.parametrize(
    "curves, kwargs, exc, words",
    [
        ({}, {}, ValueError, "empty"),
        ({"a": []}, {}, ValueError, "'a' is empty"),
        ({"a": [1.0, 0.0]}, {"logy": True}, ValueError, "<= 0"),
        (3.0, {}, TypeError, "dict"),
        ("loss", {}, TypeError, "dict"),
    ],
)
def test_loss_curves_bad_input(curves, kwargs, exc, words):
    with pytest.raises(exc, match=words):
        viz.plot_loss_curves(curves, **kwargs)


# --------------------------------------------------------------------------- plot_contour
def _bowl(X, Y):
    return X**2 + 3 * Y**2


def test_contour_draws_filled_contours_on_the_grid():
    ax = viz.plot_contour(_bowl, (-2, 2), (-1, 1), n=50, levels=12)
    (cs,) = [c for c in ax.collections if hasattr(c, "levels")]
    # the levels span the function's range on the grid: min 0 (at the origin), max 4 + 3 = 7
    assert cs.levels[0] <= 0.0 and cs.levels[-1] >= 7.0
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1, 1)
    assert not any(isinstance(c, Quiver) for c in ax.collections)
    assert len(ax.get_lines()) == 0


def test_contour_gradient_field_is_evaluated_on_a_grid():
    seen = {}

    def grad(X, Y):
        seen["shape"] = X.shape
        return 2 * X, 6 * Y

    ax = viz.plot_contour(_bowl, (-2, 2), (-1, 1), gradient=grad, n=40)
    (q,) = [c for c in ax.collections if isinstance(c, Quiver)]
    assert seen["shape"] == (20, 20)
    # the arrows are the gradient at the arrow positions
    np.testing.assert_allclose(q.U, 2 * q.X)
    np.testing.assert_allclose(q.V, 6 * q.Y)


def test_contour_paths_one_labelled_line_each():
    path_a = np.array([[1.5, 0.8], [1.0, 0.2], [0.5, 0.0]])
    path_b = [[-1.0, -0.5], [-0.2, 0.1]]
    ax = viz.plot_contour(_bowl, (-2, 2), (-1, 1), paths={"GD": path_a, "Adam": path_b}, n=20)
    labelled = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in labelled] == ["GD", "Adam"]
    np.testing.assert_array_equal(labelled[0].get_xdata(), path_a[:, 0])
    np.testing.assert_array_equal(labelled[0].get_ydata(), path_a[:, 1])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["GD", "Adam"]


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        ({"xlim": (1, -1)}, ValueError, "xlim"),
        ({"ylim": (0, 0)}, ValueError, "ylim"),
        ({"xlim": "ab"}, TypeError, "xlim"),
        ({"n": 1}, ValueError, "at least 2"),
        ({"paths": {"p": np.zeros((3, 3))}}, ValueError, r"'p'.*\(k, 2\)"),
        ({"gradient": lambda X, Y: X}, ValueError, r"pair \(U, V\)"),
        ({"f": lambda X, Y: X[0]}, ValueError, "grid's shape"),
        ({"f": lambda X, Y: np.log(-1 - X**2)}, ValueError, "not finite"),
        ({"f": 3}, TypeError, "function"),
    ],
)
def test_contour_bad_input(kwargs, exc, words):
    args = {"f": _bowl, "xlim": (-1, 1), "ylim": (-1, 1), "n": 10}
    args.update(kwargs)
    with np.errstate(invalid="ignore"), pytest.raises(exc, match=words):
        viz.plot_contour(**args)


# --------------------------------------------------------------------------- decision boundary
def _two_blobs():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-1, 0.3, (20, 2)), rng.normal(1, 0.3, (20, 2))]
    y = np.r_[np.zeros(20, int), np.ones(20, int)]
    return X, y


def test_decision_boundary_labels_shade_two_regions_and_scatter_each_class():
    X, y = _two_blobs()
    calls = []

    def predict(points):
        calls.append(points.shape)
        return (points.sum(axis=1) > 0).astype(int)

    ax = viz.plot_decision_boundary(predict, X, y, n=30)
    assert calls == [(900, 2)]
    (cs,) = [c for c in ax.collections if hasattr(c, "levels")]
    np.testing.assert_allclose(cs.levels, [-0.5, 0.5, 1.5])
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 2
    assert sorted(len(s.get_offsets()) for s in scatters) == [20, 20]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1"]
    # the grid covers all data
    assert ax.get_xlim()[0] < X[:, 0].min() and ax.get_xlim()[1] > X[:, 0].max()


def test_decision_boundary_accepts_per_class_scores_and_continuous_scores():
    X, y = _two_blobs()
    fig, (a0, a1) = plt.subplots(1, 2)

    def logits(points):  # (m, 2) -> argmax
        s = points.sum(axis=1)
        return np.c_[-s, s]

    out = viz.plot_decision_boundary(logits, X, y, ax=a0, n=20)
    assert out is a0
    (cs,) = [c for c in a0.collections if hasattr(c, "levels")]
    np.testing.assert_allclose(cs.levels, [-0.5, 0.5, 1.5])

    def proba(points):  # continuous probability of class 1
        return 1 / (1 + np.exp(-points.sum(axis=1)))

    viz.plot_decision_boundary(proba, X, y, ax=a1, n=20)
    (cs,) = [c for c in a1.collections if hasattr(c, "levels")]
    assert len(cs.levels) > 5


@pytest.mark.parametrize(
    "predict, X, y, exc, words",
    [
        (lambda p: p[:, 0], np.zeros((4, 3)), np.zeros(4), ValueError, r"\(N, 2\)"),
        (lambda p: p[:, 0], np.zeros((4, 2)), np.zeros(3), ValueError, "4 and 3"),
        (lambda p: p[:10, 0], np.ones((4, 2)), np.zeros(4), ValueError, "one score or label"),
        ("nope", np.zeros((4, 2)), np.zeros(4), TypeError, "function"),
    ],
)
def test_decision_boundary_bad_input(predict, X, y, exc, words):
    with pytest.raises(exc, match=words):
        viz.plot_decision_boundary(predict, X, y, n=10)


# --------------------------------------------------------------------------- draw_graph
def _graphviz_usable():
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return viz._dot_available()


def _value_graph():
    from mygrad.scalar import Value

    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    e = d.tanh()
    e.label = "e"
    e.backward()
    return a, b, e


def _node(drawing, label):
    (n,) = [n for n in drawing.nodes if n["kind"] == "value" and n["label"] == label]
    return n


def _check_value_drawing(g):
    values = [n for n in g.nodes if n["kind"] == "value"]
    ops = sorted(n["label"] for n in g.nodes if n["kind"] == "op")
    assert sorted(n["label"] for n in values) == ["a", "b", "c", "d", "e"]
    assert ops == ["*", "+", "tanh"]
    assert len(g.edges) == 8  # a,b -> *; * -> c; c,a -> +; + -> d; d -> tanh; tanh -> e
    # e = tanh(ab + a): de/da = (1 - e^2)(b + 1), de/db = (1 - e^2) a
    t = np.tanh(2.0 * -3.0 + 2.0)
    assert _node(g, "a")["grad"] == f"{(1 - t**2) * (-3.0 + 1):.4f}"
    assert _node(g, "b")["grad"] == f"{(1 - t**2) * 2.0:.4f}"
    assert _node(g, "e")["data"] == f"{t:.4f}" and _node(g, "e")["grad"] == "1.0000"
    assert g._repr_svg_() is g.svg and g.svg.lstrip().startswith(("<?xml", "<svg"))
    assert "grad -0.0027" in g.svg.replace("&#45;", "-")  # a's gradient is printed in the image


@pytest.mark.skipif(not viz._dot_available(), reason="graphviz 'dot' binary not installed")
def test_draw_graph_value_with_graphviz():
    _, _, e = _value_graph()
    g = viz.draw_graph(e)
    assert g.backend == "graphviz"
    _check_value_drawing(g)
    assert g.source.startswith("digraph")


def test_draw_graph_value_without_dot_binary_falls_back_to_matplotlib(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    _, _, e = _value_graph()
    g = viz.draw_graph(e)
    assert g.backend == "matplotlib"
    _check_value_drawing(g)


def test_draw_graph_falls_back_when_graphviz_fails(monkeypatch):
    graphviz = pytest.importorskip("graphviz")
    monkeypatch.setattr(viz, "_dot_available", lambda: True)

    def broken(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Source, "pipe", broken)
    _, _, e = _value_graph()
    assert viz.draw_graph(e).backend == "matplotlib"
    monkeypatch.setitem(sys.modules, "graphviz", None)  # python package missing
    assert viz.draw_graph(e).backend == "matplotlib"


@pytest.mark.parametrize("no_dot", [False, True])
def test_draw_graph_png_and_options(monkeypatch, no_dot, tmp_path):
    if no_dot:
        monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    _, _, e = _value_graph()
    g = viz.draw_graph(e, format="png", show_grad=False, rankdir="TB")
    assert g.png[:8] == b"\x89PNG\r\n\x1a\n"
    assert g.svg is None and g._repr_png_() is g.png
    assert "grad" not in g.source and "data" in g.source
    path = g.save(tmp_path / "graph.png")
    assert (tmp_path / "graph.png").read_bytes() == g.png
    assert path == tmp_path / "graph.png"


def test_draw_graph_escapes_labels_and_bad_arguments():
    from mygrad.scalar import Value

    v = Value(1.0, label='say "hi" \\ {x|y}') * 2
    g = viz.draw_graph(v)
    assert g.svg  # rendered without a DOT syntax error
    with pytest.raises(TypeError, match="Value or a mygrad.Tensor"):
        viz.draw_graph(3.0)
    with pytest.raises(ValueError, match="format"):
        viz.draw_graph(v, format="pdf")
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(v, rankdir="XY")


def test_draw_graph_deep_chain_is_truncated_not_recursive(monkeypatch):
    from mygrad.scalar import Value

    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    x = Value(0.5, label="x")
    y = x
    for _ in range(3000):  # deeper than Python's recursion limit
        y = y * 1.0
    g = viz.draw_graph(y)
    n_values = sum(1 for n in g.nodes if n["kind"] == "value")
    assert n_values == viz._MAX_NODES
    assert "more values not drawn" in g.source


@pytest.mark.parametrize("no_dot", [False, True])
def test_draw_graph_tensor_shows_ops_shapes_grads_and_names(monkeypatch, no_dot):
    import mygrad
    from mygrad import nn

    if no_dot:
        monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    mygrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    x = mygrad.randn(4, 2)
    loss = (model(x) ** 2).mean()
    loss.backward()
    g = viz.draw_graph(loss, names=dict(model.named_parameters()))
    assert g.backend == ("graphviz" if not no_dot and _graphviz_usable() else "matplotlib")
    ops = sorted(n["label"] for n in g.nodes if n["kind"] == "op")
    assert ops == sorted(["MeanBackward0", "PowBackward0", "AddmmBackward0", "ReluBackward0",
                          "AddmmBackward0"])
    values = {n["label"]: n for n in g.nodes if n["kind"] == "value"}
    assert values["0.weight"]["data"] == "shape (3, 2)"
    assert values["0.weight"]["grad"] == "shape (3, 2)"
    assert values["2.bias"]["grad"] == f"{model[2].bias.grad.item():.4f}"  # 1 element: a number
    assert sum(1 for n in g.nodes if n["kind"] == "value") == 10  # 5 results, 4 params, x
    # every edge joins drawn nodes, and each op feeds exactly one value
    ids = {n["id"] for n in g.nodes}
    assert all(a in ids and b in ids for a, b in g.edges)
    assert "shape (4, 2)" in g.source  # the input x is drawn too


def test_draw_graph_tensor_without_history_is_a_single_node():
    import mygrad

    g = viz.draw_graph(mygrad.tensor([1.0, 2.0]))
    assert [n["kind"] for n in g.nodes] == ["value"] and g.edges == []

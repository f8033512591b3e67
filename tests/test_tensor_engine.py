"""The backward engine: unbroadcast alone, graph shapes (diamond, 10^5-deep chain), the custom
Function API, and autograd.functional — all against torch or exact values."""

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings

import mygrad
from mygrad.autograd import Function, unbroadcast


@settings(max_examples=40)
@given(shp=hnp.mutually_broadcastable_shapes(num_shapes=1, min_dims=0, max_dims=4, max_side=4))
def test_unbroadcast_matches_torch_sum_to_size(shp):
    (shape,) = shp.input_shapes
    g = np.random.default_rng(0).normal(size=shp.result_shape)
    want = torch.tensor(g).sum_to_size(shape).numpy() if shape else np.array(g.sum())
    got = unbroadcast(g, shape)
    assert got.shape == tuple(shape), f"unbroadcast {g.shape} -> {shape} gave {got.shape}"
    np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=f"{g.shape} -> {shape}")


def test_unbroadcast_on_tensor_is_differentiable_and_rejects_bad_shapes():
    g = mygrad.ones(2, 3, requires_grad=True)
    r = unbroadcast(g * 2, (1, 3))
    assert r.shape == (1, 3) and r.tolist() == [[4.0, 4.0, 4.0]]
    r.sum().backward()
    assert g.grad.tolist() == [[2.0] * 3] * 2
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(2, 2\)"):
        unbroadcast(np.ones((2, 3)), (2, 2))
    assert unbroadcast(np.ones((2, 3)), (2, 3)).shape == (2, 3)


def test_diamond_graph_accumulates_over_both_paths():
    def run(lib):
        x = lib.tensor([0.3, -1.2], dtype=lib.float64, requires_grad=True)
        a = x.exp()
        b = a * 3
        c = a.sin()
        d = (b * c + a).sum()
        d.backward()
        return x.grad.numpy()

    np.testing.assert_allclose(run(mygrad), run(torch), rtol=1e-12)


def test_chain_100000_deep_no_recursion():
    x = mygrad.tensor(1.0, dtype=mygrad.float64, requires_grad=True)
    y = x
    n = 100_000
    for _ in range(n):
        y = y * 1.0001 + 0.0
    y.backward()
    assert np.isclose(x.grad.item(), 1.0001 ** n, rtol=1e-9)
    assert np.isclose(y.item(), 1.0001 ** n, rtol=1e-9)


def test_wide_sum_of_many_nodes():
    xs = [mygrad.tensor(float(i), requires_grad=True) for i in range(2000)]
    total = xs[0]
    for x in xs[1:]:
        total = total + x * x
    total.backward()
    assert xs[0].grad.item() == 1.0
    assert all(x.grad.item() == 2.0 * i for i, x in enumerate(xs) if i > 0)


def test_every_node_runs_after_all_its_consumers():
    order = []

    class Tag(Function):
        @staticmethod
        def forward(ctx, x, name):
            ctx.name = name
            return x.copy()

        @staticmethod
        def backward(ctx, grad):
            order.append(ctx.name)
            return grad, None

    x = mygrad.ones(2, requires_grad=True)
    a = Tag.apply(x, "a")
    b = Tag.apply(a, "b")
    c = Tag.apply(a, "c")
    d = Tag.apply(b * c, "d")
    e = Tag.apply(d + a, "e")
    e.sum().backward()
    consumers = {"a": {"b", "c", "e"}, "b": {"d"}, "c": {"d"}, "d": {"e"}, "e": set()}
    assert sorted(order) == sorted(consumers)
    for node, users in consumers.items():
        assert all(order.index(u) < order.index(node) for u in users), order


class Cube(Function):
    """What a student writes in ex05."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


class BroadcastMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a  # broadcast shapes: the engine unbroadcasts


def test_custom_function_forward_backward_and_repr():
    x = mygrad.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    assert repr(y) == "tensor([1., 8.], grad_fn=<CubeBackward>)"
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]


def test_custom_function_gradients_are_unbroadcast_centrally():
    a = mygrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    b = mygrad.tensor([1.0, 10.0, 100.0], requires_grad=True)
    BroadcastMul.apply(a, b).sum().backward()
    assert b.grad.tolist() == [5.0, 7.0, 9.0]
    assert a.grad.tolist() == [[1.0, 10.0, 100.0]] * 2


def test_custom_function_create_graph_second_derivative():
    x = mygrad.tensor(2.0, dtype=mygrad.float64, requires_grad=True)
    (g,) = mygrad.autograd.grad(Cube.apply(x), x, create_graph=True)
    (h,) = mygrad.autograd.grad(g, x)
    assert g.item() == 12.0 and h.item() == 12.0


def test_custom_function_errors_name_the_node():
    class WrongShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, grad):
            return np.ones(3)

    class WrongCount(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    x = mygrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Function WrongShapeBackward returned an invalid "
                                           r"gradient at index 0 - got \[3\] but expected shape "
                                           r"compatible with \[2\]"):
        WrongShape.apply(x).backward()
    with pytest.raises(RuntimeError, match="WrongCountBackward returned an incorrect number of "
                                           r"gradients \(expected 1, got 2\)"):
        WrongCount.apply(x).sum().backward()


def test_needs_input_grad_and_saved_tensors_freed():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            seen["needs"] = ctx.needs_input_grad
            return grad, None

    a = mygrad.ones(2, requires_grad=True)
    y = Probe.apply(a, mygrad.ones(2))
    y.sum().backward()
    assert seen["needs"] == (True, False)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.grad_fn.saved_tensors  # noqa: B018


# ------------------------------------------------------------------ autograd.functional
def _f(x):
    return (x.sin() * x).sum(0) if x.ndim else x.sin() * x


def _g(x, y):
    return (x * y.exp()).sum() + (x ** 2).sum() * y.sum()


def _np(x):
    if isinstance(x, tuple):
        return tuple(_np(v) for v in x)
    return x.detach().numpy()


def _close(a, b):
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            _close(u, v)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


X = np.array([[0.3, -1.0, 2.0], [0.5, 0.1, -0.7]])
Y = np.array([0.2, -0.4, 1.1])


@pytest.mark.parametrize("what", ["jacobian", "hessian", "vjp", "jvp"])
def test_functional_matches_torch(what):
    def run(lib):
        F = lib.autograd.functional
        x, y = lib.tensor(X, dtype=lib.float64), lib.tensor(Y, dtype=lib.float64)
        v_out = lib.tensor([1.0, 2.0, -1.0], dtype=lib.float64)
        v_in = lib.tensor(np.ones_like(X) * 0.5, dtype=lib.float64)
        if what == "jacobian":
            return _np(F.jacobian(_f, x)), _np(F.jacobian(_g, (x, y)))
        if what == "hessian":
            return _np(F.hessian(lambda t: (t ** 3).sum(), x)), _np(F.hessian(_g, (x, y)))
        if what == "vjp":
            return _np(F.vjp(_f, x, v_out)), _np(F.vjp(_g, (x, y)))
        return _np(F.jvp(_f, x, v_in)), _np(F.jvp(_g, (x, y), (v_in, lib.ones(3,
                                                                               dtype=lib.float64))))

    _close(run(mygrad), run(torch))

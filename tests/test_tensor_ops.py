"""Every differentiable op: values and gradients vs torch.autograd (float64), vs central
differences, and second derivatives through create_graph — over Hypothesis-drawn shapes."""

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import pytest
import torch
from hypothesis import given, settings
from op_helpers import check_op

import mygrad

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
nonscalar = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
seeds = st.integers(0, 2**16)

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "maximum": lambda a, b: (torch if isinstance(a, torch.Tensor) else mygrad).maximum(a, b),
    "minimum": lambda a, b: (torch if isinstance(a, torch.Tensor) else mygrad).minimum(a, b),
    "where": lambda a, b: (torch if isinstance(a, torch.Tensor) else mygrad).where(a > b, a, b * 2),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=20)
@given(shp=pairs, seed=seeds)
def test_binary_broadcasting(name, shp, seed):
    f = BINARY[name]
    low = 0.5 if name == "div" else -2.0
    check_op(f, f, shp.input_shapes, seed=seed, name=name, low=low, high=2.0)


@settings(max_examples=20)
@given(shp=pairs, seed=seeds)
def test_pow_tensor_tensor(shp, seed):
    f = lambda a, b: a ** b  # noqa: E731
    check_op(f, f, shp.input_shapes, seed=seed, name="pow", positive=True)


SCALAR = {
    "x + 1.5": lambda x: x + 1.5, "2 + x": lambda x: 2 + x, "x - 3": lambda x: x - 3,
    "2.5 - x": lambda x: 2.5 - x, "x * -1.5": lambda x: x * -1.5, "3 * x": lambda x: 3 * x,
    "x / 4": lambda x: x / 4, "3 / x": lambda x: 3 / x, "-x": lambda x: -x,
    "x ** 3": lambda x: x ** 3, "x ** 2": lambda x: x ** 2, "x ** -1.5": lambda x: x ** -1.5,
    "x ** 0.5": lambda x: x ** 0.5, "x ** 0": lambda x: x ** 0, "2 ** x": lambda x: 2 ** x,
    "pow(x, 3)": lambda x: x.pow(3),
}


@pytest.mark.parametrize("name", sorted(SCALAR))
@settings(max_examples=10)
@given(shape=shapes, seed=seeds)
def test_scalar_operands(name, shape, seed):
    f = SCALAR[name]
    check_op(f, f, [shape], seed=seed, name=name, positive=("/ x" in name or "**" in name))


UNARY = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs"]


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=15)
@given(shape=shapes, seed=seeds)
def test_unary(name, shape, seed):
    def f(x):
        return getattr(x, name)()

    def g(x):  # the function form
        return getattr(torch if isinstance(x, torch.Tensor) else mygrad, name)(x)

    pos = name in ("log", "sqrt")
    check_op(f, f, [shape], seed=seed, name=name, positive=pos)
    check_op(g, g, [shape], seed=seed, name=f"function {name}", positive=pos, double=False,
             numeric=False)


@settings(max_examples=15)
@given(shape=shapes, seed=seeds, lo=st.floats(-1.5, 0), width=st.floats(0.1, 2))
def test_clamp(shape, seed, lo, width):
    f = lambda x: x.clamp(lo, lo + width)  # noqa: E731
    check_op(f, f, [shape], seed=seed, name="clamp")
    g = lambda x: x.clamp(min=lo)  # noqa: E731
    check_op(g, g, [shape], seed=seed, name="clamp(min)")


def _dim_and_keep(data, shape):
    nd = len(shape)
    dim = data.draw(st.integers(-max(nd, 1), max(nd, 1) - 1))
    return dim, data.draw(st.booleans())


@pytest.mark.parametrize("name", ["sum", "mean"])
@settings(max_examples=20)
@given(shape=shapes, seed=seeds, data=st.data())
def test_sum_mean(name, shape, seed, data):
    f = lambda x: getattr(x, name)()  # noqa: E731
    check_op(f, f, [shape], seed=seed, name=f"{name}()")
    dim, keep = _dim_and_keep(data, shape)
    g = lambda x: getattr(x, name)(dim, keepdim=keep)  # noqa: E731
    check_op(g, g, [shape], seed=seed, name=f"{name}({dim}, keepdim={keep})")
    if len(shape) >= 2:
        h = lambda x: getattr(x, name)((0, -1), keepdim=keep)  # noqa: E731
        check_op(h, h, [shape], seed=seed, name=f"{name}((0, -1))")


@pytest.mark.parametrize("name", ["max", "min"])
@settings(max_examples=20)
@given(shape=shapes, seed=seeds, data=st.data())
def test_max_min(name, shape, seed, data):
    f = lambda x: getattr(x, name)()  # noqa: E731
    check_op(f, f, [shape], seed=seed, name=f"{name}()")
    dim, keep = _dim_and_keep(data, shape)
    g = lambda x: getattr(x, name)(dim, keepdim=keep)  # noqa: E731
    check_op(g, g, [shape], seed=seed, name=f"{name}({dim}, keepdim={keep})")
    x = torch.tensor(__import__("numpy").random.default_rng(seed).normal(size=shape))
    tv, ti = getattr(x, name)(dim, keep)
    mv, mi = getattr(mygrad.tensor(x.numpy()), name)(dim, keepdim=keep)
    assert mi.tolist() == ti.tolist(), f"{name}({dim}) indices {mi.tolist()} vs {ti.tolist()}"
    assert mi.dtype == mygrad.int64
    assert mygrad.tensor(x.numpy()).argmax(dim, keep).tolist() == x.argmax(dim, keep).tolist()


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@settings(max_examples=20)
@given(shape=nonscalar, seed=seeds, data=st.data())
def test_softmax(name, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    f = lambda x: getattr(x, name)(dim)  # noqa: E731
    check_op(f, f, [shape], seed=seed, name=f"{name}({dim})", low=-5, high=5)


def test_softmax_is_stable_for_huge_logits():
    x = [[1000.0, 0.0, -1000.0], [-5e4, -5e4, -5e4]]
    for name in ("softmax", "log_softmax"):
        m = getattr(mygrad.tensor(x), name)(1).numpy()
        t = getattr(torch.tensor(x), name)(1).numpy()
        assert (abs(m - t) < 1e-5).all(), f"{name}: {m} vs {t}"


MATMUL_SHAPES = [
    [(3,), (3,)], [(3,), (3, 4)], [(2, 3), (3,)], [(2, 3), (3, 4)], [(5, 2, 3), (3, 4)],
    [(2, 3), (5, 3, 4)], [(5, 2, 3), (5, 3, 4)], [(3,), (5, 3, 4)], [(5, 2, 3), (3,)],
    [(2, 1, 2, 3), (4, 3, 2)], [(1, 3), (3, 1)],
]


@pytest.mark.parametrize("shapes_", MATMUL_SHAPES, ids=str)
def test_matmul(shapes_):
    f = lambda a, b: a @ b  # noqa: E731
    check_op(f, f, shapes_, name=f"matmul {shapes_}")
    g = lambda a, b: (torch if isinstance(a, torch.Tensor) else mygrad).matmul(a, b)  # noqa: E731
    check_op(g, g, shapes_, seed=3, name=f"function matmul {shapes_}", numeric=False)


@settings(max_examples=15)
@given(m=st.integers(1, 4), k=st.integers(1, 4), n=st.integers(1, 4),
       batch=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
       seed=seeds)
def test_matmul_batched_broadcast(m, k, n, batch, seed):
    a, b = batch.input_shapes
    f = lambda x, y: x @ y  # noqa: E731
    check_op(f, f, [a + (m, k), b + (k, n)], seed=seed, name="batched matmul", numeric_max=12)


SHAPE_OPS = {
    "reshape(-1)": lambda x: x.reshape(-1),
    "view(1,-1)": lambda x: x.view(1, -1),
    "flatten": lambda x: x.flatten(),
    "unsqueeze(0)": lambda x: x.unsqueeze(0),
    "unsqueeze(-1)": lambda x: x.unsqueeze(-1),
    "squeeze": lambda x: x.squeeze(),
    "T": lambda x: x.T if x.ndim == 2 else x.permute(*reversed(range(x.ndim))) if x.ndim else x,
    "transpose(0,-1)": lambda x: x.transpose(0, -1) if x.ndim else x * 1,
    "expand": lambda x: x.expand(2, *x.shape),
    "clone": lambda x: x.clone(),
    "x[0]": lambda x: x[0] if x.ndim else x * 1,
    "x[..., 1:]": lambda x: x[..., 1:] if x.ndim else x * 1,
    "x[::2]": lambda x: x[::2] if x.ndim else x * 1,
    "x[None]": lambda x: x[None],
    "x[[0, 0, -1]]": lambda x: x[[0, 0, -1]] if x.ndim else x * 1,
    "x[x > 0]": lambda x: x[x > 0],
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
@settings(max_examples=10)
@given(shape=shapes, seed=seeds)
def test_shape_and_indexing(name, shape, seed):
    f = SHAPE_OPS[name]
    check_op(f, f, [shape], seed=seed, name=name)


def test_integer_array_index_accumulates_repeats():
    idx = [[0, 2], [2, 2]]
    f = lambda x: x[torch.tensor(idx) if isinstance(x, torch.Tensor) else mygrad.tensor(idx)]  # noqa: E731
    check_op(f, f, [(3, 2)], name="x[int tensor with repeats]")
    x = mygrad.ones(3, requires_grad=True)
    x[[0, 0, 0, 1]].sum().backward()
    assert x.grad.tolist() == [3.0, 1.0, 0.0]


@settings(max_examples=15)
@given(shape=nonscalar, n=st.integers(1, 3), seed=seeds, data=st.data())
def test_cat_stack(shape, n, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))

    def cat(*xs):
        return (torch if isinstance(xs[0], torch.Tensor) else mygrad).cat(xs, dim)

    def stack(*xs):
        return (torch if isinstance(xs[0], torch.Tensor) else mygrad).stack(xs, dim)

    check_op(cat, cat, [shape] * n, seed=seed, name=f"cat(dim={dim})", numeric_max=8)
    check_op(stack, stack, [shape] * n, seed=seed, name=f"stack(dim={dim})", numeric_max=8)


COMPOSITE = {
    "mlp": lambda x, w, b: (x @ w + b).relu().sum(1).tanh(),
    "cross_entropy": lambda x, w, b: -(x @ w + b).log_softmax(1)[:, 0].mean(),
    "var": lambda x, w, b: x.var(0) * w.std(),
    "norm": lambda x, w, b: x.norm() + b.abs().sum(),
}


@pytest.mark.parametrize("name", sorted(COMPOSITE))
def test_composites(name):
    f = COMPOSITE[name]
    check_op(f, f, [(4, 3), (3, 2), (2,)], name=name)


MORE = {
    "amax(dim)": lambda x: x.amax(-1) if x.ndim else x.amax(),
    "amin()": lambda x: x.amin(),
    "squeeze(dim)": lambda x: x.unsqueeze(0).squeeze(0),
    "clamp(tensor bounds)": lambda x: x.clamp(min=x * 0 - 0.5, max=x * 0 + 0.5),
    "masked_fill": lambda x: x.masked_fill(x > 0.3, 2.0),
    "sum(keepdim) then expand_as": lambda x: x.sum(-1, keepdim=True).expand_as(x) * x
    if x.ndim else x * x,
}


@pytest.mark.parametrize("name", sorted(MORE))
@settings(max_examples=10)
@given(shape=shapes, seed=seeds)
def test_more_ops(name, shape, seed):
    f = MORE[name]
    check_op(f, f, [shape], seed=seed, name=name)


def test_gradient_is_cast_to_the_leaf_dtype():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)  # float32 leaf
        w = lib.tensor([0.5, 0.25], dtype=lib.float64)
        (x * w).sum().backward()
        return x.grad

    t, m = run(torch), run(mygrad)
    assert m.dtype == mygrad.float32 and str(t.dtype) == "torch.float32"
    assert m.tolist() == t.tolist()

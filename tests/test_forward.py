"""Tests for mygrad.forward (dual numbers, forward-mode AD) against closed forms and torch."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mygrad import forward as fwd
from mygrad.forward import Dual

torch = pytest.importorskip("torch")


def t64(x, requires_grad=False):
    return torch.tensor(x, dtype=torch.float64, requires_grad=requires_grad)


# ---------------------------------------------------------------------------- Dual basics


def test_dual_arithmetic_closed_forms():
    x = Dual(3.0, 1.0)
    y = x * x + 2 * x - 1
    assert (y.value, y.tangent) == (14.0, 8.0)
    z = 1 / x
    assert z.value == pytest.approx(1 / 3) and z.tangent == pytest.approx(-1 / 9)
    w = (x - 5) / (x + 1)  # d/dx = 6 / (x+1)^2
    assert w.tangent == pytest.approx(6 / 16)
    p = x**3
    assert (p.value, p.tangent) == (27.0, 27.0)
    q = 2**x  # 2^x log 2
    assert q.tangent == pytest.approx(8 * math.log(2))
    r = x**x  # x^x (log x + 1)
    assert r.tangent == pytest.approx(27 * (math.log(3) + 1))
    n = -x
    assert (n.value, n.tangent) == (-3.0, -1.0)
    assert (x ** 0).tangent == 0.0


def test_epsilon_squared_is_zero():
    eps = Dual(0.0, 1.0)
    sq = eps * eps
    assert (sq.value, sq.tangent) == (0.0, 0.0)


def test_repr_and_str():
    y = Dual(2.0, -0.5)
    assert repr(y) == "Dual(value=2.0, tangent=-0.5)"
    assert str(y) == "2 - 0.5ε"


def test_comparisons_follow_the_value_so_branches_work():
    def f(x):
        return x * x if x > 1 else 3 * x

    assert fwd.derivative(f, 2.0) == 4.0
    assert fwd.derivative(f, 0.5) == 3.0
    assert Dual(1.0, 5.0) <= 1.0 and Dual(1.0, 5.0) >= Dual(1.0, -2.0)


def test_type_errors():
    with pytest.raises(TypeError, match="Dual"):
        Dual("1.0")
    with pytest.raises(TypeError, match="not Duals"):
        Dual(Dual(1.0), 1.0)
    with pytest.raises(TypeError):
        Dual(1.0) + "a"
    with pytest.raises(TypeError, match="sin"):
        fwd.sin("x")


# ---------------------------------------------------------------------------- elementary functions

FUNCS = {
    "sin": (fwd.sin, torch.sin),
    "cos": (fwd.cos, torch.cos),
    "tan": (fwd.tan, torch.tan),
    "exp": (fwd.exp, torch.exp),
    "log": (fwd.log, torch.log),
    "sqrt": (fwd.sqrt, torch.sqrt),
    "tanh": (fwd.tanh, torch.tanh),
    "sigmoid": (fwd.sigmoid, torch.sigmoid),
    "relu": (fwd.relu, torch.relu),
}


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("x", [0.3, 1.2, 2.9])
def test_elementary_functions_match_torch(name, x):
    ours, theirs = FUNCS[name]
    y = ours(Dual(x, 1.0))
    xt = t64(x, True)
    yt = theirs(xt)
    yt.backward()
    assert y.value == pytest.approx(yt.item(), rel=1e-14)
    assert y.tangent == pytest.approx(xt.grad.item(), rel=1e-12)
    # plain numbers pass straight through
    assert ours(x) == pytest.approx(yt.item(), rel=1e-14)


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_vectorised_dual_matches_torch_elementwise(name):
    ours, theirs = FUNCS[name]
    xs = np.array([0.2, 0.9, 1.7, 2.5])
    d = fwd.derivative(ours, xs)
    xt = t64(xs, True)
    theirs(xt).sum().backward()
    np.testing.assert_allclose(d, xt.grad.numpy(), rtol=1e-12)


def test_numpy_ufuncs_on_duals():
    x = Dual(0.7, 1.0)
    y = np.sin(x) * np.exp(x) + np.float64(2.0) * x - np.float32(1.0)
    assert isinstance(y, Dual)
    expected = math.cos(0.7) * math.exp(0.7) + math.sin(0.7) * math.exp(0.7) + 2
    assert y.tangent == pytest.approx(expected, rel=1e-12)


def test_derivative_of_constant_function_is_zero():
    assert fwd.derivative(lambda x: 5.0, 1.0) == 0.0


def test_lecture_example_sin_exp_over_x():
    f = lambda x: fwd.sin(x) * fwd.exp(x) / x  # noqa: E731
    xt = t64(1.5, True)
    (torch.sin(xt) * torch.exp(xt) / xt).backward()
    assert fwd.derivative(f, 1.5) == pytest.approx(xt.grad.item(), rel=1e-13)


# ---------------------------------------------------------------------------- random programs

OPS = ["add", "mul", "sub", "div", "sin", "exp_tanh", "log1p2", "sigmoid", "sqrt1p2", "pow3"]


def run(x, program, lib):
    pool = [x]
    for op, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if op == "add":
            z = a + b
        elif op == "mul":
            z = a * b
        elif op == "sub":
            z = 1.5 - a
        elif op == "div":
            z = a / (2.0 + b * b)
        elif op == "sin":
            z = lib.sin(a)
        elif op == "exp_tanh":
            z = lib.exp(lib.tanh(a))
        elif op == "log1p2":
            z = lib.log(1.0 + a * a)
        elif op == "sigmoid":
            z = lib.sigmoid(a)
        elif op == "sqrt1p2":
            z = lib.sqrt(1.0 + a * a)
        else:
            z = a**3
        pool.append(z)
    return pool[-1]


@given(
    x=st.floats(-2.0, 2.0),
    program=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 20), st.integers(0, 20)),
                     min_size=1, max_size=12),
)
def test_random_programs_derivative_matches_torch(x, program):
    xt = t64(x, True)
    yt = run(xt, program, torch)
    if not math.isfinite(yt.item()) or abs(yt.item()) > 1e10:
        return
    yt.backward()
    expected = xt.grad.item() if xt.grad is not None else 0.0
    got = fwd.derivative(lambda d: run(d, program, fwd), x)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-10 * (1 + abs(yt.item())))


# ---------------------------------------------------------------------------- jvp and jacobian


def f_lists(x, lib):
    return [x[0] * x[1] + lib.sin(x[2]), lib.exp(x[0]) * x[2]]


def test_jvp_matches_torch_and_closed_form():
    x0 = np.array([0.5, -1.0, 2.0])
    v = np.array([1.0, 2.0, -1.0])
    value, jv = fwd.jvp(lambda x: f_lists(x, fwd), x0, v)
    J = np.array([[x0[1], x0[0], math.cos(x0[2])],
                  [math.exp(x0[0]) * x0[2], 0.0, math.exp(x0[0])]])
    np.testing.assert_allclose(jv, J @ v, rtol=1e-14)
    out_t, jv_t = torch.autograd.functional.jvp(
        lambda x: torch.stack(f_lists(x, torch)), t64(x0), t64(v))
    np.testing.assert_allclose(value, out_t.numpy(), rtol=1e-14)
    np.testing.assert_allclose(jv, jv_t.numpy(), rtol=1e-13)


def test_jvp_shape_mismatch():
    with pytest.raises(ValueError, match="shape"):
        fwd.jvp(lambda x: x, np.zeros(3), np.zeros(2))


def test_jacobian_matches_torch_for_vectorised_code():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 5))
    x5 = np.linspace(-1.0, 1.0, 5)

    def h_loops(x):  # element by element, on Duals
        return [fwd.tanh(sum(W[i, j] * x[j] for j in range(5))) * x[i] for i in range(3)]

    def h_matmul(x):  # whole arrays: numpy applies the Dual operators per element
        return np.tanh(W @ x) * x[:3]

    J_t = torch.autograd.functional.jacobian(
        lambda x: torch.tanh(t64(W) @ x) * x[:3], t64(x5)).numpy()
    for h in (h_loops, h_matmul):
        J = fwd.jacobian(h, x5)
        assert J.shape == (3, 5)
        np.testing.assert_allclose(J, J_t, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "x_shape,fn,torch_fn",
    [
        ((4,), lambda x: sum(fwd.sin(xi) * xi for xi in x), lambda x: (torch.sin(x) * x).sum()),
        ((), lambda x: [x, x * x, fwd.exp(x)], lambda x: torch.stack([x, x * x, torch.exp(x)])),
        ((2, 3), lambda x: np.exp(x) * x.sum(), lambda x: torch.exp(x) * x.sum()),
    ],
    ids=["R4->R", "R->R3", "R2x3->R2x3"],
)
def test_jacobian_shapes_follow_torch(x_shape, fn, torch_fn):
    x = np.random.default_rng(1).normal(size=x_shape)
    J = fwd.jacobian(fn, x)
    J_t = torch.autograd.functional.jacobian(torch_fn, t64(x)).numpy()
    assert J.shape == J_t.shape
    np.testing.assert_allclose(J, J_t, rtol=1e-12, atol=1e-14)


def test_jacobian_agrees_with_mygrad_reverse_mode():
    import mygrad

    if not hasattr(mygrad, "autograd") or not hasattr(mygrad, "tensor"):
        pytest.skip("tensor engine not available")
    x = np.array([0.3, -0.4, 1.2])
    J_rev = mygrad.autograd.functional.jacobian(
        lambda t: mygrad.exp(t) * t.sum(), mygrad.tensor(x, dtype=mygrad.float64)).numpy()
    J_fwd = fwd.jacobian(lambda d: np.exp(d) * d.sum(), x)
    np.testing.assert_allclose(J_fwd, J_rev, rtol=1e-12)


def test_docstring_examples():
    import doctest

    assert doctest.testmod(fwd).failed == 0

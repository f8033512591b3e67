"""Tests for the scalar engine ``mygrad.Value``.

Oracles: torch.autograd in float64 (0-d tensors), central differences on plain floats, and
closed forms.  Nothing is compared with the code under test itself.
"""

import gc
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mygrad.scalar import Value

torch = pytest.importorskip("torch")


def t64(x):
    return torch.tensor(float(x), dtype=torch.float64, requires_grad=True)


def close(a, b, rel=1e-9, abs_=1e-9):
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


# ---------------------------------------------------------------------------- basics


def test_attributes_and_repr():
    a = Value(2, label="a")
    assert isinstance(a.data, float) and a.data == 2.0
    assert isinstance(a.grad, float) and a.grad == 0.0
    assert a._prev == () and a._op == "" and a.label == "a"
    assert repr(a) == "Value(data=2.0, grad=0.0)"
    b = Value(-3.0)
    c = a * b
    assert c._prev == (a, b) and c._op == "*"
    assert (-a)._prev == (a,)
    assert (a**2)._op == "**2"
    c.backward()
    assert repr(a) == "Value(data=2.0, grad=-3.0)"


def test_slots_no_instance_dict():
    assert not hasattr(Value(1.0), "__dict__")


def test_micrograd_readme_expression_against_torch():
    def expression(a, b):
        c = a + b
        d = a * b + b**3
        c += c + 1
        c += 1 + c + (-a)
        d += d * 2 + (b + a).relu()
        d += 3 * d + (b - a).relu()
        e = c - d
        f = e**2
        g = f / 2.0
        g += 10.0 / f
        return g

    a, b = Value(-4.0), Value(2.0)
    g = expression(a, b)
    g.backward()
    ta, tb = t64(-4.0), t64(2.0)
    tg = expression(ta, tb)
    tg.backward()
    assert close(g.data, tg.item())
    assert f"{g.data:.4f}" == "24.7041"
    assert close(a.grad, ta.grad.item()) and close(b.grad, tb.grad.item())
    assert f"{a.grad:.4f}" == "138.8338" and f"{b.grad:.4f}" == "645.5773"


# ---------------------------------------------------------------------------- each op vs torch

BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x**y,
}
UNARY = {
    "neg": lambda x: -x,
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "square": lambda x: x**2,
    "cube": lambda x: x**3,
    "sqrt": lambda x: x**0.5,
    "inverse": lambda x: x**-1,
    "radd": lambda x: 3.5 + x,
    "rsub": lambda x: 3.5 - x,
    "rmul": lambda x: 3.5 * x,
    "rdiv": lambda x: 3.5 / x,
    "rpow": lambda x: 1.7**x,
    "add_number": lambda x: x + 2,
    "sub_number": lambda x: x - 2,
    "mul_number": lambda x: x * -2,
    "div_number": lambda x: x / 4.0,
}
POSITIVE_ONLY = {"log", "sqrt"}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("xy", [(1.3, 0.7), (0.4, -2.5), (2.0, 3.0)])
def test_binary_ops_match_torch(name, xy):
    x, y = xy
    fn = BINARY[name]
    a, b = Value(x), Value(y)
    out = fn(a, b)
    out.backward()
    ta, tb = t64(x), t64(y)
    tout = fn(ta, tb)
    tout.backward()
    assert close(out.data, tout.item()), (name, out.data, tout.item())
    assert close(a.grad, ta.grad.item()), (name, "grad a", a.grad, ta.grad.item())
    assert close(b.grad, tb.grad.item()), (name, "grad b", b.grad, tb.grad.item())


@pytest.mark.parametrize(
    "name,x",
    [(name, x) for name in sorted(UNARY) for x in (-1.7, -0.3, 0.45, 2.2)
     if x > 0 or name not in POSITIVE_ONLY],
)
def test_unary_ops_match_torch(name, x):
    fn = UNARY[name]
    a = Value(x)
    out = fn(a)
    out.backward()
    ta = t64(x)
    tout = fn(ta)
    tout.backward()
    assert close(out.data, tout.item()), (name, x, out.data, tout.item())
    assert close(a.grad, ta.grad.item()), (name, x, a.grad, ta.grad.item())


FLOAT_FNS = {
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
    "square": lambda v: v * v,
    "sqrt": math.sqrt,
    "rdiv": lambda v: 3.5 / v,
    "rpow": lambda v: 1.7**v,
}


@pytest.mark.parametrize("name", sorted(FLOAT_FNS))
@pytest.mark.parametrize("x", [0.3, 1.1, 2.7])
def test_unary_grads_match_central_differences(name, x):
    a = Value(x)
    UNARY[name](a).backward()
    f, h = FLOAT_FNS[name], 1e-6
    numeric = (f(x + h) - f(x - h)) / (2 * h)
    assert math.isclose(a.grad, numeric, rel_tol=1e-6, abs_tol=1e-8), (name, a.grad, numeric)


def test_relu_gradient_at_kink_matches_torch():
    a = Value(0.0)
    a.relu().backward()
    ta = t64(0.0)
    ta.relu().backward()
    assert a.grad == ta.grad.item() == 0.0


def test_sigmoid_and_exp_extremes():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(1000.0).exp().data == math.inf
    big = Value(800.0)
    big.tanh().backward()
    assert big.grad == 0.0


def test_value_exponent():
    a, b = Value(1.5), Value(-0.8)
    (a**b).backward()
    ta, tb = t64(1.5), t64(-0.8)
    (ta**tb).backward()
    assert close(a.grad, ta.grad.item()) and close(b.grad, tb.grad.item())


def test_pow_of_zero_base():
    a = Value(0.0)
    (a**2).backward()
    assert a.grad == 0.0
    z = Value(0.0)
    y = z**0.5
    assert y.data == 0.0
    y.backward()
    assert z.grad == math.inf  # torch also gives inf here
    with pytest.raises(ZeroDivisionError):
        Value(0.0) ** -1


NUMBER_OPS = {
    "add": (lambda v, k: v + k, False),
    "radd": (lambda v, k: k + v, False),
    "sub": (lambda v, k: v - k, False),
    "rsub": (lambda v, k: k - v, True),
    "mul": (lambda v, k: v * k, False),
    "rmul": (lambda v, k: k * v, False),
    "div": (lambda v, k: v / k, False),
    "rdiv": (lambda v, k: k / v, True),
}


@pytest.mark.parametrize("name", sorted(NUMBER_OPS))
def test_number_operands_are_part_of_the_operation(name):
    """``x (op) 2.5``: the number is kept by the node, not made into a leaf (torch does the
    same for ``x * 2.5``); the node has one input and one local gradient."""
    fn, _ = NUMBER_OPS[name]
    x = Value(1.7)
    node = fn(x, 2.5)
    assert node._prev == (x,) and len(node._local_grads) == 1
    assert node._op == {"add": "+", "radd": "+", "sub": "-", "rsub": "-", "mul": "*",
                        "rmul": "*", "div": "/", "rdiv": "/"}[name]
    out = node.tanh()
    out.backward()
    xt = t64(1.7)
    fn(xt, 2.5).tanh().backward()
    assert close(x.grad, xt.grad.item()), (name, x.grad, xt.grad.item())
    # a second pass accumulates into the leaf, like any leaf
    out.backward()
    assert close(x.grad, 2 * xt.grad.item())


def _first(f):
    return lambda x: f(x, Value(0.8))


def _second(f):
    return lambda y: f(Value(0.8), y)


LOCAL = {**UNARY, **{f"{k}_x": _first(f) for k, f in BINARY.items()},
         **{f"{k}_y": _second(f) for k, f in BINARY.items()}}


@pytest.mark.parametrize("name", sorted(LOCAL))
@pytest.mark.parametrize("x", [0.35, 1.3])
def test_local_grads_match_central_differences(name, x):
    """Each operation stores d(out)/d(input) next to its output; check it against central
    differences of the operation's own forward, input by input."""
    fn = LOCAL[name]
    v = Value(x)
    out = fn(v)
    (i,) = [k for k, p in enumerate(out._prev) if p is v]
    h = 1e-6
    numeric = (fn(Value(x + h)).data - fn(Value(x - h)).data) / (2 * h)
    assert math.isclose(out._local_grads[i], numeric, rel_tol=1e-6, abs_tol=1e-8), \
        (name, x, out._local_grads, numeric)


def test_graph_attributes_are_plain_attributes():
    """``_prev``, ``_op``, ``_local_grads`` and ``_backward`` are stored, not computed: reading
    them changes nothing, and they can be set like in lecture 5."""
    from types import MemberDescriptorType

    for name in ("data", "grad", "_prev", "_op", "label", "_backward", "_local_grads"):
        assert isinstance(Value.__dict__[name], MemberDescriptorType), name
    x = Value(2.0)
    y = (x * 3).tanh() * x
    before = (y._prev, y._op, y._local_grads, y._backward)
    assert (y._prev, y._op, y._local_grads, y._backward) == before
    assert all(p._prev == q._prev for p, q in zip(y._prev, before[0]))


def test_one_gc_object_per_operation_plus_its_inputs_tuple():
    """The performance design: an operation creates its output node (and the ``_prev`` tuple);
    numbers do not become nodes, and no closure is created per node."""
    gc.collect()
    before = sum(1 for o in gc.get_objects() if type(o) is Value)
    x = Value(1.0)
    y = x
    for _ in range(1000):
        y = (y * 1.0001 + 0.5) ** 2 / 3.0 - 1
    y.backward()
    after = sum(1 for o in gc.get_objects() if type(o) is Value)
    assert after - before == 1 + 5 * 1000
    assert not any(callable(o) and getattr(o, "__name__", "") == "_backward"
                   for o in gc.get_objects())


# ---------------------------------------------------------------------------- random programs

OPS = ["add", "sub", "mul", "div", "tanh", "sigmoid", "relu", "exp", "log", "neg", "sq", "rsub"]


def run_program(leaves, program):
    """Apply a drawn program to a list of scalars; works for Values and 0-d torch tensors."""
    pool = list(leaves)
    for op, i, j in program:
        x, y = pool[i % len(pool)], pool[j % len(pool)]
        if op == "add":
            z = x + y
        elif op == "sub":
            z = x - y
        elif op == "mul":
            z = x * y
        elif op == "div":
            z = x / (1.5 + y * y)
        elif op == "tanh":
            z = x.tanh()
        elif op == "sigmoid":
            z = x.sigmoid()
        elif op == "relu":
            z = x.relu()
        elif op == "exp":
            z = x.tanh().exp()
        elif op == "log":
            z = (1.0 + x * x).log()
        elif op == "neg":
            z = -x
        elif op == "sq":
            z = x**2
        else:
            z = 0.5 - x
        pool.append(z)
    out = pool[-1]
    for z in pool[len(leaves):-1]:  # every intermediate feeds the output: a DAG with sharing
        out = out + 0.1 * z
    return out


@given(
    leaves=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4),
    program=st.lists(
        st.tuples(st.sampled_from(OPS), st.integers(0, 50), st.integers(0, 50)),
        min_size=1,
        max_size=15,
    ),
)
def test_random_programs_match_torch(leaves, program):
    values = [Value(x) for x in leaves]
    out = run_program(values, program)
    tensors = [t64(x) for x in leaves]
    tout = run_program(tensors, program)
    if not math.isfinite(tout.item()) or abs(tout.item()) > 1e12:
        return
    out.backward()
    tout.backward()
    assert math.isclose(out.data, tout.item(), rel_tol=1e-9, abs_tol=1e-9)
    expected = [0.0 if t.grad is None else t.grad.item() for t in tensors]
    # the two engines round in different places; allow for cancellation between paths
    scale = 1.0 + max(abs(g) for g in expected) + abs(tout.item())
    for k, (v, e) in enumerate(zip(values, expected)):
        assert math.isclose(v.grad, e, rel_tol=1e-7, abs_tol=1e-10 * scale), (k, v.grad, e)


# ---------------------------------------------------------------------------- graph shapes


def test_diamond_graph():
    x = Value(3.0)
    a = x * 2.0
    b = x.tanh()
    y = a * b + a  # x reaches y along three paths
    y.backward()
    t = math.tanh(3.0)
    expected = 2.0 * t + 2.0 * 3.0 * (1 - t * t) + 2.0
    assert math.isclose(x.grad, expected, rel_tol=1e-12)
    assert math.isclose(a.grad, t + 1.0, rel_tol=1e-12)


def test_same_input_twice():
    x = Value(-1.5)
    (x * x).backward()
    assert x.grad == -3.0
    z = Value(4.0)
    (z + z + z).backward()
    assert z.grad == 3.0


def test_sum_of_100k_values():
    xs = [Value(float(i % 7)) for i in range(100_000)]
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    total.backward()
    assert total.data == sum(float(i % 7) for i in range(100_000))
    assert all(x.grad == 1.0 for x in xs)


def test_chain_100k_deep():
    n = 100_000
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0
    y.backward()
    assert math.isclose(y.data, 1.0001**n, rel_tol=1e-9)
    assert math.isclose(x.grad, 1.0001**n, rel_tol=1e-9)


def test_topological_property_via_gradients_of_shared_subgraph():
    # a wide-and-deep DAG: every layer uses both nodes of the previous layer
    a, b = Value(0.5), Value(-0.25)
    ta, tb = t64(0.5), t64(-0.25)
    u, v, tu, tv = a, b, ta, tb
    for _ in range(200):
        u, v = (u * v).tanh() + u, (u - v).sigmoid() * v + 0.5
        tu, tv = (tu * tv).tanh() + tu, (tu - tv).sigmoid() * tv + 0.5
    (u + v).backward()
    (tu + tv).backward()
    assert math.isclose(a.grad, ta.grad.item(), rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(b.grad, tb.grad.item(), rel_tol=1e-9, abs_tol=1e-12)


# ---------------------------------------------------------------------------- semantics


def test_leaves_accumulate_intermediates_are_fresh():
    x = Value(2.0)
    h = x * 3.0
    y = h * h
    y.backward()
    assert x.grad == 36.0 and h.grad == 12.0 and y.grad == 1.0
    y.backward()  # same as torch with retain_graph: leaf grads add up
    assert x.grad == 72.0
    assert h.grad == 12.0 and y.grad == 1.0
    x.grad = 0.0
    y.backward()
    assert x.grad == 36.0


def test_backward_on_leaf():
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0


def test_student_closure_node_works_with_backward():
    """A node written like in lecture 5 (closure taking ``out``) plugs into the engine."""

    def cube(v):
        out = Value(v.data**3, (v,), "cube")

        def _backward(out):
            v.grad += 3 * v.data**2 * out.grad

        out._backward = _backward
        return out

    def fused_sum(*vs):
        out = Value(sum(v.data for v in vs), vs, "sum")

        def _backward(out):
            for v in vs:
                v.grad += out.grad

        out._backward = _backward
        return out

    x, y, z = Value(2.0), Value(3.0), Value(4.0)
    s = fused_sum(x, y, z)
    assert s._prev == (x, y, z)
    out = cube(s) * x
    out.backward()
    assert x.grad == 3 * 81 * 2 + 729
    assert y.grad == z.grad == 3 * 81 * 2


def test_subclass_instances_combine_with_values():
    class Named(Value):
        __slots__ = ()

    a, b = Named(2.0), Value(3.0)
    out = a * b + b / a - a**b + b**a
    out.backward()
    ta, tb = t64(2.0), t64(3.0)
    (ta * tb + tb / ta - ta**tb + tb**ta).backward()
    assert close(a.grad, ta.grad.item()) and close(b.grad, tb.grad.item())


def test_graph_is_freed_without_the_cycle_collector():
    def count_values():
        return sum(1 for o in gc.get_objects() if type(o) is Value)

    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = count_values()
        x = Value(0.3)
        y = x
        for _ in range(1000):
            y = (y * 1.1).tanh() + x.exp() - 0.5 / (2.0 + y.relu())
        y.backward()
        assert count_values() > before + 1000
        del y
        assert count_values() == before + 1  # only x is left: no reference cycles
    finally:
        if was_enabled:
            gc.enable()


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "bad", ["3", None, [1.0], (2.0,), 1 + 2j, Value(1.0)], ids=repr
)
def test_constructor_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match="real number"):
        Value(bad)


@pytest.mark.parametrize("bad", ["a", None, [1.0], object()], ids=lambda b: type(b).__name__)
def test_unsupported_operands_raise_type_error(bad):
    a = Value(1.0)
    for symbol, op in [("+", lambda: a + bad), ("*", lambda: a * bad), ("-", lambda: a - bad),
                       ("/", lambda: a / bad), ("**", lambda: a**bad)]:
        with pytest.raises(TypeError, match="unsupported operand") as info:
            op()
        assert "Value" in str(info.value) and type(bad).__name__ in str(info.value), symbol
    for op in (lambda: bad + a, lambda: bad * a, lambda: bad - a, lambda: bad / a):
        with pytest.raises(TypeError):
            op()


def test_children_that_are_not_values_are_named_at_backward():
    """``_children`` is checked when the graph is walked, not on every construction."""
    node = Value(1.0, (Value(2.0), 3.0), "f")
    node._backward = lambda out: None
    with pytest.raises(TypeError, match=r"must hold Values, got float .*op 'f'"):
        node.backward()


def test_domain_errors_are_clear():
    with pytest.raises(ValueError, match="positive"):
        Value(-1.0).log()
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / 0
    with pytest.raises(ValueError, match="not a real number"):
        Value(-2.0) ** 0.5


def test_numpy_scalars_are_accepted():
    np = pytest.importorskip("numpy")
    a = Value(np.float32(1.5))
    assert type(a.data) is float and a.data == 1.5
    b = a * np.float64(2.0) + np.int64(1)
    assert b.data == 4.0


def test_docstring_examples():
    import doctest

    import mygrad.scalar

    assert doctest.testmod(mygrad.scalar).failed == 0

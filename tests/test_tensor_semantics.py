"""torch's autograd semantics, one test each, checked against torch itself."""

import warnings

import numpy as np
import pytest
import torch

import mygrad


def both(fn):
    """Run ``fn(lib)`` with lib = torch and lib = mygrad; return both results."""
    return fn(torch), fn(mygrad)


def test_leaf_grad_accumulates_across_backward_calls():
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        (x * x).sum().backward()
        (x * 3).sum().backward()
        return x.grad.tolist()

    t, m = both(run)
    assert m == t == [5.0, -1.0, 9.0]


def test_nonleaf_grad_is_none_and_warns_unless_retain_grad():
    x = mygrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = x * 3
    z.retain_grad()
    (y.sum() + z.sum()).backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert y.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert z.grad.tolist() == [1.0, 1.0]
    assert z.retains_grad and not y.retains_grad


def test_backward_on_non_scalar_raises_torch_text():
    for lib in (torch, mygrad):
        y = lib.ones(3, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                               "outputs"):
            y.backward()


def test_backward_with_gradient_argument():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * x).backward(lib.tensor([1.0, 0.1, 0.01]))
        return x.grad.tolist()

    t, m = both(run)
    assert np.allclose(m, t)


def test_second_backward_through_freed_graph_raises():
    msg = "Trying to backward through the graph a second time"
    for lib in (torch, mygrad):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        with pytest.raises(RuntimeError, match=msg):
            y.backward()


def test_retain_graph_allows_second_backward():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad.tolist()

    t, m = both(run)
    assert np.allclose(m, t)


def test_integer_requires_grad_raises_torch_text():
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype "
                                           "can require gradients$"):
        mygrad.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require "
                                           "gradients"):
        mygrad.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        mygrad.zeros(2, dtype=mygrad.int64, requires_grad=True)


def test_no_grad_results_have_no_grad_fn():
    x = mygrad.ones(2, requires_grad=True)
    with mygrad.no_grad():
        y = x * 2
        assert not mygrad.is_grad_enabled()
        with mygrad.enable_grad():
            z = x * 2
    assert mygrad.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None

    @mygrad.no_grad()
    def f(a):
        return a * 2

    assert f(x).grad_fn is None


def test_detach_shares_data_and_cuts_graph():
    x = mygrad.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert d.grad_fn is None and not d.requires_grad and d.is_leaf
    y = x.detach()
    y.numpy()[0] = 10.0
    assert x.tolist() == [10.0, 2.0]


def test_data_assignment_for_gradient_descent():
    def run(lib):
        w = lib.tensor([1.0, -1.0], requires_grad=True)
        for _ in range(3):
            loss = (w * w).sum()
            loss.backward()
            w.data = w.data - 0.1 * w.grad
            w.grad.zero_()
        w.data -= 0.5 * w.data
        return w.tolist(), w.requires_grad, w.is_leaf

    t, m = both(run)
    assert np.allclose(m[0], t[0]) and m[1:] == t[1:]


def test_inplace_on_leaf_requiring_grad_raises():
    for lib in (torch, mygrad):
        w = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            w.add_(1)
        with lib.no_grad():
            w.add_(1)
        assert w.tolist() == [2.0, 2.0]


def test_create_graph_third_derivative_of_tanh():
    def run(lib):
        x = lib.tensor(0.7, dtype=lib.float64, requires_grad=True)
        y = x.tanh()
        (g1,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad(g1, x, create_graph=True)
        (g3,) = lib.autograd.grad(g2, x)
        return g1.item(), g2.item(), g3.item()

    t, m = both(run)
    assert np.allclose(m, t, rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_backward_makes_grad_differentiable():
    def run(lib):
        x = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
        (x.sin() * x * x).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad
        (h,) = lib.autograd.grad(g.sum(), x)
        return h.tolist()

    t, m = both(run)
    assert np.allclose(m, t)


def test_autograd_grad_returns_tuple_and_leaves_grad_alone():
    x = mygrad.tensor([1.0, 2.0], requires_grad=True)
    w = mygrad.tensor(3.0, requires_grad=True)
    out = mygrad.autograd.grad((x * w).sum(), [x, w])
    assert isinstance(out, tuple) and len(out) == 2
    assert out[0].tolist() == [3.0, 3.0] and out[1].item() == 3.0
    assert x.grad is None and w.grad is None


def test_autograd_grad_unused_input():
    x = mygrad.ones(2, requires_grad=True)
    u = mygrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        mygrad.autograd.grad(x.sum(), [x, u])
    assert mygrad.autograd.grad(x.sum(), [x, u], allow_unused=True)[1] is None


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        mygrad.ones(1).sum().backward()


def test_dtypes_follow_torch():
    cases = [
        lambda lib: lib.tensor([1.0, 2.0]),
        lambda lib: lib.tensor([1, 2]),
        lambda lib: lib.tensor([True]),
        lambda lib: lib.tensor(np.array([1.0])),
        lambda lib: lib.tensor([1, 2]) * 1.5,
        lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 2]),
        lambda lib: lib.tensor([1, 2]) + lib.tensor([0.5]),
        lambda lib: lib.tensor([1.0], dtype=lib.float64) * lib.tensor([2.0]),
        lambda lib: lib.tensor([1.0]) * lib.tensor(2.0, dtype=lib.float64),
        lambda lib: lib.arange(5),
        lambda lib: lib.arange(0, 1, 0.25),
        lambda lib: lib.zeros(2),
        lambda lib: lib.full((2,), 3),
        lambda lib: lib.tensor([1, 2]).sum(),
        lambda lib: lib.tensor([1, 2]).exp(),
        lambda lib: lib.tensor([1, 2]) > 1,
        lambda lib: lib.tensor([1.0, 2.0]).argmax(),
        lambda lib: lib.tensor([1.0], dtype=lib.float64).float(),
    ]
    for i, case in enumerate(cases):
        t, m = both(case)
        assert m.dtype.name == str(t.dtype).replace("torch.", ""), f"case {i}: {m.dtype} {t.dtype}"
        assert np.allclose(m.numpy(), t.numpy()), f"case {i}: {m} vs {t}"


def test_creation_functions_match_torch():
    cases = [
        lambda lib: lib.zeros(2, 3), lambda lib: lib.ones((2,)), lambda lib: lib.full((2, 2), 1.5),
        lambda lib: lib.arange(1, 10, 3), lambda lib: lib.arange(0.0, 1.0, 0.1),
        lambda lib: lib.linspace(-1, 1, 5), lambda lib: lib.eye(3), lambda lib: lib.eye(2, 3),
        lambda lib: lib.zeros_like(lib.ones(2, 2)), lambda lib: lib.ones_like(lib.ones(3)),
        lambda lib: lib.from_numpy(np.arange(3.0)),
    ]
    for i, case in enumerate(cases):
        t, m = both(case)
        assert tuple(m.shape) == tuple(t.shape) and m.dtype.name == str(t.dtype)[6:], f"case {i}"
        assert np.allclose(m.numpy(), t.numpy()), f"case {i}: {m} vs {t}"


def test_random_is_seeded_and_shaped():
    mygrad.manual_seed(0)
    a = mygrad.randn(3, 4)
    mygrad.manual_seed(0)
    b = mygrad.randn(3, 4)
    assert a.tolist() == b.tolist() and a.dtype == mygrad.float32 and tuple(a.shape) == (3, 4)
    r = mygrad.rand(1000)
    assert r.min().item() >= 0 and r.max().item() < 1
    p = mygrad.randperm(10)
    assert sorted(p.tolist()) == list(range(10)) and p.dtype == mygrad.int64


def test_from_numpy_shares_memory():
    a = np.zeros(3)
    t = mygrad.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5 and t.dtype == mygrad.float64


@pytest.mark.parametrize("make", [
    lambda lib: lib.ones(2, 3) + lib.ones(2, 4),
    lambda lib: lib.ones(2, 3) @ lib.ones(2, 3),
    lambda lib: lib.ones(3) @ lib.ones(2),
    lambda lib: lib.ones(5, 3) @ lib.ones(2),
    lambda lib: lib.ones(3) @ lib.ones(2, 3),
    lambda lib: lib.ones(2, 3).reshape(4),
    lambda lib: lib.ones(2, 3) * lib.ones(3, 2),
], ids=["add", "mm", "dot", "mv", "vm", "reshape", "mul"])
def test_shape_errors_use_torch_words(make):
    with pytest.raises(RuntimeError) as t:
        make(torch)
    with pytest.raises(RuntimeError) as m:
        make(mygrad)
    assert str(m.value) == str(t.value)


def test_unsupported_operand_type_error():
    for lib in (torch, mygrad):
        with pytest.raises(TypeError, match="unsupported operand type.*'Tensor' and 'str'"):
            lib.ones(2) + "a"
        with pytest.raises(TypeError, match="unsupported operand"):
            lib.ones(2) * {}


def test_log_sqrt_of_negatives_give_nan_like_torch():
    x = [-1.0, 0.0, 1.0]
    for name in ("log", "sqrt"):
        t, m = both(lambda lib, n=name: getattr(lib.tensor(x), n)())
        np.testing.assert_array_equal(m.numpy(), t.numpy())


def test_max_with_dim_returns_values_indices_namedtuple():
    x = [[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]]
    t, m = both(lambda lib: lib.tensor(x).max(1))
    assert m.values.tolist() == t.values.tolist()
    assert m.indices.tolist() == t.indices.tolist()
    values, indices = m
    assert values is m[0] and indices is m[1]


def test_max_ties_share_gradient_like_torch():
    def run(lib):
        x = lib.tensor([1.0, 3.0, 3.0], requires_grad=True)
        x.max().backward()
        y = lib.tensor([2.0, 2.0], requires_grad=True)
        lib.maximum(y, lib.tensor([2.0, 1.0])).sum().backward()
        return x.grad.tolist(), y.grad.tolist()

    t, m = both(run)
    assert m == t


def test_requires_grad_flag_propagates_and_is_leaf():
    a = mygrad.ones(2, requires_grad=True)
    b = mygrad.ones(2)
    c = a * b
    assert c.requires_grad and not c.is_leaf and a.is_leaf and b.is_leaf
    assert not (b * 2).requires_grad
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        c.requires_grad_(False)


def test_numpy_on_requires_grad_raises_torch_text():
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        mygrad.ones(2, requires_grad=True).numpy()


def test_item_tolist_size_numel():
    x = mygrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.size() == (2, 2) and x.size(1) == 2 and x.numel() == 4 and x.ndim == 2
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]] and x[1, 0].item() == 3.0
    assert repr(x.shape) == "mygrad.Size([2, 2])"
    assert x.device == "cpu" and str(x.device) == "cpu"


def test_comparisons_and_where():
    a = [1.0, 5.0, 3.0]
    for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
        t, m = both(lambda lib, op=op: getattr(lib.tensor(a), op)(3.0))
        assert m.tolist() == t.tolist() and m.dtype == mygrad.bool
    t, m = both(lambda lib: lib.where(lib.tensor(a) > 2, lib.tensor(a), 0.0))
    assert m.tolist() == t.tolist()


def test_zero_grad_pattern_and_grad_none():
    x = mygrad.ones(2, requires_grad=True)
    assert x.grad is None
    (x * 2).sum().backward()
    g = x.grad
    x.grad.zero_()
    (x * 3).sum().backward()
    assert g is x.grad and x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    (x * 4).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_shared_input_grads_are_not_aliased():
    a = mygrad.ones(3, requires_grad=True)
    b = mygrad.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.zero_()
    assert b.grad.tolist() == [1.0, 1.0, 1.0]

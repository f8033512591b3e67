"""Tests for mygrad.numerical against closed forms (Taylor error terms) and torch."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mygrad import numerical as num

EPS = np.finfo(np.float64).eps


# ---------------------------------------------------------------------------- difference quotients


def test_difference_quotients_on_a_quadratic_are_exact_up_to_rounding():
    # f = x^2: forward/backward errors are exactly +h / -h, central has none
    f = lambda x: x * x  # noqa: E731
    x, h = 3.0, 0.25
    assert num.forward_difference(f, x, h) == 6.0 + h
    assert num.backward_difference(f, x, h) == 6.0 - h
    assert num.central_difference(f, x, h) == 6.0


@pytest.mark.parametrize("x", [0.3, 1.0, 2.5])
@pytest.mark.parametrize("h", [1e-2, 3e-3, 1e-3])
def test_forward_error_matches_leading_taylor_term(x, h):
    # f = exp: forward error = h f''/2 + O(h^2), backward = -h f''/2 + O(h^2)
    err_f = num.forward_difference(math.exp, x, h) - math.exp(x)
    err_b = num.backward_difference(math.exp, x, h) - math.exp(x)
    leading = h * math.exp(x) / 2
    assert err_f == pytest.approx(leading, rel=h)  # next term is h^2 f'''/6
    assert err_b == pytest.approx(-leading, rel=h)


@pytest.mark.parametrize("x", [0.2, 1.3])
@pytest.mark.parametrize("h", [1e-2, 3e-3])
def test_central_error_matches_leading_taylor_term(x, h):
    # f = sin: central error = h^2 f'''/6 + O(h^4) = -h^2 cos(x)/6
    err = num.central_difference(math.sin, x, h) - math.cos(x)
    assert err == pytest.approx(-(h**2) * math.cos(x) / 6, rel=1e-3)


def test_vectorised_use_on_arrays():
    xs = np.linspace(0.0, 1.0, 5)
    d = num.central_difference(np.sin, xs, 1e-5)
    np.testing.assert_allclose(d, np.cos(xs), rtol=1e-9)


@pytest.mark.parametrize("fn", [num.forward_difference, num.backward_difference,
                                num.central_difference])
@pytest.mark.parametrize("h", [0.0, -1e-3])
def test_non_positive_step_is_rejected(fn, h):
    with pytest.raises(ValueError, match="positive"):
        fn(math.sin, 1.0, h)


# ---------------------------------------------------------------------------- numerical_gradient


class Counted:
    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


def rosenbrock(x):
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def rosenbrock_grad(x):
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


@pytest.mark.parametrize("method,calls,rtol", [("central", 10, 1e-7), ("forward", 6, 1e-4),
                                               ("backward", 6, 1e-4)])
def test_numerical_gradient_rosenbrock(method, calls, rtol):
    x = np.array([0.3, -0.7, 1.1, 0.5, -0.2])
    f = Counted(rosenbrock)
    h = 1e-6 if method == "central" else 1e-7
    g = num.numerical_gradient(f, x, h=h, method=method)
    assert f.calls == calls  # 2n for central, n + 1 otherwise
    assert g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, rosenbrock_grad(x), rtol=rtol, atol=1e-5)
    np.testing.assert_array_equal(x, [0.3, -0.7, 1.1, 0.5, -0.2])  # input untouched


def test_numerical_gradient_matrix_input_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 4))
    v = rng.normal(size=4)

    def f(w):
        return float(np.sum(np.tanh(w @ v) ** 2))

    wt = torch.tensor(W, requires_grad=True)
    (torch.tanh(wt @ torch.tensor(v)) ** 2).sum().backward()
    g = num.numerical_gradient(f, W)
    assert g.shape == (3, 4)
    np.testing.assert_allclose(g, wt.grad.numpy(), rtol=1e-7, atol=1e-9)


def test_numerical_gradient_integer_input_and_bad_method():
    g = num.numerical_gradient(lambda x: float(np.sum(x**3)), [1, 2])
    np.testing.assert_allclose(g, [3.0, 12.0], rtol=1e-8)
    with pytest.raises(ValueError, match="method"):
        num.numerical_gradient(rosenbrock, np.ones(3), method="sideways")


# ---------------------------------------------------------------------------- step size errors


def test_step_size_errors_shape_and_v_shape():
    x0 = math.pi / 3
    res = num.step_size_errors(np.sin, np.cos, x0)
    assert set(res) == {"h", "forward", "backward", "central"}
    hs = res["h"]
    assert hs.shape == (161,) and hs[0] == pytest.approx(1e-16) and hs[-1] == 1.0
    for key in ("forward", "backward", "central"):
        assert res[key].shape == hs.shape and np.all(res[key] >= 0)

    # moderate h: truncation dominates and follows the Taylor terms
    moderate = (hs > 1e-4) & (hs < 1e-2)
    f2, f3 = abs(math.sin(x0)), abs(math.cos(x0))
    np.testing.assert_allclose(res["forward"][moderate], hs[moderate] * f2 / 2, rtol=0.02)
    np.testing.assert_allclose(res["central"][moderate], hs[moderate] ** 2 * f3 / 6, rtol=1e-3)

    # tiny h: rounding dominates, errors grow again (the V)
    assert res["forward"][hs == hs.min()] > 1e-2
    best_fwd = hs[np.argmin(res["forward"])]
    best_cen = hs[np.argmin(res["central"])]
    assert 1e-10 < best_fwd < 1e-6, best_fwd  # near sqrt(eps) = 1.5e-8
    assert 1e-7 < best_cen < 1e-3, best_cen  # near eps^(1/3) = 6e-6
    assert res["central"].min() < res["forward"].min() / 10


def test_step_size_errors_custom_hs_and_errors():
    res = num.step_size_errors(math.exp, math.exp, 0.0, hs=[1e-1, 1e-3])
    np.testing.assert_allclose(res["h"], [1e-1, 1e-3])
    assert res["forward"][0] == pytest.approx(math.expm1(0.1) / 0.1 - 1)
    with pytest.raises(ValueError):
        num.step_size_errors(math.exp, math.exp, 0.0, hs=[1e-3, -1.0])
    with pytest.raises(ValueError):
        num.step_size_errors(math.exp, math.exp, 0.0, hs=[])


def test_plot_step_size_errors_returns_log_log_axes():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = num.step_size_errors(np.sin, np.cos, 1.0)
    ax = num.plot_step_size_errors(res)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"forward", "backward", "central"} <= set(labels)
    fig, ax2 = plt.subplots()
    assert num.plot_step_size_errors(res, ax=ax2) is ax2
    plt.close("all")


# ---------------------------------------------------------------------------- gradcheck


@pytest.fixture
def mg():
    import mygrad

    if not hasattr(mygrad, "tensor"):
        pytest.skip("the tensor engine is not available")
    return mygrad


def test_gradcheck_passes_for_correct_gradients(mg):
    rng = np.random.default_rng(1)
    a = mg.tensor(rng.normal(size=(3, 4)), dtype=mg.float64, requires_grad=True)
    b = mg.tensor(rng.normal(size=(4,)), dtype=mg.float64, requires_grad=True)
    assert num.gradcheck(lambda a, b: (a * b).tanh().sum(dim=1), (a, b))
    assert num.gradcheck(lambda a: (a.exp() * a).mean(), a)
    assert num.gradcheck(lambda a, b: (a @ b, a.sum()), [a, b])


def test_gradcheck_accepts_float32_inputs_and_constants(mg):
    x = mg.tensor([0.5, -1.5, 2.0], requires_grad=True)  # float32
    c = mg.tensor([1.0, 2.0, 3.0])  # not checked
    assert num.gradcheck(lambda x, c, k: (x * c).sin() * k, (x, c, 2.0))


def _wrong_square(mg):
    class WrongSquare(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            wrong = 2 * x
            wrong.reshape(-1)[-1] = 3 * x.reshape(-1)[-1]  # wrong for the last element only
            return grad * wrong

    return WrongSquare.apply


def test_gradcheck_reports_the_worst_element(mg):
    square = _wrong_square(mg)
    x = mg.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), dtype=mg.float64, requires_grad=True)
    with pytest.raises(num.GradcheckError) as info:
        num.gradcheck(square, x)
    msg = str(info.value)
    assert "input 0" in msg
    assert "output element (1, 1)" in msg and "input element (1, 1)" in msg
    assert "analytic 12" in msg and "numerical 8" in msg
    assert num.gradcheck(square, x, raise_exception=False) is False


def test_gradcheck_needs_an_input_that_requires_grad(mg):
    with pytest.raises(ValueError, match="require"):
        num.gradcheck(lambda x: x * 2, mg.tensor([1.0, 2.0]))


@given(st.lists(st.floats(-2, 2), min_size=1, max_size=5))
def test_gradcheck_agrees_with_torch_gradcheck(values):
    torch = pytest.importorskip("torch")
    import mygrad

    def fn(lib, x):
        return (lib.sigmoid(x) * x + x**2).sum()

    x = mygrad.tensor(np.array(values), dtype=mygrad.float64, requires_grad=True)
    xt = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    assert num.gradcheck(lambda x: fn(mygrad, x), x) == torch.autograd.gradcheck(
        lambda x: fn(torch, x), (xt,)
    )

"""Issue 13 details the corpus does not pin: exact error texts, the numpy-style custom Function,
the device surface, out=, module hooks — each compared with torch."""

import numpy as np
import pytest
import torch

import mygrad
from mygrad.autograd import Function


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("case", ["saved_output", "saved_leaf", "zero_d", "sigmoid_twice"])
def test_modified_by_inplace_error_is_torchs_text(case):
    def run(lib):
        if case == "saved_output":
            x = lib.ones(3, requires_grad=True)
            y = x.exp()
            y.add_(1)
            return lambda: y.sum().backward()
        if case == "saved_leaf":
            x = lib.ones(3, requires_grad=True)
            c = lib.ones(3)
            y = (x * 2) * c
            c.add_(1)
            return lambda: y.sum().backward()
        if case == "zero_d":
            x = lib.tensor(1.0, requires_grad=True)
            y = x.exp()
            y += 1
            return lambda: y.backward()
        h = lib.ones(3, requires_grad=True) * 1
        h.sigmoid_()
        h.mul_(2)
        return lambda: h.sum().backward()

    assert _error(run(mygrad)) == _error(run(torch)) is not None


def test_inplace_history_gives_torchs_gradients():
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        w = lib.tensor([0.5, 0.25, 2.0], requires_grad=True)
        h = x * 2
        z = h * 3          # recorded before h changes: sees the old h
        h += w             # recorded: h.grad_fn becomes AddBackward0
        h[0] = w[1] * 4    # CopySlices
        total = lib.zeros(())
        total += (z + h * h).sum()
        total.backward()
        return x.grad.tolist(), w.grad.tolist(), h.grad_fn.name(), h._version

    assert run(mygrad) == run(torch)


def test_numpy_style_function_still_runs_and_torch_style_gets_tensors():
    seen = []

    class NumpySigmoid(Function):  # the course's ex05 style: numpy in forward and backward
        @staticmethod
        def forward(ctx, x):
            y = 1.0 / (1.0 + np.exp(-x))
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y * (1.0 - y)

    class TorchSigmoid(Function):
        @staticmethod
        def forward(ctx, x):
            seen.append((type(x).__name__, mygrad.is_grad_enabled()))
            y = x.sigmoid()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            seen.append(type(grad).__name__)
            (y,) = ctx.saved_tensors
            return grad * y * (1 - y)

    x0 = np.array([-1.0, 0.5, 2.0])
    xt = torch.tensor(x0, requires_grad=True)
    torch.sigmoid(xt).sum().backward()
    for fn in (NumpySigmoid, TorchSigmoid):
        x = mygrad.tensor(x0, requires_grad=True)
        fn.apply(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    assert seen == [("Tensor", False), "Tensor"]


def test_device_surface_answers_like_torch_without_gpu():
    assert mygrad.cuda.is_available() is False and mygrad.cuda.device_count() == 0
    assert mygrad.accelerator.is_available() is False
    assert mygrad.backends.mps.is_available() is False
    mygrad.cuda.manual_seed_all(0)
    mygrad.backends.cudnn.deterministic = True
    assert str(mygrad.device("cuda:0")) == str(torch.device("cuda:0")) == "cuda:0"
    assert mygrad.zeros(2).to("cpu").device == "cpu"
    for bad in (lambda: mygrad.zeros(2).to("cuda"), lambda: mygrad.zeros(2, device="cuda"),
                lambda: mygrad.zeros(2).cuda()):
        with pytest.raises(RuntimeError, match="CPU only"):
            bad()


def test_out_argument_like_torch():
    for lib in (torch, mygrad):
        a = lib.tensor([1.0, 2.0])
        out = lib.empty(2)
        assert lib.add(a, a, out=out) is out and out.tolist() == [2.0, 4.0]
        w = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.mul(w, a, out=lib.empty(2))


def test_module_hooks_match_torch():
    def run(lib):
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))
        with lib.no_grad():
            for p in m.parameters():
                p.copy_(lib.tensor(np.linspace(-1, 1, p.numel()).reshape(tuple(p.shape)),
                                   dtype=lib.float32))
        log = []
        m[0].register_forward_hook(lambda mod, i, o: log.append(o.detach().tolist()))
        m[2].register_forward_pre_hook(lambda mod, a: (a[0] * 2,))
        m[2].register_full_backward_hook(
            lambda mod, gi, go: log.append(([g.tolist() for g in gi], [g.tolist() for g in go])))
        m(lib.tensor([[1.0, -2.0], [0.5, 3.0]])).sum().backward()
        return log, m[0].weight.grad.tolist()

    assert run(mygrad) == run(torch)


# ------------------------------------------------------------------ issue 13, second corpus round
def _nodes(fn, depth=2):
    """grad_fn's name and its next_functions' names, recursively (None for missing)."""
    if fn is None:
        return None
    name = fn.name() if hasattr(fn, "name") else type(fn).__name__
    if depth == 0:
        return name
    return (name, tuple(_nodes(f, depth - 1) for f, _ in fn.next_functions))


_GRAPHS = {
    "pow": lambda L, x: x ** 2, "sum_dim": lambda L, x: x.sum(0),
    "mean_dim": lambda L, x: x.mean(1), "view": lambda L, x: x.view(6),
    "slice": lambda L, x: x[:, 1:], "select": lambda L, x: x[0], "t": lambda L, x: x.t(),
    "unsqueeze": lambda L, x: x.unsqueeze(0), "clamp": lambda L, x: x.clamp(min=0),
    "softmax": lambda L, x: x.softmax(1), "max_dim": lambda L, x: x.max(0)[0],
    "rsub": lambda L, x: 1 - x,
    "cat": lambda L, x: L.cat([x, x]), "stack": lambda L, x: L.stack([x, x], 1),
    "where": lambda L, x: L.where(x > 0, x, L.zeros(2, 3)),
    "masked_fill": lambda L, x: x.masked_fill(x > 0.7, 0.0),
    "mse": lambda L, x: L.nn.functional.mse_loss(x, L.ones(2, 3)),
    "cross_entropy": lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0, 2])),
    "nll": lambda L, x: L.nn.functional.nll_loss(x, L.tensor([0, 2])),
    "linear": lambda L, x: L.nn.functional.linear(x, L.ones(4, 3, requires_grad=True),
                                                  L.ones(4, requires_grad=True)),
    "linear_no_bias": lambda L, x: L.nn.functional.linear(x, L.ones(4, 3, requires_grad=True)),
    "var": lambda L, x: x.var(), "std": lambda L, x: x.std(1), "norm": lambda L, x: x.norm(),
    "setitem": lambda L, x: (lambda z: (z.__setitem__(0, x[0]), z)[1])(L.zeros(2, 3)),
}


@pytest.mark.parametrize("case", sorted(_GRAPHS))
def test_next_functions_list_what_torch_lists(case):
    def graph(lib):
        x = lib.tensor([[0.5, 1.0, 1.5], [-0.5, 0.25, 0.75]], requires_grad=True) * 1
        return _nodes(_GRAPHS[case](lib, x).grad_fn)

    assert graph(mygrad) == graph(torch)


@pytest.mark.parametrize("op", ["var", "std", "norm", "norm_dim", "norm_1", "norm_inf", "norm_3",
                                "std_dim_keep"])
def test_var_std_norm_values_gradients_and_second_derivatives(op):
    f = {"var": lambda x: x.var(), "std": lambda x: x.std(), "norm": lambda x: x.norm(),
         "norm_dim": lambda x: x.norm(dim=1), "norm_1": lambda x: x.norm(p=1, dim=0),
         "norm_inf": lambda x: x.norm(float("inf")), "norm_3": lambda x: x.norm(3, dim=1),
         "std_dim_keep": lambda x: x.std(1, keepdims=True)}[op]
    a = np.random.default_rng(3).standard_normal((3, 4))

    def run(lib):
        x = lib.tensor(a, requires_grad=True)
        y = f(x)
        g, = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        h, = lib.autograd.grad((g * g).sum(), x)
        return y.detach().numpy(), g.detach().numpy(), h.numpy(), y.grad_fn.name()

    for m, t in zip(run(mygrad), run(torch)):
        if isinstance(t, str):
            assert m == t
        else:
            np.testing.assert_allclose(m, t, rtol=1e-6, atol=1e-9)


def test_zero_norm_and_zero_std_get_zero_gradient_like_torch():
    for lib in (mygrad, torch):
        x = lib.zeros(2, 3, requires_grad=True)
        (x.norm() + x.std(1).sum()).backward()
        assert (x.grad == 0).all()


@pytest.mark.parametrize("target", ["probabilities", "smoothing", "weight"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_probability_targets(target, reduction):
    a = np.random.default_rng(4).standard_normal((3, 5))
    p = np.random.default_rng(5).random((3, 5))
    p /= p.sum(1, keepdims=True)

    def run(lib):
        x = lib.tensor(a, requires_grad=True)
        kw = {"smoothing": {"label_smoothing": 0.2},
              "weight": {"weight": lib.tensor(np.arange(1.0, 6.0))}}.get(target, {})
        y = lib.nn.functional.cross_entropy(x, lib.tensor(p), reduction=reduction, **kw)
        y.sum().backward()
        return y.detach().numpy(), x.grad.numpy(), _nodes(y.grad_fn, 1)

    (ym, gm, nm), (yt, gt, nt) = run(mygrad), run(torch)
    np.testing.assert_allclose(ym, yt, rtol=1e-6)
    np.testing.assert_allclose(gm, gt, rtol=1e-6, atol=1e-12)
    assert nm == nt


def test_class_targets_of_the_wrong_dtype_raise_torchs_words():
    for lib in (mygrad, torch):
        x = lib.ones(3, 4)
        for t in (lib.tensor([0.0, 1.0, 2.0]), lib.tensor([0, 1, 2], dtype=lib.int32)):
            with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte"):
                lib.nn.functional.cross_entropy(x, t)


def test_masked_fill_keeps_dtype_and_raises_torchs_errors():
    def run(lib):
        x = lib.ones(2, 3)
        filled = lib.ones(3, dtype=lib.long).masked_fill(lib.ones(3) > 0, 0.5)
        return [filled.dtype.is_floating_point, filled.tolist(),
                _error(lambda: x.masked_fill(lib.ones(3), 1.0)),
                _error(lambda: x.masked_fill(lib.ones(3, 3) > 0, 1.0)),
                _error(lambda: x.masked_fill(lib.ones(3) > 0, lib.ones(2)))]

    assert run(mygrad) == run(torch)


def test_second_backward_through_saved_numbers_and_indices_raises_like_torch():
    def run(lib):
        out = []
        b = lib.ones(3, requires_grad=True)
        c = lib.zeros(3)
        c[[1, 2]] = b[[1, 1]]
        c.sum().backward()
        out.append(_error(lambda: c.sum().backward()))
        y = b * 2.0
        y.sum().backward()
        out.append(_error(lambda: y.sum().backward()))
        z = b + 1.0  # saves nothing: a second backward is fine
        z.sum().backward()
        z.sum().backward()
        out.append(b.grad.tolist())
        return out

    assert run(mygrad) == run(torch)


def test_autograd_grad_checks_outputs_then_inputs():
    def run(lib):
        return [_error(lambda: lib.autograd.grad(lib.ones(2).sum(), lib.ones(2))),
                _error(lambda: lib.autograd.grad(lib.ones(2, requires_grad=True).sum(),
                                                 lib.ones(2)))]

    assert run(mygrad) == run(torch)


def test_pow_second_derivative_keeps_torchs_graph():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, -1.0], requires_grad=True)
        z = x ** 2 + y * x + y ** 2
        z.backward(lib.ones(2), create_graph=True)
        hv, = lib.autograd.grad(2 * x.grad + y.grad, x, lib.ones(2), create_graph=True)
        return hv.tolist(), _nodes(hv.grad_fn, 0)  # (the order of summed paths may differ)

    assert run(mygrad) == run(torch)


def test_inplace_on_a_zero_d_tensor_used_by_mul_with_a_number():
    """micrograd's README in torch form: ``d += d * 2 + ...`` on 0-d tensors."""
    def run(lib):
        a = lib.tensor(-4.0, requires_grad=True)
        b = lib.tensor(2.0, requires_grad=True)
        d = a * b + b ** 3
        d += d * 2 + (b + a).relu()
        d += 3 * d + (b - a).relu()
        d.backward()
        return d.item(), a.grad.item(), b.grad.item()

    assert run(mygrad) == run(torch)


def test_numpy_argument_names_new_helpers_narrow_and_aliases():
    def run(lib):
        x = lib.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
        t = lib.ones((2,), dtype=lib.int8)
        return [x.argmax(axis=1).tolist(), x.sum(axis=0, keepdims=True).tolist(),
                lib.cat([x, x], axis=1).shape, lib.max(x, axis=1).values.tolist(),
                x.std(axis=1).tolist(), x.softmax(axis=0).shape,
                t.new_tensor([[0, 1], [2, 3]]).tolist(), str(t.new_zeros(2, 3).dtype)[-4:],
                x.new_full((2, 2), 3.5).tolist(), x.new_ones((1,)).tolist(),
                x.narrow(1, 1, 2).tolist(), lib.narrow(x, 0, -1, 1).tolist(),
                lib.multiply(x, 2).tolist(), lib.subtract(x, 1).tolist(), lib.divide(x, 2).tolist(),
                lib.norm(x).item(), [lib.pi, lib.e, lib.inf], type(x).__name__,
                type(x).__module__.replace("mygrad", "torch")]

    assert run(mygrad) == run(torch)


def test_detach_in_place_on_a_view_raises():
    for lib in (mygrad, torch):
        x = lib.ones(4, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match="Can't detach views in-place"):
            x.narrow(0, 1, 2).detach_()


def test_clip_grad_norm_and_value():
    a = np.random.default_rng(6).standard_normal((3, 4)).astype(np.float32)

    def run(lib, norm_type):
        p = lib.nn.Parameter(lib.tensor(a))
        q = lib.nn.Parameter(lib.tensor(a[0] * 3))
        ((p * p).sum() + (q ** 3).sum()).backward()
        total = lib.nn.utils.clip_grad_norm_([p, q], 1.5, norm_type=norm_type)
        out = [total.item(), p.grad.numpy().copy(), q.grad.numpy().copy()]
        lib.nn.utils.clip_grad_value_(p, 0.1)
        return out + [p.grad.numpy()]

    for nt in (2.0, 1.0, float("inf")):
        for m, t in zip(run(mygrad, nt), run(torch, nt)):
            np.testing.assert_allclose(m, t, rtol=1e-5)
    assert mygrad.nn.utils.clip_grad_norm_([mygrad.nn.Parameter(mygrad.ones(2))], 1.0).item() == 0


def test_vhp_and_hvp_match_torch():
    a = np.abs(np.random.default_rng(7).standard_normal((2, 2)))

    def run(lib):
        f = lambda x: x.pow(3).sum()  # noqa: E731
        x = lib.tensor(a)
        v = lib.ones(2, 2)
        return [r.numpy() for pair in (lib.autograd.functional.vhp(f, x, v),
                                       lib.autograd.functional.hvp(f, x, v)) for r in pair]

    for m, t in zip(run(mygrad), run(torch)):
        np.testing.assert_allclose(m, t, rtol=1e-7)


def test_custom_function_next_functions_skip_non_tensor_arguments():
    def run(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, k, b):
                return a * k + b

            @staticmethod
            def backward(ctx, g):
                return g, None, g

        x = lib.ones(2, requires_grad=True)
        return _nodes(F.apply(x * 1, 2, x).grad_fn, 1)[1]

    assert run(mygrad) == run(torch)

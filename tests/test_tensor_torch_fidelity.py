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

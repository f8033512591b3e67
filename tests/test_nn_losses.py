"""mygrad.nn losses and functional against torch (float64): values and gradients."""

import numpy as np
import pytest
import torch

import mygrad
from mygrad import nn
from mygrad.nn import functional as F

RNG = np.random.default_rng(1234)


def _pair(arr, requires_grad=True):
    arr = np.asarray(arr)
    rg = requires_grad and arr.dtype.kind == "f"
    return (mygrad.tensor(arr.copy(), requires_grad=rg),
            torch.tensor(arr.copy(), requires_grad=rg))


def _check(mg_out, th_out, mg_inputs, th_inputs, rtol=1e-10, atol=1e-12):
    """Values equal; gradients of sum(out * w) equal for a fixed random weighting w."""
    assert tuple(mg_out.shape) == tuple(th_out.shape), (mg_out.shape, th_out.shape)
    np.testing.assert_allclose(mg_out.detach().numpy(), th_out.detach().numpy(),
                               rtol=rtol, atol=atol, err_msg="forward value")
    w = np.random.default_rng(7).uniform(0.5, 1.5, size=tuple(th_out.shape))
    (mg_out * mygrad.tensor(w)).sum().backward()
    (th_out * torch.tensor(w)).sum().backward()
    for i, (a, b) in enumerate(zip(mg_inputs, th_inputs)):
        if not b.requires_grad:
            continue
        assert a.grad is not None, f"input {i} got no gradient"
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")


REDUCTIONS = ["mean", "sum", "none"]


# ------------------------------------------------------------------------------- MSE
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(reduction):
    x, tx = _pair(RNG.standard_normal((4, 3)))
    y, ty = _pair(RNG.standard_normal((4, 3)))
    _check(nn.MSELoss(reduction=reduction)(x, y),
           torch.nn.MSELoss(reduction=reduction)(tx, ty), [x, y], [tx, ty])


def test_mse_loss_warns_on_broadcasting_like_torch():
    x, _ = _pair(RNG.standard_normal((4, 1)))
    y, _ = _pair(RNG.standard_normal(4))
    with pytest.warns(UserWarning, match=r"target size \(mygrad.Size\(\[4\]\)\) that is diff"):
        F.mse_loss(x, y)


# ------------------------------------------------------------------------------- BCE
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_loss(reduction, weighted):
    p = RNG.uniform(0.02, 0.98, (5, 2))
    t = RNG.uniform(0, 1, (5, 2))  # soft targets: the target gets a gradient too
    x, tx = _pair(p)
    y, ty = _pair(t)
    w = RNG.uniform(0.5, 2, (5, 2)) if weighted else None
    mw = None if w is None else mygrad.tensor(w)
    tw = None if w is None else torch.tensor(w)
    _check(nn.BCELoss(weight=mw, reduction=reduction)(x, y),
           torch.nn.BCELoss(weight=tw, reduction=reduction)(tx, ty), [x, y], [tx, ty])


def test_bce_clamps_log_at_minus_100_like_torch():
    p = np.array([0.0, 1.0, 1e-50, 1 - 1e-16, 0.5])
    t = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    x, tx = _pair(p)
    y, ty = _pair(t, requires_grad=False)
    _check(F.binary_cross_entropy(x, y, reduction="none"),
           torch.nn.functional.binary_cross_entropy(tx, ty, reduction="none"), [x], [tx],
           rtol=1e-8)  # gradients of order 1e12 at the clamp: rounding differs in the last bits


def test_bce_errors_in_torch_words():
    x, _ = _pair(np.array([0.5, 1.5]))
    y, _ = _pair(np.array([1.0, 0.0]))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(x, y)
    x2, _ = _pair(np.full((2, 1), 0.5))
    with pytest.raises(ValueError, match=r"target size .*different to the input size"):
        F.binary_cross_entropy(x2, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits(reduction, weighted, pos_weighted):
    z = RNG.standard_normal((6, 3)) * 4
    t = RNG.uniform(0, 1, (6, 3))
    x, tx = _pair(z)
    y, ty = _pair(t)
    w = RNG.uniform(0.5, 2, (6, 3)) if weighted else None
    pw = RNG.uniform(0.5, 3, 3) if pos_weighted else None
    mk = {"weight": None if w is None else mygrad.tensor(w),
          "pos_weight": None if pw is None else mygrad.tensor(pw)}
    tk = {"weight": None if w is None else torch.tensor(w),
          "pos_weight": None if pw is None else torch.tensor(pw)}
    _check(nn.BCEWithLogitsLoss(reduction=reduction, **mk)(x, y),
           torch.nn.BCEWithLogitsLoss(reduction=reduction, **tk)(tx, ty), [x, y], [tx, ty])


def test_bce_with_logits_is_stable_for_huge_logits():
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    t = np.array([1.0, 1.0, 0.0, 0.0, 0.0])
    x, tx = _pair(z)
    y, ty = _pair(t, requires_grad=False)
    out = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    assert np.all(np.isfinite(out.detach().numpy()))
    _check(out, torch.nn.functional.binary_cross_entropy_with_logits(tx, ty, reduction="none"),
           [x], [tx])
    np.testing.assert_allclose(out.detach().numpy()[[0, 4]], [1000.0, 1000.0])


def test_bce_with_logits_float32_matches_torch():
    z = (RNG.standard_normal(50) * 10).astype(np.float32)
    t = (RNG.uniform(0, 1, 50) > 0.5).astype(np.float32)
    x, tx = _pair(z)
    y, ty = _pair(t, requires_grad=False)
    out = F.binary_cross_entropy_with_logits(x, y)
    assert out.dtype == mygrad.float32
    _check(out, torch.nn.functional.binary_cross_entropy_with_logits(tx, ty), [x], [tx],
           rtol=1e-5, atol=1e-7)


def test_bce_with_logits_size_mismatch():
    x, _ = _pair(np.zeros((3, 1)))
    y, _ = _pair(np.zeros(3))
    with pytest.raises(ValueError, match=r"Target size \(mygrad.Size\(\[3\]\)\) must be the same"):
        F.binary_cross_entropy_with_logits(x, y)


# ------------------------------------------------------------------------------- CE / NLL
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy(reduction, weighted, smoothing, ignore):
    logits = RNG.standard_normal((7, 4)) * 3
    target = RNG.integers(0, 4, 7)
    if ignore:
        target[[1, 4]] = -100
    x, tx = _pair(logits)
    mt, tt = _pair(target)
    w = RNG.uniform(0.2, 2, 4) if weighted else None
    mk = {"weight": None if w is None else mygrad.tensor(w)}
    tk = {"weight": None if w is None else torch.tensor(w)}
    _check(nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing, **mk)(x, mt),
           torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing, **tk)(tx, tt),
           [x], [tx])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(3,), (2, 3, 5), (2, 3, 2, 4)])
def test_cross_entropy_unbatched_and_k_dimensional(reduction, shape):
    logits = RNG.standard_normal(shape)
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    target = RNG.integers(0, shape[0 if len(shape) == 1 else 1], tshape)
    x, tx = _pair(logits)
    mt, tt = _pair(target)
    _check(F.cross_entropy(x, mt, reduction=reduction),
           torch.nn.functional.cross_entropy(tx, tt, reduction=reduction), [x], [tx])


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-800.0, 800.0, 0.0]])
    x, tx = _pair(logits)
    mt, tt = _pair(np.array([2, 1]))
    out = F.cross_entropy(x, mt)
    assert np.isfinite(out.item())
    _check(out, torch.nn.functional.cross_entropy(tx, tt), [x], [tx])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_after_log_softmax(reduction, weighted):
    logits = RNG.standard_normal((6, 5))
    target = RNG.integers(0, 5, 6)
    target[2] = -100
    x, tx = _pair(logits)
    mt, tt = _pair(target)
    w = RNG.uniform(0.2, 2, 5) if weighted else None
    mk = {"weight": None if w is None else mygrad.tensor(w)}
    tk = {"weight": None if w is None else torch.tensor(w)}
    _check(nn.NLLLoss(reduction=reduction, **mk)(F.log_softmax(x, dim=1), mt),
           torch.nn.NLLLoss(reduction=reduction, **tk)(torch.log_softmax(tx, dim=1), tt),
           [x], [tx])


def test_cross_entropy_float32_default_dtype():
    logits = RNG.standard_normal((8, 3)).astype(np.float32)
    target = RNG.integers(0, 3, 8)
    x, tx = _pair(logits)
    mt, tt = _pair(target)
    out = F.cross_entropy(x, mt)
    assert out.dtype == mygrad.float32 and out.grad_fn.name() == "NllLossBackward0"
    _check(out, torch.nn.functional.cross_entropy(tx, tt), [x], [tx], rtol=1e-5, atol=1e-7)


def test_cross_entropy_errors_in_torch_words():
    x, _ = _pair(RNG.standard_normal((3, 4)))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                                         r"batch_size \(2\)"):
        F.cross_entropy(x, mygrad.tensor([0, 1]))
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        F.cross_entropy(x, mygrad.tensor([0, 1, 4]))
    with pytest.raises(RuntimeError, match="Long"):
        F.cross_entropy(x, mygrad.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.CrossEntropyLoss(reduction="avg")


# ------------------------------------------------------------------------------- second order
def _double_backward(mg_fn, th_fn, arrays):
    """d/dx of |d loss/dx|^2, through mygrad.autograd.grad(create_graph=True) and torch's."""
    mg = [mygrad.tensor(a.copy(), requires_grad=True) for a in arrays]
    th = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    (gm,) = mygrad.autograd.grad(mg_fn(*mg), [mg[0]], create_graph=True)
    (gt,) = torch.autograd.grad(th_fn(*th), [th[0]], create_graph=True)
    np.testing.assert_allclose(gm.detach().numpy(), gt.detach().numpy(), rtol=1e-10)
    (gm * gm).sum().backward()
    (gt * gt).sum().backward()
    for a, b in zip(mg, th):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_second_derivatives_through_fused_losses_and_linear():
    logits = RNG.standard_normal((5, 3))
    target = RNG.integers(0, 3, 5)
    _double_backward(lambda x: F.cross_entropy(x, mygrad.tensor(target)),
                     lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(target)),
                     [logits])
    t = RNG.uniform(0, 1, (5, 3))
    _double_backward(lambda x: F.binary_cross_entropy_with_logits(x, mygrad.tensor(t)),
                     lambda x: torch.nn.functional.binary_cross_entropy_with_logits(
                         x, torch.tensor(t)), [logits])
    _double_backward(lambda x: F.binary_cross_entropy(x.sigmoid(), mygrad.tensor(t)),
                     lambda x: torch.nn.functional.binary_cross_entropy(
                         x.sigmoid(), torch.tensor(t)), [logits])
    w = RNG.standard_normal((4, 3))
    b = RNG.standard_normal(4)
    _double_backward(lambda x, w, b: F.linear(x, w, b).tanh().sum(),
                     lambda x, w, b: torch.nn.functional.linear(x, w, b).tanh().sum(),
                     [logits, w, b])


def test_second_derivatives_through_mse_with_broadcasting():
    y = RNG.standard_normal(4)
    with pytest.warns(UserWarning):  # (4, 1) against (4,): broadcasts, as torch warns
        _double_backward(lambda x: F.mse_loss(x.tanh(), mygrad.tensor(y)),
                         lambda x: torch.nn.functional.mse_loss(x.tanh(), torch.tensor(y)),
                         [RNG.standard_normal((4, 1))])


def test_grad_fn_names_match_torch():
    x = RNG.uniform(0.1, 0.9, (3, 2))
    t = RNG.uniform(0, 1, (3, 2))
    labels = np.array([0, 1, 1])
    cases = [
        (lambda lib, a, b: lib.nn.functional.mse_loss(a, b)),
        (lambda lib, a, b: lib.nn.functional.binary_cross_entropy(a, b)),
        (lambda lib, a, b: lib.nn.functional.binary_cross_entropy_with_logits(a, b)),
        (lambda lib, a, b: lib.nn.functional.cross_entropy(a, lib.tensor(labels))),
        (lambda lib, a, b: lib.nn.functional.linear(a, b)),
    ]
    for fn in cases:
        mg = fn(mygrad, mygrad.tensor(x, requires_grad=True), mygrad.tensor(t))
        th = fn(torch, torch.tensor(x, requires_grad=True), torch.tensor(t))
        assert mg.grad_fn.name() == th.grad_fn.name()


# ------------------------------------------------------------------------------- hypothesis
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_seeds = st.integers(0, 2**32 - 1)


@given(n=st.integers(1, 6), c=st.integers(1, 5), extra=st.lists(st.integers(1, 3), max_size=2),
       reduction=st.sampled_from(REDUCTIONS), scale=st.sampled_from([0.1, 1.0, 30.0]),
       seed=_seeds)
def test_cross_entropy_any_shape(n, c, extra, reduction, scale, seed):
    rng = np.random.default_rng(seed)
    shape = (n, c, *extra)
    logits = rng.standard_normal(shape) * scale
    target = rng.integers(0, c, (n, *extra))
    x, tx = _pair(logits)
    mt, tt = _pair(target)
    _check(F.cross_entropy(x, mt, reduction=reduction),
           torch.nn.functional.cross_entropy(tx, tt, reduction=reduction), [x], [tx],
           rtol=1e-9, atol=1e-12)


@given(shape=st.lists(st.integers(1, 4), min_size=0, max_size=3),
       reduction=st.sampled_from(REDUCTIONS), scale=st.sampled_from([0.1, 1.0, 50.0]),
       seed=_seeds)
def test_bce_with_logits_any_shape(shape, reduction, scale, seed):
    rng = np.random.default_rng(seed)
    x, tx = _pair(rng.standard_normal(shape) * scale)
    y, ty = _pair(rng.uniform(0, 1, shape))
    _check(F.binary_cross_entropy_with_logits(x, y, reduction=reduction),
           torch.nn.functional.binary_cross_entropy_with_logits(tx, ty, reduction=reduction),
           [x, y], [tx, ty], rtol=1e-9, atol=1e-12)


@given(lead=st.lists(st.integers(1, 4), min_size=0, max_size=3), fin=st.integers(1, 5),
       fout=st.integers(1, 5), bias=st.booleans(), seed=_seeds)
def test_linear_any_leading_shape(lead, fin, fout, bias, seed):
    rng = np.random.default_rng(seed)
    x, tx = _pair(rng.standard_normal((*lead, fin)))
    w, tw = _pair(rng.standard_normal((fout, fin)))
    b, tb = _pair(rng.standard_normal(fout)) if bias else (None, None)
    ins_m = [x, w] + ([b] if bias else [])
    ins_t = [tx, tw] + ([tb] if bias else [])
    _check(F.linear(x, w, b), torch.nn.functional.linear(tx, tw, tb), ins_m, ins_t,
           rtol=1e-10, atol=1e-12)


def test_bce_of_small_probabilities_matches_torch_to_the_last_digits():
    """torch takes log1p(-p), not log(1 - p): for small p (1 - p rounds) the two differ from
    the 7th digit on."""
    import torch

    import mygrad

    rng = np.random.default_rng(3)
    p = np.concatenate([10.0 ** -rng.uniform(5, 12, 50), rng.uniform(0, 1, 50)])
    t = np.concatenate([np.zeros(50), rng.uniform(0, 1, 50)])  # t = 0: the loss is -log(1-p)
    for reduction in ("mean", "sum", "none"):
        a = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(t),
                                                     reduction=reduction).numpy()
        b = mygrad.nn.functional.binary_cross_entropy(mygrad.tensor(p), mygrad.tensor(t),
                                                      reduction=reduction).numpy()
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=0)

"""mygrad.optim against torch.optim: update formulas, state, schedules, side-by-side training."""

import copy

import numpy as np
import pytest
import torch

import mygrad
from mygrad import nn, optim
from mygrad.optim import lr_scheduler

SHAPES = [(3, 4), (4,), ()]

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1,
                 "initial_accumulator_value": 0.2, "eps": 1e-6}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True,
                 "weight_decay": 0.1}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "maximize": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for n, kw in CONFIGS]


def _params(dtype, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    mg = [nn.Parameter(mygrad.tensor(a.copy())) for a in init]
    th = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
    return mg, th


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_update_formulas_match_torch_float64(name, kwargs):
    """The same gradient sequence fed to both optimisers gives the same parameters, step by
    step, to float64 rounding."""
    mg, th = _params(np.float64)
    mo = getattr(optim, name)(mg, **kwargs)
    to = getattr(torch.optim, name)(th, **kwargs)
    rng = np.random.default_rng(1)
    for step in range(60):
        for p, q in zip(mg, th):
            g = rng.standard_normal(p.shape)
            p.grad = mygrad.tensor(g.copy())
            q.grad = torch.tensor(g.copy())
        mo.step()
        to.step()
        for i, (p, q) in enumerate(zip(mg, th)):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12,
                                       atol=1e-13, err_msg=f"{name} step {step} param {i}")


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_float32_training_matches_torch_over_many_steps(name, kwargs):
    """Closed loop in float32: minimise sum(cosh(p) + 0.1 p^3) for 100 steps; gradients come
    from each library's own autograd. (Longer runs end in the minimum, where centered RMSprop
    divides by a vanishing variance and float32 rounding differences grow chaotically.)"""
    mg, th = _params(np.float32, seed=2)
    mo = getattr(optim, name)(mg, **kwargs)
    to = getattr(torch.optim, name)(th, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0  # maximise -f: still heads to f's minimum
    for _ in range(100):
        mo.zero_grad()
        to.zero_grad()
        (sign * sum(((p.exp() + (-p).exp()) * 0.5 + 0.1 * p * p * p).sum() for p in mg)).backward()
        (sign * sum(((p.exp() + (-p).exp()) * 0.5 + 0.1 * p * p * p).sum() for p in th)).backward()
        mo.step()
        to.step()
    for p, q in zip(mg, th):
        assert p.dtype == mygrad.float32
        assert np.all(np.isfinite(q.detach().numpy()))
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_optimizers_never_modify_grad_in_place(name, kwargs):
    mg, _ = _params(np.float32)
    opt = getattr(optim, name)(mg, **kwargs)
    rng = np.random.default_rng(3)
    for _ in range(3):
        grads = []
        for p in mg:
            p.grad = mygrad.tensor(rng.standard_normal(p.shape).astype(np.float32))
            grads.append((p.grad, p.grad.numpy().copy()))
        opt.step()
        for p, (g_obj, g_val) in zip(mg, grads):
            assert p.grad is g_obj
            np.testing.assert_array_equal(p.grad.numpy(), g_val,
                                          err_msg="Optim should not modify gradients in place")


def test_parameters_without_grad_are_skipped_and_groups_have_own_lr():
    a = nn.Parameter(mygrad.ones(2))
    b = nn.Parameter(mygrad.ones(2))
    c = nn.Parameter(mygrad.ones(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b, c], "lr": 1.0}], lr=0.1)
    a.grad = mygrad.ones(2)
    b.grad = mygrad.ones(2)
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [0.9, 0.9])
    np.testing.assert_allclose(b.detach().numpy(), [0.0, 0.0])
    np.testing.assert_allclose(c.detach().numpy(), [1.0, 1.0])  # no grad: untouched
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert opt.param_groups[1]["momentum"] == 0  # defaults filled in
    assert a.is_leaf and a.grad_fn is None


def test_optimizer_zero_grad():
    p = nn.Parameter(mygrad.ones(3))
    opt = optim.Adam([p])
    p.grad = mygrad.ones(3)
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and not p.grad.numpy().any()
    opt.zero_grad()
    assert p.grad is None


def test_step_with_closure_returns_loss():
    p = nn.Parameter(mygrad.tensor([3.0]))
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(p.detach().numpy(), [3.0 - 0.1 * 6.0])


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda ps: optim.SGD(ps, lr=-1), "Invalid learning rate: -1"),
        (lambda ps: optim.SGD(ps, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda ps: optim.SGD(ps, nesterov=True), "Nesterov momentum requires a momentum and "
                                                  "zero dampening"),
        (lambda ps: optim.Adam(ps, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
        (lambda ps: optim.Adam(ps, eps=-1e-8), "Invalid epsilon value"),
        (lambda ps: optim.RMSprop(ps, alpha=-0.1), "Invalid alpha value"),
        (lambda ps: optim.SGD([], lr=0.1), "optimizer got an empty parameter list"),
    ],
)
def test_invalid_arguments_in_torch_words(make, match):
    with pytest.raises(ValueError, match=match):
        make([nn.Parameter(mygrad.ones(1))])


def test_params_must_be_an_iterable_of_leaf_tensors():
    p = nn.Parameter(mygrad.ones(1))
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


@pytest.mark.parametrize("name, kwargs", [CONFIGS[2], CONFIGS[8], CONFIGS[10]],
                         ids=[IDS[2], IDS[8], IDS[10]])
def test_state_dict_resumes_exactly(name, kwargs):
    rng = np.random.default_rng(5)
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(20)]

    def run(steps, params, opt):
        for gs in steps:
            for p, g in zip(params, gs):
                p.grad = mygrad.tensor(g)
            opt.step()

    ref, _ = _params(np.float64)
    ref_opt = getattr(optim, name)(ref, **kwargs)
    run(grads, ref, ref_opt)

    first, _ = _params(np.float64)
    opt1 = getattr(optim, name)(first, **kwargs)
    run(grads[:10], first, opt1)
    saved = copy.deepcopy(opt1.state_dict())
    second = [nn.Parameter(mygrad.tensor(p.detach().numpy().copy())) for p in first]
    opt2 = getattr(optim, name)(second, **kwargs)
    opt2.load_state_dict(saved)
    run(grads[10:], second, opt2)
    for p, q in zip(second, ref):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_optimizer_state_is_reachable_like_torch():
    p = nn.Parameter(mygrad.ones(2))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = mygrad.ones(2)
    opt.step()
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [1.0, 1.0])
    assert "SGD (" in repr(opt) and "momentum: 0.9" in repr(opt)


# ------------------------------------------------------------------------------- schedulers
SCHEDULERS = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.95**epoch / (1 + epoch % 3)}),
]


@pytest.mark.parametrize("name, kwargs", SCHEDULERS,
                         ids=[f"{n}-{sorted(kw)}-{i}" for i, (n, kw) in enumerate(SCHEDULERS)])
def test_schedulers_give_torchs_learning_rates(name, kwargs):
    p = nn.Parameter(mygrad.ones(1))
    q = torch.nn.Parameter(torch.ones(1))
    mo = optim.SGD([{"params": [p]}, {"params": [nn.Parameter(mygrad.ones(1))], "lr": 0.3}],
                   lr=0.1, momentum=0.9)
    to = torch.optim.SGD([{"params": [q]}, {"params": [torch.nn.Parameter(torch.ones(1))],
                                            "lr": 0.3}], lr=0.1, momentum=0.9)
    ms = getattr(lr_scheduler, name)(mo, **kwargs)
    ts = getattr(torch.optim.lr_scheduler, name)(to, **kwargs)
    for epoch in range(25):  # beyond T_max the cosine goes back up, in both
        np.testing.assert_allclose(ms.get_last_lr(), ts.get_last_lr(), rtol=1e-12, atol=1e-15,
                                   err_msg=f"epoch {epoch}")
        assert [g["lr"] for g in mo.param_groups] == ms.get_last_lr()
        mo.step()
        to.step()
        ms.step()
        ts.step()
    assert mo.param_groups[0]["initial_lr"] == 0.1


def test_scheduler_requires_an_optimizer():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=1)


# ------------------------------------------------------------------------------- side by side
def _moons(n=200, seed=0):
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=0.1, random_state=seed)
    return X.astype(np.float32), y.astype(np.int64)


def _models():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(2, 16), lib.nn.ReLU(), lib.nn.Linear(16, 16),
                                 lib.nn.ReLU(), lib.nn.Linear(16, 2))

    torch.manual_seed(0)
    th = build(torch)
    mg = build(mygrad)
    mg.load_state_dict({k: v.detach().numpy().copy() for k, v in th.state_dict().items()})
    return mg, th


@pytest.mark.parametrize("name, kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                          ("Adam", {"lr": 0.01})])
def test_training_side_by_side_for_100_steps(name, kwargs):
    """Same initial weights, same mini-batches: losses and weights stay within 1e-4 relative
    (float32, the default dtype of both)."""
    X, y = _moons()
    mg, th = _models()
    mo = getattr(optim, name)(mg.parameters(), **kwargs)
    to = getattr(torch.optim, name)(th.parameters(), **kwargs)
    mloss, tloss = nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    order = np.random.default_rng(0).permutation(len(X))
    losses = []
    for step in range(100):
        idx = order[(step * 32) % len(X):][:32]
        xb, yb = X[idx], y[idx]
        mo.zero_grad()
        lm = mloss(mg(mygrad.tensor(xb)), mygrad.tensor(yb))
        lm.backward()
        mo.step()
        to.zero_grad()
        lt = tloss(th(torch.tensor(xb)), torch.tensor(yb))
        lt.backward()
        to.step()
        losses.append((lm.item(), lt.item()))
        assert lm.item() == pytest.approx(lt.item(), rel=1e-4), f"step {step}"
    for (n, a), (_, b) in zip(mg.named_parameters(), th.named_parameters()):
        b = b.detach().numpy()
        rel = np.abs(a.detach().numpy() - b).max() / np.abs(b).max()
        assert rel < 1e-4, f"{n}: relative difference {rel:.2e}"
    assert losses[-1][0] < 0.5 * losses[0][0]  # and it actually learned something


@pytest.mark.parametrize("opt_name, kwargs", [
    ("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01}), ("Adagrad", {"lr": 0.1})])
@pytest.mark.parametrize("x_requires_grad", [False, True])
def test_step_counts_as_in_place_like_torch(opt_name, kwargs, x_requires_grad):
    """optimizer.step() modifies the parameters in place: the version counters move as torch's
    do, and a second backward through a graph that saved a parameter fails exactly where torch's
    fails (only when the saved weight is needed: x requires grad)."""
    import torch

    outcomes = []
    for lib in (torch, mygrad):
        lib.manual_seed(0)
        lin = lib.nn.Linear(3, 2)
        opt = getattr(lib.optim, opt_name)(lin.parameters(), **kwargs)
        x = lib.ones(4, 3, requires_grad=x_requires_grad)
        loss = (lin(x) ** 2).sum()
        loss.backward(retain_graph=True)
        versions = [lin.weight._version, lin.bias._version]
        opt.step()
        versions += [lin.weight._version, lin.bias._version]
        try:
            loss.backward()
            raised = None
        except RuntimeError as e:
            raised = "modified by an inplace operation" in str(e)
        outcomes.append((versions, raised))
    assert outcomes[1] == outcomes[0]

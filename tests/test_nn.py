"""mygrad.nn modules, Parameter and init against torch.nn (float64 where numbers are compared)."""

import copy
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import mygrad
from mygrad import nn
from mygrad.nn import functional as F
from mygrad.nn import init

RNG = np.random.default_rng(42)


def copy_weights(mg_module, th_module):
    """Copy torch's parameters into the mygrad module of the same architecture."""
    th_state = {k: v.detach().numpy() for k, v in th_module.state_dict().items()}
    mg_module.load_state_dict(th_state)


def _mlp(lib):
    return lib.nn.Sequential(
        lib.nn.Linear(2, 16), lib.nn.ReLU(), lib.nn.Linear(16, 16), lib.nn.Tanh(),
        lib.nn.Linear(16, 3, bias=False), lib.nn.Sigmoid(),
    )


# ------------------------------------------------------------------------------- registration
class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(4, 2)
        self.scale = nn.Parameter(mygrad.ones(1))
        self.not_a_param = mygrad.ones(2)  # a plain tensor attribute is not registered

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_attribute_assignment_registers_parameters_and_modules():
    m = TwoLayer()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [type(c).__name__ for c in m.children()] == ["Linear", "Tanh", "Linear"]
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert len(list(m.modules())) == 4
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in m.parameters())
    assert sum(p.numel() for p in m.parameters()) == 1 + 3 * 4 + 4 + 4 * 2 + 2
    assert [n for n, _ in m.named_parameters(recurse=False)] == ["scale"]
    assert m.fc1.weight is m._modules["fc1"]._parameters["weight"]


def test_same_names_as_torch_for_nested_sequential():
    th = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.ReLU(),
                                                                       torch.nn.Linear(3, 1)))
    mg = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    assert [n for n, _ in mg.named_parameters()] == [n for n, _ in th.named_parameters()]
    assert [n for n, _ in mg.named_modules()] == [n for n, _ in th.named_modules()]
    assert list(mg.state_dict()) == list(th.state_dict())


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    m = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(m.parameters())) == 2
    assert [n for n, _ in m.named_parameters()] == ["0.weight", "0.bias"]


def test_assignment_errors_and_none():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError) as expected:
        torch.nn.Linear(2, 2).weight = torch.ones(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'mygrad.FloatTensor' as parameter "
                                        "'weight'") as got:
        m.weight = mygrad.ones(2, 2)
    assert str(got.value) == str(expected.value).replace("torch", "mygrad")
    m.bias = None
    assert m.bias is None and [n for n, _ in m.named_parameters()] == ["weight"]
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        m.nope  # noqa: B018

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mygrad.ones(1))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Early()
    del m.weight
    assert list(m.parameters()) == []


def test_forward_missing_and_call():
    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        NoForward()(mygrad.ones(1))
    m = TwoLayer()
    x = mygrad.randn(5, 3)
    assert m(x).shape == (5, 2)


def test_train_eval_propagate():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
    assert m.training and m[1][0].training
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())


def test_zero_grad_sets_to_none_by_default_like_torch():
    m = TwoLayer()
    m(mygrad.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_repr_matches_torch():
    assert repr(_mlp(mygrad)) == repr(_mlp(torch))
    extra = [("Flatten", (), ()), ("Identity", (), ()), ("Softmax", (), {"dim": 1}),
             ("LogSoftmax", (), {"dim": -1}), ("CrossEntropyLoss", (), ()), ("MSELoss", (), ()),
             ("BCEWithLogitsLoss", (), ()), ("Linear", (5, 7), ())]
    for name, args, kwargs in extra:
        kwargs = dict(kwargs)
        assert repr(getattr(nn, name)(*args, **kwargs)) == repr(
            getattr(torch.nn, name)(*args, **kwargs))
    p = nn.Parameter(mygrad.tensor([1.0, 2.0]))
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert str(p) == repr(p)


def test_custom_module_repr_like_torch():
    th = torch.nn.Module()
    th.fc = torch.nn.Linear(3, 4)
    mg = nn.Module()
    mg.fc = nn.Linear(3, 4)
    assert repr(mg) == repr(th)


# ------------------------------------------------------------------------------- state dict
def test_state_dict_round_trip_and_torch_interchange():
    th = _mlp(torch).double()
    mg = _mlp(mygrad).double()
    copy_weights(mg, th)
    x = RNG.standard_normal((6, 2))
    np.testing.assert_allclose(mg(mygrad.tensor(x)).detach().numpy(),
                               th(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    state = mg.state_dict()
    assert list(state) == list(th.state_dict())
    assert all(not t.requires_grad for t in state.values())
    # the state dict shares memory with the parameters, like torch's
    assert np.shares_memory(state["0.weight"].numpy(), mg[0].weight.detach().numpy())
    fresh = _mlp(mygrad).double()
    result = fresh.load_state_dict(copy.deepcopy(state))
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(fresh(mygrad.tensor(x)).detach().numpy(),
                                  mg(mygrad.tensor(x)).detach().numpy())


def test_load_state_dict_errors_in_torch_words():
    m = nn.Linear(2, 3)
    state = m.state_dict()
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "bias"'):
        m.load_state_dict({"weight": state["weight"]})
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "extra"'):
        m.load_state_dict({**state, "extra": mygrad.ones(1)})
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with "
                                           r"shape mygrad.Size\(\[2, 2\]\) from checkpoint"):
        m.load_state_dict({"weight": mygrad.ones(2, 2), "bias": state["bias"]})
    res = m.load_state_dict({"weight": state["weight"]}, strict=False)
    assert res.missing_keys == ["bias"]


def test_deepcopy_and_pickle_keep_parameters_independent():
    m = TwoLayer()
    c = copy.deepcopy(m)
    c.fc1.weight.detach().numpy()[...] = 0
    assert m.fc1.weight.detach().numpy().any()
    assert isinstance(c.fc1.weight, nn.Parameter)
    p = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(p.fc2.weight.detach().numpy(), m.fc2.weight.detach().numpy())
    assert isinstance(p.fc2.weight, nn.Parameter) and p.fc2.weight.requires_grad


def test_double_and_to():
    m = _mlp(mygrad)
    assert m[0].weight.dtype == mygrad.float32
    assert m.to(mygrad.float64) is m and m[0].weight.dtype == mygrad.float64
    assert m.float()[2].weight.dtype == mygrad.float32
    assert m.to("cpu") is m
    with pytest.raises(RuntimeError, match="CPU only"):
        m.to("cuda")


# ------------------------------------------------------------------------------- layers
@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    th = torch.nn.Linear(3, 4, bias=bias).double()
    mg = nn.Linear(3, 4, bias=bias, dtype=mygrad.float64)
    copy_weights(mg, th)
    x = RNG.standard_normal(shape)
    xm = mygrad.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ym, yt = mg(xm), th(xt)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    w = RNG.standard_normal(tuple(yt.shape))
    (ym * mygrad.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    for (n, a), (_, b) in zip(mg.named_parameters(), th.named_parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, err_msg=n)


@pytest.mark.parametrize("shape", [(5, 2), (2,), (5, 4, 2)])
def test_linear_shape_error_names_both_shapes_like_torch(shape):
    th = torch.nn.Linear(3, 4)
    with pytest.raises(RuntimeError) as expected:
        th(torch.ones(shape))
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied") as got:
        nn.Linear(3, 4)(mygrad.ones(shape))
    assert str(got.value) == str(expected.value)


def test_linear_dtype_mismatch_like_torch():
    with pytest.raises(RuntimeError) as expected:
        torch.nn.Linear(2, 3)(torch.ones(4, 2, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="must have the same dtype") as got:
        nn.Linear(2, 3)(mygrad.ones(4, 2, dtype=mygrad.float64))
    assert str(got.value) == str(expected.value)


def test_linear_default_init_is_torchs_distribution():
    """weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform_ with a=sqrt(5))."""
    mygrad.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = lin.weight.detach().numpy()
    b = lin.bias.detach().numpy()
    assert w.dtype == np.float32 and w.shape == (300, 400) and b.shape == (300,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # the whole interval is used
    # U(-a, a): mean 0, std a / sqrt(3)
    assert abs(w.mean()) < 0.01 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    # same seed, same weights; the generator is mygrad's global one
    mygrad.manual_seed(0)
    np.testing.assert_array_equal(nn.Linear(400, 300).weight.detach().numpy(), w)


@pytest.mark.parametrize("name", ["ReLU", "Tanh", "Sigmoid", "Identity"])
def test_activations_match_torch(name):
    x = RNG.standard_normal((4, 5)) * 3
    xm = mygrad.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ym, yt = getattr(nn, name)()(xm), getattr(torch.nn, name)()(xt)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    (ym * ym).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dims", [(1, -1), (0, -1), (1, 2), (2, 3)])
def test_flatten_matches_torch(dims):
    x = RNG.standard_normal((2, 3, 4, 5))
    assert tuple(nn.Flatten(*dims)(mygrad.tensor(x)).shape) == tuple(
        torch.nn.Flatten(*dims)(torch.tensor(x)).shape)
    np.testing.assert_array_equal(nn.Flatten(*dims)(mygrad.tensor(x)).numpy(),
                                  torch.nn.Flatten(*dims)(torch.tensor(x)).numpy())


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_modules_match_torch(dim):
    x = RNG.standard_normal((3, 4))
    for name in ("Softmax", "LogSoftmax"):
        np.testing.assert_allclose(getattr(nn, name)(dim)(mygrad.tensor(x)).numpy(),
                                   getattr(torch.nn, name)(dim)(torch.tensor(x)).numpy(),
                                   rtol=1e-12)


def test_softmax_without_dim_warns_and_picks_torchs_dim():
    x = RNG.standard_normal((3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(mygrad.tensor(x))
    np.testing.assert_allclose(out.numpy().sum(axis=1), np.ones(3))


def test_sequential_indexing_len_append():
    m = _mlp(mygrad)
    assert len(m) == 6 and isinstance(m[0], nn.Linear) and isinstance(m[-1], nn.Sigmoid)
    head = m[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is m[0]
    m.append(nn.Identity())
    assert len(m) == 7 and [n for n, _ in m.named_children()][-1] == "6"
    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.ReLU()))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    assert named.fc is named[0]
    with pytest.raises(IndexError):
        m[10]


def test_mlp_forward_and_backward_match_torch():
    th = _mlp(torch).double()
    mg = _mlp(mygrad).double()
    copy_weights(mg, th)
    x = RNG.standard_normal((10, 2))
    y = RNG.integers(0, 3, 10)
    lm = nn.CrossEntropyLoss()(mg(mygrad.tensor(x)), mygrad.tensor(y))
    lt = torch.nn.CrossEntropyLoss()(th(torch.tensor(x)), torch.tensor(y))
    np.testing.assert_allclose(lm.item(), lt.item(), rtol=1e-12)
    lm.backward()
    lt.backward()
    for (n, a), (_, b) in zip(mg.named_parameters(), th.named_parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-14,
                                   err_msg=n)


# ------------------------------------------------------------------------------- init
@pytest.mark.parametrize(
    "nonlinearity, param",
    [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
     ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)],
)
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)


@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3, 3), (7, 1)])
def test_fans_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(mygrad.zeros(shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


def test_fan_of_a_vector_is_an_error_like_torch():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(mygrad.zeros(5))


def _std_and_bound(fn, shape, **kwargs):
    """The std (normal) / bound (uniform) torch's init would use, from its formula in the
    docs, checked against samples drawn by mygrad."""
    fan_in = shape[1]
    fan_out = shape[0]
    gain_lrelu = math.sqrt(2.0 / (1 + kwargs.get("a", 0) ** 2))
    if fn == "xavier_uniform_":
        return kwargs.get("gain", 1.0) * math.sqrt(6.0 / (fan_in + fan_out))
    if fn == "xavier_normal_":
        return kwargs.get("gain", 1.0) * math.sqrt(2.0 / (fan_in + fan_out))
    fan = fan_in if kwargs.get("mode", "fan_in") == "fan_in" else fan_out
    if kwargs.get("nonlinearity") == "relu":
        gain_lrelu = math.sqrt(2.0)
    if fn == "kaiming_uniform_":
        return gain_lrelu * math.sqrt(3.0 / fan)
    return gain_lrelu / math.sqrt(fan)


@pytest.mark.parametrize(
    "fn, kwargs",
    [("xavier_uniform_", {}), ("xavier_uniform_", {"gain": 2.0}), ("xavier_normal_", {}),
     ("kaiming_uniform_", {}), ("kaiming_uniform_", {"a": math.sqrt(5)}),
     ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
     ("kaiming_normal_", {}), ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"})],
)
def test_init_distributions(fn, kwargs):
    shape = (300, 500)
    t = mygrad.zeros(shape)
    assert getattr(init, fn)(t, **kwargs) is t
    x = t.numpy()
    scale = _std_and_bound(fn, shape, **kwargs)
    if fn.endswith("uniform_"):
        assert np.abs(x).max() <= scale and np.abs(x).max() > 0.99 * scale
        assert abs(x.std() - scale / math.sqrt(3)) < 0.01 * scale
    else:
        assert abs(x.std() - scale) < 0.01 * scale
    assert abs(x.mean()) < 0.01 * scale


def test_simple_inits_and_generators():
    t = mygrad.zeros(3, 4)
    assert init.ones_(t).numpy().tolist() == [[1.0] * 4] * 3
    assert init.constant_(t, 0.5).numpy().tolist() == [[0.5] * 4] * 3
    assert not init.zeros_(t).numpy().any()
    u = init.uniform_(mygrad.zeros(1000), -2.0, 3.0).numpy()
    assert u.min() >= -2.0 and u.max() < 3.0 and abs(u.mean() - 0.5) < 0.15
    n = init.normal_(mygrad.zeros(4000), mean=1.0, std=0.5).numpy()
    assert abs(n.mean() - 1.0) < 0.05 and abs(n.std() - 0.5) < 0.05
    g1 = mygrad.Generator().manual_seed(3)
    g2 = mygrad.Generator().manual_seed(3)
    a = init.normal_(mygrad.zeros(5), generator=g1).numpy()
    b = init.normal_(mygrad.zeros(5), generator=g2).numpy()
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(mygrad.zeros(2, 2), mode="fan_avg")


def test_init_does_not_record_a_graph():
    p = nn.Parameter(mygrad.zeros(3, 3))
    init.kaiming_normal_(p)
    assert p.is_leaf and p.grad_fn is None and p.requires_grad


def test_buffers_in_state_dict_like_torch():
    def build(lib):
        m = lib.nn.Module()
        m.fc = lib.nn.Linear(2, 2)
        m.register_buffer("running", lib.zeros(2))
        m.register_buffer("scratch", lib.ones(1), persistent=False)
        return m

    mg, th = build(mygrad), build(torch)
    assert list(mg.state_dict()) == list(th.state_dict())
    assert [n for n, _ in mg.named_buffers()] == [n for n, _ in th.named_buffers()]
    assert [n for n, _ in mg.named_parameters()] == [n for n, _ in th.named_parameters()]
    mg.running = mygrad.ones(2)  # reassigning a buffer keeps it a buffer
    assert mg.state_dict()["running"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="buffer 'running'"):
        mg.running = [1.0, 2.0]


def test_module_list_and_dict_register_like_torch():
    def build(lib):
        m = lib.nn.Module()
        m.blocks = lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)])
        m.heads = lib.nn.ModuleDict({"a": lib.nn.Linear(2, 1), "b": lib.nn.Tanh()})
        m.blocks.append(lib.nn.ReLU())
        return m

    mg, th = build(mygrad), build(torch)
    assert [n for n, _ in mg.named_parameters()] == [n for n, _ in th.named_parameters()]
    assert repr(mg) == repr(th)
    assert len(mg.blocks) == 4 and isinstance(mg.blocks[-1], nn.ReLU)
    assert list(mg.heads.keys()) == ["a", "b"] and "a" in mg.heads
    assert isinstance(mg.blocks[1:3], nn.ModuleList) and len(mg.blocks[1:3]) == 2

"""repr(Tensor) is torch's repr, character for character (dtype objects print as mygrad.*)."""

import numpy as np
import pytest
import torch

import mygrad

DATA3 = np.random.default_rng(0).normal(size=(2, 3, 4)).round(3).tolist()

CASES = {
    "0-d": lambda lib: lib.tensor(4.0),
    "0-d int": lambda lib: lib.tensor(3),
    "0-d neg fraction": lambda lib: lib.tensor(-0.125),
    "1-d ints as floats": lambda lib: lib.tensor([1.0, 2.0]),
    "1-d fractions": lambda lib: lib.tensor([1.5, 2.25]),
    "1-d negative": lambda lib: lib.tensor([-1.5, 2.0, 0.0]),
    "float64": lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64),
    "float64 0-d": lambda lib: lib.tensor(2.5, dtype=lib.float64),
    "int64 2-d": lambda lib: lib.tensor([[1, 2], [3, 40]]),
    "int32": lambda lib: lib.tensor([1, 2], dtype=lib.int32),
    "bool": lambda lib: lib.tensor([True, False]),
    "empty": lambda lib: lib.zeros(0),
    "empty 2-d": lambda lib: lib.zeros(2, 0),
    "empty int": lambda lib: lib.zeros(0, dtype=lib.int64),
    "sci small": lambda lib: lib.tensor([1e-5, 1e5]),
    "sci tiny": lambda lib: lib.tensor([1e-8, 1.0]),
    "big ints": lambda lib: lib.tensor([1.0, 1e9]),
    "nan inf": lambda lib: lib.tensor([float("nan"), float("inf"), -1.0]),
    "zeros": lambda lib: lib.zeros(2, 3),
    "3-d": lambda lib: lib.tensor(DATA3),
    "wrap 1-d": lambda lib: lib.tensor((np.arange(30) / 7).tolist()),
    "summarised": lambda lib: lib.arange(2000.0),
    "summarised 2-d": lambda lib: lib.tensor((np.arange(3000).reshape(50, 60) / 3).tolist()),
    "requires_grad": lambda lib: lib.tensor([1.5, 2.25], requires_grad=True),
    "grad_fn": lambda lib: lib.tensor(2.0, requires_grad=True) * 2,
    "float64 grad_fn": lambda lib: lib.tensor(3.0, dtype=lib.float64, requires_grad=True) * 2,
    "long suffix wraps": lambda lib: lib.tensor([1.2345, 2.5, 3.75, 4.125, 5.0, 6.5, 7.25, 8.5],
                                               dtype=lib.float64, requires_grad=True) + 1,
    "add": lambda lib: lib.tensor(1.0, requires_grad=True) + 3,
    "sum": lambda lib: lib.ones(3, requires_grad=True).sum(),
    "mean": lambda lib: lib.ones(3, requires_grad=True).mean(),
    "mm": lambda lib: lib.ones(2, 2, requires_grad=True) @ lib.ones(2, 2),
    "exp": lambda lib: lib.zeros(2, requires_grad=True).exp(),
    "relu": lambda lib: lib.ones(2, requires_grad=True).relu(),
    "sigmoid": lambda lib: lib.zeros(2, requires_grad=True).sigmoid(),
    "tanh": lambda lib: lib.zeros(2, requires_grad=True).tanh(),
    "div": lambda lib: lib.ones(2, requires_grad=True) / 2,
    "sub": lambda lib: lib.ones(2, requires_grad=True) - 2,
    "rsub": lambda lib: 2 - lib.ones(2, requires_grad=True),
    "neg": lambda lib: -lib.ones(2, requires_grad=True),
    "pow": lambda lib: lib.ones(2, requires_grad=True) ** 2,
    "log_softmax": lambda lib: lib.ones(2, 2, requires_grad=True).log_softmax(1),
    "select": lambda lib: lib.ones(2, 2, requires_grad=True)[0],
    "index": lambda lib: lib.ones(2, 2, requires_grad=True)[[0, 0]],
    "view": lambda lib: lib.ones(2, 2, requires_grad=True).view(4),
    "t": lambda lib: lib.ones(2, 2, requires_grad=True).t(),
    "max dim": lambda lib: lib.ones(2, 2, requires_grad=True).max(1).values,
    "max": lambda lib: lib.ones(2, 2, requires_grad=True).max(),
    "cat": lambda lib: lib.cat([lib.ones(2, requires_grad=True), lib.ones(2)]),
    "no_grad": lambda lib: _no_grad(lib),
}


def _no_grad(lib):
    with lib.no_grad():
        return lib.ones(2, requires_grad=True) * 2


@pytest.mark.parametrize("name", sorted(CASES))
def test_repr_matches_torch(name):
    want = repr(CASES[name](torch)).replace("torch.", "mygrad.")
    got = repr(CASES[name](mygrad))
    assert got == want, f"{name}:\nmygrad: {got}\ntorch:  {want}"


def test_str_is_repr_and_dtype_repr():
    x = mygrad.tensor([1.0, 2.0])
    assert str(x) == repr(x)
    assert repr(mygrad.float64) == "mygrad.float64"
    assert repr(mygrad.ones(1, requires_grad=True).device) == "device(type='cpu')"

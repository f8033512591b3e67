"""mygrad.testing.compare_with_torch: a correct function passes, a different one is caught."""

import numpy as np
import pytest
import torch

import mygrad
from mygrad.testing import compare_with_torch


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def neuron(lib, x, w, b):
    return lib.tanh(x @ w + b).sum()


def test_matching_function_all_checks_pass(capsys):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    table = compare_with_torch(neuron, x, w, b)
    out = capsys.readouterr().out
    assert table.ok
    assert [r["name"] for r in table] == ["output", "grad x", "grad w", "grad b"]
    assert [tuple(r["shape"]) for r in table] == [(), (4, 3), (3, 2), (2,)]
    assert all(r["ok"] for r in table) and all(r["max_abs"] < 1e-12 for r in table)
    # the reference numbers in the table are torch's, computed in float64
    xt = torch.tensor(x, requires_grad=True)
    out_t = torch.tanh(xt @ torch.tensor(w) + torch.tensor(b)).sum()
    out_t.backward()
    np.testing.assert_array_equal(table[0]["torch"], out_t.detach().numpy())
    np.testing.assert_array_equal(table[1]["torch"], xt.grad.numpy())
    for text in ("grad w", "✓", "max abs diff", "all match"):
        assert text in out
    assert "✗" not in out


def test_different_function_is_reported_with_the_worst_element(capsys):
    def f(lib, x, y):
        # mygrad's version has a bug: sin instead of cos on the second input
        second = lib.sin(y) if lib is mygrad else lib.cos(y)
        return x * 2 + second

    x = np.array([0.5, -1.0, 2.0])
    y = np.array([0.1, 0.2, 0.3])
    table = compare_with_torch(f, x, y)
    out = capsys.readouterr().out
    rows = {r["name"]: r for r in table}
    assert not table.ok
    assert not rows["output"]["ok"] and rows["grad x"]["ok"] and not rows["grad y"]["ok"]
    # closed forms: output differs by |sin y - cos y|, grad y by |cos y + sin y|
    assert rows["output"]["max_abs"] == pytest.approx(np.abs(np.sin(y) - np.cos(y)).max())
    assert rows["grad y"]["max_abs"] == pytest.approx(np.abs(np.cos(y) + np.sin(y)).max())
    assert "worst[0]" in rows["output"]["note"]
    assert "✗" in out and "MISMATCH" in out


def test_small_differences_within_tolerance_pass_and_beyond_fail():
    def f(lib, x):
        return x * (1 + 1e-7) if lib is mygrad else x

    x = np.array([1.0, 2.0])
    assert compare_with_torch(f, x, verbose=False).ok  # 1e-7 relative < rtol=1e-5
    assert not compare_with_torch(f, x, rtol=1e-9, atol=0, verbose=False).ok


def test_integer_inputs_are_labels_without_gradient_and_errors_are_reported():
    def ce(lib, logits, labels):
        return lib.nn.functional.cross_entropy(logits, labels)

    logits = np.random.default_rng(1).standard_normal((5, 3))
    labels = np.array([0, 2, 1, 1, 0])
    table = compare_with_torch(ce, logits, labels, verbose=False)
    assert table.ok and [r["name"] for r in table] == ["output", "grad logits"]

    def broken(lib, x):
        return lib.no_such_function(x)

    table = compare_with_torch(broken, 1.0, verbose=False)
    assert not table.ok
    assert "AttributeError" in table[0]["note"]
    assert "✗" in str(table)

"""The shared check code: plain encoding, validation of untrusted data, comparison messages."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from autograder.checks import (
    ATOL,
    RTOL,
    CheckFailed,
    Expect,
    check,
    check_leaf,
    compare,
    reference_device,
    torch_grad,
    validate_plain,
)
from autograder.plain import to_plain


def test_plain_encodes_tensors_with_grad_and_flags():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x**2).sum().backward()
    p = to_plain(x)
    assert p["t"] == "array" and p["lib"] == "torch" and p["dtype"] == "float32"
    assert p["shape"] == [2] and p["data"] == [1.0, 2.0] and p["requires_grad"] is True
    assert p["grad"]["data"] == [2.0, 4.0]
    assert to_plain(np.arange(3))["dtype"] == "int64"
    assert to_plain([1, 2.5])["items"][1] == {"t": "num", "v": 2.5, "dtype": "float"}


def test_plain_refuses_look_alikes():
    class F(float):
        def __eq__(self, other):
            return True

    assert to_plain(F(1.0))["t"] == "unsupported"
    assert to_plain(object())["t"] == "unsupported"
    assert to_plain(x for x in [1])["t"] == "unsupported"


@pytest.mark.parametrize("bad", [
    None, [], {"t": "num", "v": "8"}, {"t": "num", "v": True},
    {"t": "array", "shape": [2], "data": [1.0], "dtype": "float32", "requires_grad": False},
    {"t": "array", "shape": [-1], "data": [], "dtype": "f", "requires_grad": False},
    {"t": "array", "shape": [10**9], "data": [], "dtype": "f", "requires_grad": False},
    {"t": "evil"},
])
def test_validation_rejects_malformed_plain_data(bad):
    out = compare("v", bad, Expect(1.0))
    assert not out.ok and "結果を読み取れません" in out.message
    with pytest.raises(ValueError):
        validate_plain(bad)


def test_message_names_value_shape_worst_element_and_both_numbers():
    ref = torch_grad(lambda x: (x**2).sum(), [1.0, 2.0, 3.0])
    out = compare("∇f", to_plain([2.0, 4.0, 7.5]), Expect(ref, hint="2x です"))
    assert not out.ok
    for part in ("∇f", "(3,)", "要素 [2]", "あなたの値 7.5", "正解 6", "ヒント: 2x です"):
        assert part in out.message, (part, out.message)
    assert out.details["index"] == [2] and out.details["n_bad"] == 1


def test_tolerance_policy_accepts_float32_and_rejects_real_errors():
    ref = 1234.5678901234
    assert compare("a", to_plain(torch.tensor(ref, dtype=torch.float32)), Expect(ref)).ok
    off = ref * (1 + 3 * RTOL)
    assert not compare("a", to_plain(off), Expect(ref)).ok
    assert compare("z", to_plain(ATOL / 2), Expect(0.0)).ok
    assert not compare("z", to_plain(ATOL * 3), Expect(0.0)).ok


def test_nan_inf_shape_and_type_fail():
    assert not compare("n", to_plain(math.nan), Expect(1.0)).ok
    assert "NaN" in compare("n", to_plain([math.nan, 1.0]), Expect([1.0, 1.0])).message
    assert compare("i", to_plain(math.inf), Expect(math.inf)).ok
    assert not compare("i", to_plain(-math.inf), Expect(math.inf)).ok
    out = compare("s", to_plain(torch.zeros(1, 3)), Expect(torch.zeros(3)))
    assert not out.ok and "(1, 3)" in out.message and "(3,)" in out.message
    assert compare("s", to_plain(8.0), Expect(torch.tensor(8.0))).ok  # number ~ 0-d tensor


def test_leaf_requirements(capsys):
    assert check_leaf("x", torch.tensor(3.0, requires_grad=True), 3.0) is None
    assert capsys.readouterr().out.startswith("✓ x:")
    with pytest.raises(CheckFailed, match="requires_grad"):
        check_leaf("x", torch.tensor(3.0), 3.0)
    with pytest.raises(CheckFailed, match="dtype が int64"):
        check_leaf("x", torch.tensor(3), 3.0)
    with pytest.raises(CheckFailed, match="Tensor が必要"):
        check_leaf("x", 3.0, 3.0)


def test_visible_check_prints_and_raises(capsys):
    check("f'(3)", 8.0, 8.0)
    assert "✓ f'(3)" in capsys.readouterr().out
    with pytest.raises(CheckFailed):
        check("f'(3)", 7.0, 8.0)
    assert "✗ f'(3)" in capsys.readouterr().out


def test_broken_object_does_not_crash_the_check():
    class Boom:
        pass

    with pytest.raises(CheckFailed, match="数値・配列・Tensor ではない"):
        check("b", Boom(), 1.0)


def test_reference_device_is_float64_without_tf32():
    dev = reference_device()
    assert dev.type in ("cpu", "cuda")
    assert torch.backends.cuda.matmul.allow_tf32 is False
    g = torch_grad(lambda x: (x**3).sum(), [2.0])
    assert g.dtype == torch.float64 and g.item() == 12.0


def test_mygrad_tensors_are_plain_when_available():
    mygrad = pytest.importorskip("mygrad")
    if not hasattr(mygrad, "tensor"):
        pytest.skip("mygrad.tensor not implemented yet")
    t = mygrad.tensor([1.0, 2.0])
    p = to_plain(t)
    assert p["t"] == "array" and p["lib"] == "mygrad" and p["data"] == [1.0, 2.0]


def test_a_check_on_a_cells_last_line_shows_only_its_verdict(capsys):
    """check() returns None: IPython shows no object repr under the ✓ line."""
    assert check("y", 2.0, 2.0) is None
    assert check_leaf("x", torch.tensor(1.0, requires_grad=True), 1.0) is None
    lines = capsys.readouterr().out.splitlines()
    assert [ln[:4] for ln in lines] == ["✓ y:", "✓ x:"]

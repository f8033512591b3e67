"""Check functions shared by the visible check cells and the hidden grading.

Students call :func:`check` (and friends) in their own kernel, on Colab too, without nbgrader.
The grader calls :func:`compare` on plain data (see :mod:`autograder.plain`) that came back from
the sandbox, against a reference it computed itself. Both paths end in the same comparison code,
so a student who sees ✓ for the visible inputs sees the same rule applied to the hidden ones.

Tolerance policy (one rule for the whole course)
------------------------------------------------
References are computed with torch in float64 (TF32 off). A student value ``a`` passes against
the reference ``r`` when, element by element::

    |a - r| <= atol + rtol * |r|        with rtol = 1e-4, atol = 1e-6 by default

which accepts any correct float32 computation and rejects real mistakes. A task may loosen the
tolerance for iterative algorithms (gradient descent) and says so in its hint. NaN or ±inf in a
student value fails unless the reference has the same non-finite value there. Shapes must match
exactly, except that a Python number matches a 0-d tensor and a (nested) list of numbers matches
an array of the same shape.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import selfcheck
from .plain import MAX_ELEMENTS, TooLarge, to_plain

RTOL = 1e-4
ATOL = 1e-6

__all__ = [
    "ATOL",
    "RTOL",
    "CheckFailed",
    "Expect",
    "Outcome",
    "check",
    "check_leaf",
    "compare",
    "reference_device",
    "torch_grad",
    "validate_plain",
]


class CheckFailed(AssertionError):
    """Raised by the visible checks; the message is the Japanese explanation."""


class Invalid(ValueError):
    """Plain data that does not follow the encoding (message in Japanese, for the student)."""


@dataclass
class Expect:
    """What a named value must be.

    ``value`` is the reference (number, torch tensor, numpy array, nested list). ``requires_grad``
    (when not None) demands a torch/mygrad tensor with that flag; ``floating`` demands a
    floating-point dtype; ``tensor`` demands a tensor rather than a list or number.
    ``min_fraction`` (default 1: every element) is the share of elements that must lie within
    tolerance, for checks such as "at least 90 % of the predicted labels are right".
    ``yes_no`` marks a yes/no fact (``value`` 1 = yes, 0 = no; the name states the fact, e.g.
    "x.grad が None のまま"): the message then answers it as a sentence instead of comparing
    numbers. A name ending in ``(1 = はい)`` (the older spelling) is read the same way.
    """

    value: Any
    rtol: float = RTOL
    atol: float = ATOL
    requires_grad: bool | None = None
    floating: bool = False
    tensor: bool = False
    hint: str | None = None
    min_fraction: float = 1.0
    yes_no: bool = False


@dataclass
class Outcome:
    name: str
    ok: bool
    message: str
    details: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- validation


def _check_nested(data, shape, path="") -> list:
    """Flatten ``data`` (nested lists) that must have exactly ``shape``; raise Invalid if not."""
    if not shape:
        if type(data) not in (int, float):
            raise Invalid(f"数値でない要素 {type(data).__name__} があります{path}")
        return [float(data)]
    if type(data) is not list or len(data) != shape[0]:
        raise Invalid(f"データの形が shape {tuple(shape)} と一致しません{path}")
    out = []
    for i, item in enumerate(data):
        out.extend(_check_nested(item, shape[1:], f"{path}[{i}]"))
    return out


def _infer_shape(data) -> list:
    shape = []
    while type(data) is list:
        shape.append(len(data))
        if not data:
            break
        data = data[0]
    return shape


def validate_plain(p, depth: int = 0) -> dict:
    """Validate untrusted plain data structurally; return it or raise :class:`Invalid`."""
    if depth > 8:
        raise Invalid("入れ子が深すぎます")
    if type(p) is not dict or type(p.get("t")) is not str:
        raise Invalid("結果の形式が不正です")
    t = p["t"]
    if t == "none":
        return p
    if t == "bool":
        if type(p.get("v")) is not bool:
            raise Invalid("真偽値の形式が不正です")
        return p
    if t == "num":
        if type(p.get("v")) not in (int, float):
            raise Invalid("数値の形式が不正です")
        return p
    if t == "array":
        shape = p.get("shape")
        if type(shape) is not list or any(type(n) is not int or n < 0 for n in shape):
            raise Invalid("shape の形式が不正です")
        if math.prod(shape) > MAX_ELEMENTS:
            raise Invalid(f"要素数 {math.prod(shape)} が多すぎます")
        _check_nested(p.get("data"), shape)
        if type(p.get("dtype")) is not str or type(p.get("requires_grad")) is not bool:
            raise Invalid("dtype / requires_grad の形式が不正です")
        if p.get("grad") is not None:
            validate_plain(p["grad"], depth + 1)
        return p
    if t == "list":
        items = p.get("items")
        if type(items) is not list or len(items) > MAX_ELEMENTS:
            raise Invalid("リストの形式が不正です")
        for item in items:
            validate_plain(item, depth + 1)
        return p
    if t == "dict":
        items = p.get("items")
        if type(items) is not dict or any(type(k) is not str for k in items):
            raise Invalid("辞書の形式が不正です")
        for item in items.values():
            validate_plain(item, depth + 1)
        return p
    if t == "unsupported":
        return p
    raise Invalid(f"未知の種類 {t!r} です")


def _to_numbers(p) -> np.ndarray | None:
    """The numeric content of validated plain data as float64 array, or None if not numeric."""
    t = p["t"]
    if t == "num":
        return np.asarray(float(p["v"]), dtype=np.float64)
    if t == "array":
        flat = _check_nested(p["data"], p["shape"])
        return np.asarray(flat, dtype=np.float64).reshape(p["shape"])
    if t == "list":
        parts = [_to_numbers(item) for item in p["items"]]
        if any(part is None for part in parts):
            return None
        if not parts:
            return np.zeros((0,), dtype=np.float64)
        if any(part.shape != parts[0].shape for part in parts):
            return None
        return np.stack(parts)
    return None


def describe_kind(p) -> str:
    t = p.get("t")
    if t == "array":
        return f"{p['lib']} の {p['dtype']} 配列 (shape {tuple(p['shape'])})"
    if t == "num":
        return "Python の数値"
    if t == "list":
        return "リスト"
    if t == "none":
        return "None"
    if t == "bool":
        return "真偽値"
    if t == "dict":
        return "辞書"
    return f"数値でないオブジェクト ({p.get('type')})"


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.6g}"


def _shape_str(shape) -> str:
    if not shape:
        return "()"
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


# ----------------------------------------------------------------------------- comparison


def _expected_plain(expect: Expect) -> dict:
    return to_plain(expect.value) if not isinstance(expect.value, dict) else expect.value


YES_NO_LABEL = re.compile(r"\s*\(1\s*=\s*はい\)")


def _yes_no(name: str, got: dict, expect: Expect) -> Outcome | None:
    """A yes/no fact answered in words; None when this is not a yes/no check."""
    if not (expect.yes_no or YES_NO_LABEL.search(name)):
        return None
    label = YES_NO_LABEL.sub("", name, count=1)
    fact = re.sub(r"\s*\(テスト \d+\)$", "", YES_NO_LABEL.split(name, maxsplit=1)[0].strip())
    ref = _to_numbers(_expected_plain(expect))
    if ref is None or ref.shape != () or float(ref) not in (0.0, 1.0):
        return None
    want = float(ref) == 1.0
    value = (1.0 if got["v"] else 0.0) if got["t"] == "bool" else None
    arr = _to_numbers(got) if value is None else None
    if arr is not None and arr.shape == () and float(arr) in (0.0, 1.0):
        value = float(arr)
    hint = f" ヒント: {expect.hint}" if expect.hint else ""
    if value is None:
        what = (_fmt(float(arr)) if arr is not None and arr.shape == ()
                else describe_kind(got))
        return Outcome(name, False, f"✗ {label}: はい (1) かいいえ (0) のはずの値が {what} "
                                    f"でした。{hint}")
    if (value == 1.0) == want:
        text = ("はい、そのとおりです。" if want
                else "いいえ、そうなっていません。それで正しいです。")
        return Outcome(name, True, f"✓ {label}: {text}")
    text = (f"いいえ、そうなっていません。正しくは「{fact}」になります。" if want
            else f"はい、そうなっています。正しくは「{fact}」にはなりません。")
    return Outcome(name, False, f"✗ {label}: {text}{hint}")


def compare(name: str, got, expect: Expect) -> Outcome:
    """Compare ``got`` (plain data, untrusted) with ``expect`` (trusted); never raises."""
    try:
        got = validate_plain(got)
    except Invalid as e:
        return Outcome(name, False, f"✗ {name}: 結果を読み取れません ({e})")
    answered = _yes_no(name, got, expect)
    if answered is not None:
        return answered
    ref_plain = _expected_plain(expect)
    ref = _to_numbers(ref_plain)
    if ref is None:  # a task author error, not the student's
        raise TypeError(f"reference for {name!r} is not numeric: {ref_plain.get('t')}")
    hint = f" ヒント: {expect.hint}" if expect.hint else ""
    t = got["t"]
    if t == "unsupported":
        return Outcome(
            name, False,
            f"✗ {name}: 数値・配列・Tensor ではないオブジェクト ({got.get('type')}) "
            "が返されました。"
            f"数値か Tensor を返してください。{hint}",
        )
    needs_tensor = expect.tensor or expect.requires_grad is not None
    if needs_tensor and (t != "array" or got.get("lib") == "numpy"):
        return Outcome(
            name, False, f"✗ {name}: Tensor が必要ですが {describe_kind(got)} でした。{hint}"
        )
    if expect.floating and t == "array" and not got["dtype"].startswith(("float", "bfloat")):
        return Outcome(
            name, False,
            f"✗ {name}: dtype が {got['dtype']} です。浮動小数点数 (float32 など) の Tensor "
            f"にしてください。{hint}",
        )
    if expect.requires_grad is not None and got.get("requires_grad") != expect.requires_grad:
        want = "True" if expect.requires_grad else "False"
        return Outcome(
            name, False,
            f"✗ {name}: requires_grad が {got.get('requires_grad')} です "
            f"({want} であるべき)。{hint}",
        )
    arr = _to_numbers(got)
    if arr is None:
        return Outcome(
            name, False, f"✗ {name}: 数値として比較できない値 ({describe_kind(got)}) です。{hint}"
        )
    if arr.shape != ref.shape:
        return Outcome(
            name, False,
            f"✗ {name}: 形 (shape) が違います。あなたの値 {_shape_str(arr.shape)} / "
            f"正解 {_shape_str(ref.shape)}。{hint}",
            {"shape": list(arr.shape), "expected_shape": list(ref.shape)},
        )
    if arr.size == 0:
        return Outcome(name, True, f"✓ {name}: 一致しました (空の配列)")
    with np.errstate(invalid="ignore", over="ignore"):
        same_nonfinite = (~np.isfinite(ref)) & (arr == ref)
        diff = np.where(same_nonfinite, 0.0, np.abs(arr - ref))
        diff = np.where(np.isnan(diff), np.inf, diff)
    allowed = expect.atol + expect.rtol * np.where(np.isfinite(ref), np.abs(ref), 0.0)
    excess = diff - allowed
    worst = np.unravel_index(int(np.argmax(excess)), arr.shape) if arr.ndim else ()
    w_got, w_ref = float(arr[worst]), float(ref[worst])
    w_diff, w_allowed = float(diff[worst]), float(allowed[worst])
    where = f"要素 {[int(i) for i in worst]}" if arr.ndim else ""
    details = {
        "shape": list(arr.shape), "index": [int(i) for i in worst], "student": w_got,
        "reference": w_ref, "abs_diff": w_diff, "allowed": w_allowed,
        "n_bad": int(np.sum(excess > 0)),
    }
    if expect.min_fraction < 1.0:
        share = float(np.mean(excess <= 0))
        ok = share >= expect.min_fraction
        details["fraction"] = share
        if ok:
            message = (f"✓ {name}: {arr.size} 要素のうち {share:.1%} が正解と一致しました "
                       f"(合格ライン {expect.min_fraction:.0%} 以上)")
        else:
            message = (f"✗ {name}: {arr.size} 要素のうち正解と一致したのは {share:.1%} で、"
                       f"合格ライン {expect.min_fraction:.0%} に届きません。{hint}")
        return Outcome(name, ok, message, details)
    if excess.max() <= 0:
        return Outcome(
            name, True,
            f"✓ {name}: torch.autograd と一致しました (shape {_shape_str(arr.shape)}, "
            f"最大誤差 {_fmt(float(diff.max()))})",
            details,
        )
    bad = int(np.sum(excess > 0))
    extra = "NaN が含まれています。" if np.isnan(arr).any() else ""
    return Outcome(
        name, False,
        f"✗ {name}: 値が違います (shape {_shape_str(arr.shape)}, "
        f"{bad}/{arr.size} 要素が許容誤差外)。"
        f"最もずれた{where or '値'}: あなたの値 {_fmt(w_got)} / 正解 {_fmt(w_ref)} "
        f"(差 {_fmt(w_diff)}, 許容 {_fmt(w_allowed)})。{extra}{hint}",
        details,
    )


# ----------------------------------------------------------------------------- torch helpers


def reference_device():
    """The device references are computed on: CUDA when available, else CPU (TF32 off)."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def ref_tensor(data, requires_grad: bool = False):
    """A float64 torch tensor on the reference device (for writing references)."""
    import torch

    return torch.tensor(data, dtype=torch.float64, device=reference_device(),
                        requires_grad=requires_grad)


def torch_grad(f, *inputs):
    """Gradients of the scalar ``f(*tensors)`` by torch.autograd in float64.

    ``inputs`` are numbers / nested lists / arrays; returns a tuple of float64 tensors (one per
    input), or the single tensor when there is one input.
    """
    import torch

    leaves = [ref_tensor(np.asarray(x, dtype=np.float64).tolist(), requires_grad=True)
              for x in inputs]
    out = f(*leaves)
    grads = torch.autograd.grad(out, leaves)
    return grads[0] if len(grads) == 1 else grads


# ----------------------------------------------------------------------------- visible checks


def _plain_or_failure(name, actual):
    try:
        return to_plain(actual), None
    except TooLarge as e:
        return None, Outcome(name, False, f"✗ {name}: 値が大きすぎます ({e})")
    except Exception as e:  # a broken object must not crash the check
        return None, Outcome(name, False, f"✗ {name}: 値を読み取れません ({type(e).__name__}: {e})")


def check(name: str, actual, expected, *, rtol: float = RTOL, atol: float = ATOL,
          requires_grad: bool | None = None, floating: bool = False, tensor: bool = False,
          hint: str | None = None, quiet: bool = False, min_fraction: float = 1.0,
          yes_no: bool = False) -> None:
    """Visible check: print ✓ or ✗ (in Japanese) and raise :class:`CheckFailed` on ✗.

    ``expected`` is the reference: a number, a torch tensor (e.g. from :func:`torch_grad`),
    a numpy array or a nested list. Returns None, so that a check on a cell's last line shows
    only its ✓ / ✗ line (use :func:`compare` for the :class:`Outcome`).
    """
    expect = Expect(expected, rtol=rtol, atol=atol, requires_grad=requires_grad,
                    floating=floating, tensor=tensor, hint=hint, min_fraction=min_fraction,
                    yes_no=yes_no)
    got, failure = _plain_or_failure(name, actual)
    outcome = failure or compare(name, got, expect)
    if not quiet or not outcome.ok:
        print(outcome.message)
    if not outcome.ok:
        raise CheckFailed(outcome.message)


def check_leaf(name: str, actual, expected, hint: str | None = None) -> None:
    """Visible check for a leaf tensor: floating dtype, requires_grad=True, the given values."""
    check(name, actual, expected, requires_grad=True, floating=True, tensor=True,
                 hint=hint)


# In a notebook kernel, *Run All* reports unfinished tasks as 未実装 and goes on (no-op elsewhere).
selfcheck.enable()

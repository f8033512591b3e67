"""Yes/no checks read as Japanese sentences, in the visible check and in grading alike."""

from __future__ import annotations

import pytest

from autograder.checks import CheckFailed, Expect, check, compare

FACT = "x.grad が None のまま"
HINT = "torch.autograd.grad を使いましょう。"


def num(v):
    return {"t": "num", "v": v}


@pytest.mark.parametrize("label", [f"{FACT} (1 = はい)", FACT], ids=["legacy-label", "flag"])
def test_yes_no_messages(label):
    def run(got, want):
        return compare(f"{label} (テスト 2)", got, Expect(want, hint=HINT, yes_no=label == FACT))

    ok = run(num(1.0), 1.0)
    assert ok.ok and ok.message == f"✓ {FACT} (テスト 2): はい、そのとおりです。"
    bad = run(num(0.0), 1.0)
    assert not bad.ok
    assert bad.message == (f"✗ {FACT} (テスト 2): いいえ、そうなっていません。"
                           f"正しくは「{FACT}」になります。 ヒント: {HINT}")
    ok_no = run({"t": "bool", "v": False}, 0.0)
    assert ok_no.ok and ok_no.message == (f"✓ {FACT} (テスト 2): いいえ、そうなっていません。"
                                          "それで正しいです。")
    bad_no = run(num(1), 0.0)
    assert not bad_no.ok
    assert f"はい、そうなっています。正しくは「{FACT}」にはなりません。" in bad_no.message
    for message in (ok.message, bad.message, ok_no.message, bad_no.message):
        assert "(1 = はい)" not in message and "torch.autograd と一致" not in message


def test_yes_no_rejects_other_values_with_the_value():
    out = compare(f"{FACT} (1 = はい)", num(0.5), Expect(1.0))
    assert not out.ok and "0.5" in out.message and "はい (1) かいいえ (0)" in out.message
    out = compare(f"{FACT} (1 = はい)", {"t": "none"}, Expect(1.0))
    assert not out.ok and "None" in out.message


def test_visible_check_prints_the_sentence(capsys):
    check(f"{FACT} (1 = はい)", 1.0, 1.0)
    assert capsys.readouterr().out.strip() == f"✓ {FACT}: はい、そのとおりです。"
    with pytest.raises(CheckFailed, match="いいえ、そうなっていません"):
        check(FACT, False, 1.0, yes_no=True, hint=HINT)


def test_ordinary_numbers_keep_the_numeric_message():
    out = compare("L", num(1.0), Expect(1.0))
    assert out.ok and "torch.autograd と一致しました" in out.message

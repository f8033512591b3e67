"""Tests for mygrad.fonts: Japanese text in matplotlib figures from the course's font package."""

import io
import logging
import subprocess
import sys
import warnings

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from mygrad import fonts  # noqa: E402

JA_TITLE = "損失の推移（パラメータ θ）"
JA_MIXED = "損失 $L(\\theta) = \\frac{1}{2}(y - \\hat y)^2$"


@pytest.fixture(autouse=True)
def _isolated_rc():
    with matplotlib.rc_context():
        yield
    plt.close("all")


def _render_japanese_figure():
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [3.0, -1.5, 0.5], label="学習率 η = 0.1")
    ax.plot([0, 1, 2], [1.0, 0.0, 2.0], label="モーメンタム")
    ax.set_title(JA_TITLE)
    ax.set_xlabel("ステップ数")
    ax.set_ylabel(JA_MIXED)
    ax.legend(title="最適化手法")
    ax.annotate("最小値", xy=(1, -1.5))
    fig.savefig(io.BytesIO(), format="png")
    fig.savefig(io.BytesIO(), format="svg")
    return fig, ax


def _glyph_problems(caplog):
    return [r.getMessage() for r in caplog.records
            if "glyph" in r.getMessage().lower() or "dummy symbol" in r.getMessage()]


def test_font_package_is_installed_with_the_course():
    # the `course` extra (and so `dev`) installs matplotlib-fontja; it must be found
    path = fonts.japanese_font_path()
    assert path is not None and path.endswith("ipaexg.ttf")
    assert font_manager.FontProperties(fname=path).get_name() == "IPAexGothic"


def test_japanese_text_renders_without_missing_glyphs(caplog):
    assert fonts.use_japanese_font() == "IPAexGothic"
    caplog.set_level(logging.WARNING, logger="matplotlib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" becomes an error
        _render_japanese_figure()
    assert _glyph_problems(caplog) == []


def test_japanese_text_is_drawn_with_the_japanese_font():
    fonts.use_japanese_font()
    fig, ax = plt.subplots()
    title = ax.set_title(JA_TITLE)
    used = font_manager.findfont(title.get_fontproperties(), fallback_to_default=False)
    assert used == fonts.japanese_font_path()
    # every Japanese character of the title has a glyph in that font
    ft = font_manager.get_font(used)
    assert all(ft.get_char_index(ord(c)) != 0 for c in JA_TITLE if ord(c) > 0x3000)


def test_without_the_helper_japanese_glyphs_are_missing(caplog):
    # the check above can fail: matplotlib's default font has no Japanese glyphs
    matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
    caplog.set_level(logging.WARNING, logger="matplotlib")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _render_japanese_figure()
    messages = [str(w.message) for w in caught] + _glyph_problems(caplog)
    assert any("missing from font" in m or "dummy symbol" in m for m in messages)


def test_calling_twice_keeps_one_entry_per_font():
    fonts.use_japanese_font()
    fonts.use_japanese_font()
    family = matplotlib.rcParams["font.family"]
    assert family[:2] == ["IPAexGothic", "DejaVu Sans"]
    assert matplotlib.rcParams["font.sans-serif"].count("IPAexGothic") == 1


def test_missing_font_warns_or_raises(monkeypatch):
    monkeypatch.setattr(fonts, "japanese_font_path", lambda: None)
    monkeypatch.setattr(fonts, "_SYSTEM_CANDIDATES", ("No Such Font JP",))
    before = list(matplotlib.rcParams["font.family"])
    with pytest.warns(UserWarning, match="matplotlib-fontja"):
        assert fonts.use_japanese_font() is None
    assert list(matplotlib.rcParams["font.family"]) == before  # left untouched
    with pytest.raises(RuntimeError, match="matplotlib-fontja"):
        fonts.use_japanese_font(strict=True)


def test_import_does_not_load_matplotlib_or_the_font_package():
    code = ("import sys, mygrad, mygrad.fonts; "
            "assert 'matplotlib' not in sys.modules; "
            "assert 'matplotlib_fontja' not in sys.modules; "
            "mygrad.fonts.japanese_font_path(); "
            "assert 'matplotlib_fontja' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)

"""Japanese text in matplotlib figures, from a font the course installs.

Colab (and many Linux machines) ship no Japanese font, so a figure titled in Japanese renders
its characters as empty boxes. The course's ``course`` extra installs ``matplotlib-fontja``,
a PyPI package that bundles the IPAexGothic font. A lecture calls :func:`use_japanese_font`
once in its setup; afterwards titles, axis labels, legends and annotations may be Japanese.

The Japanese font comes first in ``font.family`` (it has Latin letters and digits too), so a
label that mixes Japanese and math, such as ``"損失 $L(\\theta)$"``, also works: matplotlib
draws the text outside ``$...$`` with the first font of the family, without per-glyph fallback.
DejaVu Sans stays second, for the few symbols the Japanese font lacks.

Nothing here is imported by ``import mygrad``'s numpy-only path: matplotlib is imported inside
the function.
"""

import importlib.util
import os
import warnings

__all__ = ["use_japanese_font", "japanese_font_path", "JAPANESE_FONT_PACKAGE"]

JAPANESE_FONT_PACKAGE = "matplotlib-fontja"
_BUNDLED_FILE = os.path.join("fonts", "ipaexg.ttf")
# Japanese fonts an operating system may already have, tried when the package is missing.
_SYSTEM_CANDIDATES = (
    "IPAexGothic", "IPAGothic", "Noto Sans CJK JP", "Noto Sans JP", "Source Han Sans JP",
    "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", "Meiryo", "TakaoGothic",
    "VL Gothic",
)
_FALLBACK = "DejaVu Sans"  # matplotlib's own font: symbols the Japanese font lacks


def japanese_font_path():
    """Path of the font file bundled by ``matplotlib-fontja``, or ``None`` if not installed.

    The package is located without importing it: importing it would call its own
    ``japanize()``, which makes every glyph (digits included) IPAexGothic.
    """
    try:
        spec = importlib.util.find_spec("matplotlib_fontja")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, _BUNDLED_FILE)
        if os.path.isfile(path):
            return path
    return None


def use_japanese_font(strict=False):
    """Make matplotlib draw Japanese text; returns the Japanese font's family name.

    Call once per notebook, after importing matplotlib and before drawing. Uses the font of
    ``matplotlib-fontja`` (installed with ``pip install "autodiff-course[course]"``); without
    it, a Japanese font the operating system already has. If neither exists, warns (or raises
    ``RuntimeError`` with ``strict=True``) and returns ``None``: figures still draw, with
    boxes in place of Japanese characters.

    Sets ``font.family`` to the Japanese font followed by DejaVu Sans (per-glyph fallback).
    """
    import matplotlib
    from matplotlib import font_manager

    name = None
    path = japanese_font_path()
    if path is not None:
        font_manager.fontManager.addfont(path)
        name = font_manager.FontProperties(fname=path).get_name()
    else:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        name = next((c for c in _SYSTEM_CANDIDATES if c in installed), None)
    if name is None:
        message = (
            "日本語フォントが見つかりません。図の日本語は □ になります。"
            f"`pip install {JAPANESE_FONT_PACKAGE}` を実行してからカーネルを再起動してください "
            f"(no Japanese font: install {JAPANESE_FONT_PACKAGE})."
        )
        if strict:
            raise RuntimeError(message)
        warnings.warn(message, stacklevel=2)
        return None

    rc = matplotlib.rcParams
    rest = [f for f in rc["font.sans-serif"] if f not in (_FALLBACK, name)]
    rc["font.sans-serif"] = [name, _FALLBACK, *rest]
    # An explicit list: matplotlib falls back glyph by glyph along font.family, whereas a
    # generic name such as "sans-serif" resolves to one font only.
    rc["font.family"] = [name, _FALLBACK]
    return name

"""Checks on the lecture notebooks that execution alone does not catch (issue 15).

Each check takes a notebook (an ``nbformat`` node or a plain dict as read from JSON) and returns
a list of :class:`Problem`; an empty list means the notebook passes:

* :func:`banned_variants` — spellings that ``docs/glossary.md`` bans, in markdown cells;
* :func:`section_references` — every "N 節" / "N.M 節" names an existing section heading, and
  the words around it do not point at a different section's topic instead;
* :func:`figure_text_language` — figure titles, axis labels and legend entries written in code
  are not English-only (an allow-list keeps method and library names);
* :func:`output_hygiene` — stored outputs without stray object reprs (``<torch._C.Generator
  ...>``, ``interactive(...)``, ``Text(0.5, 1.0, '...')``), without progress bars stored as a
  stream of updates, without errors, and teaching code without ``hasattr`` guards.

:func:`check_notebook` runs them all. From the command line::

    python tests/lecture_checks.py lectures/*.ipynb

prints every problem, grouped by notebook and check (exit status 1 if there are any).
No part of the course imports this module; it depends on the standard library only.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


@dataclass(frozen=True)
class Problem:
    check: str
    cell: int
    message: str
    line: int | None = None

    def __str__(self):
        where = f"cell {self.cell}" + (f", line {self.line}" if self.line is not None else "")
        return f"[{self.check}] {where}: {self.message}"


@dataclass(frozen=True)
class Term:
    preferred: str
    banned: tuple
    english: str


# --------------------------------------------------------------------------------------------
# reading notebooks
# --------------------------------------------------------------------------------------------
def load_notebook(nb):
    """A notebook as a dict: pass a path, a JSON string's parsed dict, or an nbformat node."""
    if isinstance(nb, (str, Path)):
        with open(nb, encoding="utf-8") as fh:
            return json.load(fh)
    return nb


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _cells(nb, kind):
    for i, cell in enumerate(load_notebook(nb)["cells"]):
        if cell.get("cell_type") == kind:
            yield i, cell


_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_HTML_TAG = re.compile(r"<[^>\n]+>")


def prose(text):
    """Markdown with code, link targets, URLs and HTML tags blanked out (same line count)."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))

    for pattern in (_FENCE, _INLINE_CODE, _LINK_TARGET, _URL, _HTML_TAG):
        text = pattern.sub(blank, text)
    return text


# --------------------------------------------------------------------------------------------
# 1. glossary
# --------------------------------------------------------------------------------------------
def load_glossary(path=GLOSSARY):
    """The checked table of ``docs/glossary.md``: one :class:`Term` per row."""
    terms = []
    in_table = False
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_table = "(checked)" in line
            continue
        if not in_table or not line.startswith("|"):
            continue
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) < 3 or cols[0] in ("用語", "") or set(cols[0]) <= {"-", " "}:
            continue
        banned = tuple(b.strip() for b in re.split(r"[、,]", cols[1]) if b.strip())
        terms.append(Term(cols[0], banned, cols[2]))
    if not terms:
        raise ValueError(f"no glossary table found in {path}")
    return terms


_ALIAS_WORDS = ("とも呼", "とも言", "とも書", "とも訳")
_BRACKETED = r"[（(「『][^）)」』]*{}[^）)」』]*[）)」』]"


def _alias_allowed(line, term, variant):
    if any(w in line for w in _ALIAS_WORDS):
        return True
    return term.preferred in line and re.search(_BRACKETED.format(re.escape(variant)), line)


def banned_variants(nb, glossary=None):
    """Banned spellings from the glossary in markdown cells (code and links skipped). A
    variant that contains the preferred term (none do today) is not reported inside it."""
    glossary = load_glossary() if glossary is None else glossary
    problems = []
    for i, cell in _cells(nb, "markdown"):
        for n, line in enumerate(prose(_source(cell)).splitlines(), start=1):
            for term in glossary:
                for variant in term.banned:
                    if variant not in line or _alias_allowed(line, term, variant):
                        continue
                    # "パラメタ" must not fire inside "パラメータ"-like longer preferred words
                    hits = [m.start() for m in re.finditer(re.escape(variant), line)]
                    inside = [m.start() for m in re.finditer(re.escape(term.preferred), line)]
                    if term.preferred.find(variant) >= 0 and all(
                            any(s <= h < s + len(term.preferred) for s in inside) for h in hits):
                        continue
                    problems.append(Problem(
                        "glossary", i, f"「{variant}」→「{term.preferred}」({term.english})", n))
    return problems


# --------------------------------------------------------------------------------------------
# 2. section references
# --------------------------------------------------------------------------------------------
_HEADING = re.compile(r"^#{2,4}\s+(\d+(?:\.\d+)*)[.．]?\s+(.*\S)\s*$", re.M)
_REFERENCE = re.compile(
    r"(?:第\s*(\d+)\s*回\s*の?\s*)?(?<![\d.])(\d+(?:\.\d+)*)\s*節(?![点約])")
_KANJI = re.compile(r"[\u4e00-\u9fff々]{2,}")
_KATAKANA = re.compile(r"[\u30a0-\u30ffー]{3,}")
_ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")


def section_headings(nb):
    """``{"4.2": "title", ...}`` from the numbered markdown headings (## 4. ..., ### 4.2 ...)."""
    found = {}
    for _, cell in _cells(nb, "markdown"):
        for m in _HEADING.finditer(_source(cell)):
            found.setdefault(m.group(1), m.group(2))
    return found


def _keywords(text):
    text = re.sub(r"\$[^$]*\$", " ", text)  # math: \partial, \sin, ... are no topic
    codes = {c.strip("`").lower() for c in re.findall(r"`[^`]+`", text)}
    words = {w.lower() for w in _ASCII_WORD.findall(text)}
    return codes | words | set(_KANJI.findall(text)) | set(_KATAKANA.findall(text))


def _distinctive(headings):
    """Each section's keywords that at most two headings share (so 勾配 in every title
    does not count as a topic)."""
    kw = {num: _keywords(title) for num, title in headings.items()}
    count = {}
    for words in kw.values():
        for w in words:
            count[w] = count.get(w, 0) + 1
    return {num: {w for w in words if count[w] <= 2} for num, words in kw.items()}


def _context(text, start, end, width=24):
    """The words a reference is about: what follows "N 節" ("5 節の make_moons"), or for a
    bracketed "（N 節）" what precedes it; never past a sentence end."""
    right = re.split(r"[。\n]", text[end:end + width])[0]
    if text[max(0, start - 1):start] in ("（", "(") and text[end:end + 1] in ("）", ")"):
        left = re.split(r"[。\n]", text[max(0, start - 1 - width):start - 1])[-1]
        return left
    return right


def _reference_texts(nb):
    """(cell index, text, source lines) to search: markdown prose up to a 参考文献 heading
    (book sections there are not ours), and the comments of code cells."""
    for i, cell in enumerate(load_notebook(nb)["cells"]):
        source = _source(cell)
        if cell.get("cell_type") == "markdown":
            text = prose(source)
            m = re.search(r"^#+\s*(参考文献|文献)", text, re.M)
            if m:
                text = text[:m.start()]
            yield i, text, source.splitlines()
            if m:
                return
        elif cell.get("cell_type") == "code":
            lines = source.splitlines()
            comments = [line[line.index("#"):] if "#" in line else "" for line in lines]
            yield i, "\n".join(comments), lines


def section_references(nb, lectures=None, number=None):
    """Every "N 節" in markdown and in code comments points to an existing numbered heading,
    and the words it is about do not name another section's topic while naming nothing of
    its own target's.

    ``lectures`` maps a lecture number to its notebook, for "第4回の 6 節"; ``number`` is this
    notebook's lecture number (references to it resolve locally). Without ``lectures`` those
    cross references are checked for nothing. References in a 参考文献 section are skipped.
    """
    own = section_headings(nb)
    heads = {None: own}
    if number is not None:
        heads[int(number)] = own
    problems = []
    for i, text, lines in _reference_texts(nb):
        for m in _REFERENCE.finditer(text):
            lecture = int(m.group(1)) if m.group(1) else None
            num = m.group(2)
            if lecture is not None and lecture not in heads:
                if not lectures or lecture not in lectures:
                    continue
                heads[lecture] = section_headings(lectures[lecture])
            table = heads[lecture]
            line = text.count("\n", 0, m.start()) + 1
            if _HEADING.match(lines[line - 1] if line <= len(lines) else ""):
                continue  # a heading that happens to contain "節"
            where = f"第{lecture}回の " if lecture is not None else ""
            if num not in table:
                problems.append(Problem(
                    "section-ref", i, f"「{where}{num} 節」: その番号の節がありません "
                    f"(節: {', '.join(sorted(table, key=_num_key)) or 'なし'})", line))
                continue
            context = _keywords(_context(text, m.start(), m.end()))
            distinct = _distinctive(table)
            target = context & distinct.get(num, set())
            others = {k: context & v for k, v in distinct.items() if k != num and context & v}
            if not target and others:
                best = max(others, key=lambda k: len(others[k]))
                problems.append(Problem(
                    "section-ref", i,
                    f"「{where}{num} 節」（{table[num]}）の話題ではなく {best} 節（{table[best]}）"
                    f"の話題 {sorted(others[best])} を指しています", line))
    return problems


def _num_key(num):
    return tuple(int(p) for p in num.split("."))


# --------------------------------------------------------------------------------------------
# 3. figure text language
# --------------------------------------------------------------------------------------------
_ALLOWED_WORDS = """
    SGD Adam AdamW Momentum Nesterov AdaGrad Adagrad RMSProp RMSprop Armijo PyTorch torch
    mygrad numpy NumPy JAX tinygrad micrograd Julia Zygote ForwardDiff FiniteDiff TensorFlow
    Keras Chainer ReLU tanh sigmoid softmax sin cos exp log sqrt MLP CNN ResNet LeNet DenseNet
    GPT Transformer MSE BCE lr make_moons float32 float64 autograd grad jvp vjp dual Value
    Tensor Linear CPU GPU CUDA MLPerf OK
"""
FIGURE_ALLOW = frozenset(w.lower() for w in _ALLOWED_WORDS.split())
_TEXT_METHODS = {"set_title", "set_xlabel", "set_ylabel", "set_zlabel", "title", "xlabel",
                 "ylabel", "suptitle", "supxlabel", "supylabel", "text", "annotate",
                 "set_label", "set_text"}
_LABELLED_CALLS = {"plot", "scatter", "bar", "barh", "hist", "step", "fill_between",
                   "errorbar", "axhline", "axvline", "semilogy", "semilogx", "loglog",
                   "stem", "stairs", "contour", "contourf", "quiver", "imshow", "colorbar"}
_DICT_LABELS = {"plot_loss_curves", "plot_contour"}  # mygrad.viz helpers


def _strings(node):
    """String constants (f-strings with their fields as '{}') inside an expression."""
    out = []
    stack = [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            out.append(sub.value)
        elif isinstance(sub, ast.JoinedStr):  # its parts are not strings of their own
            out.append("".join(v.value if isinstance(v, ast.Constant) else "{}"
                               for v in sub.values))
        else:
            stack.extend(ast.iter_child_nodes(sub))
    return out[::-1]


def _english_only(text, allow):
    if JAPANESE.search(text):
        return False
    text = re.sub(r"\$[^$]*\$", " ", text)  # math
    text = re.sub(r"\{[^{}]*\}", " ", text)  # format fields
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text) if w.lower() not in allow]
    return bool(words)


def _code_for_ast(source):
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append("" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def figure_text_language(nb, allow=()):
    """Titles, axis labels, legend entries and annotations given as string literals in code
    cells: each must contain Japanese unless all its words are on the allow-list (method,
    library and function names; ``allow`` adds more) or inside ``$...$``."""
    allow = FIGURE_ALLOW | {a.lower() for a in allow}
    problems = []
    for i, cell in _cells(nb, "code"):
        try:
            tree = ast.parse(_code_for_ast(_source(cell)))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            texts = []
            if name in _TEXT_METHODS and node.args:
                texts += _strings(node.args[0])
            if name == "legend":
                texts += [s for a in node.args for s in _strings(a)]
            if name in _DICT_LABELS:  # legend labels as dict keys: {"SGD": path, ...}
                for value in [*node.args, *(k.value for k in node.keywords if k.arg == "paths")]:
                    if isinstance(value, ast.Dict):
                        texts += [s for key in value.keys if key is not None
                                  for s in _strings(key)]
            for kw in node.keywords:
                if kw.arg in ("title", "xlabel", "ylabel") or (
                        kw.arg == "label" and (name in _LABELLED_CALLS or name == "legend")):
                    texts += _strings(kw.value)
            for t in texts:
                if _english_only(t, allow):
                    problems.append(Problem(
                        "figure-text", i, f"{name}(...) の文字列 {t!r} が英語だけです",
                        node.lineno))
    return problems


# --------------------------------------------------------------------------------------------
# 4. stored-output hygiene
# --------------------------------------------------------------------------------------------
_STRAY_REPRS = [
    (re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>"), "object repr"),
    (re.compile(r"<torch\._C\.\w+"), "torch internal object repr"),
    (re.compile(r"^\s*(interactive|VBox|HBox|Output|IntSlider|FloatSlider|Dropdown|Button|"
                r"Play|FloatLogSlider|Tab|Accordion)\(", re.M), "widget repr"),
    (re.compile(r"^\[?<matplotlib\.[\w.]+ at 0x[0-9a-fA-F]+>"), "matplotlib artist repr"),
    (re.compile(r"^(Text|Annotation)\(-?[\d.]+, -?[\d.]+, "), "matplotlib Text repr"),
    (re.compile(r"^<matplotlib\.(legend|colorbar|image|contour)"), "matplotlib object repr"),
]
_PROGRESS = re.compile(r"\d+%\|")
_HASATTR = re.compile(r"\bhasattr\s*\(")


def output_hygiene(nb):
    """Stored outputs a student would not expect, and ``hasattr`` in teaching code."""
    problems = []
    for i, cell in _cells(nb, "code"):
        source = _source(cell)
        for n, line in enumerate(source.splitlines(), start=1):
            if _HASATTR.search(line.split("#", 1)[0]):
                problems.append(Problem("hygiene", i, "教材のコードに hasattr の防御があります: "
                                        f"{line.strip()}", n))
        bars = 0
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error":
                problems.append(Problem("hygiene", i, f"エラー出力 {out.get('ename')}"))
                continue
            if kind == "stream":
                text = "".join(out.get("text", ""))
                bars += len(_PROGRESS.findall(text))
                if "Traceback (most recent call last)" in text:
                    problems.append(Problem("hygiene", i, "stderr にトレースバック"))
                continue
            data = out.get("data", {})
            plain = data.get("text/plain", "")
            plain = "".join(plain) if isinstance(plain, list) else plain
            rich = any(k.startswith("image/") or k == "text/html" for k in data)
            if re.match(r"^<Figure size", plain) and not rich:
                problems.append(Problem("hygiene", i,
                                        "図が描かれずに <Figure ...> だけ残っています"))
            for pattern, what in _STRAY_REPRS:
                if pattern.search(plain) and not (what == "object repr" and rich):
                    problems.append(Problem(
                        "hygiene", i, f"{what} が出力に残っています: {plain.strip()[:70]!r}"))
                    break
        if bars > 1:
            problems.append(Problem(
                "hygiene", i,
                f"進捗バーが {bars} 回分の途中経過として保存されています（最終状態だけにする）"))
    return problems


# --------------------------------------------------------------------------------------------
# all together
# --------------------------------------------------------------------------------------------
CHECKS = ("glossary", "section-ref", "figure-text", "hygiene")


def lecture_number(path):
    m = re.match(r"(\d+)_", Path(path).name)
    return int(m.group(1)) if m else None


def check_notebook(nb, glossary=None, lectures=None, number=None, allow=()):
    """All checks on one notebook: ``{check name: [Problem, ...]}``."""
    if isinstance(nb, (str, Path)) and number is None:
        number = lecture_number(nb)
    nb = load_notebook(nb)
    return {
        "glossary": banned_variants(nb, glossary),
        "section-ref": section_references(nb, lectures, number),
        "figure-text": figure_text_language(nb, allow),
        "hygiene": output_hygiene(nb),
    }


def main(argv=None):
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    if not paths:
        paths = sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb"))
    lectures = {lecture_number(p): p for p in paths if lecture_number(p) is not None}
    glossary = load_glossary()
    total = 0
    for p in paths:
        result = check_notebook(p, glossary, lectures)
        count = sum(map(len, result.values()))
        total += count
        print(f"== {p.name}: {count} problem(s)")
        for problems in result.values():
            for problem in problems:
                print(f"   {problem}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())

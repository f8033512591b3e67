"""docs/lecture-additions.md: every item's code cells run, in order and in a fresh namespace,
and print exactly the output recorded below them; its markdown cells use the glossary's terms;
each lecture's 確認問題 has three questions with collapsible answers."""

import contextlib
import io
import re
from pathlib import Path

import lecture_checks as lc
import matplotlib
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

matplotlib.use("Agg")

DOC = Path(__file__).resolve().parent.parent / "docs" / "lecture-additions.md"
FENCE = re.compile(r"^(`{3,4})(\w*)\n(.*?)^\1[ \t]*$", re.M | re.S)


def items():
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^### (?=[A-C]\d+\. )", text, flags=re.M)[1:]
    out = []
    for part in parts:
        title = part.splitlines()[0]
        blocks = [(m.group(2), m.group(3), m.end()) for m in FENCE.finditer(part)]
        out.append((title, part, blocks))
    return out


ITEMS = items()
CODE_ITEMS = [pytest.param(t, b, id=t.split()[0].rstrip(".")) for t, _, b in ITEMS
              if any(kind == "python" for kind, _, _ in b)]


def test_document_has_every_part():
    titles = [t for t, _, _ in ITEMS]
    for key in ["A1.", "A2.", "A3.", "A4.", "A5."] + [f"B{i}." for i in range(1, 10)] + \
            [f"C{i}." for i in range(1, 11)]:
        assert any(t.startswith(key) for t in titles), key


@pytest.mark.parametrize("title, blocks", CODE_ITEMS)
def test_code_cells_print_the_recorded_output(title, blocks):
    namespace = {"__name__": "__lecture_addition__"}
    for k, (kind, body, _) in enumerate(blocks):
        if kind != "python":
            continue
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(compile(body, f"<{title}: cell {k}>", "exec"), namespace)
        following = blocks[k + 1] if k + 1 < len(blocks) else None
        if following is not None and following[0] == "text":
            got = [line.rstrip() for line in buf.getvalue().rstrip("\n").splitlines()]
            want = [line.rstrip() for line in following[1].rstrip("\n").splitlines()]
            assert got == want, f"{title}, code cell {k}"


def test_every_recorded_output_follows_a_code_cell():
    for title, _, blocks in ITEMS:
        for k, (kind, _, _) in enumerate(blocks):
            if kind == "text":
                assert k > 0 and blocks[k - 1][0] == "python", title


def test_markdown_cells_follow_the_glossary():
    cells = [new_markdown_cell(body) for _, _, blocks in ITEMS
             for kind, body, _ in blocks if kind == "markdown"]
    assert len(cells) > 20
    problems = lc.banned_variants(new_notebook(cells=cells))
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("n", range(1, 11))
def test_quiz_has_three_questions_with_collapsible_answers(n):
    (part,) = [p for t, p, _ in ITEMS if t.startswith(f"C{n}.")]
    (cell,) = [m.group(3) for m in FENCE.finditer(part) if m.group(2) == "markdown"]
    assert cell.startswith("## 確認問題")
    assert re.findall(r"\*\*問 (\d)\.\*\*", cell) == ["1", "2", "3"]
    assert cell.count("<details><summary>答え</summary>") == 3 == cell.count("</details>")

"""The course builds mygrad in order: no notebook uses a part of mygrad before it is built.

``docs/curriculum.md`` holds the map (one table: mygrad name -> the lecture that builds it, and
optionally the name of the student's own version that must be defined first in that lecture)
and the exercise order (exercise -> the lecture it follows). This test reads every lecture,
solution and released exercise notebook, finds every ``mygrad`` name a code cell imports or
uses (through ``ast``: imports, aliases, attribute chains, and the module itself passed around
as a stand-in for torch), and fails when a name is used before the lecture that builds it, or
in the building lecture before the student's own version has been defined.

The checker is tested on synthetic notebooks too, so that a later name demonstrably fails.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "docs" / "curriculum.md"
FREE = {"mygrad", "mygrad.__version__"}


# --------------------------------------------------------------------------------------------
# the map
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    name: str          # "mygrad.nn" or "mygrad.*"
    lecture: int       # the lecture that builds it
    first_as: str      # a def/class the building lecture defines before using the name ("" = none)


def _table(text: str, header: str) -> list[list[str]]:
    """The rows (cells stripped) of the markdown table whose header row starts with ``header``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("| " + header):
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split("|")])
            return rows
    raise AssertionError(f"docs/curriculum.md has no table starting with '| {header}'")


def _lecture_number(text: str) -> int:
    m = re.search(r"lecture (\d+)", text)
    assert m, f"cannot read a lecture number from {text!r} in docs/curriculum.md"
    return int(m.group(1))


def load_map(text: str) -> tuple[list[Row], dict[str, int]]:
    rows = []
    for name, built, first in _table(text, "mygrad name"):
        rows.append(Row(name.strip("`"), _lecture_number(built), first.strip("`")))
    exercises = {ex.strip("`"): int(after) for ex, after, *_ in _table(text, "exercise")}
    return rows, exercises


def row_for(name: str, rows: list[Row]) -> Row | None:
    """The longest row that is ``name`` or a dotted prefix of it; ``mygrad.*`` catches the rest."""
    best = None
    for row in rows:
        if row.name == "mygrad.*":
            continue
        matches = name == row.name or name.startswith(row.name + ".")
        if matches and (best is None or len(row.name) > len(best.name)):
            best = row
    if best is None and name.startswith("mygrad."):
        best = next((r for r in rows if r.name == "mygrad.*"), None)
    return best


# --------------------------------------------------------------------------------------------
# finding mygrad names in code
# --------------------------------------------------------------------------------------------
def _parse(source: str) -> ast.Module | None:
    # IPython: a line magic's argument is code (%time f(x)); shell escapes and cell magics are
    # not Python and are blanked out, keeping line numbers
    lines = []
    for ln in source.splitlines():
        stripped = ln.lstrip()
        m = re.match(r"%(time|timeit|prun)\s+(?:-\S+\s+)*(.*)", stripped)
        if m:
            lines.append(m.group(2))
        elif stripped.startswith(("%", "!")):
            lines.append("")
        else:
            lines.append(ln)
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


class _Uses(ast.NodeVisitor):
    """Collects the dotted mygrad names a cell uses; ``aliases`` maps a local name to the
    mygrad path it stands for and carries over from cell to cell (as in a kernel)."""

    def __init__(self, aliases: dict[str, str]):
        self.aliases = aliases
        self.used: list[str] = []
        self.defined: list[str] = []

    def visit_Import(self, node):
        for a in node.names:
            if a.name == "mygrad" or a.name.startswith("mygrad."):
                self.used.append(a.name)
                if a.asname:
                    self.aliases[a.asname] = a.name
                else:
                    self.aliases["mygrad"] = "mygrad"
            else:
                self.aliases.pop(a.asname or a.name.split(".")[0], None)

    def visit_ImportFrom(self, node):
        mod = node.module or ""
        for a in node.names:
            local = a.asname or a.name
            if mod == "mygrad" or mod.startswith("mygrad."):
                full = f"{mod}.{a.name}"
                self.used.append(full)
                self.aliases[local] = full
            else:
                self.aliases.pop(local, None)

    def _defines(self, name):
        self.defined.append(name)
        self.aliases.pop(name, None)

    def visit_ClassDef(self, node):
        self._defines(node.name)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        self._defines(node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _chain(self, node):
        """``a.b.c`` -> ("a", ["b", "c"]) when the chain ends in a plain name."""
        attrs = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            return node.id, attrs[::-1]
        return None, []

    def visit_Attribute(self, node):
        base, attrs = self._chain(node)
        if base in self.aliases:
            self.used.append(".".join([self.aliases[base], *attrs]))
            return
        self.generic_visit(node)

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load):
            self.aliases.pop(node.id, None)   # rebinding a name ends its alias
            return
        if node.id in self.aliases:
            path = self.aliases[node.id]
            # the bare module handed around (for lib in (torch, mygrad), f(mygrad)) stands for
            # torch: it will be used for tensors
            self.used.append("mygrad.<module>" if path == "mygrad" else path)


@dataclass(frozen=True)
class Use:
    cell: int
    name: str


def scan_notebook(nb: dict) -> tuple[list[Use], dict[str, int]]:
    """Every mygrad name used, with its cell index, and the first cell defining each def/class."""
    aliases: dict[str, str] = {}
    uses, first_def = [], {}
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        tree = _parse(src)
        if tree is None:
            continue
        v = _Uses(aliases)
        v.visit(tree)
        uses += [Use(i, n) for n in dict.fromkeys(v.used)]
        for d in v.defined:
            first_def.setdefault(d, i)
    return uses, first_def


def violations(nb: dict, position: tuple[int, int], rows: list[Row]) -> list[str]:
    """What ``nb`` uses too early. ``position`` is (lecture, 0) for lecture N and (N, 1) for an
    exercise that follows lecture N."""
    lecture, is_exercise = position
    uses, first_def = scan_notebook(nb)
    problems = []
    for use in uses:
        name = "mygrad.*" if use.name == "mygrad.<module>" else use.name
        if name in FREE or name.split(".")[-1].startswith("__"):
            continue
        row = row_for(name, rows)
        if row is None:
            problems.append(f"cell {use.cell}: {use.name} is not in docs/curriculum.md")
        elif row.lecture > lecture:
            problems.append(f"cell {use.cell}: {use.name} is built in lecture {row.lecture} "
                            f"(row {row.name})")
        elif row.lecture == lecture and not is_exercise and row.first_as:
            at = first_def.get(row.first_as)
            if at is None or at > use.cell:
                problems.append(f"cell {use.cell}: {use.name} is used before this lecture "
                                f"defines its own {row.first_as}")
    return problems


# --------------------------------------------------------------------------------------------
# the course's notebooks
# --------------------------------------------------------------------------------------------
ROWS, EXERCISES = load_map(MAP.read_text(encoding="utf-8"))


def _notebooks():
    for p in sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb")):
        yield pytest.param(p, (int(p.name[:2]), 0), id=f"lectures/{p.stem}")
    for top in ("solutions", "exercises"):
        for p in sorted((ROOT / top).glob("*/*.ipynb")):
            ex = p.parent.name
            yield pytest.param(p, (EXERCISES.get(ex, -1), 1), id=f"{top}/{ex}")


@pytest.mark.parametrize(("path", "position"), list(_notebooks()))
def test_notebook_uses_only_what_is_built(path, position):
    assert position[0] >= 0, f"{path.parent.name} is missing from the exercise table"
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems = violations(nb, position, ROWS)
    assert not problems, f"{path.relative_to(ROOT)} uses mygrad too early:\n  " + "\n  ".join(
        problems)


def test_every_exercise_is_in_the_map_and_in_lecture_order():
    folders = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / "grading.py").exists())
    assert sorted(EXERCISES) == folders
    order = list(EXERCISES)
    assert [EXERCISES[e] for e in order] == sorted(EXERCISES[e] for e in order)


def test_readme_lists_exercises_in_map_order():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = [m.group(1) for m in re.finditer(r"^\| (ex\d+\w*) \|", readme, re.M)]
    assert listed == list(EXERCISES)


def test_exercises_say_which_lecture_they_follow():
    for ex, after in EXERCISES.items():
        nb = json.loads((ROOT / "solutions" / ex / f"{ex}.ipynb").read_text(encoding="utf-8"))
        text = "".join("".join(c["source"]) for c in nb["cells"][:4]
                       if c["cell_type"] == "markdown")
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)   # [第 5 回](link) -> 第 5 回
        assert f"第 {after} 回のあと" in text, f"{ex} does not say it follows lecture {after}"


# --------------------------------------------------------------------------------------------
# the checker itself: it must be able to fail
# --------------------------------------------------------------------------------------------
def _nb(*sources):
    return {"cells": [{"cell_type": "code", "source": s} for s in sources]}


SYNTH_ROWS = load_map("""
| mygrad name | built in | built first as |
| --- | --- | --- |
| `mygrad.viz` | tool (lecture 1) | |
| `mygrad.Value` | lecture 5 | `Value` |
| `mygrad.*` | lecture 7 | `Tensor` |
| `mygrad.nn` | lecture 9 | `Module` |

| exercise | after lecture | topic |
| --- | --- | --- |
| ex01 | 1 | x |
""")[0]


@pytest.mark.parametrize("source", [
    "import mygrad\nv = mygrad.Value(1.0)",
    "from mygrad import Value",
    "from mygrad import Value as V\nV(2.0)",
    "import mygrad as mg\nmg.tensor([1.0])",
    "import mygrad as torch\na = torch.tensor(2.0, requires_grad=True)",
    "import mygrad\nfor lib in (torch, mygrad):\n    pass",
    "import mygrad.nn as nn\n",
    "from mygrad.nn import Linear",
    "import mygrad\n%time mygrad.sin(mygrad.tensor(1.0))",
])
def test_checker_flags_a_later_name(source):
    assert violations(_nb(source), (4, 0), SYNTH_ROWS)


def test_checker_follows_aliases_across_cells_and_rebinding():
    nb = _nb("import mygrad as torch", "x = torch.tensor(1.0)")
    assert violations(nb, (6, 0), SYNTH_ROWS)
    nb = _nb("import mygrad as torch", "import torch", "x = torch.tensor(1.0)")
    assert not violations(nb, (6, 0), SYNTH_ROWS)


@pytest.mark.parametrize("source", [
    "import numpy, torch, mygrad\nprint(mygrad.__version__)",
    "from mygrad import viz\nviz.plot_loss_curves([1.0])",
    "import mygrad\nmygrad.viz.plot_contour",
    "x = torch.tensor(1.0)\nclass Value: pass\nValue()",
])
def test_checker_allows_what_is_built(source):
    assert not violations(_nb(source), (4, 0), SYNTH_ROWS)


def test_checker_wants_the_own_version_first_in_the_building_lecture():
    early = _nb("import mygrad\nmygrad.Value(1.0)", "class Value:\n    pass")
    late = _nb("class Value:\n    pass", "import mygrad\nmygrad.Value(1.0)")
    assert violations(early, (5, 0), SYNTH_ROWS)
    assert not violations(late, (5, 0), SYNTH_ROWS)
    # an exercise after lecture 5 may use it at once
    assert not violations(early, (5, 1), SYNTH_ROWS)


def test_checker_rejects_names_missing_from_the_map():
    rows = [r for r in SYNTH_ROWS if r.name != "mygrad.*"]
    assert violations(_nb("import mygrad\nmygrad.frobnicate()"), (10, 0), rows)

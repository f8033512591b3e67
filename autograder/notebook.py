"""Reading instructor sources and reducing untrusted submissions to the student's own code.

The verdict never depends on anything in a submission except the *text* of the student's
solution cells (matched by nbgrader ``grade_id``) and of code cells the student added. Every
other cell (setup, given code, check cells, points, metadata) comes from the instructor's
source notebook.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .protocol import safe_text

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")
HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?",
                    re.S | re.M)


class Malformed(ValueError):
    """The submission cannot be read as a notebook (the message says why)."""


def nb_meta(cell) -> dict:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nb = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nb if isinstance(nb, dict) else {}


def cell_source(cell) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        if not all(isinstance(s, str) for s in src):
            raise Malformed("a cell's source is a list with non-string items")
        return "".join(src)
    if not isinstance(src, str):
        raise Malformed("a cell's source is neither text nor a list of text")
    return src


def strip_hidden(source: str) -> str:
    return HIDDEN.sub("", source).rstrip()


# ----------------------------------------------------------------------------- source side


@dataclass
class SourceCell:
    index: int
    kind: str  # "given" | "solution" | "check" | "manual" | "markdown"
    grade_id: str | None
    source: str
    points: float = 0.0
    cell_type: str = "code"


@dataclass
class SourceAssignment:
    name: str
    notebook_name: str
    cells: list[SourceCell]
    stubs: dict[str, str]  # solution grade_id -> released stub text

    @property
    def solution_ids(self) -> set[str]:
        return {c.grade_id for c in self.cells if c.kind in ("solution", "manual")}

    @property
    def check_cells(self) -> list[SourceCell]:
        return [c for c in self.cells if c.kind == "check"]

    @property
    def manual_cells(self) -> list[SourceCell]:
        return [c for c in self.cells if c.kind == "manual"]

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.cells if c.kind in ("check", "manual"))


def lint_source(nb, path) -> list[str]:
    """Authoring rules of docs/authoring.md; each problem names the cell."""
    problems = []
    seen = set()
    for i, cell in enumerate(nb.cells):
        meta = nb_meta(cell)
        where = f"{path} cell {i}"
        if cell.cell_type == "code" and not meta:
            problems.append(f"{where}: code cell without nbgrader metadata (mark it read-only)")
            continue
        if not meta:
            continue
        gid = meta.get("grade_id")
        where += f" ({gid})"
        if not isinstance(gid, str) or not GRADE_ID.match(gid):
            problems.append(f"{where}: missing or invalid grade_id")
        if gid in seen:
            problems.append(f"{where}: duplicate grade_id")
        seen.add(gid)
        if meta.get("grade") and not isinstance(meta.get("points"), (int, float)):
            problems.append(f"{where}: graded cell without numeric points")
        src = cell.source
        if cell.cell_type == "code":
            if meta.get("solution") and meta.get("grade"):
                problems.append(f"{where}: a code cell is either a solution or a check, not both")
            if meta.get("solution") and "### BEGIN SOLUTION" not in src:
                problems.append(f"{where}: solution cell without ### BEGIN SOLUTION")
            if meta.get("grade") and not meta.get("solution"):
                if "### BEGIN HIDDEN TESTS" not in src:
                    problems.append(f"{where}: check cell without a hidden region")
                if not meta.get("locked"):
                    problems.append(f"{where}: check cell must be locked")
        if "### BEGIN SOLUTION" in src and not meta.get("solution"):
            problems.append(f"{where}: solution region in a cell not marked as solution")
    return problems


def load_source(path: Path, release_nb=None) -> SourceAssignment:
    nb = nbformat.read(path, as_version=4)
    cells = []
    for i, cell in enumerate(nb.cells):
        meta = nb_meta(cell)
        gid = meta.get("grade_id")
        src = cell.source
        if cell.cell_type == "markdown":
            kind = "manual" if meta.get("solution") and meta.get("grade") else "markdown"
            cells.append(SourceCell(i, kind, gid, src, float(meta.get("points") or 0),
                                    "markdown"))
            continue
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            kind = "solution"
        elif meta.get("grade"):
            kind = "check"
        else:
            kind = "given"
        cells.append(SourceCell(i, kind, gid, src, float(meta.get("points") or 0)))
    stubs = {}
    if release_nb is not None:
        for cell in release_nb.cells:
            meta = nb_meta(cell)
            if meta.get("solution") and meta.get("grade_id"):
                stubs[meta["grade_id"]] = cell.source
    return SourceAssignment(path.parent.name, path.name, cells, stubs)


# ----------------------------------------------------------------------------- submission side


def parse_submission(raw: bytes) -> dict:
    """Parse untrusted bytes into a dict with a ``cells`` list, or raise :class:`Malformed`."""
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise Malformed(f"file is {len(raw)} bytes (limit {MAX_NOTEBOOK_BYTES})")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Malformed(f"not UTF-8 text ({e})") from None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise Malformed(f"not valid JSON ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise Malformed("valid JSON but not a Jupyter notebook (no 'cells' list)")
    for i, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise Malformed(f"cell {i} is not a notebook cell")
        # lone surrogates (JSON "\ud800") and NUL would break storing or showing the text
        cell["source"] = safe_text(cell_source(cell), MAX_NOTEBOOK_BYTES, code=True)
    return data


@dataclass
class ExecStep:
    kind: str  # "code" | "task"
    label: str  # grade_id or "student cell N"
    source: str = ""
    student: bool = False


@dataclass
class Reduced:
    steps: list[ExecStep]
    answers: dict[str, str]  # solution grade_id -> student's text (code or markdown)
    notes: list[str] = field(default_factory=list)
    unchanged: bool = False  # every solution equals the release stub and nothing was added


def reduce_submission(src: SourceAssignment, data: dict) -> Reduced:
    notes: list[str] = []
    known = {c.grade_id: c for c in src.cells if c.grade_id}
    answers: dict[str, str] = {}
    extras: dict[str | None, list[str]] = {}
    anchor: str | None = None
    n_extra = 0
    for i, cell in enumerate(data["cells"]):
        gid = nb_meta(cell).get("grade_id")
        source = cell_source(cell)
        if isinstance(gid, str) and gid in known:
            sc = known[gid]
            if sc.kind in ("solution", "manual"):
                if gid in answers:
                    notes.append(f"cell {i}: second cell with grade_id {gid!r} ignored")
                elif cell.get("cell_type") != sc.cell_type:
                    notes.append(f"cell {i}: {gid!r} changed cell type; ignored")
                else:
                    answers[gid] = source
            anchor = gid
        elif cell.get("cell_type") == "code" and source.strip():
            if gid is not None:
                notes.append(f"cell {i}: unknown grade_id {gid!r}; run as a student cell")
            n_extra += 1
            extras.setdefault(anchor, []).append(source)
    for c in src.cells:
        if c.kind in ("solution", "manual") and c.grade_id not in answers:
            notes.append(f"solution cell {c.grade_id!r} not found in the submission; "
                         "the released stub is used")
    steps: list[ExecStep] = []
    extra_count = 0

    def add_extras(key):
        nonlocal extra_count
        for s in extras.get(key, []):
            extra_count += 1
            steps.append(ExecStep("code", f"student cell {extra_count}", s, True))

    add_extras(None)
    unchanged = n_extra == 0
    for c in src.cells:
        if c.kind == "given":
            steps.append(ExecStep("code", c.grade_id, strip_hidden(c.source)))
        elif c.kind == "solution":
            text = answers.get(c.grade_id)
            stub = src.stubs.get(c.grade_id)
            if text is None:
                text = stub if stub is not None else ""
            if stub is None or text != stub:
                unchanged = False
            steps.append(ExecStep("code", c.grade_id, text, True))
        elif c.kind == "check":
            steps.append(ExecStep("task", c.grade_id))
        if c.grade_id:
            add_extras(c.grade_id)
    return Reduced(steps, answers, notes, unchanged)


def rebuilt_notebook(source_path: Path, reduced: Reduced, release_nb=None):
    """The instructor's notebook with the student's answers in the solution cells.

    Written to ``autograded/<student>/<assignment>/`` so that nbgrader's formgrader can show
    it for manual grading. Hidden regions are removed.
    """
    nb = nbformat.read(source_path, as_version=4)
    base = copy.deepcopy(release_nb) if release_nb is not None else nb
    by_id = {nb_meta(c).get("grade_id"): c for c in nb.cells}
    for cell in base.cells:
        gid = nb_meta(cell).get("grade_id")
        if gid in reduced.answers:
            cell.source = reduced.answers[gid]
        elif gid in by_id and not nb_meta(cell).get("solution"):
            cell.source = strip_hidden(by_id[gid].source)
    return base

"""`course release`: regenerate exercises/<A>/ from solutions/<A>/ through nbgrader."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from .course import ConfigError, CoursePaths, nbgrader_api
from .notebook import lint_source, nb_meta
from .spec import load_spec

STUB = "raise NotImplementedError()"
LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                "run_hidden_task", "autograder.hidden")


def _task_label(cells, index: int) -> str:
    for cell in reversed(cells[:index]):
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("#"):
                label = line.lstrip("#").strip()
                return re.sub(r"（[^）]*点[^）]*）|\([^)]*点[^)]*\)", "", label).strip()
    return ""


def name_stubs(nb, assignment: str) -> None:
    """Make each stub's NotImplementedError name the exercise and task (STYLE: Exercises)."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and STUB in cell.source and nb_meta(cell).get("solution"):
            label = _task_label(nb.cells, i)
            msg = f"{assignment} {label}: まだ実装されていません".replace('"', "'")
            cell.source = cell.source.replace(STUB, f'raise NotImplementedError("{msg}")')


def generate(paths: CoursePaths, assignment: str) -> nbformat.NotebookNode:
    """Run nbgrader generate_assignment in a scratch course dir; return the release notebook."""
    src = paths.source_notebook(assignment)
    source_nb = nbformat.read(src, as_version=4)
    problems = lint_source(source_nb, src)
    spec = load_spec(src.parent)
    problems += spec.validate({
        nb_meta(c)["grade_id"] for c in source_nb.cells
        if c.cell_type == "code" and nb_meta(c).get("grade") and not nb_meta(c).get("solution")
    })
    if problems:
        raise ConfigError("\n".join(problems))
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        root = Path(tmp)
        (root / "source" / assignment).mkdir(parents=True)
        shutil.copy2(src, root / "source" / assignment / src.name)
        api = nbgrader_api(root, f"sqlite:///{root / 'gradebook.db'}")
        result = api.generate_assignment(assignment, force=True, create=True)
        out = root / "release" / assignment / src.name
        if not result.get("success") or not out.exists():
            raise ConfigError(
                f"nbgrader generate_assignment failed for {assignment}:\n"
                f"{result.get('error') or result.get('log')}"
            )
        nb = nbformat.read(out, as_version=4)
    name_stubs(nb, assignment)
    leaks = find_leaks(source_nb, nb)
    if leaks:
        raise ConfigError(f"{assignment}: the release would leak:\n" + "\n".join(leaks))
    return nb


def solution_lines(source_nb) -> set[str]:
    """Non-trivial lines that appear only inside solution / hidden regions of the source."""
    inside, outside = set(), set()
    for cell in source_nb.cells:
        region = None
        for line in cell.source.splitlines():
            s = line.strip()
            if "BEGIN SOLUTION" in s or "BEGIN HIDDEN TESTS" in s:
                region = True
                continue
            if "END SOLUTION" in s or "END HIDDEN TESTS" in s:
                region = None
                continue
            (inside if region else outside).add(s)
    return {s for s in inside - outside if len(s) >= 12}


def find_leaks(source_nb, release_nb) -> list[str]:
    leaks = []
    secret = solution_lines(source_nb)
    for i, cell in enumerate(release_nb.cells):
        for marker in LEAK_MARKERS:
            if marker in cell.source:
                leaks.append(f"cell {i}: contains {marker!r}")
        for line in cell.source.splitlines():
            if line.strip() in secret:
                leaks.append(f"cell {i}: solution line {line.strip()!r}")
    return leaks


def release(paths: CoursePaths, assignments: list[str], exercises: Path) -> list[Path]:
    written = []
    for a in assignments or paths.assignments():
        nb = generate(paths, a)
        out = exercises / a / paths.source_notebook(a).name
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
        written.append(out)
    return written

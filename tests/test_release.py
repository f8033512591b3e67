"""Release drift, leak checks, and the notebooks themselves (source runs clean; the release
runs top to bottom failing only with NotImplementedError)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.course import ConfigError, CoursePaths
from autograder.notebook import lint_source
from autograder.release import LEAK_MARKERS, find_leaks, generate, solution_lines

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
ASSIGNMENTS = sorted(p.parent.name for p in SOLUTIONS.glob("*/grading.py"))

pytestmark = pytest.mark.grading


def _source(a: str) -> Path:
    [nb] = sorted((SOLUTIONS / a).glob("*.ipynb"))
    return nb


@pytest.fixture(scope="module")
def generated():
    paths = CoursePaths(ROOT / "course-dir-unused", SOLUTIONS)
    return {a: generate(paths, a) for a in ASSIGNMENTS}


def test_ex01_is_registered():
    assert "ex01" in ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_what_generation_produces(generated, assignment):
    committed = EXERCISES / assignment / _source(assignment).name
    assert committed.exists(), f"run `course release {assignment}` and commit {committed}"
    fresh = nbformat.writes(generated[assignment])
    assert committed.read_text(encoding="utf-8").rstrip("\n") == fresh.rstrip("\n"), (
        f"{committed} differs from a fresh release: run `course release {assignment}`"
    )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_leaks_no_solution_or_hidden_check(assignment):
    committed = EXERCISES / assignment / _source(assignment).name
    text = committed.read_text(encoding="utf-8")
    for marker in LEAK_MARKERS:
        assert marker not in text, f"{committed}: contains {marker!r}"
    source = nbformat.read(_source(assignment), as_version=4)
    release = nbformat.read(committed, as_version=4)
    assert find_leaks(source, release) == []
    secret = solution_lines(source)
    assert secret, "the source should have solution lines to protect"
    release_lines = {ln.strip() for c in release.cells for ln in c.source.splitlines()}
    assert not secret & release_lines


def test_leak_detector_catches_a_leak():
    source = nbformat.read(_source("ex01"), as_version=4)
    release = nbformat.read(EXERCISES / "ex01" / "ex01.ipynb", as_version=4)
    line = sorted(solution_lines(source))[0]
    release.cells[3].source += "\n" + line
    assert find_leaks(source, release)


def _run(path: Path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append((i, out["ename"], out["evalue"][:200]))
    return errors


@pytest.mark.notebooks
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_runs_clean_with_hidden_checks(assignment):
    assert _run(_source(assignment)) == []


@pytest.mark.notebooks
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_fails_only_with_not_implemented(assignment):
    errors = _run(EXERCISES / assignment / f"{assignment}.ipynb")
    assert errors, "the blank release should stop at the stubs"
    bad = [e for e in errors if e[1] != "NotImplementedError"]
    assert not bad, bad
    assert all(f"{assignment} 問" in e[2] for e in errors), errors


def _lint_nb(cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    return lint_source(nb, "test.ipynb")


def test_lint_names_the_offending_cells():
    ok = nbformat.v4.new_code_cell("x = 1")
    ok.metadata["nbgrader"] = {"schema_version": 3, "grade": False, "solution": False,
                               "locked": True, "grade_id": "a"}
    dup = nbformat.v4.new_code_cell("y = 1")
    dup.metadata["nbgrader"] = dict(ok.metadata["nbgrader"])
    bare = nbformat.v4.new_code_cell("z = 1")
    check = nbformat.v4.new_code_cell("assert True")
    check.metadata["nbgrader"] = {"schema_version": 3, "grade": True, "solution": False,
                                  "locked": True, "grade_id": "c", "points": 5}
    problems = _lint_nb([ok, dup, bare, check])
    text = "\n".join(problems)
    assert "cell 1 (a): duplicate grade_id" in text
    assert "cell 2: code cell without nbgrader metadata" in text
    assert "cell 3 (c): check cell without a hidden region" in text


def test_spec_and_notebook_must_agree(tmp_path):
    folder = tmp_path / "exx"
    folder.mkdir()
    nb = nbformat.read(_source("ex01"), as_version=4)
    nbformat.write(nb, folder / "exx.ipynb")
    (folder / "grading.py").write_text(
        "from autograder.spec import Assignment\nassignment = Assignment('exx')\n")
    with pytest.raises(ConfigError, match="ex01_derivative_check.*has no task"):
        generate(CoursePaths(tmp_path / "c", tmp_path), "exx")

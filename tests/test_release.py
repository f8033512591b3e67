"""Release drift, leak checks, and the notebooks themselves (source runs clean; the release
runs top to bottom failing only with NotImplementedError)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.course import ConfigError, CoursePaths
from autograder.notebook import lint_source, nb_meta
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


def _execute(nb, folder: Path):
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return nb


def _errors(nb):
    return [(i, out["ename"], out["evalue"][:200])
            for i, cell in enumerate(nb.cells) for out in cell.get("outputs", [])
            if out.get("output_type") == "error"]


def _printed(cell) -> list[str]:
    """Every line a cell showed: streams, and the text/plain of results and displays."""
    lines = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            lines += out["text"].splitlines()
        elif "data" in out and "image/png" not in out["data"]:
            lines += str(out["data"].get("text/plain", "")).splitlines()
    return [ln for ln in lines if ln.strip()]


def _check_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and nb_meta(c).get("grade") and not nb_meta(c).get("solution")]


@pytest.mark.notebooks
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_runs_clean_and_check_cells_print_only_verdicts(assignment):
    nb = _execute(nbformat.read(_source(assignment), as_version=4), SOLUTIONS / assignment)
    assert _errors(nb) == []
    for i, cell in _check_cells(nb):
        lines = _printed(cell)
        assert any(ln.startswith("✓") for ln in lines), f"check cell {i}: {lines}"
        reprs = [o for o in cell.outputs if o.get("output_type") == "execute_result"]
        assert not reprs, f"check cell {i} shows an object repr: {reprs[0]['data']}"
        # Lines other than the verdicts come only from the cell's own print() calls.
        others = [ln for ln in lines if not ln.startswith(("✓", "✗"))]
        assert not others or "print(" in cell.source, (
            f"check cell {i} printed more than ✓ / ✗ lines: {others}")


@pytest.mark.notebooks
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_runs_to_the_end_reporting_every_task_unfinished(assignment):
    nb = _execute(nbformat.read(EXERCISES / assignment / f"{assignment}.ipynb", as_version=4),
                  EXERCISES / assignment)
    assert _errors(nb) == [], "Run All must not stop at an unfinished task"
    checks = _check_cells(nb)
    assert checks
    for i, cell in checks:
        lines = _printed(cell)
        assert any("未実装" in ln for ln in lines), f"check cell {i}: {lines}"
        assert not any(ln.startswith("✓") for ln in lines), f"check cell {i}: {lines}"


def _solution_text(cell) -> str:
    return "\n".join(ln for ln in cell.source.splitlines()
                     if "BEGIN SOLUTION" not in ln and "END SOLUTION" not in ln)


@pytest.mark.notebooks
def test_run_all_on_a_partly_finished_exercise_shows_the_finished_tasks_verdict():
    """問3 done, 問1 not: 問1 says 未実装, 問3 still shows its ✓ (Run All does not stop)."""
    source = nbformat.read(_source("ex01"), as_version=4)
    release = nbformat.read(EXERCISES / "ex01" / "ex01.ipynb", as_version=4)
    answer = {nb_meta(c).get("grade_id"): c for c in source.cells}["ex01_derivative"]
    for cell in release.cells:
        if nb_meta(cell).get("grade_id") == "ex01_derivative":
            cell.source = _solution_text(answer)
    nb = _execute(release, EXERCISES / "ex01")
    assert _errors(nb) == []
    by_id = {nb_meta(c).get("grade_id"): _printed(c) for c in nb.cells}
    assert any("未実装" in ln for ln in by_id["ex01_tensors_check"]), by_id["ex01_tensors_check"]
    done = by_id["ex01_derivative_check"]
    assert done and all(ln.startswith("✓") for ln in done), done
    later = by_id["ex01_gradient_check"]
    assert any("未実装" in ln for ln in later), later


def test_unfinished_reporting_is_off_outside_a_notebook_kernel():
    import subprocess
    import sys

    code = ("import autograder.checks as c, autograder.selfcheck as s; "
            "print(s._state['enabled'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


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

"""Every assignment end to end through `course grade`: the solution gets every automatic point,
the blank release gets 0, and a partly correct notebook (tests/grading/partial/<A>.py) gets
exactly its designed score. ex01 is covered in depth by tests/test_grader.py (which also looks
into ex10's autograd-API messages)."""

from __future__ import annotations

import copy
import importlib
import io
import json
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.course import CoursePaths
from autograder.grader import grade

pytestmark = pytest.mark.grading
ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "solutions").glob("*/grading.py")
                     if p.parent.name != "ex01")


def _partial(assignment: str):
    try:
        return importlib.import_module(f"tests.grading.partial.{assignment}")
    except ModuleNotFoundError:
        return None


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_end_to_end(assignment, tmp_path):
    [src] = sorted((ROOT / "solutions" / assignment).glob("*.ipynb"))
    rel = ROOT / "exercises" / assignment / src.name
    assert rel.exists(), f"{rel} missing: run `course release {assignment}`"
    subs = tmp_path / "subs"
    sol = json.loads(src.read_text(encoding="utf-8"))
    notebooks = {"solution": sol, "blank": json.loads(rel.read_text(encoding="utf-8"))}
    partial = _partial(assignment)
    if partial is not None:
        notebooks["partial"] = partial.make(copy.deepcopy(sol))
    for name, nb in notebooks.items():
        (subs / name).mkdir(parents=True)
        (subs / name / src.name).write_text(json.dumps(nb), encoding="utf-8")
    results = {r.student: r for r in grade(
        CoursePaths(tmp_path / "course", ROOT / "solutions"), assignment, subs, jobs=2,
        limits=sandbox.Limits(timeout=120), out=io.StringIO())}

    def failures(r):
        return [c.message for t in r.tasks for c in t.checks if not c.ok][:5]

    solution = results["solution"]
    auto_max = sum(t.points for t in solution.tasks if not t.manual)
    assert solution.status == "graded", (solution.status, solution.notes, solution.cell_errors)
    assert solution.score == auto_max, failures(solution)
    assert results["blank"].score == 0, [t.score for t in results["blank"].tasks]
    total = solution.max_score
    assert total % 10 == 0, f"{assignment}: total points {total} is not a round number"
    assert auto_max == getattr(partial, "MAX_AUTO", auto_max)
    if partial is not None:
        r = results["partial"]
        got = {t.grade_id: t.score for t in r.tasks if not t.manual}
        assert set(got) == set(partial.EXPECTED), "EXPECTED must name every autograded cell"
        wrong = {g: (got[g], e) for g, e in partial.EXPECTED.items()
                 if got[g] != pytest.approx(e, abs=0.01)}
        assert not wrong, (wrong, failures(r))
        assert r.score == pytest.approx(partial.EXPECTED_TOTAL, abs=0.05)
        assert 0 < r.score < auto_max

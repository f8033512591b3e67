"""The other two isolation modes on the attacks that stress them most: a fresh bwrap sandbox
per submission (COURSE_SANDBOX_WARM=0) and the no-bwrap fallback (COURSE_SANDBOX=process)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.course import CoursePaths
from autograder.grader import grade
from tests.grading.attacks import CASES, surviving_processes

pytestmark = pytest.mark.grading
ROOT = Path(__file__).resolve().parent.parent
PICK = ("solution", "blank", "partial", "detached", "loop", "membomb", "osexit", "steal",
        "output", "warnings")
MODES = ["fresh", "process"]


@pytest.fixture(scope="module", params=MODES)
def graded(request, tmp_path_factory):
    mode = request.param
    if mode == "fresh" and not sandbox.shutil.which("bwrap"):
        pytest.skip("bwrap is not installed")
    mp = pytest.MonkeyPatch()
    if mode == "fresh":
        mp.setenv("COURSE_SANDBOX_WARM", "0")
    else:
        mp.setenv("COURSE_SANDBOX", "process")
    mp.setattr(sandbox, "_MODE", None)
    try:
        base = tmp_path_factory.mktemp(f"modes-{mode}")
        sol = json.loads((ROOT / "solutions/ex01/ex01.ipynb").read_text())
        rel = json.loads((ROOT / "exercises/ex01/ex01.ipynb").read_text())
        for case in CASES:
            if case.name in PICK:
                (base / "subs" / case.name).mkdir(parents=True)
                (base / "subs" / case.name / "ex01.ipynb").write_bytes(case.build(sol, rel))
        results = grade(CoursePaths(base / "course", ROOT / "solutions"), "ex01",
                        base / "subs", jobs=2, limits=sandbox.Limits(timeout=40),
                        out=io.StringIO())
        yield mode, sandbox.choose_mode(), {r.student: r for r in results}
    finally:
        mp.undo()
        sandbox._MODE = None


@pytest.mark.parametrize("name", PICK)
def test_attack_in_mode(graded, name):
    mode, actual, results = graded
    case = next(c for c in CASES if c.name == name)
    if case.needs_bwrap and actual != "bwrap":
        pytest.skip(f"{mode} mode: without bwrap, student code can read this user's files")
    r = results[name]
    assert r.status in case.statuses, (mode, name, r.status, r.notes)
    assert r.score <= case.max_score, (mode, name, r.score)
    if case.exact is not None:
        assert r.score == case.exact, (mode, name, r.score, r.details())


def test_mode_is_what_was_asked(graded):
    mode, actual, _ = graded
    assert actual == ("bwrap" if mode == "fresh" else "process")


def test_no_detached_process_survives(graded):
    alive = surviving_processes()
    assert not alive, f"{graded[0]} mode left detached processes: {alive}"

"""Issue 10: each student's recorded result depends only on that student's notebook.

One class of attackers and controls (tests/grading/attacks_isolation.py) is graded twice:
order A with ``--jobs 2`` and order B (reversed) with ``--jobs 1`` (so every attacker shares a
warm sandbox with the submissions after it). Each attack class has its test asserting the
controls' exact, designed scores in the same batch; the property test compares every
non-attacker across the two batches.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from autograder import gradebook as gbmod
from autograder import grader as grader_mod
from autograder import sandbox
from autograder.course import CoursePaths
from autograder.gradebook import all_results, open_gradebook
from autograder.grader import grade
from tests.grading.attacks import surviving_processes
from tests.grading.attacks_isolation import (
    ATTACKERS,
    CONTROLS,
    ORDER_A,
    ORDER_B,
    write_batch,
)

pytestmark = pytest.mark.grading
ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
LIMITS = sandbox.Limits(timeout=30, memory_mb=3072)


def _nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _grade_batch(base: Path, order: list[str], jobs: int) -> dict:
    sol = _nb(SOLUTIONS / "ex01" / "ex01.ipynb")
    rel = _nb(ROOT / "exercises" / "ex01" / "ex01.ipynb")
    ids = write_batch(base / "subs", order, sol, rel)
    paths = CoursePaths(base / "course", SOLUTIONS)
    out = io.StringIO()
    results = grade(paths, "ex01", base / "subs", jobs=jobs, limits=LIMITS, out=out)
    return {"by_name": {ids[r.student]: r for r in results}, "out": out.getvalue(),
            "paths": paths, "ids": ids}


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    if sandbox.choose_mode() != "bwrap" or not sandbox.warm_enabled():
        pytest.skip("these attacks are defended by the warm bwrap sandbox (install bubblewrap)")
    a = _grade_batch(tmp_path_factory.mktemp("iso-a"), ORDER_A, jobs=2)
    b = _grade_batch(tmp_path_factory.mktemp("iso-b"), ORDER_B, jobs=1)
    return {"A": a, "B": b}


def _detail(r) -> str:
    return json.dumps({"status": r.status, "score": r.score, "notes": r.notes,
                       "cell_errors": r.cell_errors[:5]}, ensure_ascii=False)[:2000]


def _assert_controls(batch, names):
    for name in names:
        _, exact, statuses = CONTROLS[name]
        r = batch["by_name"][name]
        assert r.status in statuses and r.score == exact, f"{name}: {_detail(r)}"


def _assert_attacker(batch, name):
    _, most, statuses, exact = ATTACKERS[name]
    r = batch["by_name"][name]
    assert r.status in statuses, f"{name}: {_detail(r)}"
    assert r.score <= most, f"{name}: {_detail(r)}"
    if exact is not None:
        assert r.score == exact, f"{name}: {_detail(r)}"


BOTH = ["A", "B"]
ALWAYS = ["solution", "blank"]  # honest and blank controls of every attack class


@pytest.mark.parametrize("which", BOTH)
def test_every_student_has_a_row(batches, which):
    batch = batches[which]
    assert sorted(batch["by_name"]) == sorted(ORDER_A)
    gb = open_gradebook(batch["paths"].db)
    try:
        rows = {r["student_id"]: r for r in all_results(gb, "ex01")}
    finally:
        gb.close()
    assert set(rows) == set(batch["ids"])
    for sid, name in batch["ids"].items():
        r = batch["by_name"][name]
        assert (rows[sid]["status"], rows[sid]["score"]) == (r.status, r.score), name


@pytest.mark.parametrize("which", BOTH)
def test_result_channel_cannot_be_reached(batches, which):
    """Forged frames and report lines on every fd and /proc/*/fd; ptrace, /proc/<pid>/mem and
    signals against every process, the sandbox's init included."""
    batch = batches[which]
    _assert_attacker(batch, "channel")
    _assert_attacker(batch, "ptrace")
    _assert_controls(batch, ALWAYS + ["spy1"])


@pytest.mark.parametrize("which", BOTH)
def test_nothing_is_left_for_the_next_submission(batches, which):
    """Locked folders, FIFOs, sockets, SysV and POSIX IPC objects, signal-proof detached
    processes: the spies graded after them (same sandbox in order B) see none of it."""
    batch = batches[which]
    _assert_attacker(batch, "linger")
    _assert_controls(batch, ALWAYS + ["spy1", "spy2", "spy3", "spy4"])
    assert not surviving_processes(), "a student process outlived its batch"


@pytest.mark.parametrize("which", BOTH)
def test_shared_memory_is_bounded_and_released(batches, which):
    batch = batches[which]
    _assert_attacker(batch, "shmhog")
    _assert_controls(batch, ALWAYS + ["spy3"])
    enforcement = sandbox.memory_enforcement(LIMITS)
    assert "memory:" in batch["out"] and enforcement in batch["out"]
    hog = batch["by_name"]["shmhog"]
    if enforcement.startswith("cgroup"):  # over the limit after every task was checked
        assert (hog.status, hog.score) == ("memory", 90.0), _detail(hog)


def test_memory_enforcement_is_reported_by_course_grade(batches):
    out = batches["A"]["out"]
    assert "isolation: bwrap sandbox, warm template per worker, fresh namespaces" in out
    assert f"memory: {sandbox.memory_enforcement(LIMITS)}" in out


@pytest.mark.parametrize("which", BOTH)
def test_hostile_text_is_stored_and_shown_safely(batches, which):
    """Lone surrogates, NUL, escape sequences and 20 MB messages in sources, answers,
    grade_ids, exceptions and output: the student is graded as usual, the batch goes on."""
    batch = batches[which]
    _assert_attacker(batch, "badtext")
    _assert_controls(batch, ALWAYS)
    r = batch["by_name"]["badtext"]
    stored = json.dumps(r.details(), ensure_ascii=False)
    stored.encode("utf-8")  # would raise on a lone surrogate
    assert "\x00" not in stored and "\x1b" not in stored
    assert len(stored) < 200_000
    assert any("ValueError" in e for e in r.cell_errors)
    assert any("cannot be shown" in e for e in r.cell_errors)


@pytest.mark.parametrize("which", BOTH)
def test_no_other_students_code_or_inputs_can_be_read(batches, which):
    """The reader earns 問1's points only if it finds the holder's secret: in its own memory
    (remnants of earlier jobs), in other processes, or in any file it can see."""
    batch = batches[which]
    _assert_attacker(batch, "reader")
    _assert_controls(batch, ALWAYS + ["holder"])


@pytest.mark.parametrize("which", BOTH)
def test_tensor_facts_cannot_be_impersonated(batches, which):
    """A subclass that claims requires_grad / is_leaf: scored as the honest notebook with the
    same real work (hiding a written x.grad is ex10's, in tests/test_grader.py)."""
    batch = batches[which]
    _assert_attacker(batch, "impersonate")
    tasks = {t.grade_id: t.score for t in batch["by_name"]["impersonate"].tasks}
    assert tasks["ex01_tensors_check"] == 0
    _assert_controls(batch, ALWAYS)


@pytest.mark.parametrize("which", BOTH)
def test_a_hang_costs_only_its_own_task(batches, which):
    """Issue 16: a middle task that hangs is interrupted after its time share; the tasks
    after it keep their scores and the notebook counts as graded."""
    batch = batches[which]
    _assert_controls(batch, ["hang", "hangtop"])
    hang = {t.grade_id: t.score for t in batch["by_name"]["hang"].tasks}
    assert hang["ex01_gradient_check"] == 0
    assert hang["ex01_gd_check"] == 20 and hang["ex01_minimum_check"] == 10
    msgs = " ".join(c.message for t in batch["by_name"]["hang"].tasks for c in t.checks)
    assert "時間の割り当て" in msgs
    assert any("時間の割り当て" in e for e in batch["by_name"]["hangtop"].cell_errors)


def _comparable(r):
    return (r.status, r.score, [(t.grade_id, t.score, [(c.name, c.ok) for c in t.checks])
                                for t in r.tasks])


def test_non_attackers_do_not_depend_on_the_batch(batches):
    """The invariant as a property: the same submissions in another order and with another
    number of workers give every non-attacker exactly the same result."""
    a, b = batches["A"]["by_name"], batches["B"]["by_name"]
    for name in CONTROLS:
        assert _comparable(a[name]) == _comparable(b[name]), name


def test_a_failure_while_recording_is_that_students_error(tmp_path, monkeypatch):
    sol = _nb(SOLUTIONS / "ex01" / "ex01.ipynb")
    rel = _nb(ROOT / "exercises" / "ex01" / "ex01.ipynb")
    for name, nb in (("alice", sol), ("bob", sol), ("carol", rel)):
        (tmp_path / "subs" / name).mkdir(parents=True)
        (tmp_path / "subs" / name / "ex01.ipynb").write_text(json.dumps(nb))
    real = gbmod.record
    calls = []

    def flaky(gb, assignment, notebook, result):
        calls.append((result.student, result.status))
        if result.student == "bob" and result.status == "graded":
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real(gb, assignment, notebook, result)

    monkeypatch.setattr(grader_mod.gbmod, "record", flaky)
    paths = CoursePaths(tmp_path / "course", SOLUTIONS)
    results = {r.student: r for r in grade(paths, "ex01", tmp_path / "subs", jobs=1,
                                           limits=LIMITS, out=io.StringIO())}
    assert (results["alice"].status, results["alice"].score) == ("graded", 90.0)
    assert (results["carol"].status, results["carol"].score) == ("graded", 0.0)
    assert results["bob"].status == "error" and results["bob"].score == 0
    assert any("recording the result failed" in n for n in results["bob"].notes)
    gb = open_gradebook(paths.db)
    try:
        rows = {r["student_id"]: r for r in all_results(gb, "ex01")}
    finally:
        gb.close()
    assert {k: (v["status"], v["score"]) for k, v in rows.items()} == {
        "alice": ("graded", 90.0), "bob": ("error", 0.0), "carol": ("graded", 0.0)}

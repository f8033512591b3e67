"""End-to-end grading of one class through nbgrader's gradebook: honest and attack submissions.

One class (tests/grading/attacks.py) is graded once per module with ``--jobs 2``; many tests
read its results, its gradebook, its feedback and its export.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import nbformat
import pytest

from autograder import sandbox
from autograder.cli import main as course_main
from autograder.course import CoursePaths
from autograder.export import export_csv
from autograder.feedback import write_feedback
from autograder.gradebook import all_results, open_gradebook
from autograder.grader import STATUSES, grade
from tests.grading.attacks import CASES, FULL_AUTO, surviving_processes

pytestmark = pytest.mark.grading

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
TIMEOUT = 40.0  # generous: the machine running the tests may be heavily loaded


def _nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    subs = base / "submissions"
    sol = _nb(SOLUTIONS / "ex01" / "ex01.ipynb")
    rel = _nb(ROOT / "exercises" / "ex01" / "ex01.ipynb")
    for case in CASES:
        (subs / case.name).mkdir(parents=True)
        (subs / case.name / "ex01.ipynb").write_bytes(case.build(sol, rel))
    paths = CoursePaths(base / "course", SOLUTIONS)
    out = io.StringIO()
    results = grade(paths, "ex01", subs, jobs=2,
                    limits=sandbox.Limits(timeout=TIMEOUT, memory_mb=3072), out=out)
    return {"paths": paths, "results": {r.student: r for r in results}, "out": out.getvalue(),
            "mode": sandbox.choose_mode()}


def test_batch_completes_with_one_status_each(graded):
    results = graded["results"]
    assert sorted(results) == sorted(c.name for c in CASES)
    for r in results.values():
        assert r.status in STATUSES, (r.student, r.status)
        assert 0 <= r.score <= r.max_score == 100.0, (r.student, r.score)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_score_and_status(graded, case):
    if case.needs_bwrap and graded["mode"] != "bwrap":
        pytest.skip("needs the bwrap sandbox: without it student code can read this user's files")
    r = graded["results"][case.name]
    detail = json.dumps(r.details(), ensure_ascii=False)[:3000]
    assert r.status in case.statuses, f"{case.name}: status {r.status}; {r.notes}"
    assert r.score <= case.max_score, f"{case.name}: {r.score} > {case.max_score}\n{detail}"
    if case.exact is not None:
        assert r.score == case.exact, f"{case.name}: {r.score} != {case.exact}\n{detail}"


def test_partial_fails_exactly_the_broken_tasks(graded):
    tasks = {t.grade_id: t for t in graded["results"]["partial"].tasks}
    assert tasks["ex01_derivative_check"].score == 0
    assert tasks["ex01_quadratic_check"].score == 0
    assert tasks["ex01_gradient_check"].score == 15
    msg = " ".join(c.message for c in tasks["ex01_derivative_check"].checks)
    assert "あなたの値" in msg and "正解" in msg and "✗ dy/dx" in msg


@pytest.fixture(scope="module")
def graded_ex10(tmp_path_factory):
    """ex10 (the autograd API after lecture 6, once ex01 問7): its partial submission and one
    that hides a written x.grad behind a tensor subclass."""
    import copy

    from tests.grading.attacks_isolation import IMPERSONATE_GRAD
    from tests.grading.partial import ex10 as ex10_partial

    base = tmp_path_factory.mktemp("ex10")
    sol = _nb(SOLUTIONS / "ex10" / "ex10.ipynb")
    impersonate = copy.deepcopy(sol)
    for cell in impersonate["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "ex10_autograd_grad":
            cell["source"] = IMPERSONATE_GRAD
    subs = base / "subs"
    for name, nb in {"partial": ex10_partial.make(copy.deepcopy(sol)),
                     "impersonate": impersonate}.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "ex10.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    results = grade(CoursePaths(base / "course", SOLUTIONS), "ex10", subs, jobs=2,
                    limits=sandbox.Limits(timeout=TIMEOUT, memory_mb=3072), out=io.StringIO())
    return {r.student: r for r in results}


def test_ex10_autograd_api_in_depth(graded_ex10):
    tasks = {t.grade_id: t for t in graded_ex10["partial"].tasks}
    assert tasks["ex10_autograd_grad_check"].score == 0  # all-or-nothing: x.grad was written
    assert tasks["ex10_accumulate_check"].score == 10
    flag = " ".join(c.message for c in tasks["ex10_autograd_grad_check"].checks)
    assert "✗ x.grad が None のまま" in flag and "✓ ∇f" in flag
    detach = " ".join(c.message for c in tasks["ex10_detach_check"].checks)
    assert "✗ 勾配が x にだけ流れた" in detach and "y.detach()" in detach
    second = " ".join(c.message for c in tasks["ex10_rules_check"].checks if not c.ok)
    assert "∂²f/∂x²" in second and "float" in second  # the hint names the float rule


def test_ex10_a_hidden_x_grad_is_seen(graded_ex10):
    """A tensor subclass that hides the x.grad backward() wrote scores as the honest
    backward() answer: 0 on 問2, every other point."""
    r = graded_ex10["impersonate"]
    tasks = {t.grade_id: t.score for t in r.tasks}
    assert tasks["ex10_autograd_grad_check"] == 0
    assert r.score == 90.0, r.details()


def test_blank_messages_name_the_unfinished_task(graded):
    tasks = {t.grade_id: t for t in graded["results"]["blank"].tasks}
    msg = tasks["ex01_derivative_check"].checks[0].message
    assert "NotImplementedError" in msg and "問3" in msg


def test_gradebook_has_capped_scores_and_statuses(graded):
    paths = graded["paths"]
    gb = open_gradebook(paths.db)
    try:
        rows = {r["student_id"]: r for r in all_results(gb, "ex01")}
        assert set(rows) == set(graded["results"])
        for sid, r in graded["results"].items():
            assert rows[sid]["status"] == r.status
            assert rows[sid]["score"] == r.score
            sub = gb.find_submission("ex01", sid)
            assert sub.max_score == 100.0
            assert sub.score <= sub.max_score
            auto = sum(g.auto_score or 0 for nb in sub.notebooks for g in nb.grades)
            assert auto == pytest.approx(r.score)
        # no attack touched anything it could find
        assert max(r["score"] for r in rows.values()) <= FULL_AUTO
    finally:
        gb.close()
    cfg = (paths.course_dir / "nbgrader_config.py").read_text()
    assert "CourseDirectory.root" in cfg and "code_stub" not in cfg


def test_manual_question_waits_for_the_instructor(graded):
    gb = open_gradebook(graded["paths"].db)
    try:
        g = gb.find_grade("ex01_int_error", "ex01", "ex01", "solution")
        assert g.needs_manual_grade and g.auto_score is None
        blank = gb.find_grade("ex01_int_error", "ex01", "ex01", "blank")
        assert not blank.needs_manual_grade and blank.auto_score == 0  # unanswered
    finally:
        gb.close()


def test_no_student_process_survives(graded):
    alive = surviving_processes()
    assert not alive, f"detached student processes still running: {alive}"


def test_table_lists_every_student(graded):
    out = graded["out"]
    for case in CASES:
        assert f"\n{case.name}" in out
    assert "isolation:" in out


def test_feedback_shows_messages_not_hidden_checks(graded):
    paths = graded["paths"]
    files = write_feedback(paths, "ex01")
    assert len(files) == len(CASES)
    html = (paths.course_dir / "feedback" / "partial" / "ex01" / "ex01.html").read_text()
    assert "問3 微分係数" in html and "✗ dy/dx" in html and "あなたの値" in html
    assert "60 / 100" in html
    source_probe = (SOLUTIONS / "ex01" / "grading.py").read_text()
    for f in files:
        text = f.read_text()
        for forbidden in ("run_hidden_task", "BEGIN HIDDEN", "def probe_", "cases_", "rng."):
            assert forbidden not in text, (f, forbidden)
        assert "probe_derivative" in source_probe and "probe_derivative" not in text
    out = (paths.course_dir / "feedback" / "output" / "ex01" / "ex01.html").read_text()
    assert "xxxxxxxxxx" not in out  # what the student printed is not echoed


def test_export_csv(graded, tmp_path):
    out = tmp_path / "grades.csv"
    n = export_csv(graded["paths"], "ex01", out)
    rows = list(csv.reader(out.open()))
    assert rows[0][:5] == ["student_id", "assignment", "score", "max_score", "status"]
    assert rows[0][-1] == "manual_pending"
    assert rows[0][5:-1] == ["ex01_tensors_check", "ex01_int_error", "ex01_derivative_check",
                           "ex01_gradient_check", "ex01_quadratic_check", "ex01_gd_check",
                           "ex01_minimum_check"]
    assert n == len(rows) - 1 == len(CASES)
    by = {r[0]: r for r in rows[1:]}
    assert by["solution"][2:5] == ["90", "100", "graded"]
    assert by["badjson"][4] == "malformed"
    assert by["partial"][2] == "60"


def test_autograded_notebook_for_formgrader(graded):
    nb = nbformat.read(graded["paths"].course_dir / "autograded" / "partial" / "ex01" /
                       "ex01.ipynb", as_version=4)
    text = "".join(c.source for c in nb.cells)
    assert "forgot the +2" in text and "BEGIN HIDDEN" not in text


def test_cli_misconfiguration_exits_2(tmp_path, capsys):
    code = course_main(["grade", "nosuch", "--submissions", str(tmp_path),
                        "--course-dir", str(tmp_path / "c"), "--solutions", str(SOLUTIONS)])
    assert code == 2
    assert "nosuch" in capsys.readouterr().err


def test_cli_bad_database_url_exits_2(tmp_path):
    code = course_main(["export", "--csv", str(tmp_path / "x.csv"), "--course-dir",
                        str(tmp_path), "--db", "nosuchdialect://x"])
    assert code == 2


@pytest.fixture(scope="module")
def regrade_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("regrade")


def test_regrade_replaces_everything_and_keeps_unchanged_manual(regrade_dir):
    sol = _nb(SOLUTIONS / "ex01" / "ex01.ipynb")
    rel = _nb(ROOT / "exercises" / "ex01" / "ex01.ipynb")
    subs = regrade_dir / "subs"
    (subs / "s1" / "ex01").mkdir(parents=True)
    target = subs / "s1" / "ex01" / "ex01.ipynb"  # the <student>/<assignment>/ layout
    target.write_text(json.dumps(sol))
    paths = CoursePaths(regrade_dir / "course", SOLUTIONS)
    limits = sandbox.Limits(timeout=TIMEOUT)
    [r1] = grade(paths, "ex01", subs, jobs=1, limits=limits, out=io.StringIO())
    assert (r1.status, r1.score) == ("graded", 90.0)
    gb = open_gradebook(paths.db)
    try:
        g = gb.find_grade("ex01_int_error", "ex01", "ex01", "s1")
        g.manual_score = 8.0
        gb.db.commit()
    finally:
        gb.close()
    [r2] = grade(paths, "ex01", subs, jobs=1, limits=limits, out=io.StringIO())
    gb = open_gradebook(paths.db)
    try:
        assert gb.find_grade("ex01_int_error", "ex01", "ex01", "s1").manual_score == 8.0
    finally:
        gb.close()
    csv_path = regrade_dir / "g.csv"
    export_csv(paths, "ex01", csv_path)
    assert list(csv.reader(csv_path.open()))[1][2] == "98"
    # a worse notebook replaces the old result entirely: no stale scores, manual dropped
    target.write_text(json.dumps(rel))
    [r3] = grade(paths, "ex01", subs, jobs=1, limits=limits, out=io.StringIO())
    assert r3.score == 0
    gb = open_gradebook(paths.db)
    try:
        sub = gb.find_submission("ex01", "s1")
        assert sub.score == 0
        assert gb.find_grade("ex01_int_error", "ex01", "ex01", "s1").manual_score is None
    finally:
        gb.close()
    # a student folder without a notebook is recorded as missing, replacing the old result
    target.unlink()
    [r4] = grade(paths, "ex01", subs, jobs=1, limits=limits, out=io.StringIO())
    assert (r4.status, r4.score) == ("missing", 0)


def test_lms_zip_with_bad_names(tmp_path):
    import zipfile

    sol = (SOLUTIONS / "ex01" / "ex01.ipynb").read_bytes()
    rel = (ROOT / "exercises" / "ex01" / "ex01.ipynb").read_bytes()
    z = tmp_path / "download.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("ex01-submissions/alice_12345_67890_ex01.ipynb", sol)
        zf.writestr("ex01-submissions/bob_2222_3333_ex01.ipynb", rel)
        zf.writestr("ex01-submissions/bad name!.ipynb", rel)
        zf.writestr("ex01-submissions/readme.txt", b"hello")
        zf.writestr("../evil.ipynb", rel)
    out = io.StringIO()
    paths = CoursePaths(tmp_path / "course", SOLUTIONS)
    results = grade(paths, "ex01", z, jobs=2, limits=sandbox.Limits(timeout=TIMEOUT), out=out)
    got = {r.student: (r.status, r.score) for r in results}
    assert got == {"alice": ("graded", 90.0), "bob": ("graded", 0.0)}
    text = out.getvalue()
    assert "bad name!.ipynb" in text and "readme.txt" in text and "unsafe path" in text
    assert not (tmp_path / "evil.ipynb").exists()


def test_sandbox_mode_is_reported():
    assert sandbox.describe()
    if os.environ.get("COURSE_SANDBOX") != "process" and sandbox.shutil.which("bwrap"):
        assert sandbox.choose_mode() == "bwrap"


def test_collect_then_grade_default_folder(tmp_path, capsys):
    import zipfile

    sol = (SOLUTIONS / "ex01" / "ex01.ipynb").read_bytes()
    z = tmp_path / "lms.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("wrap/dave/ex01.ipynb", sol)
        zf.writestr("wrap/erin/my_copy.ipynb", sol)
        zf.writestr("wrap/not a name/ex01.ipynb", sol)
    course = tmp_path / "course"
    code = course_main(["collect", "ex01", "--submissions", str(z), "--course-dir", str(course),
                        "--solutions", str(SOLUTIONS)])
    assert code == 0
    assert (course / "submitted" / "dave" / "ex01" / "ex01.ipynb").read_bytes() == sol
    assert (course / "submitted" / "erin" / "ex01" / "ex01.ipynb").exists()
    out = capsys.readouterr().out
    assert "'not a name'" in out and "collected 2" in out


def test_nbgrader_itself_reads_the_course_dir(graded):
    """formgrader's API and nbgrader's export see our results (manual grading works there)."""
    from autograder.course import nbgrader_api

    paths = graded["paths"]
    api = nbgrader_api(paths.course_dir, paths.db)
    subs = {s["student"]: s for s in api.get_notebook_submissions("ex01", "ex01")}
    assert subs["solution"]["score"] == 90.0 and subs["solution"]["max_score"] == 100.0
    assert subs["solution"]["needs_manual_grade"] is True
    assert subs["blank"]["needs_manual_grade"] is False
    assert api.get_submission("ex01", "partial")["autograded"] is True

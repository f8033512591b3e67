"""Moodle download → `course grade --roster` → manual grade → `course export` (csv, moodle,
canvas) and `course feedback`, end to end through nbgrader's gradebook.

Expected scores come from what the fixture handed in (the ex01 solution earns every automatic
point, 90 of 100, and leaves the 10-point manual question waiting; the blank release earns 0),
and the exports are compared with nbgrader's own submission totals.
"""

from __future__ import annotations

import contextlib
import csv
import io

import pytest

from autograder.cli import main as course_main
from autograder.course import CoursePaths
from autograder.gradebook import open_gradebook
from tests.test_lms import MOODLE_ROSTER, REL, SOL, SOLUTIONS, _roster, build_zip

pytestmark = pytest.mark.grading

MANUAL = "ex01_int_error"  # ex01's manual question, 10 points
# student -> (status, automatic score, points waiting for manual grading)
EXPECTED = {
    "s1001": ("graded", 90.0, 10.0),     # solution
    "s1002": ("graded", 0.0, 0.0),       # blank release: manual question unanswered
    "s1003": ("graded", 90.0, 10.0),     # two files: the later one is the solution
    "s1004": ("malformed", 0.0, 0.0),    # unreadable: manual question shown as 0 like a blank
    "s1009": ("missing", 0.0, 0.0),      # on the roster, nothing handed in
    "moodle-1099": ("graded", 0.0, 0.0),  # not on the roster, graded under a fallback id
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base = tmp_path_factory.mktemp("lmsclass")
    z = build_zip(base / "moodle.zip", [
        ("山田 太郎_1001_assignsubmission_file_/ex01.ipynb", SOL),
        ("Mary Ann Smith_1002_assignsubmission_file_/ex01.ipynb", REL),
        ("佐藤 花子_1003_assignsubmission_file_/ex01.ipynb", REL, (2024, 5, 1, 9, 0, 0)),
        ("佐藤 花子_1003_assignsubmission_file_/ex01 (1).ipynb", SOL, (2024, 5, 2, 9, 0, 0)),
        ("佐藤 花子_1003_assignsubmission_onlinetext_/onlinetext.html", b"<p>see file</p>"),
        ("鈴木 一郎_1004_assignsubmission_file_/ex01.ipynb", b"\x89PNG not a notebook"),
        ("Unknown Person_1099_assignsubmission_file_/ex01.ipynb", REL),
    ], cp932=True)
    roster = _roster(base / "roster.csv", MOODLE_ROSTER)
    course_dir = base / "course"
    common = ["--course-dir", str(course_dir), "--solutions", str(SOLUTIONS)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = course_main(["grade", "ex01", "--submissions", str(z), "--roster", str(roster),
                            "--jobs", "2", "--timeout", "60", *common])
    assert code == 0, out.getvalue()
    return {"base": base, "dir": course_dir, "roster": roster, "common": common,
            "out": out.getvalue(), "paths": CoursePaths(course_dir, SOLUTIONS)}


def _table(out: str) -> dict[str, list[str]]:
    lines = out[out.index("\nstudent "):].splitlines()[3:]
    return {ln.split()[0]: ln.split() for ln in lines if ln.split() and ln.split()[0]
            in EXPECTED}


def test_grade_output_names_layout_notes_and_every_student(course):
    out = course["out"]
    assert "layout: moodle" in out
    assert "moodle participant 1099 (Unknown Person): not on the roster" in out
    assert "missing (on the roster, no notebook handed in): s1009" in out
    table = _table(out)
    assert set(table) == set(EXPECTED)
    head = out[out.index("\nstudent "):].splitlines()[1].split()
    manual_col = head.index("int_error")
    for sid, (status, score, pending) in EXPECTED.items():
        row = table[sid]
        assert row[1] == status, row
        assert float(row[2]) == score, row
        assert row[3] == (f"{pending:g}" if pending else "-"), row
        assert row[manual_col] == ("pending" if pending else "0"), row
    assert "manual grading: 2 student(s) have answers waiting (20 points" in out


def _export(course, fmt, *extra) -> tuple[list[list[str]], str]:
    dest = course["base"] / f"export-{fmt}-{len(extra)}.csv"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = course_main(["export", "ex01", "--format", fmt, "--out", str(dest), *extra,
                            *course["common"]])
    assert code == 0, out.getvalue()
    with open(dest, newline="", encoding="utf-8") as f:
        return list(csv.reader(f)), out.getvalue()


@pytest.fixture(scope="module")
def manual_entered(course):
    """The instructor grades s1003's manual answer in formgrader: 7 of 10."""
    gb = open_gradebook(course["paths"].db)
    try:
        g = gb.find_grade(MANUAL, "ex01", "ex01", "s1003")
        g.manual_score = 7.0
        gb.db.commit()
        totals = {sid: gb.find_submission("ex01", sid).score for sid in EXPECTED}
    finally:
        gb.close()
    return totals


def test_csv_export_round_trip(course, manual_entered):
    rows, _ = _export(course, "csv")
    head, body = rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert head[:5] == ["student_id", "assignment", "score", "max_score", "status"]
    assert head[-1] == "manual_pending" and MANUAL in head
    assert set(body) == set(EXPECTED)
    for sid, (status, score, pending) in EXPECTED.items():
        r = body[sid]
        manual = 7.0 if sid == "s1003" else None
        assert r["status"] == status
        assert float(r["score"]) == score + (manual or 0) == manual_entered[sid]
        assert float(r["manual_pending"]) == (0 if manual else pending)
        assert r[MANUAL] == ("7" if manual else "" if pending else "0")


def test_moodle_worksheet_round_trip(course, manual_entered):
    rows, out = _export(course, "moodle")
    head = rows[0]
    # the three columns Moodle's importer (assignfeedback_offline) looks up by name
    for col in ("Identifier", "Grade", "Last modified (grade)"):
        assert col in head
    got = {r[head.index("Identifier")]: dict(zip(head, r)) for r in rows[1:]}
    participant = {"s1001": "1001", "s1002": "1002", "s1003": "1003", "s1004": "1004",
                   "moodle-1099": "1099"}
    assert set(got) == {f"Participant {p}" for p in participant.values()}
    for sid, pid in participant.items():
        r = got[f"Participant {pid}"]
        status, score, pending = EXPECTED[sid]
        if sid == "s1001":  # manual answer still waiting: no grade sent, and said so
            assert r["Grade"] == "" and r["Pending manual grading"] == "10"
        else:
            assert float(r["Grade"]) == manual_entered[sid]
            assert r["Pending manual grading"] == "0"
        assert float(r["Maximum Grade"]) == 100
    assert got["Participant 1001"]["Full name"] == "山田 太郎"
    assert got["Participant 1002"]["Email address"] == "mary@example.ac.jp"
    assert "s1001 10 pt" in out and "--partial" in out
    assert "s1009: no Moodle participant id" in out
    rows, _ = _export(course, "moodle", "--partial")
    partial = {r[0]: r[head.index("Grade")] for r in rows[1:]}
    assert float(partial["Participant 1001"]) == manual_entered["s1001"] == 90.0


def test_canvas_gradebook_round_trip(course, manual_entered):
    rows, out = _export(course, "canvas", "--canvas-column", "ex01 (555)")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ex01 (555)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "100"
    got = {r[1]: r for r in rows[2:]}
    assert set(got) == {"2001", "2002", "2003"}  # the roster's Canvas ids
    assert got["2001"][5] == ""  # waiting for manual grading
    assert float(got["2002"][5]) == manual_entered["s1002"] == 0
    assert float(got["2003"][5]) == manual_entered["s1003"] == 97
    assert got["2002"][3] == "msmith" and got["2001"][0] == "山田 太郎"
    for sid in ("s1004", "s1009", "moodle-1099"):
        assert f"{sid}: no Canvas ID" in out


def test_feedback_shows_manual_points_the_same_way(course, manual_entered):
    code = course_main(["feedback", "ex01", *course["common"]])
    assert code == 0
    page = {sid: (course["dir"] / "feedback" / sid / "ex01" / "ex01.html").read_text()
            for sid in EXPECTED}
    assert "10 点分の問題が先生の採点待ち" in page["s1001"] and "90 / 100" in page["s1001"]
    assert "採点待ち" not in page["s1003"] and "97 / 100" in page["s1003"]
    assert "読み取れる提出がなかったため 0 点" in page["s1004"]
    assert "採点待ち" not in page["s1004"] and "採点待ち" not in page["s1002"]
    # no check label leaks its "(1 = はい)" encoding into feedback (ex01 has no yes/no check since
    # its autograd-API part moved to ex10; tests/test_grader.py and test_yes_no.py cover those)
    assert all("(1 = はい)" not in p for p in page.values())


def test_regrade_shows_kept_manual_scores_not_pending(course, manual_entered):
    """Re-grading the same download keeps s1003's manual 7 (answer unchanged): the table then
    shows it instead of 'pending', and only s1001's 10 points still wait."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = course_main(["grade", "ex01", "--submissions", str(course["base"] / "moodle.zip"),
                            "--roster", str(course["roster"]), "--jobs", "2", *course["common"]])
    text = out.getvalue()
    assert code == 0, text
    table = _table(text)
    head = text[text.index("\nstudent "):].splitlines()[1].split()
    col = head.index("int_error")
    assert table["s1003"][3] == "-" and table["s1003"][col] == "7*"
    assert table["s1001"][3] == "10" and table["s1001"][col] == "pending"
    assert "manual grading: 1 student(s) have answers waiting (10 points" in text
    gb = open_gradebook(course["paths"].db)
    try:
        assert gb.find_grade(MANUAL, "ex01", "ex01", "s1003").manual_score == 7.0
    finally:
        gb.close()


def test_a_partial_batch_keeps_earlier_results_of_absent_roster_students(course):
    """A later download holding only Mary's hand-in regrades her alone: s1001's 90 stays,
    it is not overwritten as `missing` because s1001 is on the roster."""
    z = build_zip(course["base"] / "late-batch.zip", [
        ("Mary Ann Smith_1002_assignsubmission_file_/ex01.ipynb", REL)])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = course_main(["grade", "ex01", "--submissions", str(z), "--roster",
                            str(course["roster"]), *course["common"]])
    text = out.getvalue()
    assert code == 0, text
    assert set(_table(text)) == {"s1002"}
    assert "earlier result kept: s1001, s1003, s1004, s1009" in text
    gb = open_gradebook(course["paths"].db)
    try:
        assert gb.find_submission("ex01", "s1001").score == 90.0
        assert gb.find_submission("ex01", "s1003").score == 97.0
    finally:
        gb.close()

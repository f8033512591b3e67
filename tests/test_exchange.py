"""nbgrader's file-system exchange end to end, with the course id and exchange root taken from
the course's nbgrader_config.py: `course release --exchange`, two students fetch and submit
with nbgrader's own commands (as the users alice and bob, the way the Assignments tab calls
them), `course collect --exchange`, `course grade`."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.cli import main as course_main
from autograder.course import CoursePaths
from autograder.gradebook import all_results, open_gradebook
from tests.multiuser import as_user, require_root, student_python, users

pytestmark = pytest.mark.grading
ROOT = Path(__file__).resolve().parent.parent


def _nbgrader(args, user, cwd):
    # nbgrader's student id is the Unix user: run as that user, with a Python it can read
    return as_user(user, [str(student_python()), "-m", "nbgrader", *args], cwd)


def test_release_fetch_submit_collect_grade_through_the_exchange(tmp_path, capsys):
    require_root()
    with users("cxeve", "cxdan") as homes:
        _exchange_round(tmp_path, capsys, homes)


def _exchange_round(tmp_path, capsys, homes):
    exchange = Path(tempfile.mkdtemp(prefix="course-exchange-"))  # /tmp: reachable by users
    os.chmod(exchange, 0o1777)
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'ml101'\n"
        f"c.Exchange.root = {str(exchange)!r}\n", encoding="utf-8")
    exercises = tmp_path / "exercises"
    common = ["--course-dir", str(course), "--solutions", str(ROOT / "solutions")]
    assert course_main(["release", "ex01", "--exchange", "--exercises", str(exercises),
                        *common]) == 0
    assert (exchange / "ml101" / "outbound" / "ex01" / "ex01.ipynb").is_file()
    # what the students fetch is the committed release, byte for byte
    assert (exchange / "ml101" / "outbound" / "ex01" / "ex01.ipynb").read_bytes() == \
        (exercises / "ex01" / "ex01.ipynb").read_bytes()

    answers = {"cxeve": ROOT / "solutions" / "ex01" / "ex01.ipynb",
               "cxdan": exercises / "ex01" / "ex01.ipynb"}
    for user, answer in answers.items():
        home = homes[user]
        flags = ["--course", "ml101", f"--Exchange.root={exchange}"]
        r = _nbgrader(["fetch_assignment", "ex01", *flags], user, home)
        assert r.returncode == 0, r.stderr
        fetched = home / "ex01" / "ex01.ipynb"
        assert fetched.is_file(), r.stderr
        shutil.copy(answer, fetched)  # alice solves it, bob hands in the blank
        shutil.chown(fetched, user)
        r = _nbgrader(["submit", "ex01", *flags], user, home)
        assert r.returncode == 0, r.stderr
    assert len(list((exchange / "ml101" / "inbound").iterdir())) == 2

    capsys.readouterr()
    assert course_main(["collect", "ex01", "--exchange", *common]) == 0
    out = capsys.readouterr().out
    assert "collected 2 submissions" in out and "ml101" in out
    for user in answers:
        assert (course / "submitted" / user / "ex01" / "ex01.ipynb").is_file()

    assert course_main(["grade", "ex01", "--jobs", "2", "--timeout", "40", *common]) == 0
    paths = CoursePaths(course, ROOT / "solutions")
    assert paths.course_id == "ml101"
    gb = open_gradebook(paths.db, paths.course_id)
    try:
        rows = {r["student_id"]: r["score"] for r in all_results(gb, "ex01")}
        assert rows == {"cxeve": 90.0, "cxdan": 0.0}
        assert gb.find_assignment("ex01").course_id == "ml101"  # formgrader's course
    finally:
        gb.close()


def test_missing_exchange_says_how_to_create_it(tmp_path, capsys):
    code = course_main(["collect", "ex01", "--exchange", "--course-dir", str(tmp_path),
                        "--exchange-root", str(tmp_path / "nowhere")])
    assert code == 2
    err = capsys.readouterr().err
    assert "--exchange-root" in err and str(tmp_path / "nowhere") in err


def test_course_config_is_read_and_flags_win(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'cfg'\nc.Exchange.root = '/x'\n")
    p = CoursePaths(tmp_path, ROOT / "solutions")
    assert (p.course_id, p.exchange_root) == ("cfg", "/x")
    p = CoursePaths(tmp_path, ROOT / "solutions", None, "flag", "/y")
    assert (p.course_id, p.exchange_root) == ("flag", "/y")
    assert CoursePaths(tmp_path / "none", ROOT).course_id == "default_course"

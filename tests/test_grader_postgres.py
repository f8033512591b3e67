"""The gradebook on a real PostgreSQL server that this test starts itself (initdb + pg_ctl in a
temporary folder, on a free port, as an unprivileged user when run as root). Reported as
skipped when PostgreSQL's server programs or psycopg2 are not installed."""

from __future__ import annotations

import io
import json
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.course import CoursePaths
from autograder.export import export_csv
from autograder.gradebook import all_results, open_gradebook
from autograder.grader import grade

pytestmark = pytest.mark.grading
ROOT = Path(__file__).resolve().parent.parent


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    cands = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(cands[-1]) if cands else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory):
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    pytest.importorskip("psycopg2", reason="psycopg2 is needed for a PostgreSQL gradebook")
    base = tmp_path_factory.mktemp("pg")
    data = base / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
        if user is None:
            pytest.skip("running as root and no unprivileged user to run PostgreSQL")
        pw = pwd.getpwnam(user)
        os.chown(base, pw.pw_uid, pw.pw_gid)
        os.chmod(base, 0o700)
        # the server only needs to reach its own folder
        for parent in base.parents:
            if parent == Path("/"):
                break
            os.chmod(parent, os.stat(parent).st_mode | 0o001)
        prefix = ["runuser", "-u", user, "--"]
    port = _free_port()
    subprocess.run(prefix + [initdb, "-D", str(data), "-A", "trust", "-U", "grader",
                             "--no-sync"], check=True, capture_output=True)
    log = base / "log.txt"
    subprocess.run(prefix + [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-o",
                             f"-p {port} -k {base} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True, timeout=60)
    try:
        url = f"postgresql+psycopg2://grader@127.0.0.1:{port}/postgres"
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        subprocess.run(prefix + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def test_grade_into_postgresql(postgres_url, tmp_path):
    subs = tmp_path / "subs"
    for student, path in [("alice", ROOT / "solutions" / "ex01" / "ex01.ipynb"),
                          ("bob", ROOT / "exercises" / "ex01" / "ex01.ipynb")]:
        (subs / student).mkdir(parents=True)
        shutil.copy(path, subs / student / "ex01.ipynb")
    (subs / "carol").mkdir()
    (subs / "carol" / "ex01.ipynb").write_text(json.dumps({"not": "a notebook"}))
    paths = CoursePaths(tmp_path / "course", ROOT / "solutions", postgres_url)
    results = grade(paths, "ex01", subs, jobs=2, limits=sandbox.Limits(timeout=40),
                    out=io.StringIO())
    assert {r.student: (r.status, r.score) for r in results} == {
        "alice": ("graded", 90.0), "bob": ("graded", 0.0), "carol": ("malformed", 0.0)}
    assert not (paths.course_dir / "gradebook.db").exists()  # nothing went to SQLite
    gb = open_gradebook(postgres_url)
    try:
        assert gb.engine.dialect.name == "postgresql"
        assert gb.find_submission("ex01", "alice").score == 90.0
        assert {r["student_id"] for r in all_results(gb, "ex01")} == {"alice", "bob", "carol"}
    finally:
        gb.close()
    out = tmp_path / "g.csv"
    assert export_csv(paths, "ex01", out) == 3
    assert "carol,ex01,0,100,malformed" in out.read_text()


def test_two_instructors_grade_into_one_postgresql_gradebook_at_once(postgres_url, tmp_path):
    """Two `course grade` commands, started together, share one PostgreSQL gradebook: every
    student ends with exactly one result row and one nbgrader submission, none lost, none
    doubled — also the student both instructors graded."""
    import sys

    from sqlalchemy import text

    sol = ROOT / "solutions" / "ex01" / "ex01.ipynb"
    blank = ROOT / "exercises" / "ex01" / "ex01.ipynb"
    batches = {"A": {"pa1": sol, "pa2": blank, "pa3": sol, "both": sol},
               "B": {"pb1": blank, "pb2": sol, "pb3": sol, "both": sol}}
    procs = []
    for who, students in batches.items():
        subs = tmp_path / who / "subs"
        for student, path in students.items():
            (subs / student).mkdir(parents=True)
            shutil.copy(path, subs / student / "ex01.ipynb")
        cmd = [sys.executable, "-m", "autograder.cli", "grade", "ex01", "--submissions",
               str(subs), "--course-dir", str(tmp_path / who / "course"), "--db", postgres_url,
               "--jobs", "2", "--timeout", "40"]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True))
    outs = [p.communicate(timeout=600)[0] for p in procs]
    for p, out in zip(procs, outs):
        assert p.returncode == 0, out[-3000:]
    want = {"pa1": 90.0, "pa2": 0.0, "pa3": 90.0, "pb1": 0.0, "pb2": 90.0, "pb3": 90.0,
            "both": 90.0}
    gb = open_gradebook(postgres_url)
    try:
        rows = all_results(gb, "ex01")
        ids = sorted(r["student_id"] for r in rows)
        mine = [i for i in ids if i in want]
        assert mine == sorted(want), ids  # one row each: none lost, none doubled
        assert {r["student_id"]: r["score"] for r in rows if r["student_id"] in want} == want
        with gb.engine.connect() as conn:
            counts = dict(conn.execute(text(
                "SELECT student.id, count(*) FROM submitted_assignment sa "
                "JOIN student ON sa.student_id = student.id "
                "JOIN assignment a ON sa.assignment_id = a.id "
                "WHERE a.name = 'ex01' GROUP BY student.id")).all())
        assert {s: counts.get(s) for s in want} == dict.fromkeys(want, 1)
        for s, score in want.items():
            assert gb.find_submission("ex01", s).score == score
    finally:
        gb.close()

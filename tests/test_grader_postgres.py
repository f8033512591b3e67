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

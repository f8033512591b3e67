"""Issue 10: `course` works by absolute path, without its virtual environment activated (no
`alembic` or anything else of the environment on PATH)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.grading
ROOT = Path(__file__).resolve().parent.parent


def test_course_grade_by_absolute_path_without_the_venv_on_path(tmp_path):
    course = Path(sys.executable).parent / "course"
    if not course.exists():
        pytest.skip(f"no `course` script next to {sys.executable} (not pip-installed)")
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "ex01.ipynb").write_bytes(
        (ROOT / "solutions" / "ex01" / "ex01.ipynb").read_bytes())
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
           "LANG": "C.UTF-8"}
    r = subprocess.run([str(course), "grade", "ex01", "--submissions", str(tmp_path / "subs"),
                        "--course-dir", str(tmp_path / "course"),
                        "--solutions", str(ROOT / "solutions"), "--jobs", "1"],
                       env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "alice" in r.stdout and "graded" in r.stdout and " 90 " in r.stdout, r.stdout

"""Real Unix users and a Python they can run, for the tests of the department set-up (nbgrader
exchange, JupyterHub). Root only: the tests create the users and remove them afterwards.

The students' Python is a virtual environment under /opt (``STUDENT_VENV``) built from the
system's python3 with JupyterHub, JupyterLab and nbgrader — a Python under /root (pyenv, the
grader's own venv) is unreadable to other users, exactly the mistake docs/deployment.md warns
about. It is built once (about two minutes from PyPI) and reused by later runs.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

STUDENT_VENV = Path(os.environ.get("COURSE_TEST_HUB_VENV", "/opt/course-test/hub-venv"))
HUB_PACKAGES = ["jupyterhub>=5", "jupyterlab>=4", "nbgrader>=0.9.1"]


def require_root():
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("creates Unix users: run as root (CI does)")
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")


def student_python() -> Path:
    """The shared venv's python, built on first use from the system python3 (one builder at
    a time: pytest-xdist workers wait on a lock beside it)."""
    import fcntl

    STUDENT_VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(STUDENT_VENV.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_student_python()


def _build_student_python() -> Path:
    py = STUDENT_VENV / "bin" / "python"
    if (STUDENT_VENV / ".complete").exists():
        return py
    base = shutil.which("python3", path="/usr/bin:/usr/local/bin")
    if base is None or base.startswith("/root"):
        pytest.skip("no system python3 outside /root to build the students' environment")
    STUDENT_VENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([base, "-m", "venv", "--clear", str(STUDENT_VENV)], check=True)
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        *HUB_PACKAGES], capture_output=True, text=True, timeout=1200)
    if r.returncode != 0:
        pytest.fail(f"could not build {STUDENT_VENV}: {r.stderr[-2000:]}")
    (STUDENT_VENV / ".complete").write_text("ok\n")
    os.chmod(STUDENT_VENV.parent, 0o755)
    return py


@contextmanager
def users(*names: str, password: str | None = None, groups: tuple[str, ...] = ()):
    """Create the users (with home folders) and remove them, homes included, afterwards."""
    made, made_groups = [], []
    try:
        for g in groups:
            if subprocess.run(["getent", "group", g], capture_output=True).returncode != 0:
                subprocess.run(["groupadd", g], check=True)
                made_groups.append(g)
        for n in names:
            try:
                pwd.getpwnam(n)
                pytest.skip(f"a user named {n} already exists on this machine")
            except KeyError:
                pass
            cmd = ["useradd", "-m", "-s", "/bin/bash", n]
            if groups:
                cmd += ["-G", ",".join(groups)]
            subprocess.run(cmd, check=True)
            made.append(n)
            if password:
                subprocess.run(["chpasswd"], input=f"{n}:{password}\n", text=True, check=True)
        yield {n: Path(pwd.getpwnam(n).pw_dir) for n in names}
    finally:
        for n in made:
            subprocess.run(["pkill", "-KILL", "-u", n], capture_output=True)
            subprocess.run(["userdel", "-r", n], capture_output=True)
        for g in made_groups:
            subprocess.run(["groupdel", g], capture_output=True)


def as_user(user: str, args: list[str], cwd: Path, timeout: float = 300):
    env = {"HOME": str(cwd), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    cmd = [shutil.which("runuser"), "-u", user, "--", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)

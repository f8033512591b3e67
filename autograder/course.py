"""Paths and nbgrader configuration shared by the subcommands."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
NBGRADER_KEYS = {"schema_version", "grade", "solution", "locked", "grade_id", "points",
                 "task", "checksum", "cell_type"}


COURSE_ID = "default_course"  # nbgrader's Gradebook default; one course per gradebook


class ConfigError(Exception):
    """The grader itself is misconfigured (exit code 2)."""


def default_course_dir() -> Path:
    return Path(os.environ.get("COURSE_DIR", "course-dir")).resolve()


def default_solutions_dir() -> Path:
    env = os.environ.get("COURSE_SOLUTIONS")
    if env:
        return Path(env).resolve()
    here = Path.cwd() / "solutions"
    return here.resolve() if here.is_dir() else PACKAGE_ROOT / "solutions"


def default_exercises_dir() -> Path:
    env = os.environ.get("COURSE_EXERCISES")
    if env:
        return Path(env).resolve()
    return default_solutions_dir().parent / "exercises"


@dataclass
class CoursePaths:
    course_dir: Path
    solutions: Path
    db_url: str | None = None

    @property
    def db(self) -> str:
        return self.db_url or f"sqlite:///{self.course_dir / 'gradebook.db'}"

    def source_notebook(self, assignment: str) -> Path:
        folder = self.solutions / assignment
        if not folder.is_dir():
            raise ConfigError(f"no source assignment {assignment!r} in {self.solutions}: pass "
                              "--solutions DIR (the folder holding <assignment>/grading.py), "
                              "or run `course` from the repository root")
        nbs = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
        if len(nbs) != 1:
            raise ConfigError(
                f"{folder}: expected exactly one notebook, found {[p.name for p in nbs]}"
            )
        return nbs[0]

    def assignments(self) -> list[str]:
        return sorted(p.parent.name for p in self.solutions.glob("*/grading.py"))


def nbgrader_config(root: Path, db_url: str):
    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.db_url = db_url
    c.CourseDirectory.course_id = COURSE_ID  # nbgrader's default "" breaks PostgreSQL FKs
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "ここに答えを書いてください（YOUR ANSWER HERE）"
    return c


def commands_on_path() -> None:
    """nbgrader shells out to ``alembic`` (gradebook setup): find the one installed with this
    interpreter, so `course` works by absolute path or from pipx without an activated venv."""
    path = os.environ.get("PATH", "").split(os.pathsep)
    for d in (Path(sys.executable).parent, Path(os.path.realpath(sys.executable)).parent,
              Path(sys.prefix) / "bin", Path(sys.base_prefix) / "bin"):
        if (d / "alembic").exists():
            if str(d) not in path:
                os.environ["PATH"] = os.pathsep.join([str(d), *[p for p in path if p]])
            return
    if shutil.which("alembic") is None:
        raise ConfigError(
            f"the `alembic` command that nbgrader needs is not installed for {sys.executable}: "
            "install the grading extras into this environment (pip install -e \".[grading]\", "
            "or pipx inject <app> alembic) and run `course` again")


def nbgrader_api(root: Path, db_url: str):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    commands_on_path()
    config = nbgrader_config(root, db_url)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)

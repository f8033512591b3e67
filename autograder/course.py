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


DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"  # nbgrader's own default Exchange.root


def read_course_config(course_dir: Path) -> dict:
    """``CourseDirectory.course_id`` and ``Exchange.root`` from the course's
    ``nbgrader_config.py`` (what nbgrader itself reads there), or {} when it has none."""
    cfg = Path(course_dir) / "nbgrader_config.py"
    if not cfg.is_file():
        return {}
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    try:
        c = PyFileConfigLoader(cfg.name, path=str(cfg.parent)).load_config()
    except ConfigFileNotFound:
        return {}
    except Exception as e:  # a syntax error in the instructor's file
        raise ConfigError(f"{cfg}: cannot be read by nbgrader: {type(e).__name__}: {e}") from e
    out = {}
    if "CourseDirectory" in c and c.CourseDirectory.get("course_id"):
        out["course_id"] = str(c.CourseDirectory.course_id)
    if "Exchange" in c and c.Exchange.get("root"):
        out["exchange_root"] = str(c.Exchange.root)
    return out


@dataclass
class CoursePaths:
    course_dir: Path
    solutions: Path
    db_url: str | None = None
    course_id_flag: str | None = None  # --course-id
    exchange_root_flag: str | None = None  # --exchange-root

    @property
    def course_id(self) -> str:
        """--course-id, else the course's nbgrader_config.py, else ``default_course``."""
        return (self.course_id_flag or read_course_config(self.course_dir).get("course_id")
                or COURSE_ID)

    @property
    def exchange_root(self) -> str:
        return (self.exchange_root_flag
                or read_course_config(self.course_dir).get("exchange_root") or DEFAULT_EXCHANGE)

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


def nbgrader_config(root: Path, db_url: str, course_id: str = COURSE_ID,
                    exchange_root: str | None = None):
    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.db_url = db_url
    c.CourseDirectory.course_id = course_id  # nbgrader's default "" breaks PostgreSQL FKs
    if exchange_root:
        c.Exchange.root = exchange_root
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


def nbgrader_api(root: Path, db_url: str, course_id: str = COURSE_ID,
                 exchange_root: str | None = None):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    commands_on_path()
    config = nbgrader_config(root, db_url, course_id, exchange_root)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)

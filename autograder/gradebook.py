"""Recording results in nbgrader's gradebook (any SQLAlchemy URL) plus one table of ours.

nbgrader's own tables hold the per-cell scores (so formgrader, ``nbgrader export`` and the
JupyterLab extensions see them). Our table ``course_grader_results`` holds what nbgrader has
no column for: the submission's status (graded / error / timeout / memory / malformed /
missing), the check messages for feedback, and the grader's notes. A re-grade deletes the
student's previous submission rows and writes new ones, so no stale score survives; manual
scores are carried over only when the student's answer text is unchanged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import warnings
import zlib

from sqlalchemy import (
    Column,
    Float,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    insert,
    select,
    text,
)

from .course import COURSE_ID, ConfigError, commands_on_path

metadata = MetaData()
results_table = Table(
    "course_grader_results",
    metadata,
    Column("student_id", String(128), primary_key=True),
    Column("assignment", String(128), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("max_score", Float, nullable=False),
    Column("details", Text, nullable=False),
    Column("graded_at", String(32), nullable=False),
)


def open_gradebook(db_url: str, course_id: str = COURSE_ID):
    from nbgrader.api import Gradebook

    commands_on_path()
    logging.getLogger("sqlalchemy").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*not in session.*")
    try:
        gb = Gradebook(db_url, course_id=course_id)
    except Exception as e:  # wrong URL, server down, missing driver
        raise ConfigError(f"cannot open gradebook {db_url!r}: {type(e).__name__}: {e}; check "
                          "--db (e.g. sqlite:////abs/path/gradebook.db or postgresql+psycopg2://"
                          "user:pw@host/db), that the server runs and its driver is installed"
                          ) from e
    metadata.create_all(gb.engine)
    return gb


@contextlib.contextmanager
def exclusive(engine_or_url, name: str = "course-gradebook"):
    """Hold a lock that every ``course`` process writing to the same gradebook respects.

    Several instructors may grade into one gradebook at once. nbgrader's own writes (creating
    the assignment, adding a student, replacing a submission) are read-then-write sequences,
    so two processes interleaving them lose or double rows. Each such sequence runs inside
    this lock: a PostgreSQL advisory lock (held by one connection, released with it, so a
    crashed grader never leaves it held), or an ``flock`` beside a SQLite file.
    """
    engine = engine_or_url
    own = isinstance(engine_or_url, str)
    if own:
        engine = create_engine(engine_or_url)
    try:
        if engine.dialect.name == "postgresql":
            key = zlib.crc32(name.encode())
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            import fcntl

            with open(f"{engine.url.database}.lock", "a") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        else:
            yield
    finally:
        if own:
            engine.dispose()


def assignment_in_gradebook(gb, assignment: str) -> bool:
    from nbgrader.api import MissingEntry

    try:
        gb.find_assignment(assignment)
        return True
    except MissingEntry:
        return False


def previous_result(gb, student: str, assignment: str) -> dict | None:
    with gb.engine.connect() as conn:
        row = conn.execute(
            select(results_table).where(results_table.c.student_id == student,
                                        results_table.c.assignment == assignment)
        ).mappings().first()
    return dict(row) if row else None


def record(gb, assignment: str, notebook: str, result) -> None:
    """Replace everything recorded for (student, assignment) with ``result``.

    Runs under :func:`exclusive`, so concurrent graders never interleave. A ``missing`` row
    (a roster student without a submission in *this* batch) never replaces a real result
    that another grader recorded meanwhile.
    """
    with exclusive(gb.engine):
        if result.status == "missing":
            old = previous_result(gb, result.student, assignment)
            if old is not None and old["status"] != "missing":
                return
        _record(gb, assignment, notebook, result)


def _record(gb, assignment: str, notebook: str, result) -> None:
    from nbgrader.api import MissingEntry

    student = result.student
    nb_name = notebook.rsplit(".ipynb", 1)[0]
    gb.update_or_create_student(student)
    keep_manual: dict[str, tuple] = {}
    old = previous_result(gb, student, assignment)
    old_hashes = json.loads(old["details"]).get("answer_hashes", {}) if old else {}
    try:
        old_sub = gb.find_submission(assignment, student)
        for nb in old_sub.notebooks:
            for grade in nb.grades:
                gid = grade.cell.name
                if (grade.manual_score is not None
                        and old_hashes.get(gid) == result.answer_hashes.get(gid)):
                    keep_manual[gid] = (grade.manual_score, grade.extra_credit)
        gb.remove_submission(assignment, student)
    except MissingEntry:
        pass
    gb.add_submission(assignment, student)
    for task in result.tasks:
        grade = gb.find_grade(task.grade_id, nb_name, assignment, student)
        if task.manual:
            grade.auto_score = None
            if task.grade_id in keep_manual:
                grade.manual_score, grade.extra_credit = keep_manual[task.grade_id]
                grade.needs_manual_grade = False
            elif task.unanswered or result.status in ("missing", "malformed"):
                grade.auto_score = 0.0
                grade.needs_manual_grade = False
            else:
                grade.needs_manual_grade = True
        else:
            grade.auto_score = float(task.score)
            grade.needs_manual_grade = False
    gb.db.commit()
    details = json.dumps(result.details(), ensure_ascii=False)
    with gb.engine.begin() as conn:
        conn.execute(delete(results_table).where(results_table.c.student_id == student,
                                                 results_table.c.assignment == assignment))
        conn.execute(insert(results_table).values(
            student_id=student, assignment=assignment, status=result.status,
            score=float(result.score), max_score=float(result.max_score), details=details,
            graded_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        ))


def all_results(gb, assignment: str | None = None) -> list[dict]:
    q = select(results_table)
    if assignment:
        q = q.where(results_table.c.assignment == assignment)
    with gb.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
    return sorted(rows, key=lambda r: (r["assignment"], r["student_id"]))


def manual_scores(gb, assignment: str, student: str) -> dict[str, float | None]:
    """Manual scores entered in formgrader, by grade_id (None where still ungraded)."""
    from nbgrader.api import MissingEntry

    out = {}
    try:
        sub = gb.find_submission(assignment, student)
    except MissingEntry:
        return out
    for nb in sub.notebooks:
        for grade in nb.grades:
            if grade.auto_score is None or grade.manual_score is not None:
                out[grade.cell.name] = grade.manual_score
    return out

"""`course export`: grades out of the gradebook, as our CSV or as an LMS's import file.

Three formats (``--format``):

``csv`` (default)
    ``student_id, assignment, score, max_score, status``, one column per task (``<grade_id>``,
    in notebook order), then ``manual_pending``. ``score`` is the automatic score plus the
    manual scores entered in formgrader, capped at ``max_score``. A manual task's cell is its
    manual score, ``0`` when it was left blank (or nothing readable was handed in), and empty
    while it waits for manual grading; ``manual_pending`` is the points still waiting.

``moodle``
    The assignment's offline grading worksheet, as Moodle's *Upload a grading worksheet*
    (assignfeedback_offline) reads it: the columns ``Identifier`` (``Participant <id>``),
    ``Full name``, ``Email address``, ``Status``, ``Grade``, ``Maximum Grade``, ``Grade can be
    changed``, ``Last modified (submission)``, ``Last modified (grade)`` as in the worksheet
    Moodle downloads, plus ``Pending manual grading`` (Moodle ignores columns it does not
    know). The importer needs ``Identifier``, ``Grade`` and ``Last modified (grade)``; it
    matches those header names in the language of the Moodle user who uploads, so upload
    with Moodle's interface in English. ``Last modified (grade)`` is the export time, so
    grades changed in Moodle after the export are kept unless "Allow updating records that
    have been modified more recently in Moodle" is ticked.

``canvas``
    A gradebook CSV for Canvas's *Gradebook → Import*: ``Student, ID, SIS User ID, SIS Login ID,
    Section``, one column per assignment, and a ``Points Possible`` row under the header, as in
    Canvas's own gradebook export. Canvas matches students by ``ID`` (or the SIS columns) and
    assignments by the column header: give ``--canvas-column "ex01 (12345)"`` exactly as
    Canvas's export names the assignment, or the column is imported as a new assignment.

Students whose manual questions are still waiting are exported with an empty grade (the LMS
keeps what it has) and listed, unless ``--partial``; every student is treated the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from . import gradebook as gbmod
from .course import ConfigError, CoursePaths

CSV_HEAD = ["student_id", "assignment", "score", "max_score", "status"]
MOODLE_HEAD = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
               "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
               "Pending manual grading"]
CANVAS_HEAD = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS = "    Points Possible"
NO_ANSWER_STATUSES = ("missing", "malformed")


@dataclass
class Graded:
    """One (student, assignment) as the gradebook has it now, manual scores included."""

    student_id: str
    assignment: str
    status: str
    score: float  # automatic + manual entered so far, capped
    max_score: float
    pending: float  # points of answered manual questions not yet graded
    tasks: dict[str, str] = field(default_factory=dict)  # grade_id -> cell text


@dataclass
class Report:
    rows: int
    notes: list[str] = field(default_factory=list)


def manual_state(task: dict, status: str, manual: dict) -> tuple[str, float | None]:
    """("unanswered", 0) | ("graded", score) | ("pending", None) for a manual task."""
    if task.get("unanswered") or status in NO_ANSWER_STATUSES:
        return "unanswered", 0.0
    m = manual.get(task["grade_id"])
    if m is not None:
        return "graded", min(float(m), task["points"])
    return "pending", None


def gather(paths: CoursePaths, assignment: str | None) -> tuple[list[str], list[Graded]]:
    gb = gbmod.open_gradebook(paths.db, paths.course_id)
    try:
        rows = gbmod.all_results(gb, assignment)
        task_cols: list[str] = []
        table = []
        for row in rows:
            details = json.loads(row["details"])
            manual = gbmod.manual_scores(gb, row["assignment"], row["student_id"])
            per_task: dict[str, str] = {}
            extra = pending = 0.0
            for t in details["tasks"]:
                if t["grade_id"] not in task_cols:
                    task_cols.append(t["grade_id"])
                if not t["manual"]:
                    per_task[t["grade_id"]] = f"{t['score']:g}"
                    continue
                state, value = manual_state(t, row["status"], manual)
                if state == "pending":
                    per_task[t["grade_id"]] = ""
                    pending += t["points"]
                else:
                    per_task[t["grade_id"]] = f"{value:g}"
                    extra += value if state == "graded" else 0.0
            score = min(row["score"] + extra, row["max_score"])
            table.append(Graded(row["student_id"], row["assignment"], row["status"],
                                round(score, 2), row["max_score"], round(pending, 2), per_task))
    finally:
        gb.close()
    return task_cols, table


def export_csv(paths: CoursePaths, assignment: str | None, out: Path) -> int:
    return export(paths, assignment, out).rows


def export(paths: CoursePaths, assignment: str | None, out: Path, fmt: str = "csv",
           roster_path: Path | None = None, partial: bool = False,
           canvas_column: str | None = None) -> Report:
    task_cols, table = gather(paths, assignment)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with open(out, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow([*CSV_HEAD, *task_cols, "manual_pending"])
            for g in table:
                w.writerow([g.student_id, g.assignment, f"{g.score:g}", f"{g.max_score:g}",
                            g.status, *[g.tasks.get(c, "") for c in task_cols],
                            f"{g.pending:g}"])
        return Report(len(table))
    if fmt not in ("moodle", "canvas"):
        raise ConfigError(f"unknown export format {fmt!r}: use csv, moodle or canvas")
    from .roster import identities

    people = identities(paths.course_dir, roster_path).students
    report = Report(0)
    waiting = [g for g in table if g.pending]
    if waiting:
        what = ("exported without those points (--partial)" if partial else
                "left empty so the LMS keeps what it has; grade them in formgrader and export "
                "again, or pass --partial")
        report.notes.append(
            f"{len(waiting)} student(s) have manual questions waiting "
            f"({', '.join(f'{g.student_id} {g.pending:g} pt' for g in waiting)}): their grade is "
            f"{what}")

    def grade_text(g: Graded) -> str:
        return "" if g.pending and not partial else f"{g.score:g}"

    if fmt == "moodle":
        assignments = sorted({g.assignment for g in table})
        if len(assignments) > 1:
            raise ConfigError("a Moodle grading worksheet holds one assignment: give it, e.g. "
                              f"`course export {assignments[0]} --format moodle`")
        stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with open(out, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(MOODLE_HEAD)
            for g in table:
                s = people.get(g.student_id)
                if s is None or not s.moodle_id:
                    report.notes.append(f"{g.student_id}: no Moodle participant id (add "
                                        "moodle_id to the roster); not in the worksheet")
                    continue
                w.writerow([f"Participant {s.moodle_id}", s.name, s.email, g.status,
                            grade_text(g), f"{g.max_score:g}", "Yes", "-", stamp,
                            f"{g.pending:g}"])
                report.rows += 1
        return report
    # canvas
    assignments = sorted({g.assignment for g in table}) or ([assignment] if assignment else [])
    if canvas_column and len(assignments) != 1:
        raise ConfigError("--canvas-column names one assignment: give the ASSIGNMENT too")
    headers = {a: (canvas_column or a) for a in assignments}
    max_of = {g.assignment: g.max_score for g in table}
    by_student: dict[str, dict[str, Graded]] = {}
    for g in table:
        by_student.setdefault(g.student_id, {})[g.assignment] = g
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*CANVAS_HEAD, *[headers[a] for a in assignments]])
        w.writerow([CANVAS_POINTS, "", "", "", "", *[f"{max_of[a]:g}" for a in assignments]])
        for sid in sorted(by_student):
            s = people.get(sid)
            if s is None or not (s.canvas_id or s.sis_user_id or s.sis_login_id):
                report.notes.append(f"{sid}: no Canvas ID, SIS User ID or SIS Login ID (add "
                                    "canvas_id to the roster); not in the file")
                continue
            grades = by_student[sid]
            w.writerow([s.name, s.canvas_id, s.sis_user_id, s.sis_login_id, s.section,
                        *[grade_text(grades[a]) if a in grades else "" for a in assignments]])
            report.rows += 1
    return report

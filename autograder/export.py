"""`course export`: one CSV row per student and assignment.

Columns: ``student_id, assignment, score, max_score, status`` and then one column per task
(``<grade_id>``), in notebook order. ``score`` is the automatic score plus any manual scores
entered in formgrader, capped at ``max_score``; a task not yet manually graded is empty.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from . import gradebook as gbmod
from .course import CoursePaths


def export_csv(paths: CoursePaths, assignment: str | None, out: Path) -> int:
    gb = gbmod.open_gradebook(paths.db, paths.course_id)
    try:
        rows = gbmod.all_results(gb, assignment)
        task_cols: list[str] = []
        table = []
        for row in rows:
            details = json.loads(row["details"])
            manual = gbmod.manual_scores(gb, row["assignment"], row["student_id"])
            per_task = {}
            extra = 0.0
            for t in details["tasks"]:
                if t["grade_id"] not in task_cols:
                    task_cols.append(t["grade_id"])
                if t["manual"] and t.get("unanswered"):
                    per_task[t["grade_id"]] = "0"
                elif t["manual"]:
                    m = manual.get(t["grade_id"])
                    per_task[t["grade_id"]] = "" if m is None else f"{min(m, t['points']):g}"
                    extra += min(m or 0.0, t["points"])
                else:
                    per_task[t["grade_id"]] = f"{t['score']:g}"
            score = min(row["score"] + extra, row["max_score"])
            table.append((row, score, per_task))
    finally:
        gb.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "assignment", "score", "max_score", "status", *task_cols])
        for row, score, per_task in table:
            w.writerow([row["student_id"], row["assignment"], f"{score:g}",
                        f"{row['max_score']:g}", row["status"],
                        *[per_task.get(c, "") for c in task_cols]])
    return len(table)

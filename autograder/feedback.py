"""`course feedback`: per-student HTML with per-task scores and check messages.

Only what the grader recorded is shown: scores, the Japanese check messages and the student's
own cell errors. Never the hidden checks' source, the probe code or the random inputs, and not
what the student's code printed.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import nbformat

from . import gradebook as gbmod
from .course import ConfigError, CoursePaths
from .notebook import nb_meta
from .release import _task_label

STATUS_JA = {
    "graded": "採点済み",
    "error": "実行が途中で終了しました",
    "timeout": "制限時間を超えました",
    "memory": "メモリ制限を超えました",
    "malformed": "ノートブックとして読み込めませんでした",
    "missing": "提出がありません",
}

CSS = """
body{font-family:system-ui,'Hiragino Sans','Noto Sans JP',sans-serif;max-width:52em;margin:2em auto;
line-height:1.6;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .6em;
vertical-align:top}th{background:#f4f4f4}.ok{color:#137333}.ng{color:#b3261e}
.msg{font-family:ui-monospace,monospace;white-space:pre-wrap;font-size:.9em;margin:.2em 0}
.status{font-weight:bold}
"""


def task_titles(source_path: Path) -> dict[str, str]:
    nb = nbformat.read(source_path, as_version=4)
    out = {}
    for i, cell in enumerate(nb.cells):
        gid = nb_meta(cell).get("grade_id")
        if gid and nb_meta(cell).get("grade"):
            out[gid] = _task_label(nb.cells, i) or gid
    return out


def render(student: str, assignment: str, row: dict, titles: dict[str, str],
           manual: dict[str, float | None]) -> str:
    from .export import manual_state

    d = json.loads(row["details"])
    e = html.escape
    states = {t["grade_id"]: manual_state(t, row["status"], manual)
              for t in d["tasks"] if t["manual"]}
    total = row["score"] + sum(v for s, v in states.values() if s == "graded")
    total = min(total, row["max_score"])
    pending = sum(t["points"] for t in d["tasks"]
                  if t["manual"] and states[t["grade_id"]][0] == "pending")
    waiting = (f"（ほかに {pending:g} 点分の問題が先生の採点待ちです。"
               "採点が済むと得点に加わります）" if pending else "")
    parts = [
        "<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'>",
        f"<title>{e(assignment)} フィードバック: {e(student)}</title><style>{CSS}</style>",
        "</head><body>",
        f"<h1>{e(assignment)} の採点結果</h1>",
        f"<p>学生 ID: <b>{e(student)}</b><br>状態: <span class='status'>"
        f"{e(STATUS_JA.get(row['status'], row['status']))}</span><br>"
        f"得点: <b>{total:g} / {row['max_score']:g}</b> 点{waiting}</p>",
        "<table><tr><th>問題</th><th>得点</th><th>チェックの結果</th></tr>",
    ]
    for t in d["tasks"]:
        title = titles.get(t["grade_id"], t["grade_id"])
        if t["manual"]:
            state, m = states[t["grade_id"]]
            if state == "unanswered":
                unread = row["status"] in ("missing", "malformed")
                score, note = "0", ("読み取れる提出がなかったため 0 点です。" if unread
                                    else "解答が書かれていません。")
            elif state == "pending":
                score, note = "採点待ち", "先生が手で採点する問題です。まだ採点されていません。"
            else:
                score, note = f"{m:g}", "先生が手で採点した問題です。"
            msgs = f"<div class='msg'>{note}</div>"
        else:
            score = f"{t['score']:g}"
            msgs = "".join(
                f"<div class='msg {'ok' if c['ok'] else 'ng'}'>{e(c['message'])}</div>"
                for c in t["checks"]
            )
        parts.append(f"<tr><td>{e(title)}</td><td>{score} / {t['points']:g}</td>"
                     f"<td>{msgs}</td></tr>")
    parts.append("</table>")
    errors = [x for x in d.get("cell_errors", []) if "(given cell)" not in x]
    if errors:
        parts.append("<h2>実行中に起きたエラー</h2>")
        parts += [f"<div class='msg ng'>{e(x)}</div>" for x in errors]
    parts.append("<p>採点では、ノートブックに見えているチェックとは別の入力（乱数）でも確認しています。"
                 "</p></body></html>")
    return "\n".join(parts)


def write_feedback(paths: CoursePaths, assignment: str) -> list[Path]:
    titles = task_titles(paths.source_notebook(assignment))
    gb = gbmod.open_gradebook(paths.db, paths.course_id)
    written = []
    try:
        rows = gbmod.all_results(gb, assignment)
        if not rows:
            raise ConfigError(f"no graded submissions of {assignment} in {paths.db}; "
                              "run `course grade` first")
        for row in rows:
            student = row["student_id"]
            manual = gbmod.manual_scores(gb, assignment, student)
            out = paths.course_dir / "feedback" / student / assignment / f"{assignment}.html"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(render(student, assignment, row, titles, manual), encoding="utf-8")
            written.append(out)
    finally:
        gb.close()
    return written

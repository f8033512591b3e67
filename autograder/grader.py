"""`course grade`: score a class of submissions, trustworthily, into nbgrader's gradebook."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import secrets
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from . import cluster, protocol, sandbox
from . import gradebook as gbmod
from .checks import Expect, compare
from .course import ConfigError, CoursePaths, nbgrader_api
from .lms import STUDENT_ID, Found, Submissions, read_submission  # noqa: F401 (re-exported)
from .notebook import (
    Malformed,
    SourceAssignment,
    load_source,
    parse_submission,
    rebuilt_notebook,
    reduce_submission,
)
from .release import name_stubs
from .spec import Assignment, load_spec, probe_arguments

STATUSES = ("graded", "error", "timeout", "memory", "malformed", "missing")


@dataclass
class CheckRecord:
    name: str
    ok: bool
    message: str


@dataclass
class TaskResult:
    grade_id: str
    points: float
    score: float = 0.0
    manual: bool = False
    unanswered: bool = False  # manual answer left as released: scored 0, no manual grading
    by_hand: float | None = None  # manual score already in the gradebook (kept on re-grade)
    checks: list[CheckRecord] = field(default_factory=list)


@dataclass
class SubmissionResult:
    student: str
    status: str
    tasks: list[TaskResult]
    notes: list[str] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    answer_hashes: dict[str, str] = field(default_factory=dict)
    source_file: str = ""
    wall: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tasks if not t.manual), 2)

    @property
    def max_score(self) -> float:
        return round(sum(t.points for t in self.tasks), 2)

    def details(self) -> dict:
        return {
            "tasks": [
                {"grade_id": t.grade_id, "points": t.points, "score": t.score,
                 "manual": t.manual, "unanswered": t.unanswered,
                 "checks": [{"name": c.name, "ok": c.ok, "message": c.message} for c in t.checks]}
                for t in self.tasks
            ],
            "notes": self.notes,
            "cell_errors": self.cell_errors,
            "answer_hashes": self.answer_hashes,
            "source_file": self.source_file,
        }


# ----------------------------------------------------------------------------- discovery
# Finding hand-ins (folders, Moodle / Canvas downloads, zips) lives in autograder/lms.py.


# ----------------------------------------------------------------------------- grading


@dataclass
class Context:
    assignment: str
    source: SourceAssignment
    spec: Assignment
    points: dict[str, float]
    limits: sandbox.Limits
    run: object = sandbox.run  # where a job runs: here, or a cluster.DaskRunner


def _empty_tasks(ctx: Context) -> list[TaskResult]:
    tasks = []
    for c in ctx.source.cells:
        if c.kind == "check":
            tasks.append(TaskResult(c.grade_id, ctx.points[c.grade_id]))
        elif c.kind == "manual":
            tasks.append(TaskResult(c.grade_id, ctx.points[c.grade_id], manual=True))
    return tasks


def _fail_all(tasks: list[TaskResult], message: str, no_answer: bool = False) -> None:
    """Every automatic task fails with ``message``; with ``no_answer`` (nothing readable was
    handed in) the manual questions count as unanswered (0, no manual grading), exactly like
    a blank notebook's."""
    for t in tasks:
        if t.manual:
            t.unanswered = t.unanswered or no_answer
        else:
            t.checks = [CheckRecord(t.grade_id, False, message)]
            t.score = 0.0


def grade_one(ctx: Context, found: Found) -> SubmissionResult:
    start = time.monotonic()
    tasks = _empty_tasks(ctx)
    res = SubmissionResult(found.student, "graded", tasks, list(found.notes),
                           source_file=str(found.path or ""))
    if found.path is None:
        res.status = "missing"
        _fail_all(tasks, "提出がありません", no_answer=True)
        return res
    try:
        data = parse_submission(read_submission(found))
        reduced = reduce_submission(ctx.source, data)
    except (Malformed, OSError) as e:
        res.status = "malformed"
        res.notes.append(f"malformed: {e}")
        _fail_all(tasks, f"ノートブックとして読み込めませんでした ({e})", no_answer=True)
        return res
    res.notes += reduced.notes
    for t in tasks:
        if t.manual:
            answer = reduced.answers.get(t.grade_id)
            t.unanswered = answer is None or answer.strip() == ctx.source.stubs.get(
                t.grade_id, "").strip() or not answer.strip()
    res.answer_hashes = {k: hashlib.sha256(v.encode()).hexdigest()[:16]
                         for k, v in reduced.answers.items()}
    res.reduced = reduced  # for the autograded notebook
    _run_and_score(ctx, reduced, tasks, res)
    res.wall = time.monotonic() - start
    return res


def _jsonable(obj, where: str):
    try:
        return json.loads(json.dumps(obj, allow_nan=False))
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where}: cases must be plain JSON data ({e}); fix the task's "
                          "cases function in grading.py") from None


def _run_and_score(ctx: Context, reduced, tasks, res: SubmissionResult) -> SubmissionResult:
    rng = np.random.default_rng(secrets.randbits(128))
    cases: dict[str, list[dict]] = {}
    for t in tasks:
        if t.manual:
            continue
        spec_task = ctx.spec.tasks[t.grade_id]
        cases[t.grade_id] = _jsonable(spec_task.cases(rng), f"task {t.grade_id}")
    job = {
        "steps": [{"kind": s.kind, "label": s.label, "source": s.source}
                  for s in reduced.steps],
        "tasks": {gid: {"probe_source": ctx.spec.tasks[gid].probe_source,
                        "probe_name": ctx.spec.tasks[gid].probe_name,
                        "cases": [probe_arguments(c) for c in cs]}
                  for gid, cs in cases.items()},
    }
    run = ctx.run(job, ctx.limits)
    ev = run.events  # typed records, parsed against this job's own steps (autograder.protocol)
    student_labels = {s.label for s in reduced.steps if s.student}
    for cell in ev.cells:
        if not cell.ok:
            who = "" if cell.label in student_labels else " (given cell)"
            share = cell.error.split(":")[-1].strip()
            err = (f"時間の割り当て ({share} 秒) を超えたため中断しました" if cell.timed_out
                   else cell.error)
            res.cell_errors.append(f"{cell.label}{who}: {err}")
    res.cell_errors = res.cell_errors[:protocol.MAX_CELL_ERRORS]
    if run.mode == "dask-killed":
        res.status, why = "error", "採点用のワーカーが繰り返し停止したため、実行できませんでした"
        res.notes.append("the job killed Dask workers repeatedly (KilledWorker)")
    elif run.protocol_error:
        res.status, why = "error", "採点の通信が規約に反したため、この提出の結果は無効です"
        res.notes.append(f"sandbox protocol violation: {run.protocol_error}")
    elif run.timed_out:
        res.status, why = "timeout", f"制限時間 {ctx.limits.timeout:g} 秒を超えたため停止しました"
    elif ev.memory or run.over_memory:
        res.status, why = "memory", f"メモリ制限 {ctx.limits.memory_mb} MB を超えました"
    elif not ev.done:
        sig = -run.returncode if run.returncode and run.returncode < 0 else None
        res.status = "error"
        why = (f"実行が途中で終了しました (signal {sig})" if sig
               else f"実行が途中で終了しました (終了コード {run.returncode})")
        if sig == 9 or sig == 11 or sig == 6:
            res.notes.append(f"process killed by signal {sig} (possibly the memory limit)")
    else:
        why = ""
    if run.over_memory:
        res.notes.append(f"the submission reached the memory limit ({ctx.limits.memory_mb} MB, "
                         "shared memory and child processes included)")
    if ev.rejected:
        res.notes.append(f"result lines after a line out of protocol were ignored ({ev.rejected})")
    if run.output_truncated:
        res.notes.append(f"output over {ctx.limits.output_cap} bytes was discarded")
    slow = [c.label for c in ev.cells if c.timed_out]
    slow += sorted({c.task for c in ev.cases.values() if c.timed_out})
    if slow:
        res.notes.append(f"interrupted after their time share: {', '.join(slow[:20])}")
    got = {} if run.protocol_error else ev.cases
    for t in tasks:
        if t.manual:
            continue
        spec_task = ctx.spec.tasks[t.grade_id]
        records: list[CheckRecord] = []
        for k, case in enumerate(cases[t.grade_id]):
            expectations: dict[str, Expect] = spec_task.expectations(case)
            case_ev = got.get((t.grade_id, k))
            for key, expect in expectations.items():
                label = key if len(cases[t.grade_id]) == 1 else f"{key} (テスト {k + 1})"
                if case_ev is None:
                    msg = why or "結果が返りませんでした"
                    records.append(CheckRecord(label, False, f"✗ {label}: {msg}"))
                elif case_ev.timed_out:
                    records.append(CheckRecord(label, False, f"✗ {label}: 時間の割り当て "
                                               "を超えたため中断しました（無限ループ？）"))
                elif case_ev.error is not None or case_ev.values is None:
                    records.append(CheckRecord(
                        label, False, f"✗ {label}: 実行中にエラーが起きました: {case_ev.error}"))
                else:
                    out = compare(label, case_ev.values.get(key, {"t": "none"}), expect)
                    records.append(CheckRecord(label, out.ok, protocol.safe_text(
                        out.message, 2000)))
        t.checks = records
        passed = sum(r.ok for r in records)
        frac = (passed == len(records)) if spec_task.all_or_nothing else passed / len(records)
        t.score = min(t.points, math.floor(t.points * frac * 100 + 1e-9) / 100)
    return res


# ----------------------------------------------------------------------------- orchestration


def check_isolation(paths: CoursePaths, others: list[Path]) -> None:
    """Refuse to grade if the sandbox would see instructor files (a misconfiguration)."""
    if sandbox.choose_mode() != "bwrap":
        return
    visible = sandbox.readonly_paths()
    for p in [paths.course_dir, paths.solutions, *others]:
        p = p.resolve()
        for v in visible:
            if p == v or p.is_relative_to(v):
                raise ConfigError(f"{p} lies inside {v}, which the sandbox can read; "
                                  "move the course dir / solutions / submissions elsewhere")


def write_nbgrader_config(paths: CoursePaths) -> None:
    """An nbgrader_config.py in the course dir, so formgrader (manual grading) finds it."""
    paths.course_dir.mkdir(parents=True, exist_ok=True)
    cfg = paths.course_dir / "nbgrader_config.py"
    if cfg.exists():
        return
    db = paths.db if paths.db.startswith("sqlite") else None
    lines = [
        "# Written by `course grade`: lets nbgrader's formgrader open this course directory.",
        "c = get_config()  # noqa: F821",
        f"c.CourseDirectory.root = {str(paths.course_dir)!r}",
        f"c.CourseDirectory.course_id = {paths.course_id!r}",
        f"c.CourseDirectory.db_url = {db!r}" if db else
        "# c.CourseDirectory.db_url = '...'  # set the URL you pass to --db (not stored here)",
    ]
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")


def prepare(paths: CoursePaths, assignment: str):
    """Put the assignment into the gradebook with nbgrader; return source, spec and points."""
    src_nb = paths.source_notebook(assignment)
    spec = load_spec(src_nb.parent)
    course = paths.course_dir
    write_nbgrader_config(paths)
    (course / "source" / assignment).mkdir(parents=True, exist_ok=True)
    shutil.copy2(src_nb, course / "source" / assignment / src_nb.name)
    api = nbgrader_api(course, paths.db, paths.course_id)
    with gbmod.exclusive(paths.db):  # other instructors may be preparing the same gradebook
        result = api.generate_assignment(assignment, force=True, create=True)
    release_path = course / "release" / assignment / src_nb.name
    if not result.get("success") or not release_path.exists():
        raise ConfigError(f"nbgrader generate_assignment failed:\n"
                          f"{result.get('error') or result.get('log')}\n"
                          f"to see nbgrader's own log: cd {course} && nbgrader "
                          f"generate_assignment {assignment} --force")
    release_nb = nbformat.read(release_path, as_version=4)
    name_stubs(release_nb, assignment)
    source = load_source(src_nb, release_nb)
    problems = spec.validate({c.grade_id for c in source.check_cells})
    if problems:
        raise ConfigError("\n".join(problems))
    gb = gbmod.open_gradebook(paths.db, paths.course_id)
    try:
        points = {}
        for nb in gb.find_assignment(assignment).notebooks:
            for cell in nb.grade_cells:
                points[cell.name] = float(cell.max_score)
    finally:
        gb.close()
    missing = [c.grade_id for c in source.cells
               if c.kind in ("check", "manual") and c.grade_id not in points]
    if missing:
        raise ConfigError(f"grade cells missing from the gradebook: {missing}; run "
                          f"`course release {assignment}` and grade again")
    return source, spec, points, src_nb, release_nb


def grade(paths: CoursePaths, assignment: str, submissions: Path, jobs: int = 1,
          limits: sandbox.Limits | None = None, out=None,
          roster=None, dask: str | None = None) -> list[SubmissionResult]:
    """Grade every submission; ``dask`` (an address or ``local:N``) runs the jobs on Dask."""
    out = out or sys.stdout  # looked up per call: a default bound at import goes stale
    limits = limits or sandbox.Limits()
    paths.course_dir.mkdir(parents=True, exist_ok=True)
    submissions = submissions.resolve()
    check_isolation(paths, [submissions])
    source, spec, points, src_nb, release_nb = prepare(paths, assignment)
    import torch

    torch.set_num_threads(1)
    runner = cluster.make_runner(dask)
    ctx = Context(assignment, source, spec, points, limits, runner or sandbox.run)
    if runner is not None:
        jobs = runner.slots()
    try:
        with Submissions(submissions, assignment, source.notebook_name, roster) as batch:
            found = batch.found
            where = (runner.describe(limits) if runner is not None else sandbox.describe(limits))
            print(f"grading {assignment}: {len(found)} submissions from {submissions} "
                  f"(layout: {batch.layout}) with {jobs} job(s), isolation: {where}",
                  file=out, flush=True)
            for p in batch.notes:
                print(f"  note: {p}", file=out)
            if batch.participants or roster is not None:
                from .roster import remember

                remember(paths.course_dir, roster, batch.participants)
            gb = gbmod.open_gradebook(paths.db, paths.course_id)
            results: list[SubmissionResult] = []
            try:
                known = {s.id for s in gb.students}
                graded_before = {r["student_id"] for r in gbmod.all_results(gb, assignment)}
                kept = sorted(f.student for f in found if f.absent and f.student in graded_before)
                found = [f for f in found if not (f.absent and f.student in graded_before)]
                if kept:  # a partial batch never turns an earlier result into `missing`
                    print(f"  note: not in this batch, earlier result kept: {', '.join(kept)}",
                          file=out)
                for sid in sorted(known - {f.student for f in found} - graded_before):
                    found.append(Found(sid, None, ["in the gradebook roster, no submission"]))
                with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                    for res in pool.map(lambda f: _safe_grade(ctx, f), found):
                        res = _record_safely(gb, paths, ctx, src_nb, release_nb, res, out)
                        _note_manual_scores(gb, assignment, res)
                        results.append(res)
                        print(f"  {res.student:<20} {res.status:<9} {res.score:>6g} / "
                              f"{res.max_score:g}{_pending_text(res)}", file=out, flush=True)
                replaced = sandbox.replacements()
                if replaced:
                    print(f"  sandboxes replaced: {len(replaced)} ({'; '.join(replaced[:5])})",
                          file=out, flush=True)
            finally:
                gb.close()
                sandbox.shutdown()
    finally:
        if runner is not None:
            runner.close()
    print_table(results, out)
    return results


def _sanitize(res: SubmissionResult) -> None:
    """Everything a student controls, made safe to store and show (autograder.protocol)."""
    notes = [protocol.safe_text(n, 500) for n in res.notes]
    if len(notes) > 50:
        notes = notes[:50] + [f"... and {len(notes) - 50} more notes"]
    res.notes = notes
    res.cell_errors = [protocol.safe_text(e, 500) for e in res.cell_errors]
    for t in res.tasks:
        for c in t.checks:
            c.name, c.message = protocol.safe_text(c.name, 200), protocol.safe_text(c.message,
                                                                                   2000)


def _record_safely(gb, paths, ctx, src_nb, release_nb, res, out) -> SubmissionResult:
    """Record one student; a failure here is that student's ``error``, never the batch's."""
    try:
        _sanitize(res)
        gbmod.record(gb, ctx.assignment, ctx.source.notebook_name, res)
        _write_autograded(paths, ctx.assignment, src_nb, release_nb, res)
        return res
    except Exception as e:  # noqa: BLE001 - whatever the submission made us write
        why = protocol.safe_text(f"{type(e).__name__}: {e}", 300)
        with contextlib.suppress(Exception):
            gb.db.rollback()
        tasks = _empty_tasks(ctx)
        _fail_all(tasks, "採点結果を記録できませんでした（担当教員に連絡してください）")
        failed = SubmissionResult(res.student, "error", tasks,
                                  [f"recording the result failed: {why}"],
                                  source_file=protocol.safe_text(res.source_file, 500))
        try:
            gbmod.record(gb, ctx.assignment, ctx.source.notebook_name, failed)
        except Exception as e2:  # noqa: BLE001
            with contextlib.suppress(Exception):
                gb.db.rollback()
            print(f"  {res.student}: could not record even the error: "
                  f"{protocol.safe_text(e2, 200)}", file=out, flush=True)
        return failed


def _safe_grade(ctx: Context, found: Found) -> SubmissionResult:
    try:
        return grade_one(ctx, found)
    except ConfigError:
        raise
    except Exception as e:  # a grader bug must not lose the batch; record it loudly
        tasks = _empty_tasks(ctx)
        _fail_all(tasks, "採点中に内部エラーが起きました（担当教員に連絡してください）")
        return SubmissionResult(found.student, "error", tasks,
                                [f"internal grader error: {type(e).__name__}: {e}"],
                                source_file=str(found.path or ""))


def _write_autograded(paths, assignment, src_nb, release_nb, res) -> None:
    reduced = getattr(res, "reduced", None)
    if reduced is None:
        return
    out = paths.course_dir / "autograded" / res.student / assignment / src_nb.name
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(rebuilt_notebook(src_nb, reduced, release_nb), out)


def _note_manual_scores(gb, assignment: str, res: SubmissionResult) -> None:
    """Manual scores the gradebook kept (unchanged answers on a re-grade), for the table."""
    kept = gbmod.manual_scores(gb, assignment, res.student)
    for t in res.tasks:
        if t.manual and not t.unanswered and kept.get(t.grade_id) is not None:
            t.by_hand = float(kept[t.grade_id])


def pending_points(tasks) -> float:
    """Points of manual questions answered and waiting for the instructor (formgrader)."""
    return round(sum(t.points for t in tasks
                     if t.manual and not t.unanswered and t.by_hand is None), 2)


def _pending_text(res: SubmissionResult) -> str:
    pending = pending_points(res.tasks)
    return f"  (+{pending:g} to grade by hand)" if pending else ""


def _cell_text(t: TaskResult) -> str:
    if t.manual:
        if t.unanswered:
            return "0"
        return "pending" if t.by_hand is None else f"{t.by_hand:g}*"
    return format(t.score, "g")


def print_table(results: list[SubmissionResult], out=None) -> None:
    """One row per student: automatic score, points waiting for manual grading, per task.

    ``score`` is the automatic part; a manual question shows ``pending`` (answered, waiting
    for formgrader), ``<score>*`` (graded by hand earlier, kept because the answer did not
    change) or ``0`` (left blank, or nothing readable handed in): the same rule for every
    student, whatever the status.
    """
    out = out or sys.stdout
    if not results:
        print("no submissions found", file=out)
        return
    ids = [t.grade_id for t in results[0].tasks]
    short = [re.sub(r"^[^_]*_|_check$", "", g)[:10] for g in ids]
    head = f"{'student':<20} {'status':<9} {'score':>7} {'pending':>7} {'max':>5}  " + " ".join(
        f"{s:>10}" for s in short)
    print("\n" + head, file=out)
    print("-" * len(head), file=out)
    for r in sorted(results, key=lambda r: r.student):
        cells = " ".join(f"{_cell_text(t):>10}" for t in r.tasks)
        pending = pending_points(r.tasks)
        waits = format(pending, "g") if pending else "-"
        print(f"{r.student:<20} {r.status:<9} {r.score:>7g} {waits:>7} "
              f"{r.max_score:>5g}  {cells}", file=out)
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    print("-" * len(head), file=out)
    print("  ".join(f"{k}: {v}" for k, v in counts.items() if v), file=out)
    waiting = [r for r in results if pending_points(r.tasks)]
    if waiting:
        total = sum(pending_points(r.tasks) for r in waiting)
        print(f"manual grading: {len(waiting)} student(s) have answers waiting ({total:g} points "
              "in all, column 'pending'); `score` does not include them yet. Grade them in "
              "formgrader; `course export` and `course feedback` then include them.", file=out)
    if any(t.by_hand is not None for r in results for t in r.tasks):
        print("*: graded by hand earlier and kept (the answer is unchanged); not in `score`",
              file=out)
    out.flush()

"""The instructor command line: ``course release | collect | grade | feedback | export | publish``.

Exit codes: 0 when the command did its job (a batch with broken or malicious submissions is a
job done: every submission gets a recorded status); 2 when the grader itself is misconfigured
(unknown assignment, unreadable gradebook URL, a spec that does not match its notebook).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import (
    ConfigError,
    CoursePaths,
    default_course_dir,
    default_exercises_dir,
    default_solutions_dir,
)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--course-dir", type=Path, default=None,
                   help="instructor working folder (gradebook, submissions, feedback); "
                        "default ./course-dir or $COURSE_DIR")
    p.add_argument("--solutions", type=Path, default=None,
                   help="folder of source assignments (default ./solutions)")
    p.add_argument("--db", default=None,
                   help="SQLAlchemy URL of the gradebook (default: sqlite:///COURSE_DIR/"
                        "gradebook.db), e.g. postgresql+psycopg2://user:pw@host/db")
    p.add_argument("--course-id", default=None,
                   help="nbgrader course id (default: CourseDirectory.course_id in "
                        "COURSE_DIR/nbgrader_config.py, else default_course)")
    p.add_argument("--exchange-root", default=None,
                   help="nbgrader exchange folder (default: Exchange.root in "
                        "COURSE_DIR/nbgrader_config.py, else /srv/nbgrader/exchange)")


def _paths(args) -> CoursePaths:
    course_dir = (args.course_dir or default_course_dir()).resolve()
    solutions = (args.solutions or default_solutions_dir()).resolve()
    return CoursePaths(course_dir, solutions, args.db, args.course_id, args.exchange_root)


def cmd_release(args) -> int:
    from .release import release

    paths = _paths(args)
    out = (args.exercises or default_exercises_dir()).resolve()
    for p in release(paths, args.assignments, out):
        print(f"released {p}")
    if args.exchange:
        from .exchange import release_to_exchange

        for a in args.assignments or paths.assignments():
            release_to_exchange(paths, a, out)
    return 0


def _roster(args):
    if getattr(args, "roster", None) is None:
        return None
    from .roster import load_roster

    roster = load_roster(args.roster)
    for note in roster.notes:
        print(f"note: {note}")
    return roster


def cmd_collect(args) -> int:
    from .collect import collect

    collect(_paths(args), args.assignment, args.submissions, exchange=args.exchange,
            roster=_roster(args), exchange_root=args.exchange_root)
    return 0


def cmd_grade(args) -> int:
    from .grader import grade
    from .sandbox import Limits

    paths = _paths(args)
    subs = args.submissions or (paths.course_dir / "submitted")
    limits = Limits(timeout=args.timeout, memory_mb=args.memory)
    grade(paths, args.assignment, Path(subs), jobs=args.jobs, limits=limits,
          roster=_roster(args), dask=args.dask)
    return 0


def cmd_feedback(args) -> int:
    from .feedback import write_feedback

    for p in write_feedback(_paths(args), args.assignment):
        print(f"wrote {p}")
    return 0


def cmd_export(args) -> int:
    from .export import export

    out = args.out or args.csv
    if out is None:
        raise ConfigError("give the output file: --out FILE (or --csv FILE)")
    report = export(_paths(args), args.assignment, out, fmt=args.format,
                    roster_path=args.roster, partial=args.partial,
                    canvas_column=args.canvas_column)
    for note in report.notes:
        print(f"note: {note}")
    print(f"wrote {report.rows} rows ({args.format}) to {out}")
    return 0


ROSTER_HELP = ("CSV of the class: student_id plus any of name, email, moodle_id, canvas_id, "
               "sis_user_id, sis_login_id, section; maps LMS participants to student ids and "
               "lists who is missing")


def cmd_publish(args) -> int:
    from .publish import PublishError, find_root, publish

    try:
        publish(find_root(), args.repo, args.ref, release=not args.no_release)
    except PublishError as e:
        raise ConfigError(str(e)) from None
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate exercises/ from solutions/ via nbgrader")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.add_argument("--exercises", type=Path, default=None, help="output folder (./exercises)")
    p.add_argument("--exchange", action="store_true",
                   help="also release to the nbgrader exchange (students fetch it in "
                        "JupyterLab's Assignments tab)")
    _common(p)
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("collect", help="copy submissions into COURSE_DIR/submitted/")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--submissions", type=Path, default=None,
                   help="folder or LMS zip of <student_id>/<notebook>.ipynb")
    p.add_argument("--exchange", action="store_true",
                   help="collect each student's latest hand-in from the nbgrader exchange "
                        "instead (as nbgrader collect, but never following links)")
    p.add_argument("--roster", type=Path, default=None, help=ROSTER_HELP)
    _common(p)
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("grade", help="grade a class in the sandbox and record the scores")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--submissions", type=Path, default=None,
                   help="folder of <student_id>/<notebook>.ipynb (or <student_id>/"
                        "<ASSIGNMENT>/...), or an LMS zip; default COURSE_DIR/submitted")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded in parallel (2)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="wall-clock seconds per submission (60)")
    p.add_argument("--memory", type=int, default=4096,
                   help="address-space limit per submission in MB (4096)")
    p.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="run the sandboxed jobs on a Dask cluster: a scheduler address "
                        "(tcp://HOST:PORT) or local:N for N local worker processes; "
                        "references, comparison and the gradebook stay here")
    p.add_argument("--roster", type=Path, default=None, help=ROSTER_HELP)
    _common(p)
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("feedback", help="write per-student HTML feedback")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    _common(p)
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="write grades as CSV, or for Moodle / Canvas import")
    p.add_argument("assignment", nargs="?", default=None, metavar="ASSIGNMENT")
    p.add_argument("--format", choices=("csv", "moodle", "canvas"), default="csv",
                   help="csv: our table (default); moodle: the assignment's offline grading "
                        "worksheet; canvas: a gradebook CSV for Canvas's Import")
    p.add_argument("--out", type=Path, default=None, help="output file")
    p.add_argument("--csv", type=Path, default=None, help="output file (same as --out)")
    p.add_argument("--roster", type=Path, default=None,
                   help="roster CSV with the LMS identifiers (default: what collect/grade "
                        "saved in COURSE_DIR/participants.csv)")
    p.add_argument("--partial", action="store_true",
                   help="moodle/canvas: also export students whose manual questions are not "
                        "graded yet (their grade then lacks those points)")
    p.add_argument("--canvas-column", default=None,
                   help='canvas: the assignment column header, e.g. "ex01 (12345)" as in '
                        "Canvas's own export (default: the assignment name, which Canvas "
                        "imports as a new assignment)")
    _common(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("publish", help="set the repository and version students get, and "
                                       "rewrite every badge, setup cell and README link")
    p.add_argument("--repo", default=None, metavar="OWNER/NAME", help="GitHub repository")
    p.add_argument("--ref", default=None, metavar="TAG", help="tag or commit to pin")
    p.add_argument("--no-release", action="store_true",
                   help="do not regenerate exercises/ (default: regenerate)")
    p.set_defaults(func=cmd_publish)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as e:
        print(f"course: configuration error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

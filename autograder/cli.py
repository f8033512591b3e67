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


def _paths(args) -> CoursePaths:
    course_dir = (args.course_dir or default_course_dir()).resolve()
    solutions = (args.solutions or default_solutions_dir()).resolve()
    return CoursePaths(course_dir, solutions, args.db)


def cmd_release(args) -> int:
    from .release import release

    paths = _paths(args)
    out = (args.exercises or default_exercises_dir()).resolve()
    for p in release(paths, args.assignments, out):
        print(f"released {p}")
    return 0


def cmd_collect(args) -> int:
    from .collect import collect

    collect(_paths(args), args.assignment, args.submissions, exchange=args.exchange)
    return 0


def cmd_grade(args) -> int:
    from .grader import grade
    from .sandbox import Limits

    paths = _paths(args)
    subs = args.submissions or (paths.course_dir / "submitted")
    limits = Limits(timeout=args.timeout, memory_mb=args.memory)
    grade(paths, args.assignment, Path(subs), jobs=args.jobs, limits=limits)
    return 0


def cmd_feedback(args) -> int:
    from .feedback import write_feedback

    for p in write_feedback(_paths(args), args.assignment):
        print(f"wrote {p}")
    return 0


def cmd_export(args) -> int:
    from .export import export_csv

    n = export_csv(_paths(args), args.assignment, args.csv)
    print(f"wrote {n} rows to {args.csv}")
    return 0


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
    _common(p)
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("collect", help="copy submissions into COURSE_DIR/submitted/")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--submissions", type=Path, default=None,
                   help="folder or LMS zip of <student_id>/<notebook>.ipynb")
    p.add_argument("--exchange", action="store_true",
                   help="collect from the nbgrader exchange instead (nbgrader collect)")
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
    _common(p)
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("feedback", help="write per-student HTML feedback")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    _common(p)
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="write grades as CSV")
    p.add_argument("assignment", nargs="?", default=None, metavar="ASSIGNMENT")
    p.add_argument("--csv", type=Path, required=True, help="output file")
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

"""The instructor command line: ``course release | collect | grade | feedback | export``."""

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
                   help="SQLAlchemy URL of the gradebook (default sqlite in the course dir)")


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate exercises/ from solutions/ via nbgrader")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.add_argument("--exercises", type=Path, default=None, help="output folder (./exercises)")
    _common(p)
    p.set_defaults(func=cmd_release)

    try:
        from . import commands
    except ImportError:  # pragma: no cover - during development only
        commands = None
    if commands is not None:
        commands.add_parsers(sub, _common, _paths)
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

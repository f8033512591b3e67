"""`course collect`: gather submissions into COURSE_DIR/submitted/<student>/<A>/<nb>.ipynb.

From a folder or an LMS download (Moodle's or Canvas's zip, or the same unpacked; see
:mod:`autograder.lms` for the layouts), or from the nbgrader exchange (``--exchange``, i.e.
``nbgrader collect``). With ``--roster`` LMS participants become the roster's student ids.
Every name or file that is not collected is listed with the reason; nothing is dropped quietly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .course import ConfigError, CoursePaths
from .lms import (
    STUDENT_ID,
    Found,
    Submissions,
    choose_notebook,
    list_entries,
    notebooks_in,
    read_submission,
)


def collect(paths: CoursePaths, assignment: str, submissions: Path | None,
            exchange: bool = False, roster=None, out=None,
            exchange_root: Path | None = None) -> int:
    out = out or sys.stdout
    nb_name = paths.source_notebook(assignment).name
    if exchange:
        return collect_exchange(paths, assignment, nb_name, exchange_root, out)
    if submissions is None:
        raise ConfigError("give --submissions PATH (a folder or the LMS's zip) or --exchange")
    with Submissions(submissions, assignment, nb_name, roster) as batch:
        print(f"collecting {assignment} from {submissions} (layout: {batch.layout})", file=out)
        for p in batch.notes:
            print(f"note: {p}", file=out)
        if batch.participants or roster is not None:
            from .roster import participants_file, remember

            remember(paths.course_dir, roster, batch.participants)
            print(f"LMS identities saved in {participants_file(paths.course_dir)}", file=out)
        n = sum(_store(paths, assignment, nb_name, f, out, show_notes=False)
                for f in batch.found)  # their unusual notes are in batch.notes
        print(f"collected {n} submissions into {paths.course_dir / 'submitted'}", file=out)
        return n


def _store(paths: CoursePaths, assignment: str, nb_name: str, f: Found, out,
           timestamp: bytes | None = None, show_notes: bool = True) -> bool:
    """Copy one hand-in's notebook (read safely) into submitted/; False when not collected."""
    for note in f.notes if show_notes else ():
        print(f"note: {f.student}: {note}", file=out)
    if f.path is None:
        if show_notes and not f.notes:
            print(f"note: {f.student}: no notebook", file=out)
        return False
    try:
        data = read_submission(f)
    except OSError as e:
        print(f"note: {f.student}: {f.path.name} not collected ({e})", file=out)
        return False
    folder = paths.course_dir / "submitted" / f.student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in ((nb_name, data), ("timestamp.txt", timestamp)):
        if content is None:
            continue
        tmp = folder / (name + ".part")
        tmp.write_bytes(content)
        os.replace(tmp, folder / name)
    return True


def exchange_inbound(paths: CoursePaths, exchange_root: Path | None) -> Path:
    """``<root>/<course_id>/inbound``: root and course id from the flags, else the course's
    nbgrader_config.py (CoursePaths.exchange_root / course_id)."""
    root = Path(exchange_root or paths.exchange_root)
    inbound = root / paths.course_id / "inbound"
    if not inbound.is_dir():
        raise ConfigError(f"no exchange inbound folder {inbound}: give --exchange-root and "
                          "--course-id, or set c.Exchange.root and c.CourseDirectory.course_id "
                          f"in {paths.course_dir / 'nbgrader_config.py'}")
    return inbound


def collect_exchange(paths: CoursePaths, assignment: str, nb_name: str,
                     exchange_root: Path | None, out) -> int:
    """What ``nbgrader collect`` does (each student's latest hand-in from the exchange), but
    reading nothing a student could point elsewhere: nbgrader's copytree follows symlinks and
    opens FIFOs, so a student could make the instructor copy any file the instructor can read
    (a classmate's hand-in) into their own submission. Only the notebook and timestamp.txt
    are copied, each read with :func:`~autograder.lms.read_submission`."""
    from nbgrader.utils import parse_utc

    inbound = exchange_inbound(paths, exchange_root)
    notes: list[str] = []
    latest: dict[str, tuple] = {}
    for entry, kind in list_entries(inbound, notes, "inbound/"):
        parts = entry.name.rsplit("+", 3)
        if len(parts) < 3 or parts[1] != assignment:
            continue
        if kind != "dir":
            notes.append(f"inbound/{entry.name!r}: not a folder (skipped)")
            continue
        student, stamp = parts[0], parts[2]
        if not STUDENT_ID.match(student):
            notes.append(f"inbound/{entry.name!r}: {student!r} is not a valid student id")
            continue
        try:
            when = parse_utc(stamp)
        except Exception:
            notes.append(f"inbound/{entry.name!r}: unreadable timestamp {stamp!r} (skipped)")
            continue
        owner = _owner(entry)
        if owner not in (None, student):
            notes.append(f"inbound/{entry.name!r}: claims to be from {student} but belongs to "
                         f"user {owner}")
        if student not in latest or when > latest[student][0]:
            latest[student] = (when, Path(entry.path))
    print(f"collecting {assignment} from the exchange {inbound} (layout: nbgrader exchange)",
          file=out)
    for p in notes:
        print(f"note: {p}", file=out)
    n = 0
    for student in sorted(latest):
        folder = latest[student][1]
        sub: list[str] = []
        chosen, why = choose_notebook(notebooks_in(folder, sub, f"{folder.name}/"), folder,
                              assignment, nb_name)
        f = Found(student, chosen, sub + why, folder)
        stamp = None
        if (folder / "timestamp.txt").exists():
            try:
                stamp = read_submission(Found(student, folder / "timestamp.txt", [], folder),
                                        limit=1024)
            except OSError as e:
                print(f"note: {student}: timestamp.txt not read ({e})", file=out)
        n += _store(paths, assignment, nb_name, f, out, stamp)
    print(f"collected {n} submissions into {paths.course_dir / 'submitted'}", file=out)
    return n


def _owner(entry) -> str | None:
    try:
        import pwd

        return pwd.getpwuid(entry.stat(follow_symlinks=False).st_uid).pw_name
    except (ImportError, KeyError, OSError):
        return None

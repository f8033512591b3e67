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

from .course import ConfigError, CoursePaths, nbgrader_api
from .lms import Submissions, Unsafe, read_submission


def collect(paths: CoursePaths, assignment: str, submissions: Path | None,
            exchange: bool = False, roster=None, out=None) -> int:
    out = out or sys.stdout
    nb_name = paths.source_notebook(assignment).name
    if exchange:
        api = nbgrader_api(paths.course_dir, paths.db)
        result = api.collect(assignment)
        if not result.get("success"):
            raise ConfigError(f"nbgrader collect failed: {result.get('error') or result}")
        print(result.get("log", ""), file=out)
        return 0
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
        n = 0
        for f in batch.found:
            for note in f.notes:
                print(f"note: {f.student}: {note}", file=out)
            if f.path is None:
                if not f.notes:
                    print(f"note: {f.student}: no notebook", file=out)
                continue
            try:
                data = read_submission(f)
            except (Unsafe, OSError) as e:
                print(f"note: {f.student}: {f.path.name} not collected ({e})", file=out)
                continue
            dest = paths.course_dir / "submitted" / f.student / assignment / nb_name
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(dest.name + ".part")
            tmp.write_bytes(data)
            os.replace(tmp, dest)
            n += 1
        print(f"collected {n} submissions into {paths.course_dir / 'submitted'}", file=out)
        return n

"""`course collect`: gather submissions into COURSE_DIR/submitted/<student>/<A>/<nb>.ipynb.

From a folder or LMS zip (the same layouts `course grade` reads), or from the nbgrader
exchange (``--exchange``, i.e. ``nbgrader collect``). Bad names are reported and skipped.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .course import ConfigError, CoursePaths
from .grader import _safe_extract, _unwrap, discover


def collect(paths: CoursePaths, assignment: str, submissions: Path | None,
            exchange: bool = False) -> int:
    nb_name = paths.source_notebook(assignment).name
    if exchange:
        from .exchange import collect_from_exchange

        return collect_from_exchange(paths, assignment)
    if submissions is None:
        raise ConfigError("give --submissions PATH or --exchange")
    tmp = None
    try:
        root = submissions.resolve()
        if root.is_file() and root.suffix == ".zip":
            tmp = Path(tempfile.mkdtemp(prefix="course-zip-"))
            for p in _safe_extract(root, tmp):
                print(f"note: {p}")
            root = _unwrap(tmp)
        found, problems = discover(root, assignment, nb_name)
        for p in problems:
            print(f"note: {p}")
        n = 0
        for f in found:
            if f.path is None:
                print(f"note: {f.student}: no notebook")
                continue
            dest = paths.course_dir / "submitted" / f.student / assignment / nb_name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f.path, dest)
            n += 1
        print(f"collected {n} submissions into {paths.course_dir / 'submitted'}")
        return n
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

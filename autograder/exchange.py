"""nbgrader's exchange: release an assignment to it (collecting lives in collect.py).

The exchange is nbgrader's own (``nbgrader release_assignment`` / ``fetch_assignment`` /
``submit`` / ``collect``): a shared folder (``Exchange.root``, default
``/srv/nbgrader/exchange``) with ``<course_id>/outbound/<assignment>/`` that every student
can read and ``<course_id>/inbound/`` where they drop submissions. Students use it from
JupyterLab's *Assignments* tab (nbgrader's lab extension). Releasing calls nbgrader's API,
with the course id and exchange root from ``--course-id`` / ``--exchange-root`` or from the
course's ``nbgrader_config.py`` — the same file the hub's formgrader reads.
Collecting is ``autograder.collect.collect_exchange`` (nbgrader's layout, read without
following links). See docs/deployment.md for the JupyterHub side.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .course import ConfigError, CoursePaths, nbgrader_api


def _api(paths: CoursePaths):
    return nbgrader_api(paths.course_dir, paths.db, paths.course_id, paths.exchange_root)


def _check_root(paths: CoursePaths) -> Path:
    root = Path(paths.exchange_root)
    if not root.is_dir():
        raise ConfigError(
            f"the nbgrader exchange {root} does not exist: create it world-writable with the "
            f"sticky bit (mkdir -p {root} && chmod 1777 {root}), or pass --exchange-root / set "
            f"c.Exchange.root in {paths.course_dir / 'nbgrader_config.py'}")
    return root


def release_to_exchange(paths: CoursePaths, assignment: str, exercises: Path) -> Path:
    """Put ``exercises/<assignment>/`` (the committed student version) on the exchange.

    The gradebook learns the assignment first (as ``course grade`` does), then nbgrader
    copies ``COURSE_DIR/release/<assignment>/`` to ``<root>/<course_id>/outbound/``.
    """
    from .grader import prepare

    _check_root(paths)
    released = exercises / assignment
    if not any(released.glob("*.ipynb")):
        raise ConfigError(f"{released} has no notebook: run `course release {assignment}` "
                          "first")
    prepare(paths, assignment)  # gradebook + COURSE_DIR/release/<assignment>/ (nbgrader's)
    dest = paths.course_dir / "release" / assignment
    for nb in released.glob("*.ipynb"):  # students get exactly the committed release
        shutil.copy2(nb, dest / nb.name)
    result = _api(paths).release_assignment(assignment)
    if not result.get("success"):
        raise ConfigError(f"nbgrader release_assignment failed: "
                          f"{result.get('error') or result.get('log')}")
    out = Path(paths.exchange_root) / paths.course_id / "outbound" / assignment
    print(f"released {assignment} to {out} (course id {paths.course_id})")
    return out

"""Grading throughput: a class of N copies of the ex01 solution and N of the blank release.

    python benchmarks/grading.py                 # 50 + 50, --jobs 2
    python benchmarks/grading.py --n 10 --jobs 1
    python benchmarks/grading.py --n 25 --jobs 2        # the issue-10 target: <= 0.5 s each
    COURSE_SANDBOX_WARM=0 python benchmarks/grading.py   # a fresh sandbox per submission
    python benchmarks/grading.py --n 500 --dask local:2  # the same on a local 2-worker Dask
    python benchmarks/grading.py --n 500 --compare-dask  # --jobs 2, Dask with 1 and 2 workers

Prints submissions per minute and seconds per submission, for the grading batch itself and
for the whole command (which also registers the assignment with nbgrader once), and the cost
of per-submission isolation: the median round trip of an empty job through this worker's
sandbox (fresh namespaces, private tmpfs, the clean-up proof).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import sandbox  # noqa: E402
from autograder.course import CoursePaths  # noqa: E402
from autograder.grader import grade, prepare  # noqa: E402


def isolation_cost() -> float:
    job = {"steps": [{"kind": "code", "label": "empty", "source": "pass"}], "tasks": {}}
    limits = sandbox.Limits(timeout=30)
    try:
        sandbox.run(job, limits)  # start this thread's sandbox
        walls = []
        for _ in range(20):
            t = time.perf_counter()
            sandbox.run(job, limits)
            walls.append(time.perf_counter() - t)
    finally:
        sandbox.shutdown()
    return sorted(walls)[len(walls) // 2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=50, help="copies of each notebook (50)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--dask", default=None, help="grade on Dask: ADDRESS or local:N")
    ap.add_argument("--compare-dask", action="store_true",
                    help="run --jobs 2, then local:1 and local:2 Dask clusters, same class")
    args = ap.parse_args()
    if args.compare_dask:
        rows = []
        for label, jobs, dask in (("--jobs 2", 2, None), ("dask local:1", 1, "local:1"),
                                  ("dask local:2", 2, "local:2")):
            rows.append((label, _run(args.n, jobs, args.timeout, dask)))
        base = rows[0][1]
        for label, t in rows:
            print(f"{label:14} {t:.3f} s/submission  ratio to --jobs 2: {t / base:.3f}")
        return 0
    return 0 if _run(args.n, args.jobs, args.timeout, args.dask) else 1


def _run(n_copies, jobs, timeout, dask):
    """Grade the class once; print the report; return seconds per submission (0 if wrong)."""
    class _A:
        pass
    args = _A()
    args.n, args.jobs, args.timeout, args.dask = n_copies, jobs, timeout, dask
    tmp = Path(tempfile.mkdtemp(prefix="grading-bench-"))
    try:
        subs = tmp / "subs"
        for i in range(args.n):
            for kind, src in (("sol", ROOT / "solutions/ex01/ex01.ipynb"),
                              ("blank", ROOT / "exercises/ex01/ex01.ipynb")):
                d = subs / f"{kind}{i:03d}"
                d.mkdir(parents=True)
                shutil.copy(src, d / "ex01.ipynb")
        paths = CoursePaths(tmp / "course", ROOT / "solutions")
        t0 = time.perf_counter()
        prepare(paths, "ex01")  # what every `course grade` does once
        t_prepare = time.perf_counter() - t0
        out = io.StringIO()
        t1 = time.perf_counter()
        results = grade(paths, "ex01", subs, jobs=args.jobs,
                        limits=sandbox.Limits(timeout=args.timeout), out=out, dask=args.dask)
        t_total = time.perf_counter() - t1
        n = len(results)
        bad = [r.student for r in results
               if (r.student.startswith("sol") and r.score != 90)
               or (r.student.startswith("blank") and r.score != 0)]
        runs = [r.wall for r in results]
        where = args.dask and f"dask {args.dask}" or f"jobs: {args.jobs}"
        print(f"isolation: {sandbox.describe()}; cpus: {os.cpu_count()}; {where}; "
              f"load average before: {os.getloadavg()[0]:.1f}")
        print(f"submissions: {n} ({args.n} solution + {args.n} blank); wrong scores: {len(bad)}")
        print(f"nbgrader generate_assignment (once per command): {t_prepare:.1f} s")
        print(f"whole `course grade` call: {t_total:.1f} s -> {n / t_total * 60:.1f} "
              f"submissions/minute, {t_total / n:.2f} s/submission")
        print(f"mean wall per submission inside a worker: {sum(runs) / max(1, len(runs)):.2f} s")
        print(f"isolation cost (empty job through the sandbox, median of 20): "
              f"{isolation_cost() * 1000:.0f} ms")
        return 0.0 if bad else t_total / n
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

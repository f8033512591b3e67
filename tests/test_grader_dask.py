"""`course grade --dask`: sandboxed jobs on Dask workers, results identical to `--jobs 2`.

A scheduler and two worker processes are started on 127.0.0.1 by the test (real `dask
scheduler` / `dask worker` processes, as a cluster would run them). One worker is killed with
SIGKILL in the middle of the batch; every student must still have exactly one result, equal
to the `--jobs 2` run on the same submissions. A job that kills its worker every time ends as
that student's `error` and the batch goes on.
"""

from __future__ import annotations

import copy
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="Dask distributed is a dev dependency")

from autograder import cluster, sandbox  # noqa: E402
from autograder.course import CoursePaths  # noqa: E402
from autograder.gradebook import all_results, open_gradebook  # noqa: E402
from autograder.grader import grade  # noqa: E402
from tests.grading.attacks import FULL_AUTO, PARTIAL, partial  # noqa: E402

pytestmark = [pytest.mark.grading, pytest.mark.cluster]

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
LIMITS = sandbox.Limits(timeout=40.0, memory_mb=3072)


def _nb(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _slow(nb_dict, seconds):
    """The same notebook with a first code cell that sleeps (keeps a worker busy)."""
    nb = copy.deepcopy(nb_dict)
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": f"import time\ntime.sleep({seconds})\n"}
    first = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"].insert(first + 1, cell)
    return nb


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    """4 solutions, 2 partial, 2 blank; half of them slow, so the kill hits running jobs."""
    subs = tmp_path_factory.mktemp("dask") / "subs"
    sol = _nb(SOLUTIONS / "ex01" / "ex01.ipynb")
    rel = _nb(ROOT / "exercises" / "ex01" / "ex01.ipynb")
    part = json.loads(partial(sol, rel))
    want = {}
    for name, nb, score in [("sol1", sol, FULL_AUTO), ("sol2", _slow(sol, 3), FULL_AUTO),
                            ("sol3", sol, FULL_AUTO), ("sol4", _slow(sol, 3), FULL_AUTO),
                            ("part1", _slow(part, 3), PARTIAL), ("part2", part, PARTIAL),
                            ("blank1", rel, 0.0), ("blank2", _slow(rel, 3), 0.0)]:
        (subs / name).mkdir(parents=True)
        (subs / name / "ex01.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        want[name] = score
    return subs, want


def _start(cmd, log):
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            start_new_session=True)


@pytest.fixture
def dask_cluster(tmp_path):
    """`dask scheduler` + two `dask worker` processes (no nanny: a killed worker stays dead)."""
    sched_file = tmp_path / "scheduler.json"
    log = open(tmp_path / "dask.log", "w")  # noqa: SIM115 - closed below
    py = sys.executable
    procs = [_start([py, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                     "--port", "0", "--no-dashboard", "--scheduler-file", str(sched_file)], log)]
    deadline = time.monotonic() + 60
    while not sched_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sched_file.exists(), (tmp_path / "dask.log").read_text()
    address = json.loads(sched_file.read_text())["address"]
    workers = [_start([py, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                       "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                       "--name", f"w{i}"], log) for i in range(2)]
    procs += workers
    client = distributed.Client(address, timeout="30s")
    try:
        client.wait_for_workers(2, timeout=60)
    finally:
        client.close()
    yield address, workers
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
    log.close()


def _scores(paths):
    gb = open_gradebook(paths.db)
    try:
        return [(r["student_id"], r["score"], r["status"]) for r in all_results(gb, "ex01")]
    finally:
        gb.close()


def test_dask_batch_survives_a_killed_worker_and_matches_jobs_2(dask_cluster, submissions,
                                                                tmp_path):
    address, workers = dask_cluster
    subs, want = submissions
    # the reference run: --jobs 2 on this machine
    local = CoursePaths(tmp_path / "local", SOLUTIONS)
    ref = {r.student: r for r in grade(local, "ex01", subs, jobs=2, limits=LIMITS,
                                       out=io.StringIO())}
    assert {s: r.score for s, r in ref.items()} == want

    # the same batch on Dask; kill worker w0 as soon as the first result is printed
    out = io.StringIO()
    killed = threading.Event()

    def killer():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "/ 100" not in out.getvalue():
            time.sleep(0.05)
        os.killpg(workers[0].pid, signal.SIGKILL)
        killed.set()

    threading.Thread(target=killer, daemon=True).start()
    paths = CoursePaths(tmp_path / "dask", SOLUTIONS)
    results = grade(paths, "ex01", subs, limits=LIMITS, out=out, dask=address)
    assert killed.is_set(), "the batch ended before the worker could be killed"
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    text = out.getvalue()
    assert f"Dask at {address}" in text and "2 worker(s)" in text

    got = {r.student: r for r in results}
    assert sorted(got) == sorted(want)  # everyone once, nobody twice
    for s, r in got.items():
        assert (r.status, r.score) == (ref[s].status, ref[s].score), (s, r.notes)
        assert [(t.grade_id, t.score) for t in r.tasks] == \
            [(t.grade_id, t.score) for t in ref[s].tasks], s
    rows = _scores(paths)
    assert sorted(s for s, _, _ in rows) == sorted(want)  # exactly one gradebook row each
    assert {s: score for s, score, _ in rows} == want


def _kill_my_worker(job, limits):  # shipped to the worker by value (see the test)
    os._exit(1)


def test_a_job_that_kills_every_worker_is_that_students_error(submissions, tmp_path,
                                                              monkeypatch):
    """KilledWorker after `allowed-failures` lost workers: the student's error, not the run's."""
    import cloudpickle

    subs, want = submissions
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    real = cluster.run_on_worker

    def run_or_die(job, limits):
        # the blank notebooks' jobs (their stubs raise NotImplementedError) take their
        # worker down; every other job runs normally
        if any("raise NotImplementedError" in s["source"] for s in job["steps"]):
            _kill_my_worker(job, limits)
        return real(job, limits)

    monkeypatch.setattr(cluster, "run_on_worker", run_or_die)
    monkeypatch.setenv("COURSE_DASK_RETRIES", "1")
    paths = CoursePaths(tmp_path / "course", SOLUTIONS)
    out = io.StringIO()
    results = {r.student: r for r in grade(paths, "ex01", subs, limits=LIMITS, out=out,
                                           dask="local:2")}
    assert sorted(results) == sorted(want)
    assert results["blank1"].status == "error"
    assert any("KilledWorker" in n for n in results["blank1"].notes)
    for s in ("sol1", "sol3", "part2"):
        assert (results[s].status, results[s].score) == ("graded", want[s]), results[s].notes


def test_bad_addresses_say_what_to_do():
    with pytest.raises(cluster.ClusterError, match="local:N"):
        cluster.make_runner("local:two")
    with pytest.raises(cluster.ClusterError, match="dask scheduler"):
        cluster.DaskRunner("tcp://127.0.0.1:9")  # nothing listens on the discard port


def test_a_worker_reply_is_validated():
    job = {"steps": [{"kind": "code", "label": "c1", "source": ""},
                     {"kind": "task", "label": "t", "source": ""}],
           "tasks": {"t": {"cases": [{}, {}]}}}
    good = {"events": {"cells": [{"label": "c1", "ok": True, "error": "", "memory": False,
                                  "timed_out": False}],
                       "cases": [{"task": "t", "case": 1, "values": {"y": 1.0}, "error": None,
                                  "memory": False, "timed_out": False}],
                       "done": True, "rejected": ""},
            "stdout": "", "stderr": "", "output_truncated": False, "timed_out": False,
            "returncode": 0, "wall": 1.0, "mode": "bwrap", "protocol_error": "",
            "over_memory": False}
    r = cluster._result_from(good, job)
    assert r.events.done and r.events.cells[0].label == "c1"
    assert r.events.cases[("t", 1)].values == {"y": 1.0}
    cell = good["events"]["cells"][0]
    case = good["events"]["cases"][0]
    for broken in ({**good, "timed_out": "no"}, {**good, "extra": 1}, [good], None,
                   {**good, "events": "x"},
                   {**good, "events": {**good["events"], "cells": [{**cell, "label": "other"}]}},
                   {**good, "events": {**good["events"], "cases": [{**case, "case": 2}]}},
                   {**good, "events": {**good["events"], "cases": [{**case, "task": "u"}]}},
                   {**good, "events": {**good["events"], "cells": [{"nope": 1}]}}):
        with pytest.raises(cluster.ClusterError):
            cluster._result_from(broken, job)

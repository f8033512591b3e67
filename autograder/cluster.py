"""Grading past one machine: sandboxed execution fanned out to Dask workers.

``course grade A --dask tcp://HOST:PORT`` (a running Dask scheduler) or ``--dask local:N`` (a
local cluster of N worker processes) sends each submission's *job* — the student's cells and
the probes' plain arguments, nothing else — to a worker, which runs it in the same sandbox,
with the same limits, as ``--jobs`` does on this machine, and sends back the run's plain
result (events, exit status, flags). References, comparison and the gradebook never leave the
instructor's process, so a worker never sees a reference value and never writes a grade.

What Dask gives us (and we do not re-implement):

* a worker that dies mid-batch has its tasks re-run on the others (the scheduler notices the
  lost connection); the result of each task reaches us once, through its future, so no
  student is recorded twice;
* a task that kills ``allowed-failures`` workers in a row (default 3; see ``--dask-retries``)
  ends in ``KilledWorker``: that student's ``error``, never the batch's failure;
* the same command reaches a SLURM/PBS cluster (dask-jobqueue) or Kubernetes
  (dask-kubernetes): start the cluster there, pass its scheduler address (docs/grading.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os

from . import protocol, sandbox
from .course import ConfigError

# what crosses from a worker back to us: RunResult's plain fields and their types, checked here
_TYPES = {"stdout": str, "stderr": str, "output_truncated": bool, "timed_out": bool,
          "returncode": (int, type(None)), "wall": (int, float), "mode": str,
          "protocol_error": str, "over_memory": bool}
_FIELDS = set(_TYPES) | {"events"}


class ClusterError(ConfigError):
    """The cluster could not be reached or used (says what to do)."""


def run_on_worker(job: dict, limits: dict) -> dict:
    """Runs ON the worker: one job in this worker's sandbox; plain data comes back (the
    sandbox's frames were already parsed there, against this job, by autograder.protocol)."""
    result = sandbox.run(job, sandbox.Limits(**limits))
    plain = {name: getattr(result, name) for name in _TYPES}
    ev = result.events
    plain["events"] = {
        "cells": [dataclasses.asdict(c) for c in ev.cells],
        "cases": [dataclasses.asdict(c) for c in ev.cases.values()],
        "done": ev.done, "rejected": ev.rejected}
    return plain


def worker_isolation(limits=None) -> str:
    """Runs ON the worker: which sandbox and limits it will use (reported before the batch)."""
    return sandbox.describe(limits)


def worker_shutdown() -> None:
    """Runs ON the worker after a batch: stop its warm sandboxes."""
    sandbox.shutdown()


def _result_from(data, job: dict) -> sandbox.RunResult:
    """A worker's reply, validated field by field and rebuilt into the typed records the
    grader reads (a broken worker cannot hand us anything else); events must belong to
    this job's own steps."""
    if not isinstance(data, dict) or set(data) != _FIELDS:
        raise ClusterError(f"a worker returned an unexpected result: {type(data).__name__}")
    for name, kind in _TYPES.items():
        if not isinstance(data[name], kind) or (name != "returncode" and data[name] is None):
            raise ClusterError(f"a worker returned {name} of type {type(data[name]).__name__}")
    ev = data["events"]
    if (not isinstance(ev, dict) or set(ev) != {"cells", "cases", "done", "rejected"}
            or not isinstance(ev["cells"], list) or not isinstance(ev["cases"], list)
            or type(ev["done"]) is not bool or not isinstance(ev["rejected"], str)):
        raise ClusterError("a worker returned malformed events")
    steps = {(s["kind"], s["label"]) for s in job["steps"]}
    events = protocol.JobEvents(done=ev["done"], rejected=protocol.safe_text(ev["rejected"]))
    try:
        for c in ev["cells"]:
            cell = protocol.CellEvent(**c)
            if ("code", cell.label) not in steps or type(cell.ok) is not bool:
                raise ValueError(f"cell {cell.label!r} is not one of this job's")
            events.cells.append(cell)
        for c in ev["cases"]:
            case = protocol.CaseEvent(**c)
            if case.task not in job["tasks"] or type(case.case) is not int or not (
                    0 <= case.case < len(job["tasks"][case.task]["cases"])):
                raise ValueError(f"case {case.case} of {case.task!r} is not one of this job's")
            events.cases[(case.task, case.case)] = case
    except (TypeError, ValueError) as e:
        raise ClusterError(f"a worker returned events that do not belong to the job: {e}") \
            from None
    return sandbox.RunResult(events=events, **{k: data[k] for k in _TYPES})


class DaskRunner:
    """Callable like :func:`autograder.sandbox.run`, but the job runs on a Dask worker."""

    def __init__(self, address: str, retries: int | None = None):
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise ClusterError("--dask needs Dask distributed: pip install 'autodiff-course"
                               "[cluster]' (or: pip install 'dask[distributed]')") from None
        self._cluster = None
        if retries is not None:
            dask.config.set({"distributed.scheduler.allowed-failures": int(retries)})
        if address.startswith("local:"):
            try:
                n = int(address.split(":", 1)[1])
            except ValueError:
                raise ClusterError(f"--dask {address}: expected local:N with N workers, "
                                   "e.g. local:2") from None
            self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                         host="127.0.0.1", dashboard_address=None)
            address = self._cluster.scheduler_address
        try:
            self.client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as e:
            self.close()
            raise ClusterError(f"cannot reach the Dask scheduler at {address} ({e}); start one "
                               "with `dask scheduler` and workers with `dask worker ADDRESS`, "
                               "or use --dask local:N") from None
        self.address = address

    def slots(self) -> int:
        """How many submissions can run at once (one per worker thread)."""
        return max(1, sum(self.client.nthreads().values()))

    def describe(self, limits=None) -> str:
        modes = self.client.run(worker_isolation, limits)
        kinds = sorted(set(modes.values()))
        return (f"Dask at {self.address}, {len(modes)} worker(s), {self.slots()} slot(s); "
                f"isolation on the workers: {'; '.join(kinds) or 'no workers yet'}")

    def __call__(self, job: dict, limits: sandbox.Limits) -> sandbox.RunResult:
        from distributed import KilledWorker

        future = self.client.submit(run_on_worker, job, dataclasses.asdict(limits), pure=False)
        try:
            return _result_from(future.result(), job)
        except KilledWorker:
            # this job took down worker after worker: it is this student's error
            return sandbox.RunResult(returncode=None, mode="dask-killed", stderr="killed workers")
        finally:
            future.release()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if getattr(self, "client", None) is not None:
                self.client.run(worker_shutdown)
                self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()


def make_runner(address: str | None):
    """``None`` → run here (sandbox.run); else a :class:`DaskRunner` for ``address``."""
    if not address:
        return None
    return DaskRunner(address, retries=int(os.environ.get("COURSE_DASK_RETRIES", "3")))

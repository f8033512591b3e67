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

from . import sandbox
from .course import ConfigError

# what crosses from a worker back to us: RunResult's fields and their types, checked here
_FIELDS = {f.name: f for f in dataclasses.fields(sandbox.RunResult)}
_TYPES = {"events": list, "stdout": str, "stderr": str, "output_truncated": bool,
          "timed_out": bool, "returncode": (int, type(None)), "wall": (int, float),
          "mode": str, "bad_lines": int}


class ClusterError(ConfigError):
    """The cluster could not be reached or used (says what to do)."""


def run_on_worker(job: dict, limits: dict) -> dict:
    """Runs ON the worker: one job in this worker's sandbox; a plain dict comes back."""
    result = sandbox.run(job, sandbox.Limits(**limits))
    return dataclasses.asdict(result)


def worker_isolation() -> str:
    """Runs ON the worker: which sandbox it will use (reported before the batch starts)."""
    return sandbox.describe()


def worker_shutdown() -> None:
    """Runs ON the worker after a batch: stop its warm sandboxes."""
    sandbox.shutdown()


def _result_from(data) -> sandbox.RunResult:
    """A worker's reply, validated field by field (a broken worker cannot hand us junk)."""
    if not isinstance(data, dict) or set(data) != set(_FIELDS):
        raise ClusterError(f"a worker returned an unexpected result: {type(data).__name__}")
    for name, value in data.items():
        if not isinstance(value, _TYPES[name]) or (name != "returncode" and value is None):
            raise ClusterError(f"a worker returned {name} of type {type(value).__name__}")
    events = [e for e in data["events"] if isinstance(e, dict) and isinstance(e.get("ev"), str)]
    bad = len(data["events"]) - len(events)
    return sandbox.RunResult(**{**data, "events": events, "bad_lines": data["bad_lines"] + bad})


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

    def describe(self) -> str:
        modes = self.client.run(worker_isolation)
        kinds = sorted(set(modes.values()))
        return (f"Dask at {self.address}, {len(modes)} worker(s), {self.slots()} slot(s); "
                f"isolation on the workers: {'; '.join(kinds) or 'no workers yet'}")

    def __call__(self, job: dict, limits: sandbox.Limits) -> sandbox.RunResult:
        from distributed import KilledWorker

        future = self.client.submit(run_on_worker, job, dataclasses.asdict(limits), pure=False)
        try:
            return _result_from(future.result())
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

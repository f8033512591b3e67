"""The program that runs inside the sandbox (standard library only).

It is never imported by the grader: :mod:`autograder.sandbox` sends this file's text, followed
by the text of :mod:`autograder.plain` and :mod:`autograder.limits`, to ``python -I -c`` in the
sandbox (the warm sandbox calls :func:`run_job` in each job's student process). It executes the
steps in order in one namespace, and writes one JSON line per event to file descriptor 3:

* ``{"ev": "start"}``
* ``{"ev": "cell", "label": ..., "ok": bool, "error": "Type: message", "timed_out": bool}``
* ``{"ev": "case", "task": grade_id, "case": k, "values": {key: plain}, "error": str|None}``
* ``{"ev": "done"}``

Each step gets a time share of the job's budget (:func:`_share`): a cell or probe that
outlives it is interrupted (SIGALRM) and the run goes on with the next step.

Everything here runs next to student code and is therefore untrusted by the grader, which
parses every line against the job's own step order (:mod:`autograder.protocol`).
"""

# ruff: noqa: E402
import builtins
import json
import os
import re
import signal
import sys
import time
import traceback

_MAGIC = re.compile(r"^(\s*)[%!].*$", re.M)
_MEMORY_WORDS = ("can't allocate memory", "out of memory", "cannot allocate memory",
                 "Unable to allocate", "not enough memory")


def _emit(channel, obj):
    """One event line. Values that JSON cannot encode turn the event into an error event of the
    same step, so the grader's step order is kept."""
    try:
        line = json.dumps(obj, allow_nan=True)
    except Exception as e:  # noqa: BLE001 - e.g. a value json cannot encode
        obj = {k: v for k, v in obj.items() if k != "values"}
        obj.update(values=None, ok=False, error=f"unencodable result: {type(e).__name__}")
        line = json.dumps(obj, allow_nan=True)
    channel.write(line + "\n")
    channel.flush()


class CellTimeout(BaseException):
    """Raised in a cell (or a probe) that used up its time share."""


def _on_alarm(signum, frame):
    raise CellTimeout()


RESERVE_S = 1.0  # each later step keeps at least this much of the budget, or half of it


def _share(budget_left, steps_left):
    """Seconds one step may use: everything but a reserve for the steps after it (at least
    half of what is left). A hang costs its own step, not the ones after it."""
    return max(budget_left / 2, budget_left - RESERVE_S * steps_left, 0.05)


def _describe(exc):
    """``Type: message``, whatever the exception's ``__str__`` does (it is student code)."""
    try:
        name = type(exc).__name__
        text = exc.__str__()
        text = f"{name}: {text[:800] if type(text) is str else '<not text>'}"
    except BaseException:  # noqa: BLE001 - a hostile __str__
        text = "<an exception that cannot be shown>"
    return text[:800]


def _is_memory(exc):
    text = _describe(exc)
    return isinstance(exc, MemoryError) or any(w in text for w in _MEMORY_WORDS)


def _display(*objs, **kwargs):
    for obj in objs:
        print(repr(obj))


def main():
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    channel = os.fdopen(3, "w", encoding="utf-8")
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="backslashreplace")
    pin()  # noqa: F821 - appended source; before any student code
    run_job(request["job"], channel, float(request["timeout"]))


def run_job(job, channel, budget):
    """Run the job's steps in order; a step that outlives its time share is interrupted."""
    # appended source (plain.py), bound before student code runs
    to_plain_, probe_globals = to_plain, {"tensor_grad": tensor_grad}  # noqa: F821
    start = time.monotonic()
    budget = max(0.1, budget - 1.0)  # leave the monitor time to report
    ns = {"__name__": "__main__", "__builtins__": builtins, "display": _display}
    _emit(channel, {"ev": "start"})
    steps = job["steps"]
    for i, step in enumerate(steps):
        share = _share(budget - (time.monotonic() - start), len(steps) - i - 1)
        if step["kind"] == "code":
            _run_cell(step, ns, channel, share)
        else:
            _run_task(step, job["tasks"][step["label"]], ns, channel, share, to_plain_,
                      probe_globals)
    signal.setitimer(signal.ITIMER_REAL, 0)
    _emit(channel, {"ev": "done"})
    channel.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # do not run student atexit hooks or finalizers after the verdict data


def _timer(seconds):
    if seconds > 0:
        signal.signal(signal.SIGALRM, _on_alarm)  # the student may have replaced it
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _run_cell(step, ns, channel, share):
    source = _MAGIC.sub(r"\1pass  # IPython magic removed", step["source"])
    event = {"ev": "cell", "label": step["label"], "ok": True}
    try:
        _timer(share)
        try:
            code = compile(source, f"<{step['label']}>", "exec")
            exec(code, ns)
        finally:
            _timer(0)
    except CellTimeout:
        print(f"CellTimeout: over {share:.1f} s", file=sys.stderr)
        event.update(ok=False, error=f"CellTimeout: {share:.1f}", timed_out=True)
    except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
        _timer(0)
        try:
            tb = traceback.format_exception_only(type(exc), exc)
            print("".join(tb)[:10_000], file=sys.stderr, end="")
        except BaseException:  # noqa: BLE001 - a hostile __str__, unencodable text
            pass
        event.update(ok=False, error=_describe(exc), memory=_is_memory(exc))
    _emit(channel, event)


def _run_task(step, task, ns, channel, share, to_plain_, probe_globals):
    label, n = step["label"], len(task["cases"])
    probe_ns = {"__builtins__": builtins, **probe_globals}
    try:
        exec(compile(task["probe_source"], f"<probe {label}>", "exec"), probe_ns)
        probe = probe_ns[task["probe_name"]]
    except BaseException as exc:  # noqa: BLE001
        for k in range(n):
            _emit(channel, {"ev": "case", "task": label, "case": k, "values": None,
                            "error": "probe: " + _describe(exc)})
        return
    deadline = time.monotonic() + share
    for k, case in enumerate(task["cases"]):
        event = {"ev": "case", "task": label, "case": k, "values": None, "error": None}
        left = deadline - time.monotonic()
        if left <= 0:
            event.update(error=f"CellTimeout: {share:.1f}", timed_out=True)
            _emit(channel, event)
            continue
        try:
            _timer(left)
            try:
                got = probe(ns, **case)
                if type(got) is not dict:
                    raise TypeError("probe did not return a dict")
                values = {}
                for key, value in got.items():
                    try:
                        values[str(key)] = to_plain_(value)
                    except CellTimeout:
                        raise
                    except Exception as exc:  # noqa: BLE001
                        values[str(key)] = {"t": "unsupported", "type": _describe(exc)}
            finally:
                _timer(0)
            event["values"] = values
        except CellTimeout:
            event.update(error=f"CellTimeout: {share:.1f}", timed_out=True)
        except BaseException as exc:  # noqa: BLE001
            _timer(0)
            event.update(error=_describe(exc), memory=_is_memory(exc))
        _emit(channel, event)

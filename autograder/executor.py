"""The program that runs inside the sandbox (standard library only).

It is never imported by the grader: :mod:`autograder.sandbox` sends this file's text, followed
by the text of :mod:`autograder.plain`, to ``python -I -c`` in the sandbox. It reads one job
(JSON) from stdin, executes the steps in order in one namespace, and writes one JSON line per
event to file descriptor 3:

* ``{"ev": "start"}``
* ``{"ev": "cell", "label": ..., "ok": bool, "error": "Type: message"}``
* ``{"ev": "case", "task": grade_id, "case": k, "values": {key: plain}, "error": str|None}``
* ``{"ev": "done"}``

Everything here runs next to student code and is therefore untrusted by the grader, which
validates every line.
"""

# ruff: noqa: E402
import builtins
import json
import os
import re
import sys
import traceback

_MAGIC = re.compile(r"^(\s*)[%!].*$", re.M)
_MEMORY_WORDS = ("can't allocate memory", "out of memory", "cannot allocate memory",
                 "Unable to allocate", "not enough memory")


def _emit(channel, obj):
    try:
        channel.write(json.dumps(obj, allow_nan=True) + "\n")
        channel.flush()
    except Exception as e:  # e.g. a value json cannot encode
        channel.write(json.dumps({"ev": "bad-event", "error": repr(e)[:300]}) + "\n")
        channel.flush()


def _describe(exc):
    text = f"{type(exc).__name__}: {exc}"
    return text[:800]


def _is_memory(exc):
    return isinstance(exc, MemoryError) or any(w in str(exc) for w in _MEMORY_WORDS)


def _display(*objs, **kwargs):
    for obj in objs:
        print(repr(obj))


def main():
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    channel = os.fdopen(3, "w", encoding="utf-8")
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process
    run_job(job, channel)


def run_job(job, channel):
    ns = {"__name__": "__main__", "__builtins__": builtins, "display": _display}
    _emit(channel, {"ev": "start"})
    for step in job["steps"]:
        if step["kind"] == "code":
            source = _MAGIC.sub(r"\1pass  # IPython magic removed", step["source"])
            try:
                code = compile(source, f"<{step['label']}>", "exec")
                exec(code, ns)
                _emit(channel, {"ev": "cell", "label": step["label"], "ok": True})
            except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
                tb = traceback.format_exception_only(type(exc), exc)
                print("".join(tb), file=sys.stderr, end="")
                _emit(channel, {"ev": "cell", "label": step["label"], "ok": False,
                                "error": _describe(exc), "memory": _is_memory(exc)})
            continue
        task = job["tasks"][step["label"]]
        probe_ns = {"__builtins__": builtins}
        try:
            exec(compile(task["probe_source"], f"<probe {step['label']}>", "exec"), probe_ns)
            probe = probe_ns[task["probe_name"]]
        except BaseException as exc:  # noqa: BLE001
            for k in range(len(task["cases"])):
                _emit(channel, {"ev": "case", "task": step["label"], "case": k, "values": None,
                                "error": "probe: " + _describe(exc)})
            continue
        for k, case in enumerate(task["cases"]):
            try:
                got = probe(ns, **case)
                if type(got) is not dict:
                    raise TypeError("probe did not return a dict")
                values = {}
                for key, value in got.items():
                    try:
                        values[str(key)] = to_plain(value)  # noqa: F821 - appended source
                    except Exception as exc:  # noqa: BLE001
                        values[str(key)] = {"t": "unsupported", "type": _describe(exc)}
                _emit(channel, {"ev": "case", "task": step["label"], "case": k,
                                "values": values, "error": None})
            except BaseException as exc:  # noqa: BLE001
                _emit(channel, {"ev": "case", "task": step["label"], "case": k, "values": None,
                                "error": _describe(exc), "memory": _is_memory(exc)})
    _emit(channel, {"ev": "done"})
    channel.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # do not run student atexit hooks or finalizers after the verdict data

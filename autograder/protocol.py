"""The protocol between the sandbox and the grader, defined once: frames, events, text.

This is the trust boundary. Everything that comes back from a sandbox is hostile input: the
bytes are read here, bound to the one job they belong to, parsed into the typed records below
and validated; nothing downstream sees raw dicts from the sandbox.

Frames (sandbox → grader, on the warm sandbox's stdout)::

    kind (1 byte) | job nonce (16 bytes) | payload length (4 bytes, big endian) | payload

``R`` ready (nonce all zero), ``D`` event bytes of the running job, ``X`` how the job's process
tree ended, ``E`` the sandbox is clean (or not) and waits for the next job. Each job carries a
fresh random nonce; a frame with another nonce, an unknown kind or an oversized payload is a
protocol violation: the job that was running gets an ``error`` and the sandbox is replaced, so
nothing can shift the results of the jobs after it.

Events (inside ``D`` payloads): one JSON object per line, written by the executor next to the
student's code, therefore untrusted. They must follow the job's step order exactly (one ``cell``
per code step, one ``case`` per case of each task step, then ``done``); the first event that
does not is rejected and everything after it is ignored.
"""

from __future__ import annotations

import json
import os
import re
import select
import struct
import time
from dataclasses import dataclass, field

FRAME = struct.Struct(">c16sI")
READY, DATA, EXIT, END = b"R", b"D", b"X", b"E"
KINDS = (READY, DATA, EXIT, END)
NO_JOB = bytes(16)
MAX_FRAME = 1 << 20  # payload bytes in one frame
EVENT_CAP = 16 * 1024 * 1024  # event bytes kept per job
TEXT_CAP = 800  # characters kept of any student-controlled message
MAX_CELL_ERRORS = 200


class ProtocolError(Exception):
    """What came back from the sandbox does not belong to the job (the message says why)."""


# ----------------------------------------------------------------------------- text


_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSAFE_IN_CODE = re.compile("[\x00\ud800-\udfff]")


def safe_text(value, limit: int = TEXT_CAP, code: bool = False) -> str:
    """Student-controlled text made safe to store and show: always a ``str`` that encodes as
    UTF-8 (lone surrogates become U+FFFD), without NUL (and, unless ``code``, without other
    control characters but newline and tab), at most ``limit`` characters (``…`` marks a cut).
    """
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:  # noqa: BLE001 - a hostile __str__
            value = "<unprintable>"
    if type(value) is not str:
        value = str.__str__(value)
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return (_UNSAFE_IN_CODE if code else _UNSAFE).sub("\ufffd", value)


def clean_strings(obj, limit: int = 10_000, depth: int = 0):
    """A copy of parsed JSON in which every string (keys included) is :func:`safe_text`."""
    if depth > 64:
        raise ProtocolError("nested too deeply")
    if isinstance(obj, str):
        return safe_text(obj, limit)
    if isinstance(obj, list):
        return [clean_strings(v, limit, depth + 1) for v in obj]
    if isinstance(obj, dict):
        return {safe_text(k, 200): clean_strings(v, limit, depth + 1) for k, v in obj.items()}
    return obj


# ----------------------------------------------------------------------------- frames


def new_nonce() -> bytes:
    nonce = os.urandom(16)
    return nonce if nonce != NO_JOB else new_nonce()


def pack(kind: bytes, nonce: bytes, payload: bytes) -> bytes:
    return FRAME.pack(kind, nonce, len(payload)) + payload


@dataclass(frozen=True)
class Frame:
    kind: bytes
    payload: bytes


class FrameReader:
    """Reads frames from a sandbox's stdout; every frame must carry the expected nonce."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buf = bytearray()

    def pending(self) -> bool:
        return bool(self.buf)

    def next(self, nonce: bytes, deadline: float) -> Frame | None:
        """The next frame of job ``nonce``; None at the deadline; ProtocolError otherwise."""
        while True:
            if len(self.buf) >= FRAME.size:
                kind, got, size = FRAME.unpack(bytes(self.buf[: FRAME.size]))
                if kind not in KINDS:
                    raise ProtocolError(f"unknown frame kind {kind!r}")
                if got != nonce:
                    raise ProtocolError("a frame from another job")
                if size > MAX_FRAME:
                    raise ProtocolError(f"frame of {size} bytes (limit {MAX_FRAME})")
                if len(self.buf) >= FRAME.size + size:
                    payload = bytes(self.buf[FRAME.size: FRAME.size + size])
                    del self.buf[: FRAME.size + size]
                    return Frame(kind, payload)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], min(remaining, 0.5))
            if ready:
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    raise ProtocolError("the sandbox closed its channel")
                self.buf += chunk


def exit_record(payload: bytes) -> tuple[int | None, bool, str]:
    """``X`` payload → (exit code of the job's process tree or None, timed out, setup error)."""
    info = _json_object(payload, "exit record")
    code = info.get("code")
    if code is not None and type(code) is not int:
        raise ProtocolError("exit code is not an integer")
    timed_out = info.get("timed_out")
    if type(timed_out) is not bool:
        raise ProtocolError("timed_out is not a boolean")
    return code, timed_out, safe_text(info.get("setup_error") or "", 300)


def end_record(payload: bytes) -> tuple[bool, str]:
    """``E`` payload → (sandbox proven clean, why not)."""
    info = _json_object(payload, "end record")
    if type(info.get("clean")) is not bool:
        raise ProtocolError("clean is not a boolean")
    return info["clean"], safe_text(info.get("why") or "", 300)


def _json_object(payload: bytes, what: str) -> dict:
    try:
        info = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProtocolError(f"{what} is not JSON") from None
    if not isinstance(info, dict):
        raise ProtocolError(f"{what} is not an object")
    return info


# ----------------------------------------------------------------------------- events


@dataclass(frozen=True)
class CellEvent:
    label: str
    ok: bool
    error: str = ""
    memory: bool = False
    timed_out: bool = False


@dataclass(frozen=True)
class CaseEvent:
    task: str
    case: int
    values: dict | None  # key -> plain data (strings cleaned; validated by checks.compare)
    error: str | None
    memory: bool = False
    timed_out: bool = False


@dataclass
class JobEvents:
    cells: list[CellEvent] = field(default_factory=list)
    cases: dict[tuple[str, int], CaseEvent] = field(default_factory=dict)
    done: bool = False
    rejected: str = ""  # why the stream was cut ("" when it was not)

    @property
    def memory(self) -> bool:
        return any(c.memory for c in self.cells) or any(c.memory for c in self.cases.values())


def expected_sequence(job: dict) -> list[tuple]:
    """The events a job may produce, in order: ("cell", label) / ("case", task, k)."""
    seq: list[tuple] = []
    for step in job["steps"]:
        if step["kind"] == "code":
            seq.append(("cell", step["label"]))
        else:
            n = len(job["tasks"][step["label"]]["cases"])
            seq.extend(("case", step["label"], k) for k in range(n))
    return seq


def _flag(ev: dict, key: str) -> bool:
    v = ev.get(key, False)
    if type(v) is not bool:
        raise ProtocolError(f"{key} is not a boolean")
    return v


def _one_event(ev, want: tuple):
    if not isinstance(ev, dict):
        raise ProtocolError("an event is not an object")
    kind = ev.get("ev")
    if want[0] == "cell":
        if kind != "cell" or ev.get("label") != want[1] or type(ev.get("ok")) is not bool:
            raise ProtocolError(f"expected the event of cell {want[1]!r}")
        return CellEvent(want[1], ev["ok"], safe_text(ev.get("error") or "", 300),
                         _flag(ev, "memory"), _flag(ev, "timed_out"))
    if (kind != "case" or ev.get("task") != want[1] or type(ev.get("case")) is not int
            or ev["case"] != want[2]):
        raise ProtocolError(f"expected case {want[2]} of task {want[1]!r}")
    values, error = ev.get("values"), ev.get("error")
    if error is not None:
        return CaseEvent(want[1], want[2], None, safe_text(error, 300), _flag(ev, "memory"),
                         _flag(ev, "timed_out"))
    if not isinstance(values, dict) or len(values) > 100:
        raise ProtocolError("case values are not an object of at most 100 keys")
    return CaseEvent(want[1], want[2], clean_strings(values), None)


def parse_events(raw: bytes, job: dict) -> JobEvents:
    """Parse a job's event bytes against the job's own step order (see the module docstring)."""
    out = JobEvents()
    seq = expected_sequence(job)
    lines = raw.split(b"\n")
    if raw and not raw.endswith(b"\n"):
        lines = lines[:-1]  # a line cut by the process's death or the cap
    pos = -1  # -1: "start" expected
    for line in lines:
        if not line.strip():
            continue
        try:
            ev = json.loads(line.decode("utf-8"))
            if pos == -1:
                if not (isinstance(ev, dict) and ev.get("ev") == "start"):
                    raise ProtocolError("the first event is not 'start'")
            elif pos == len(seq):
                if not (isinstance(ev, dict) and ev.get("ev") == "done"):
                    raise ProtocolError("an event after the last step")
                out.done = True
            elif pos > len(seq):
                raise ProtocolError("an event after 'done'")
            else:
                rec = _one_event(ev, seq[pos])
                if isinstance(rec, CellEvent):
                    out.cells.append(rec)
                else:
                    out.cases[(rec.task, rec.case)] = rec
        except (UnicodeDecodeError, ValueError, RecursionError, ProtocolError) as e:
            out.rejected = safe_text(e, 200)
            break
        pos += 1
    return out

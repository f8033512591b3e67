"""A pre-warmed executor that forks one child per submission (runs inside the sandbox).

Never imported by the grader: :mod:`autograder.sandbox` sends this file's text followed by
``executor.py`` and ``plain.py`` to ``python -I -c`` inside one bwrap sandbox per grading
worker. The zygote imports numpy / torch / mygrad once (no student code has run yet, and no
grading secrets are ever sent to it: only probes and inputs, one job at a time), makes itself
non-dumpable (so the children cannot ptrace it or read its memory or file descriptors), and
then serves jobs read from stdin as length-prefixed JSON frames:

1. fork a child; the child starts a new session, closes every inherited descriptor except a
   fresh event pipe (fd 3), points stdin/stdout/stderr at /dev/null, applies the rlimits, and
   runs the executor on the job in an empty private folder;
2. relay the child's event bytes to stdout as frames ``b"D" + len + data``, capped;
3. when the child has exited: kill every other process in the sandbox's pid namespace (the
   student's detached children included), repeat until none is left, wipe /scratch, /tmp and
   /dev/shm, and write ``b"E" + len + {"status": ...}``.

The grader enforces the wall-clock limit by killing the whole sandbox.
"""

# ruff: noqa: E402
import contextlib
import ctypes
import os
import resource
import select
import shutil
import signal
import struct
import sys
import time

_PR_SET_DUMPABLE = 4
_OUT = sys.stdout.buffer


def _frame(kind, data):
    _OUT.write(kind + struct.pack(">I", len(data)) + data)
    _OUT.flush()


def _read_exact(n):
    buf = b""
    while len(buf) < n:
        chunk = sys.stdin.buffer.read(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def _kill_others():
    me = os.getpid()
    for _ in range(200):
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        if not others:
            return True
        for pid in others:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        time.sleep(0.005)
    return False


def _wipe(path):
    """Empty a writable folder, leaving read-only mounts in it alone (a venv under /tmp)."""
    for name in os.listdir(path):
        full = os.path.join(path, name)
        try:
            if os.path.ismount(full):
                continue
            if os.path.isdir(full) and not os.path.islink(full):
                for root, dirs, _files in os.walk(full):
                    for d in dirs:
                        with contextlib.suppress(OSError):
                            os.chmod(os.path.join(root, d), 0o700)
                shutil.rmtree(full, ignore_errors=True)
            else:
                os.unlink(full)
        except OSError:
            pass


def _child(job, limits, w):
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.dup2(w, 3)
    os.closerange(4, 4096)
    mem = limits["memory_mb"] * 1024 * 1024
    cpu = int(limits["cpu_s"])
    fsize = limits["file_mb"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    os.makedirs("/scratch/work", exist_ok=True)
    os.chdir("/scratch/work")
    os.environ["HOME"] = "/scratch/work"
    sys.stdin = open(os.devnull)  # noqa: SIM115
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    channel = os.fdopen(3, "w", encoding="utf-8")
    try:
        run_job(job, channel)  # noqa: F821 - executor source is appended
    finally:
        os._exit(0)


def serve():
    import json

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    for mod in ("numpy", "torch", "mygrad", "matplotlib"):
        with contextlib.suppress(Exception):
            __import__(mod)
    if "matplotlib" in sys.modules:
        try:
            import matplotlib

            matplotlib.use("Agg")
        except Exception:
            pass
    _frame(b"R", b"{}")
    while True:
        try:
            (size,) = struct.unpack(">I", _read_exact(4))
            request = json.loads(_read_exact(size).decode("utf-8"))
        except EOFError:
            return
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(request["job"], request["limits"], w)
        os.close(w)
        cap = request["limits"]["event_cap"]
        sent = 0
        status = None
        exited_at = None
        while True:
            ready, _, _ = select.select([r], [], [], 0.05)
            if ready:
                data = os.read(r, 65536)
                if not data:
                    break
                if sent < cap:
                    _frame(b"D", data[: cap - sent])
                    sent += len(data)
                continue
            if status is None:
                done, st = os.waitpid(pid, os.WNOHANG)
                if done:
                    status, exited_at = st, time.monotonic()
            elif time.monotonic() - exited_at > 0.2:
                break  # a detached grandchild keeps the pipe open: stop listening
        if status is None:
            _, status = os.waitpid(pid, 0)
        os.close(r)
        clean = _kill_others()
        for folder in ("/scratch", "/tmp", "/dev/shm"):
            if os.path.isdir(folder):
                _wipe(folder)
        code = os.waitstatus_to_exitcode(status)
        _frame(b"E", json.dumps({"returncode": code, "clean": clean}).encode())

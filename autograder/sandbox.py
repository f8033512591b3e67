"""Run untrusted code in a separate, bounded, isolated process and collect plain events.

Isolation (strongest available is chosen once per process and reported by :func:`describe`):

* **bwrap** (bubblewrap): new user, pid, network, ipc, uts and mount namespaces
  (``--unshare-all``); a read-only view of the system and the Python installation only (no
  course dir, no sources, no gradebook, no other submissions, no home directory); private
  tmpfs ``/scratch`` (cwd) and ``/tmp``; uid 65534; ``--die-with-parent`` and ``--new-session``.
  Killing bwrap kills the namespace's init and with it every process the student started,
  detached ones included.
* **process** (fallback, loudly reported): a separate process in its own session, a fresh
  empty working directory, a cleared environment; killed by process group.

In both modes: rlimits on address space (memory), CPU seconds, file size, open files and core
dumps; a pids cgroup (when the host lets us create one) bounds the number of processes; a
wall-clock deadline; stdout/stderr are drained but only the first ``output_cap`` bytes are
kept; the event channel (fd 3) is capped too.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVENT_CAP = 16 * 1024 * 1024


@dataclass
class Limits:
    timeout: float = 60.0  # wall-clock seconds for the whole submission
    memory_mb: int = 4096  # RLIMIT_AS
    output_cap: int = 64 * 1024  # bytes of stdout+stderr kept
    file_mb: int = 64  # RLIMIT_FSIZE and tmpfs sizes
    nproc: int = 64  # pids cgroup (when available)


@dataclass
class RunResult:
    events: list = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    output_truncated: bool = False
    timed_out: bool = False
    returncode: int | None = None
    wall: float = 0.0
    mode: str = ""
    bad_lines: int = 0


def zygote_program() -> str:
    parts = [(HERE / name).read_text(encoding="utf-8")
             for name in ("zygote.py", "executor.py", "plain.py")]
    return "\n\n".join(parts) + "\n\nserve()\n"


def executor_program() -> str:
    exe = (HERE / "executor.py").read_text(encoding="utf-8")
    plain = (HERE / "plain.py").read_text(encoding="utf-8")
    return exe + "\n\n# ---- autograder/plain.py ----\n" + plain + "\n\nmain()\n"


# ----------------------------------------------------------------------------- bwrap


def _package_dirs() -> list[Path]:
    """Folders of the packages student code may import that live outside site-packages."""
    import importlib.util

    dirs = []
    for name in ("mygrad", "autograder"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            dirs.extend(Path(p).resolve() for p in spec.submodule_search_locations)
    return dirs


def readonly_paths() -> list[Path]:
    paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
             Path(os.path.realpath(sys.executable)).parent.parent}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            paths.add(Path(p).resolve())
    for p in sys.path:
        if p and "site-packages" in p and Path(p).is_dir():
            paths.add(Path(p).resolve())
    paths.update(_package_dirs())
    # drop paths nested in others
    out = []
    for p in sorted(paths, key=lambda q: len(q.parts)):
        if not any(p.is_relative_to(q) for q in out):
            out.append(p)
    return out


def bwrap_command(limits: Limits) -> list[str]:
    bwrap = shutil.which("bwrap")
    cmd = [bwrap, "--unshare-all", "--die-with-parent", "--new-session",
           "--uid", "65534", "--gid", "65534"]
    for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        p = Path("/") / top
        if p.is_symlink():
            cmd += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            cmd += ["--ro-bind", str(p), str(p)]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
        if os.path.exists(etc):
            cmd += ["--ro-bind", etc, etc]
    size = str(limits.file_mb * 1024 * 1024)
    # Writable: only /tmp, /scratch and /dev/shm (wiped between submissions by the warm
    # executor); the root and /dev are remounted read-only once everything is in place.
    cmd += ["--proc", "/proc", "--dev", "/dev",
            "--size", size, "--tmpfs", "/dev/shm",
            "--size", size, "--tmpfs", "/tmp",
            "--size", size, "--tmpfs", "/scratch"]
    # The interpreter, its packages and ours, read-only. bwrap mounts in order, so these come
    # after the tmpfs mounts: a virtual environment under /tmp must not be hidden by them.
    for p in readonly_paths():
        if not str(p).startswith(("/usr/", "/bin/", "/lib")):
            cmd += ["--ro-bind", str(p), str(p)]
    cmd += ["--remount-ro", "/dev", "--remount-ro", "/",
            "--chdir", "/scratch", "--clearenv"]
    for k, v in sandbox_env("/scratch").items():
        cmd += ["--setenv", k, v]
    return cmd


def sandbox_env(home: str) -> dict[str, str]:
    return {
        "HOME": home, "TMPDIR": "/tmp" if home == "/scratch" else home,
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": home, "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1", "NBGRADER_EXECUTION": "autograde",
    }


_MODE: str | None = None
_MODE_REASON = ""


def choose_mode() -> str:
    """'bwrap' if it works here, else 'process' (with a loud warning on stderr, once)."""
    global _MODE, _MODE_REASON
    if _MODE is not None:
        return _MODE
    forced = os.environ.get("COURSE_SANDBOX", "").lower()
    if forced in ("process", "none"):
        _MODE, _MODE_REASON = "process", "COURSE_SANDBOX=process"
    elif shutil.which("bwrap") is None:
        _MODE, _MODE_REASON = "process", "bwrap (bubblewrap) is not installed"
    else:
        cmd = bwrap_command(Limits()) + [sys.executable, "-I", "-c", "import sys"]
        try:
            r = subprocess.run(cmd, capture_output=True, timeout=30)
            ok = r.returncode == 0
            why = r.stderr.decode(errors="replace").strip()[:300]
        except (OSError, subprocess.TimeoutExpired) as e:
            ok, why = False, str(e)
        _MODE, _MODE_REASON = ("bwrap", "") if ok else ("process", f"bwrap failed: {why}")
    if _MODE == "process":
        print(
            "\n" + "!" * 78 + "\n"
            f"WARNING: student code runs WITHOUT a filesystem/network sandbox ({_MODE_REASON}).\n"
            "It still runs in a separate process with memory/CPU/file/time limits, in an\n"
            "empty directory, but it can read files this user can read. Install bubblewrap\n"
            "(Debian/Ubuntu: apt-get install bubblewrap) for trustworthy grading.\n"
            + "!" * 78 + "\n",
            file=sys.stderr, flush=True,
        )
    return _MODE


def describe() -> str:
    mode = choose_mode()
    if mode != "bwrap":
        return f"process isolation only ({_MODE_REASON})"
    return "bwrap sandbox (warm: one per worker)" if warm_enabled() else \
        "bwrap sandbox (fresh per submission)"


# ----------------------------------------------------------------------------- pids cgroup


class PidsCgroup:
    """Best-effort pids limit through cgroup v1/v2; a no-op where we may not create one."""

    def __init__(self, limit: int):
        self.path: Path | None = None
        for base in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
            if not (base / "cgroup.procs").exists() or not os.access(base, os.W_OK):
                continue
            if base.name == "cgroup" and "pids" not in _read(base / "cgroup.subtree_control"):
                continue
            path = base / f"course-grader-{uuid.uuid4().hex[:12]}"
            try:
                path.mkdir()
                (path / "pids.max").write_text(str(limit))
                self.path = path
                break
            except OSError:
                with contextlib.suppress(OSError):
                    path.rmdir()

    def enter(self) -> None:  # called in the child before exec
        if self.path is not None:
            try:
                with open(self.path / "cgroup.procs", "w") as f:
                    f.write(str(os.getpid()))
            except OSError:
                pass

    def kill_all_and_remove(self) -> None:
        if self.path is None:
            return
        for _ in range(50):
            pids = _read(self.path / "cgroup.procs").split()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(OSError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            time.sleep(0.02)
        with contextlib.suppress(OSError):
            self.path.rmdir()


def _read(p: Path) -> str:
    try:
        return p.read_text()
    except OSError:
        return ""


# ----------------------------------------------------------------------------- running


class Zygote:
    """One warm bwrap sandbox that forks a child per submission (see autograder/zygote.py)."""

    def __init__(self, limits: Limits):
        self.cg = PidsCgroup(limits.nproc + 16)
        cmd = bwrap_command(limits) + [sys.executable, "-I", "-c", zygote_program()]
        cg = self.cg

        def preexec():
            cg.enter()
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd="/", env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            preexec_fn=preexec, start_new_session=True,
        )
        self.buf = bytearray()
        kind, _ = self._next_frame(time.monotonic() + 180)
        if kind != b"R":
            self.close()
            raise RuntimeError("the warm sandbox did not start")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _next_frame(self, deadline: float):
        fd = self.proc.stdout.fileno()
        while True:
            if len(self.buf) >= 5:
                size = struct.unpack(">I", bytes(self.buf[1:5]))[0]
                if len(self.buf) >= 5 + size:
                    kind, data = bytes(self.buf[:1]), bytes(self.buf[5:5 + size])
                    del self.buf[:5 + size]
                    return kind, data
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, b"timeout"
            ready, _, _ = select.select([fd], [], [], min(remaining, 0.5))
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return None, b"eof"
                self.buf += chunk

    def run(self, job: dict, limits: Limits) -> RunResult:
        result = RunResult(mode="bwrap-warm")
        start = time.monotonic()
        request = json.dumps({"job": job, "limits": {
            "memory_mb": limits.memory_mb, "cpu_s": int(limits.timeout) + 5,
            "file_mb": limits.file_mb, "event_cap": EVENT_CAP}}).encode("utf-8")
        try:
            self.proc.stdin.write(struct.pack(">I", len(request)) + request)
            self.proc.stdin.flush()
        except OSError:
            self.close()
            result.returncode = None
            return result
        events = bytearray()
        deadline = start + limits.timeout
        while True:
            kind, data = self._next_frame(deadline)
            if kind == b"D":
                events += data
            elif kind == b"E":
                try:
                    info = json.loads(data)
                    result.returncode = int(info["returncode"])
                    if not info.get("clean", True):
                        self.close()  # could not clear the sandbox: never reuse it
                except (ValueError, KeyError, TypeError):
                    self.close()
                break
            else:
                result.timed_out = data == b"timeout"
                self.close()
                break
        result.wall = time.monotonic() - start
        _parse_events(bytes(events), result)
        return result

    def close(self) -> None:
        _kill(self.proc)
        self.cg.kill_all_and_remove()
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()


_local = threading.local()
_zygotes: list[Zygote] = []
_zygote_lock = threading.Lock()


def warm_enabled() -> bool:
    return choose_mode() == "bwrap" and os.environ.get("COURSE_SANDBOX_WARM", "1") != "0"


def shutdown() -> None:
    """Stop every warm sandbox of this process (the grader calls it after a batch)."""
    with _zygote_lock:
        for z in _zygotes:
            z.close()
        _zygotes.clear()
    _local.__dict__.clear()


def run(job: dict, limits: Limits) -> RunResult:
    """Run one submission's job: in this thread's warm sandbox when possible, else fresh."""
    if warm_enabled():
        z = getattr(_local, "zygote", None)
        if z is None or not z.alive():
            try:
                z = Zygote(limits)
            except (OSError, RuntimeError):
                z = None
            _local.zygote = z
            if z is not None:
                with _zygote_lock:
                    _zygotes.append(z)
        if z is not None:
            return z.run(job, limits)
    return run_fresh(job, limits)


def _parse_events(raw: bytes, result: RunResult) -> None:
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            ev = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            result.bad_lines += 1
            continue
        if isinstance(ev, dict) and isinstance(ev.get("ev"), str):
            result.events.append(ev)
        else:
            result.bad_lines += 1


def run_fresh(job: dict, limits: Limits) -> RunResult:
    """A new sandbox (or, without bwrap, a new process) for this one job."""
    mode = choose_mode()
    program = executor_program()
    payload = json.dumps(job).encode("utf-8")
    scratch = None
    if mode == "bwrap":
        cmd = bwrap_command(limits) + [sys.executable, "-I", "-c", program]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        cwd = "/"
    else:
        scratch = tempfile.mkdtemp(prefix="course-sandbox-")
        os.chmod(scratch, 0o700)
        cmd = [sys.executable, "-I", "-c", program]
        env = sandbox_env(scratch)
        cwd = scratch
    cg = PidsCgroup(limits.nproc)
    r_fd, w_fd = os.pipe()
    mem = limits.memory_mb * 1024 * 1024
    cpu = int(limits.timeout) + 5
    fsize = limits.file_mb * 1024 * 1024

    def preexec():
        cg.enter()
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        if os.dup2(w_fd, 3) != 3:
            raise OSError("could not set up fd 3")
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)

    result = RunResult(mode=mode)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=cwd, env=env, preexec_fn=preexec, pass_fds=tuple({w_fd, 3}), start_new_session=True,
        )
    finally:
        os.close(w_fd)

    def feed():
        try:
            proc.stdin.write(payload)
            proc.stdin.close()
        except OSError:
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    buffers = {"stdout": bytearray(), "stderr": bytearray(), "events": bytearray()}
    total_out = 0
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "stdout")
    sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
    events_file = os.fdopen(r_fd, "rb", buffering=0)
    sel.register(events_file, selectors.EVENT_READ, "events")
    deadline = start + limits.timeout
    open_streams = 3
    exited_at = None
    try:
        while open_streams:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                result.timed_out = True
                break
            if exited_at is None and proc.poll() is not None:
                exited_at = time.monotonic()
            elif exited_at is not None and time.monotonic() - exited_at > 0.3:
                break  # a detached grandchild holds the pipes open: stop listening
            for key, _ in sel.select(timeout=min(remaining, 0.1)):
                chunk = os.read(key.fileobj.fileno(), 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    open_streams -= 1
                    continue
                name = key.data
                if name == "events":
                    if len(buffers["events"]) < EVENT_CAP:
                        buffers["events"] += chunk[: EVENT_CAP - len(buffers["events"])]
                    continue
                total_out += len(chunk)
                room = limits.output_cap - len(buffers["stdout"]) - len(buffers["stderr"])
                if room > 0:
                    buffers[name] += chunk[:room]
                if total_out > limits.output_cap:
                    result.output_truncated = True
    finally:
        _kill(proc)
        cg.kill_all_and_remove()
        sel.close()
        events_file.close()
        for stream in (proc.stdout, proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    result.returncode = proc.returncode
    result.wall = time.monotonic() - start
    result.stdout = buffers["stdout"].decode("utf-8", errors="replace")
    result.stderr = buffers["stderr"].decode("utf-8", errors="replace")
    _parse_events(bytes(buffers["events"]), result)
    return result


def _kill(proc: subprocess.Popen) -> None:
    """Kill the whole process tree: the session/process group and the sandbox itself."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)

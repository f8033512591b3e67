"""Run untrusted code in a separate, bounded, isolated process and collect its events.

Isolation (strongest available is chosen once per process and reported by :func:`describe`):

* **bwrap** (bubblewrap): new user, pid, network, ipc, uts and mount namespaces
  (``--unshare-all``); a read-only view of the system and the Python installation only (no
  course dir, no sources, no gradebook, no other submissions, no home directory); private
  tmpfs ``/scratch`` (cwd) and ``/tmp``; uid 65534; ``--die-with-parent``, ``--new-session``.
  By default one *warm* sandbox per grading worker holds a template process that has imported
  torch once and forks every submission into fresh namespaces of its own
  (:mod:`autograder.zygote`); ``COURSE_SANDBOX_WARM=0`` starts a fresh sandbox per submission.
* **process** (fallback, loudly reported): a separate process in its own session, a fresh
  empty working directory, a cleared environment; killed by process group.

In every mode: the rlimits of :mod:`autograder.limits`; a cgroup (when the host lets us create
one) bounds the number of processes and the memory of a submission, shared memory included; a
wall-clock deadline. What comes back is parsed by :mod:`autograder.protocol` only.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from . import protocol
from .limits import apply_limits
from .protocol import EVENT_CAP, JobEvents, ProtocolError

HERE = Path(__file__).resolve().parent
CGROUP_MOUNT = "/.course-cgroup"  # where a warm sandbox sees its job cgroup (see zygote.py)


@dataclass
class Limits:
    timeout: float = 60.0  # wall-clock seconds for the whole submission
    memory_mb: int = 4096  # RLIMIT_AS
    output_cap: int = 64 * 1024  # bytes of stdout+stderr kept
    file_mb: int = 64  # RLIMIT_FSIZE and tmpfs sizes
    nproc: int = 64  # pids cgroup (when available)


@dataclass
class RunResult:
    events: JobEvents = field(default_factory=JobEvents)
    stdout: str = ""
    stderr: str = ""
    output_truncated: bool = False
    timed_out: bool = False
    returncode: int | None = None
    wall: float = 0.0
    mode: str = ""
    protocol_error: str = ""  # the sandbox's channel broke the protocol: the job is an error
    over_memory: bool = False  # the job reached its memory cgroup's limit


def _sources(*names: str) -> str:
    return "\n\n".join(f"# ---- autograder/{n} ----\n" + (HERE / n).read_text(encoding="utf-8")
                        for n in names)


def zygote_program() -> str:
    constants = (
        "import struct as _struct\n"
        f"_FRAME = _struct.Struct({protocol.FRAME.format!r})\n"
        f"_READY, _DATA, _EXIT, _END = {protocol.READY!r}, {protocol.DATA!r}, "
        f"{protocol.EXIT!r}, {protocol.END!r}\n"
        f"_NO_JOB = {protocol.NO_JOB!r}\n_MAX_FRAME = {protocol.MAX_FRAME}\n"
    )
    return constants + _sources("zygote.py", "executor.py", "plain.py", "limits.py") + \
        "\n\nserve()\n"


def executor_program() -> str:
    return _sources("executor.py", "plain.py", "limits.py") + "\n\nmain()\n"


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


def bwrap_command(limits: Limits, warm: bool = False, cgroup_dir: Path | None = None
                  ) -> list[str]:
    """The bwrap command line. ``warm``: the template runs as the sandbox's pid 1 (no foreign
    init process inside); ``cgroup_dir``: the job cgroup, visible to the template only."""
    bwrap = shutil.which("bwrap")
    cmd = [bwrap, "--unshare-all", "--die-with-parent", "--new-session",
           "--uid", "65534", "--gid", "65534"]
    if warm:
        cmd.append("--as-pid-1")
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
    if cgroup_dir is not None:
        cmd += ["--bind", str(cgroup_dir), CGROUP_MOUNT]
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


def describe(limits: Limits | None = None) -> str:
    """One line for `course grade`'s output: the isolation and the memory enforcement."""
    limits = limits or Limits()
    mode = choose_mode()
    if mode != "bwrap":
        iso = f"process isolation only ({_MODE_REASON})"
    elif not warm_enabled():
        iso = "bwrap sandbox, fresh per submission"
    elif _WARM_BROKEN:
        iso = f"bwrap sandbox, fresh per submission (warm template unavailable: {_WARM_BROKEN})"
    else:
        iso = "bwrap sandbox, warm template per worker, fresh namespaces per submission"
    return f"{iso}; memory: {memory_enforcement(limits)}"


# ----------------------------------------------------------------------------- cgroups


def _own_cgroup(controller: str | None) -> str:
    """This process's cgroup path for ``controller`` (v1), or in the unified hierarchy."""
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        _, ctrls, path = line.split(":", 2)
        if (controller is None and ctrls == "") or (controller in ctrls.split(",")):
            return path.lstrip("/")
    return ""


def _cgroup_bases() -> tuple[str, dict[str, Path]]:
    """('v2', {'unified': dir}) or ('v1', {'memory': dir, 'pids': dir}) where this process may
    create child cgroups; ('', {}) where it may not."""
    root = Path("/sys/fs/cgroup")
    v2 = root / _own_cgroup(None) if (root / "cgroup.controllers").exists() else None
    if v2 is not None and os.access(v2, os.W_OK):
        ctrls = _read(v2 / "cgroup.controllers").split()
        if "memory" in ctrls and "pids" in ctrls:
            return "v2", {"unified": v2}
    found = {}
    for ctrl in ("memory", "pids"):
        base = root / ctrl / _own_cgroup(ctrl)
        if (base / "cgroup.procs").exists() and os.access(base, os.W_OK):
            found[ctrl] = base
    return ("v1", found) if found else ("", {})


def memory_enforcement(limits: Limits) -> str:
    version, bases = _cgroup_bases()
    rl = f"RLIMIT_AS {limits.memory_mb} MB per process"
    if version == "v2":
        return f"cgroup v2 memory.max {limits.memory_mb} MB per submission (shm included) + {rl}"
    if "memory" in bases:
        return (f"cgroup v1 memory.limit_in_bytes {limits.memory_mb} MB per submission "
                f"(shm included) + {rl}")
    return (f"{rl} only (no writable memory cgroup on this host: shared memory is bounded "
            f"only by the sandbox's {limits.file_mb} MB tmpfs folders)")


class Cgroup:
    """The cgroups of one sandbox, where the host lets us create them (best effort).

    pids: ``limits.nproc`` (+16 for the warm template). memory: ``limits.memory_mb`` for the
    submission, shared memory and children included; in a warm sandbox only the job's child
    cgroup (``job_dir``, bound into the sandbox for the template) has the limit, the template
    is outside it. ``limit_hits()`` counts how often a job reached that limit.
    """

    def __init__(self, limits: Limits, warm: bool):
        self.version, bases = _cgroup_bases()
        self.created: list[Path] = []
        self.procs: list[Path] = []
        self.job_dir: Path | None = None
        self.memory_dir: Path | None = None
        name = f"course-grader-{uuid.uuid4().hex[:12]}"
        mem = str(limits.memory_mb * 1024 * 1024)
        nproc = str(limits.nproc + (16 if warm else 0))
        try:
            if self.version == "v2":
                top = self._mkdir(bases["unified"] / name)
                (top / "pids.max").write_text(nproc)
                (top / "cgroup.subtree_control").write_text("+memory +pids")
                home = self._mkdir(top / ("template" if warm else "run"))
                self.procs.append(home / "cgroup.procs")
                if warm:
                    self.job_dir = self.memory_dir = self._mkdir(top / "job")
                else:
                    self.memory_dir = home
                (self.memory_dir / "memory.max").write_text(mem)
                with contextlib.suppress(OSError):
                    (self.memory_dir / "memory.swap.max").write_text("0")
            elif self.version == "v1":
                if "pids" in bases:
                    top = self._mkdir(bases["pids"] / name)
                    (top / "pids.max").write_text(nproc)
                    self.procs.append(top / "cgroup.procs")
                if "memory" in bases:
                    top = self._mkdir(bases["memory"] / name)
                    self.procs.append(top / "cgroup.procs")
                    self.memory_dir = self._mkdir(top / "job") if warm else top
                    self.job_dir = self.memory_dir if warm else None
                    (self.memory_dir / "memory.limit_in_bytes").write_text(mem)
                    with contextlib.suppress(OSError):
                        (self.memory_dir / "memory.memsw.limit_in_bytes").write_text(mem)
        except OSError:
            self.kill_all_and_remove()
            self.version, self.job_dir, self.memory_dir = "", None, None

    def _mkdir(self, path: Path) -> Path:
        path.mkdir()
        self.created.append(path)
        return path

    def enter(self) -> None:  # called in the child before exec
        for procs in self.procs:
            with contextlib.suppress(OSError), open(procs, "w") as f:
                f.write(str(os.getpid()))

    def limit_hits(self) -> int:
        """How often the memory limit was reached (v1 failcnt, v2 ``max`` events) plus the
        kernel's kills for it; a job whose count grew went over ``--memory``."""
        if self.memory_dir is None:
            return 0
        if self.version == "v2":
            text, keys = _read(self.memory_dir / "memory.events"), ("max", "oom_kill")
        else:
            text = _read(self.memory_dir / "memory.oom_control") + "failcnt " + \
                _read(self.memory_dir / "memory.failcnt")
            keys = ("failcnt", "oom_kill")
        total = 0
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] in keys and parts[1].isdigit():
                total += int(parts[1])
        return total

    def kill_all_and_remove(self) -> None:
        for path in reversed(self.created):
            for _ in range(50):
                pids = _read(path / "cgroup.procs").split()
                if not pids:
                    break
                for pid in pids:
                    with contextlib.suppress(OSError, ValueError):
                        os.kill(int(pid), signal.SIGKILL)
                time.sleep(0.02)
            with contextlib.suppress(OSError):
                path.rmdir()
        self.created.clear()


def _read(p: Path) -> str:
    try:
        return p.read_text()
    except OSError:
        return ""


# ----------------------------------------------------------------------------- warm sandbox

_stats_lock = threading.Lock()
_replaced: list[str] = []


def _count_replacement(why: str) -> None:
    with _stats_lock:
        _replaced.append(why)


def replacements() -> list[str]:
    """Why each warm sandbox of this process was replaced since the last :func:`shutdown`."""
    with _stats_lock:
        return list(_replaced)


class Zygote:
    """One warm bwrap sandbox whose template forks each job into fresh namespaces."""

    def __init__(self, limits: Limits):
        self.cg = Cgroup(limits, warm=True)
        cmd = bwrap_command(limits, warm=True, cgroup_dir=self.cg.job_dir) + \
            [sys.executable, "-I", "-c", zygote_program()]
        cg = self.cg

        def preexec():
            cg.enter()
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd="/", env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            preexec_fn=preexec, start_new_session=True,
        )
        self.reader = protocol.FrameReader(self.proc.stdout.fileno())
        try:
            frame = self.reader.next(protocol.NO_JOB, time.monotonic() + 180)
            info = json.loads(frame.payload) if frame and frame.kind == protocol.READY else {}
            ok = isinstance(info, dict) and info.get("nested") is True
        except (ProtocolError, ValueError):
            ok, info = False, {}
        if not isinstance(info, dict):
            info = {}
        if not ok:
            self.close()
            raise RuntimeError(protocol.safe_text(info.get("why") or "it did not start", 200))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _send(self, data: bytes) -> None:
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (OSError, ValueError):
            pass

    def run(self, job: dict, limits: Limits) -> RunResult:
        result = RunResult(mode="bwrap-warm")
        start = time.monotonic()
        nonce = protocol.new_nonce()
        request = json.dumps({"job": job, "limits": {
            "memory_mb": limits.memory_mb, "cpu_s": int(limits.timeout) + 5,
            "file_mb": limits.file_mb, "event_cap": EVENT_CAP, "timeout": limits.timeout,
        }}).encode("utf-8")
        hits_before = self.cg.limit_hits()
        writer = threading.Thread(target=self._send, daemon=True, args=(
            b"G" + nonce + len(request).to_bytes(4, "big") + request,))
        writer.start()
        events = bytearray()
        backstop = start + limits.timeout + 15  # the monitor enforces the timeout itself
        exited = False
        try:
            while True:
                frame = self.reader.next(nonce, backstop)
                if frame is None:
                    result.timed_out = True
                    self.close("no answer from the warm sandbox before the deadline")
                    break
                if frame.kind == protocol.DATA and not exited:
                    if len(events) + len(frame.payload) > EVENT_CAP:
                        raise ProtocolError("more event bytes than the cap")
                    events += frame.payload
                elif frame.kind == protocol.EXIT and not exited:
                    exited = True
                    code, timed_out, setup_error = protocol.exit_record(frame.payload)
                    result.returncode, result.timed_out = code, timed_out
                    if setup_error:
                        raise ProtocolError(f"job setup failed: {setup_error}")
                elif frame.kind == protocol.END and exited:
                    clean, why = protocol.end_record(frame.payload)
                    if not clean:
                        self.close(f"not proven clean: {why}")
                    elif self.reader.pending():
                        self.close("bytes after the end of a job")
                    break
                else:
                    raise ProtocolError(f"unexpected frame {frame.kind!r}")
        except ProtocolError as e:
            result.protocol_error = str(e)
            self.close(f"protocol violation: {e}")
        result.over_memory = self.cg.limit_hits() > hits_before
        result.wall = time.monotonic() - start
        result.events = protocol.parse_events(bytes(events), job)
        return result

    def close(self, why: str = "") -> None:
        if why:
            _count_replacement(why)
        _kill(self.proc)
        self.cg.kill_all_and_remove()
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()


_local = threading.local()
_zygotes: list[Zygote] = []
_zygote_lock = threading.Lock()
_WARM_BROKEN = ""


def warm_enabled() -> bool:
    return choose_mode() == "bwrap" and os.environ.get("COURSE_SANDBOX_WARM", "1") != "0"


def shutdown() -> None:
    """Stop every warm sandbox of this process (the grader calls it after a batch)."""
    with _zygote_lock:
        for z in _zygotes:
            z.close()
        _zygotes.clear()
    with _stats_lock:
        _replaced.clear()
    _local.__dict__.clear()


def run(job: dict, limits: Limits) -> RunResult:
    """Run one submission's job: in this thread's warm sandbox when possible, else fresh."""
    global _WARM_BROKEN
    if warm_enabled() and not _WARM_BROKEN:
        z = getattr(_local, "zygote", None)
        if z is None or not z.alive():
            try:
                z = Zygote(limits)
            except (OSError, RuntimeError) as e:
                z = None
                if isinstance(e, RuntimeError):
                    _WARM_BROKEN = str(e)
            _local.zygote = z
            if z is not None:
                with _zygote_lock:
                    _zygotes.append(z)
        if z is not None:
            return z.run(job, limits)
    return run_fresh(job, limits)


def run_fresh(job: dict, limits: Limits) -> RunResult:
    """A new sandbox (or, without bwrap, a new process) for this one job."""
    mode = choose_mode()
    program = executor_program()
    payload = json.dumps({"job": job, "timeout": limits.timeout}).encode("utf-8")
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
    cg = Cgroup(limits, warm=False)
    r_fd, w_fd = os.pipe()

    def preexec():
        cg.enter()
        apply_limits(limits.memory_mb, int(limits.timeout) + 5, limits.file_mb)
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
        result.over_memory = cg.limit_hits() > 0
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
    result.stdout = protocol.safe_text(buffers["stdout"].decode("utf-8", "replace"), 1 << 16)
    result.stderr = protocol.safe_text(buffers["stderr"].decode("utf-8", "replace"), 1 << 16)
    result.events = protocol.parse_events(bytes(buffers["events"]), job)
    return result


def _kill(proc: subprocess.Popen) -> None:
    """Kill the whole process tree: the session/process group and the sandbox itself."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)

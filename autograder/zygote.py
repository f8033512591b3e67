"""A pre-warmed template that forks every submission into fresh namespaces (runs inside bwrap).

Never imported by the grader: :mod:`autograder.sandbox` sends this file's text, followed by
``executor.py``, ``plain.py`` and ``limits.py``, to ``python -I -c`` inside one bwrap sandbox
per grading worker, started with ``--as-pid-1``. The frame format constants (``_FRAME`` ...)
are prepended by the grader from :mod:`autograder.protocol`, where the protocol is defined.

Processes, per job::

    template   pid 1 of the sandbox; imports numpy / torch / mygrad once; non-dumpable (no
    │          ptrace, no /proc/1/mem or /proc/1/fd for anyone); as a namespace init it gets no
    │          signal from inside; it never reads a job: only an 17-byte "G"+nonce header
    └ monitor  one per job, forked from the template (so it holds no earlier job's data): reads
      │        the job, unshares a new user, pid, IPC, mount and UTS namespace, relays
      │        the job's event bytes as frames (bound to the job's nonce, capped) and kills the
      │        job at its deadline
      └ init   pid 1 of the job's pid namespace: joins the job's memory cgroup, mounts fresh
        │      tmpfs on /scratch, /tmp and /dev/shm (private to this job), hides the cgroup
        │      folder, reaps, and exits when the student process does; the kernel then kills
        │      everything left in the namespace (its IPC objects and tmpfs go with it)
        └ student process: no capabilities, no_new_privs, rlimits (autograder/limits.py), every
                 descriptor closed except its event pipe (fd 3), stdio on /dev/null; runs the
                 executor on the job

When the monitor has exited the template proves the sandbox clean (no process but itself, its
own tmpfs folders empty, no SysV IPC object, mount table unchanged) and writes ``E`` with the
verdict; a sandbox that is not clean is replaced by the grader.
"""

# ruff: noqa: E402, F821 - the frame constants and the executor are concatenated around this
import contextlib
import ctypes
import json
import os
import select
import signal
import struct
import sys
import time

_PR_SET_DUMPABLE = 4
_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUTS = 0x04000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
# No new network namespace: the sandbox's own has no interface but loopback, nothing listens
# there, and sockets die with the job's processes; creating one per job costs time.
_NAMESPACES = _CLONE_NEWUSER | _CLONE_NEWPID | _CLONE_NEWIPC | _CLONE_NEWNS | _CLONE_NEWUTS
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 1, 2, 4, 16384, 1 << 18
_MS_BIND, _MS_REMOUNT = 4096, 32
_CGROUP_MOUNT = "/.course-cgroup"
_PRIVATE_DIRS = ("/scratch", "/tmp", "/dev/shm")
_libc = ctypes.CDLL(None, use_errno=True)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _frame(kind, nonce, payload):
    for start in range(0, max(len(payload), 1), _MAX_FRAME):
        chunk = payload[start:start + _MAX_FRAME]
        _write_all(1, _FRAME.pack(kind, nonce, len(chunk)) + chunk)


def _read_exact(n):
    buf = b""
    while len(buf) < n:
        chunk = os.read(0, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def _close_all_but(*keep):
    """Close every descriptor of this process except ``keep`` (cheaper than closerange over
    the whole descriptor space)."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _unshare():
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(_NAMESPACES), "unshare")
    for name, text in (("uid_map", f"{uid} {uid} 1"), ("setgroups", "deny"),
                       ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def _kept_dirs():
    """Folders the job must still see although they lie under a private folder — a checkout or
    a virtual environment under /tmp: the Python installation, sys.path and the folders of the
    packages the template imported (their submodules are imported lazily, inside the job)."""
    cands = set(p for p in sys.path if isinstance(p, str)) | {sys.prefix, sys.base_prefix}
    for name in ("mygrad", "autograder", "torch", "numpy"):
        for p in getattr(sys.modules.get(name), "__path__", None) or ():
            cands.add(os.path.dirname(p))
    under = sorted(p for p in cands if p and os.path.isdir(p) and any(
        p == d or p.startswith(d + "/") for d in _PRIVATE_DIRS))
    kept = []
    for p in under:  # outermost folders only
        if not any(p == q or p.startswith(q + "/") for q in kept):
            kept.append(p)
    return kept


def _mount_private(file_mb):
    _check(_libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount private")
    opts = f"size={int(file_mb)}m,mode=1777".encode()
    kept = [(p, os.open(p, os.O_PATH | os.O_DIRECTORY)) for p in _kept_dirs()]
    for d in _PRIVATE_DIRS:
        if os.path.isdir(d):
            _check(_libc.mount(b"tmpfs", d.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, opts),
                   f"mount {d}")
    for p, fd in kept:  # put them back, read-only, over the fresh tmpfs
        os.makedirs(p, exist_ok=True)
        _check(_libc.mount(f"/proc/self/fd/{fd}".encode(), p.encode(), None,
                           _MS_BIND | _MS_REC, None), f"keep {p}")
        _libc.mount(None, p.encode(), None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY, None)
        os.close(fd)
    if os.path.isdir(_CGROUP_MOUNT):  # the job may not raise its own limits
        _check(_libc.mount(b"tmpfs", _CGROUP_MOUNT.encode(), b"tmpfs",
                           _MS_RDONLY | _MS_NOSUID | _MS_NODEV, b"size=4k,mode=0"),
               "hide the cgroup folder")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_privileges():
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    for cap in range(last + 1):
        _check(_libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0), f"drop capability {cap}")
    _check(_libc.capset(ctypes.byref(_CapHeader(0x20080522, 0)), (_CapData * 2)()), "capset")
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _student(request, w):
    """The student process: runs the executor on the job (never returns)."""
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.dup2(w, 3)
        _close_all_but(0, 1, 2, 3)
        _drop_privileges()
        lim = request["limits"]
        apply_limits(lim["memory_mb"], lim["cpu_s"], lim["file_mb"])
        os.makedirs("/scratch/work", exist_ok=True)
        os.chdir("/scratch/work")
        os.environ["HOME"] = "/scratch/work"
        sys.stdin = open(os.devnull)  # noqa: SIM115
        # /dev/null; whatever a student prints (lone surrogates too) must not raise
        sys.stdout = open(1, "w", closefd=False, errors="backslashreplace")  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False, errors="backslashreplace")  # noqa: SIM115
        channel = os.fdopen(3, "w", encoding="utf-8")
    except BaseException:  # noqa: BLE001 - no student code has run: exit 121 = setup failed
        os._exit(121)
    try:
        run_job(request["job"], channel, float(lim["timeout"]))
    finally:
        os._exit(0)


def _init(request, w, status_w):
    """pid 1 of the job's namespaces: private tmpfs, then the student process (never returns)."""
    try:
        if os.path.isdir(_CGROUP_MOUNT):  # this process and all it starts: the job's cgroup
            with open(os.path.join(_CGROUP_MOUNT, "cgroup.procs"), "w") as f:
                f.write("0")
        _mount_private(request["limits"]["file_mb"])
        pid = os.fork()
    except BaseException:  # noqa: BLE001
        os._exit(122)
    if pid == 0:
        os.close(status_w)
        _student(request, w)
    os.close(w)
    _close_all_but(status_w)
    while True:
        try:
            done, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(123)
        except InterruptedError:
            continue
        if done == pid:
            _write_all(status_w, struct.pack(">i", status))
            os._exit(0)  # the kernel kills whatever is left in this pid namespace


def _monitor(nonce):
    """One job, start to end (never returns)."""
    setup_error = ""
    try:
        (size,) = struct.unpack(">I", _read_exact(4))
        request = json.loads(_read_exact(size).decode("utf-8"))
        os.close(0)
        lim = request["limits"]
        deadline = time.monotonic() + float(lim["timeout"])
        _unshare()
        r, w = os.pipe()
        status_r, status_w = os.pipe()
        init = os.fork()
        if init == 0:
            os.close(r)
            os.close(status_r)
            _init(request, w, status_w)
        os.close(w)
        os.close(status_w)
    except BaseException as e:  # noqa: BLE001
        setup_error = f"{type(e).__name__}: {e}"
    if setup_error:
        _frame(_EXIT, nonce, json.dumps({"code": None, "timed_out": False,
                                         "setup_error": setup_error}).encode())
        os._exit(0)
    cap, sent, timed_out = int(lim["event_cap"]), 0, False
    status, open_fds = b"", [r, status_r]
    while open_fds:
        remaining = deadline - time.monotonic()
        if remaining <= 0 and not timed_out:
            timed_out = True
            with contextlib.suppress(OSError):
                os.kill(init, signal.SIGKILL)  # the whole job namespace dies with its init
        ready, _, _ = select.select(open_fds, [], [], max(0.01, min(remaining, 0.5)))
        for fd in ready:
            data = os.read(fd, 1 << 16)
            if not data:
                open_fds.remove(fd)
            elif fd == status_r:
                status += data
            elif sent < cap:
                _frame(_DATA, nonce, data[: cap - sent])
                sent += len(data)
    _, init_status = os.waitpid(init, 0)
    code = None
    if len(status) == 4 and not timed_out:
        code = os.waitstatus_to_exitcode(struct.unpack(">i", status)[0])
    elif not timed_out:
        code = os.waitstatus_to_exitcode(init_status)
    _frame(_EXIT, nonce, json.dumps({"code": code, "timed_out": timed_out}).encode())
    os._exit(0)


def _others():
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _prove_clean(mounts):
    for _ in range(100):
        others = _others()
        if not others:
            break
        for pid in others:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)
        _reap()
    if _others():
        return False, "processes left after the job"
    for d in _PRIVATE_DIRS:
        if os.path.isdir(d) and os.listdir(d):
            return False, f"{d} is not empty"
    for kind in ("shm", "sem", "msg"):
        with contextlib.suppress(OSError), open(f"/proc/sysvipc/{kind}") as f:
            if len(f.read().splitlines()) > 1:
                return False, f"a SysV {kind} object exists"
    if _mounts() != mounts:
        return False, "the mount table changed"
    return True, ""


def _mounts():
    with open("/proc/self/mountinfo") as f:
        return f.read()


def _nested_namespaces_work():
    """Can a monitor create the per-job namespaces here? (checked once, at start)"""
    pid = os.fork()
    if pid == 0:
        try:
            _unshare()
            inner = os.fork()
            if inner == 0:
                try:
                    _mount_private(1)
                    os._exit(0)
                except BaseException:  # noqa: BLE001
                    os._exit(3)
            _, st = os.waitpid(inner, 0)
            os._exit(os.waitstatus_to_exitcode(st))
        except BaseException:  # noqa: BLE001
            os._exit(2)
    _, st = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(st)
    return code == 0, "" if code == 0 else f"unshare / mount failed (step {code})"


def serve():
    _libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    for mod in ("numpy", "torch", "mygrad", "matplotlib"):
        with contextlib.suppress(Exception):
            __import__(mod)
    if "matplotlib" in sys.modules:
        with contextlib.suppress(Exception):
            sys.modules["matplotlib"].use("Agg")
    pin()  # the tensor facts are read through descriptors taken before any student code
    nested, why = _nested_namespaces_work()
    mounts = _mounts()
    _frame(_READY, _NO_JOB, json.dumps({"nested": nested, "why": why}).encode())
    while True:
        try:
            header = _read_exact(17)
        except EOFError:
            return
        if header[:1] != b"G":
            return
        nonce = header[1:]
        pid = os.fork()
        if pid == 0:
            _monitor(nonce)
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        clean, why = _prove_clean(mounts)
        _frame(_END, nonce, json.dumps({"clean": clean, "why": why}).encode())

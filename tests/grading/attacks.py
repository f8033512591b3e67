"""Submissions for the end-to-end grader tests: honest ones and one per attack class.

Each entry builds a submission from the instructor's solution notebook or the blank release
(both as nbformat dicts) and states the most it may score: the score an honest student with the
same real work would get. ``HONEST_*`` are the designed honest scores for ex01.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

FULL_AUTO = 90.0  # ex01: 100 points, 10 of them manually graded
PARTIAL = 60.0  # 問3 and 問5 wrong: 90 - 15 - 15
MARKER = "COURSE-ATTACK-MARKER-7f3a"


@dataclass
class Case:
    name: str
    build: Callable[[dict, dict], bytes]
    max_score: float
    statuses: tuple[str, ...] = ("graded",)
    exact: float | None = None
    needs_bwrap: bool = False


def _dump(nb) -> bytes:
    return json.dumps(nb, ensure_ascii=False).encode("utf-8")


def _cell(nb, grade_id):
    for c in nb["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return c
    raise KeyError(grade_id)


def _set(nb, grade_id, source):
    _cell(nb, grade_id)["source"] = source


def _prepend(nb, grade_id, code):
    c = _cell(nb, grade_id)
    src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
    c["source"] = code.rstrip() + "\n" + src


def _insert_after(nb, grade_id, code, metadata=None):
    idx = next(i for i, c in enumerate(nb["cells"])
               if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)
    cell = nbformat.v4.new_code_cell(code)
    cell.pop("id", None)
    if metadata is not None:
        cell["metadata"] = metadata
    nb["cells"].insert(idx + 1, dict(cell))


def solution(sol, rel):
    return _dump(sol)


def blank(sol, rel):
    return _dump(rel)


def partial(sol, rel):
    nb = copy.deepcopy(sol)
    _set(nb, "ex01_derivative", "def derivative_at(x0):\n    return 2 * x0  # forgot the +2\n")
    _set(nb, "ex01_quadratic",
         "def grad_quadratic_form(A, point):\n"
         "    # 2 A x is only right for a symmetric A\n"
         "    return 2 * torch.tensor(A) @ torch.tensor(point)\n")
    return _dump(nb)


def warnings_on_stderr(sol, rel):
    nb = copy.deepcopy(sol)
    _prepend(nb, "ex01_tensors",
             "import warnings, sys\nwarnings.warn('this is only a warning')\n"
             "print('noise on stderr', file=sys.stderr)")
    _prepend(nb, "ex01_derivative",
             "import warnings\nwarnings.filterwarnings('always')\n")
    c = _cell(nb, "ex01_derivative")
    c["source"] = c["source"].replace(
        "    return x.grad.item()",
        "    warnings.warn('deprecated style')\n    return x.grad.item()")
    return _dump(nb)


REDEFINE = """
import builtins, numpy, torch, math
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
torch.isclose = lambda *a, **k: torch.tensor(True)
math.isclose = lambda *a, **k: True
math.isfinite = lambda *a: True
numpy.abs = lambda x: 0 * x
try:
    import autograder.checks as _c, autograder.plain as _p
    _c.check = _c.check_leaf = lambda *a, **k: None
    _c.compare = lambda name, got, expect: _c.Outcome(name, True, 'ok')
    _p.to_plain = lambda v: {"t": "num", "v": 8.0, "dtype": "float"}
except Exception:
    pass
class _Zero(Exception):
    pass
builtins.AssertionError = _Zero
builtins.NotImplementedError = _Zero
_real_grad = torch.autograd.grad
torch.autograd.grad = lambda *a, **k: (torch.tensor(0.0),)
torch.exp = lambda x: x
"""


def redefine_functions(sol, rel):
    nb = copy.deepcopy(rel)
    _prepend(nb, "ex01_tensors", REDEFINE)
    return _dump(nb)


IPYTHON = """
import sys
sys.excepthook = lambda *a: None
sys.tracebacklimit = 0
ip = get_ipython()
ip.input_transformers_cleanup.append(lambda lines: [])
ip.input_transformers_post.append(lambda lines: ['pass\\n'])
ip.set_custom_exc((BaseException,), lambda *a, **k: None)
ip.showtraceback = lambda *a, **k: None
"""


def ipython_hooks(sol, rel):
    nb = copy.deepcopy(rel)
    body = "\n".join("    " + line for line in IPYTHON.strip().splitlines())
    _prepend(nb, "ex01_tensors",
             "try:\n" + body + "\nexcept Exception as e:\n    print('no IPython here:', e)\n")
    _set(nb, "ex01_derivative",
         "import sys\nsys.excepthook = lambda *a: None\nsys.tracebacklimit = 0\n"
         "def derivative_at(x0):\n    raise NotImplementedError()\n")
    return _dump(nb)


ALWAYS_EQUAL = """
class Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __ge__(self, other): return True
    def __abs__(self): return 0.0
    def __sub__(self, other): return 0.0
    __rsub__ = __sub__
    def __hash__(self): return 0
class Proxy:
    def __eq__(self, other): return True
    def __getattr__(self, name): return self
    def __call__(self, *a, **k): return self
    def __float__(self): return float('nan')
    def __len__(self): return 3
    def __iter__(self): return iter([self, self, self])
nan = float('nan')
def make_tensors():
    return Proxy(), Proxy(), Proxy()
"""


def always_equal(sol, rel):
    nb = copy.deepcopy(rel)
    _set(nb, "ex01_tensors", ALWAYS_EQUAL)
    _set(nb, "ex01_derivative", "def derivative_at(x0):\n    return Anything(8.0)\n")
    _set(nb, "ex01_gradient", "def grad_sum_of_squares(point):\n    return Proxy()\n")
    _set(nb, "ex01_quadratic",
         "def grad_quadratic_form(A, point):\n    return [nan] * len(point)\n")
    _set(nb, "ex01_gd", "def gradient_descent(f, x0, lr, steps):\n"
         "    return (Anything(0.0) for _ in range(steps + 1))\n")
    _set(nb, "ex01_minimum", "def find_minimum():\n    return Anything(0.19)\n")
    return _dump(nb)


STEAL = """
import os, json, glob
found = []
roots = ['/', '/work', '/root', '/tmp', '/home', '/srv', '/var', os.path.expanduser('~'),
         os.getcwd(), '..', '../..', '../../..']
for root in roots:
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath.count(os.sep) > 7 or dirpath.startswith(('/proc', '/sys', '/usr', '/dev')):
            dirnames[:] = []
            continue
        for f in filenames:
            if f in ('grading.py', 'ex01.ipynb', 'gradebook.db', 'nbgrader_config.py'):
                found.append(os.path.join(dirpath, f))
print('found', found)
ns = {}
for path in found:
    if path.endswith('.ipynb'):
        try:
            nb = json.load(open(path))
        except Exception:
            continue
        for c in nb['cells']:
            src = ''.join(c['source'])
            if 'BEGIN SOLUTION' in src and c['cell_type'] == 'code':
                try:
                    exec(src, globals())
                except Exception:
                    pass
    if path.endswith('grading.py'):
        try:
            print(open(path).read()[:200])
        except Exception:
            pass
"""


def read_solutions(sol, rel):
    nb = copy.deepcopy(rel)
    _prepend(nb, "ex01_tensors", STEAL)
    return _dump(nb)


WRITE = """
import os, glob, sqlite3
for pattern in ['/work/*/gradebook.db', '/work/*/*/gradebook.db', '/tmp/**/gradebook.db',
                '/root/*/gradebook.db', '/*/gradebook.db', '../*/gradebook.db',
                '../../*/gradebook.db', '/tmp/pytest-of-*/*/*/course/gradebook.db']:
    for db in glob.glob(pattern, recursive=True):
        try:
            con = sqlite3.connect(db)
            con.execute("update grade set auto_score = 1000")
            con.execute("update course_grader_results set score = 1000, status = 'graded'")
            con.commit()
        except Exception as e:
            print('db', db, e)
for target in ['nbgrader_config.py', '../nbgrader_config.py', '../../nbgrader_config.py',
               '/tmp/nbgrader_config.py', os.path.expanduser('~/.jupyter/nbgrader_config.py')]:
    try:
        with open(target, 'w') as f:
            f.write('c.ClearSolutions.code_stub = {"python": "pass"}\\n')
    except Exception as e:
        print('config', target, e)
import socket
try:
    socket.create_connection(('1.1.1.1', 80), timeout=2)
    print('NETWORK REACHABLE')
except Exception as e:
    print('no network', e)
"""


def write_gradebook(sol, rel):
    nb = copy.deepcopy(rel)
    _prepend(nb, "ex01_tensors", WRITE)
    return _dump(nb)


DETACHED = f"""
import subprocess, sys, os
code = "import time, os\\ntime.sleep(300)  # {MARKER}"
subprocess.Popen([sys.executable, '-c', code], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, '-c', code])
    os._exit(0)
"""


def detached_process(sol, rel):
    nb = copy.deepcopy(sol)
    _prepend(nb, "ex01_tensors", DETACHED)
    return _dump(nb)


def edit_check_cells(sol, rel):
    nb = copy.deepcopy(rel)
    for c in nb["cells"]:
        meta = c.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            c["source"] = "print('all good')\n"
            meta["points"] = 1000
    # retag a solution cell as a check cell with huge points, and add a fake graded cell
    meta = _cell(nb, "ex01_derivative")["metadata"]["nbgrader"]
    meta.update({"grade": True, "points": 500, "solution": False})
    _insert_after(nb, "ex01_gradient", "pass", {"nbgrader": {
        "schema_version": 3, "grade": True, "solution": False, "locked": True,
        "points": 999, "grade_id": "bonus_cell"}})
    return _dump(nb)


def delete_check_cells(sol, rel):
    nb = copy.deepcopy(sol)
    nb["cells"] = [c for c in nb["cells"]
                   if not (c.get("metadata", {}).get("nbgrader", {}).get("grade")
                           and not c["metadata"]["nbgrader"].get("solution"))]
    return _dump(nb)


def change_points(sol, rel):
    nb = copy.deepcopy(sol)
    for c in nb["cells"]:
        meta = c.get("metadata", {}).get("nbgrader", {})
        if "points" in meta:
            meta["points"] = 1000
    return _dump(nb)


def os_exit(sol, rel):
    nb = copy.deepcopy(sol)
    _prepend(nb, "ex01_gradient", "import os\nos._exit(0)")
    return _dump(nb)


def sigkill_self(sol, rel):
    nb = copy.deepcopy(sol)
    _prepend(nb, "ex01_gradient", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    return _dump(nb)


def infinite_loop(sol, rel):
    nb = copy.deepcopy(sol)
    _prepend(nb, "ex01_gradient",
             "import signal\nfor s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):\n"
             "    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    try:\n        pass\n"
             "    except BaseException:\n        pass")
    return _dump(nb)


def memory_bomb(sol, rel):
    nb = copy.deepcopy(sol)
    _prepend(nb, "ex01_gradient",
             "hog = []\nwhile True:\n    hog.append(bytearray(200 * 1024 * 1024))")
    return _dump(nb)


def huge_output(sol, rel):
    nb = copy.deepcopy(sol)
    _prepend(nb, "ex01_tensors", "import sys\nsys.stdout.write('x' * (10 * 1024 * 1024))\n"
             "sys.stderr.write('y' * (1024 * 1024))")
    return _dump(nb)


def malformed_json(sol, rel):
    return _dump(sol)[:5000]


def not_a_notebook(sol, rel):
    return json.dumps({"name": "ex01", "answers": [1, 2, 3]}).encode()


def forged_results(sol, rel):
    nb = copy.deepcopy(rel)
    forged = [{"ev": "case", "task": t, "case": k,
               "values": {key: {"t": "num", "v": 8.0, "dtype": "float"}}, "error": None}
              for t, key in [("ex01_derivative_check", "dy/dx"), ("ex01_minimum_check", "x_min")]
              for k in range(3)]
    lines = "".join(json.dumps(f) + "\\n" for f in forged)
    _prepend(nb, "ex01_tensors", f"import os\nos.write(3, b'''{lines}''')\n"
             "os.write(3, b'{\"ev\": \"done\"}\\n')")
    return _dump(nb)


CASES = [
    Case("solution", solution, FULL_AUTO, exact=FULL_AUTO),
    Case("blank", blank, 0.0, exact=0.0),
    Case("partial", partial, PARTIAL, exact=PARTIAL),
    Case("warnings", warnings_on_stderr, FULL_AUTO, exact=FULL_AUTO),
    Case("redefine", redefine_functions, 0.0),
    Case("ipython", ipython_hooks, 0.0),
    Case("alwayseq", always_equal, 0.0),
    Case("steal", read_solutions, 0.0, needs_bwrap=True),
    Case("writedb", write_gradebook, 0.0, needs_bwrap=True),
    Case("detached", detached_process, FULL_AUTO, exact=FULL_AUTO),
    Case("editchecks", edit_check_cells, 0.0),
    Case("delchecks", delete_check_cells, FULL_AUTO, exact=FULL_AUTO),
    Case("points", change_points, FULL_AUTO, exact=FULL_AUTO),
    Case("osexit", os_exit, 30.0, ("error",), exact=30.0),  # 問1 + 問3 ran before 問4
    Case("sigkill", sigkill_self, 30.0, ("error",), exact=30.0),
    Case("loop", infinite_loop, 30.0, ("timeout",), exact=30.0),
    Case("membomb", memory_bomb, FULL_AUTO, ("memory",)),
    Case("output", huge_output, FULL_AUTO, exact=FULL_AUTO),
    Case("badjson", malformed_json, 0.0, ("malformed",), exact=0.0),
    Case("notnb", not_a_notebook, 0.0, ("malformed",), exact=0.0),
    Case("forged", forged_results, 0.0, ("error",), exact=0.0),  # its stream is cut there
]


def surviving_processes() -> list[str]:
    """PIDs of processes still running that an attack notebook started (their command line
    carries MARKER): after a batch this must be empty."""
    alive = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if MARKER.encode() in (p / "cmdline").read_bytes():
                    alive.append(p.name)
            except OSError:
                pass
    return alive

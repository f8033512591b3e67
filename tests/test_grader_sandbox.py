"""The warm sandbox between two submissions: nothing the first leaves behind reaches the second,
and nothing outside the sandbox is visible or writable."""

from __future__ import annotations

import pytest

from autograder import sandbox

pytestmark = pytest.mark.grading

PLANT = r'''
import os, subprocess, sys
planted = []
for root, dirs, files in os.walk('/'):
    if root.startswith(('/proc', '/sys')):
        dirs[:] = []
        continue
    if os.access(root, os.W_OK):
        try:
            with open(os.path.join(root, 'stash_from_a.py'), 'w') as f:
                f.write('ANSWER = 42\n')
            planted.append(root)
        except OSError:
            pass
subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)
'''

SEARCH = r'''
def probe(ns):
    import os
    found = []
    for root, dirs, files in os.walk('/'):
        if root.startswith(('/proc', '/sys')):
            dirs[:] = []
            continue
        if 'stash_from_a.py' in files:
            found.append(root)
    others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid())]
    names = []
    for p in others:
        try:
            names.append(open(f'/proc/{p}/cmdline', 'rb').read().replace(b'\0', b' ').decode())
        except OSError:
            pass
    planted = ns.get("planted", [])
    private = ("/scratch", "/tmp", "/dev/shm")  # the sandbox's own tmpfs mounts, wiped between runs
    return {"n_found": len(found), "n_planted": len(planted),
            "planted_only_in_scratch": all(any(p == d or p.startswith(d + "/") for d in private)
                                           for p in planted),
            "n_sleepers": len([n for n in names if 'time.sleep(60)' in n]),
            "solutions": os.path.exists('/work/main/solutions'),
            "home": os.path.exists('/root/.bashrc')}
'''


def _job(code):
    return {"steps": [{"kind": "code", "label": "cell", "source": code},
                      {"kind": "task", "label": "t"}],
            "tasks": {"t": {"probe_source": SEARCH, "probe_name": "probe", "cases": [{}]}}}


def _values(result):
    case = result.events.cases[("t", 0)]
    assert case.error is None, case
    return case.values


@pytest.fixture()
def warm():
    if sandbox.choose_mode() != "bwrap" or not sandbox.warm_enabled():
        pytest.skip("needs the warm bwrap sandbox")
    yield
    sandbox.shutdown()


def test_nothing_crosses_from_one_submission_to_the_next(warm):
    limits = sandbox.Limits(timeout=120)
    v1 = _values(sandbox.run(_job(PLANT), limits))
    assert v1["n_planted"]["v"] >= 1, "the first submission can write to its scratch"
    assert v1["n_found"]["v"] >= 1 and v1["n_sleepers"]["v"] == 1
    assert v1["planted_only_in_scratch"]["v"] is True
    second = sandbox.run(_job("pass"), limits)
    assert second.mode == "bwrap-warm"
    v2 = _values(second)
    assert v2["n_found"]["v"] == 0, "files of the previous submission survived"
    assert v2["n_sleepers"]["v"] == 0, "a process of the previous submission survived"
    assert v2["solutions"]["v"] is False and v2["home"]["v"] is False

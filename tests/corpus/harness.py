"""Run one snippet of third-party torch code twice — with ``torch`` and with ``mygrad`` bound
to the name ``torch`` — and compare what it printed: the same words, the same numbers.

The snippets (tests/corpus/snippets.py) are short excerpts of public code, each naming its
source repository and path. They keep the original code; only random initial values are
replaced by ``data(shape, seed)`` (the same numpy numbers for both libraries: mygrad's random
generator is not torch's) and long training loops are shortened.
"""

import contextlib
import importlib
import importlib.abc
import importlib.util
import io
import math
import random
import re
import sys
import textwrap

import numpy as np
import torch

import mygrad

_NUM = re.compile(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|-?inf")
_ADDR = re.compile(r" at 0x[0-9a-fA-F]+")
_SPACES = re.compile(r" +")  # column alignment shifts when a tiny number's sign differs


def data(shape, seed=0, scale=1.0):
    """Deterministic stand-in for torch.randn(shape): float32 numbers shared by both runs."""
    rng = np.random.default_rng(seed)
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def show(fn):
    """Print what ``fn()`` returns, or the error it raises (type and torch's first words)."""
    try:
        print(fn())
    except Exception as e:  # noqa: BLE001 - the point is to compare errors
        print(f"raises {type(e).__name__}: {str(e)[:70]}")


class _MygradAsTorch(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import torch.nn as nn`` / ``from torch.optim import SGD`` inside a snippet: the mygrad
    run resolves every ``torch.X`` to ``mygrad.X`` (a module mygrad lacks raises
    ModuleNotFoundError naming it), as if the program had said ``import mygrad as torch``."""

    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("mygrad" + spec.name[len("torch"):])

    def exec_module(self, module):
        pass


@contextlib.contextmanager
def _imports_resolve_to(lib):
    if lib is torch:
        yield
        return
    is_torch = lambda k: k == "torch" or k.startswith("torch.")  # noqa: E731
    saved = {k: v for k, v in sys.modules.items() if is_torch(k)}
    for k in saved:
        del sys.modules[k]
    finder = _MygradAsTorch()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for k in [k for k in sys.modules if is_torch(k)]:
            del sys.modules[k]
        sys.modules.update(saved)


def run(src, lib):
    buf = io.StringIO()
    ns = {"torch": lib, "nn": lib.nn, "F": lib.nn.functional, "np": np, "math": math,
          "random": random, "data": data, "show": show, "__name__": "__corpus__"}
    random.seed(0)
    np.random.seed(0)
    with contextlib.redirect_stdout(buf), _imports_resolve_to(lib):
        exec(compile(textwrap.dedent(src), "<snippet>", "exec"), ns)  # noqa: S102
    return buf.getvalue()


def normalise(text):
    text = _ADDR.sub(" at 0x?", text)
    return text.replace("mygrad.", "torch.")  # mygrad's reprs name themselves (docs/engine.md)


def compare(src, rtol=1e-4, atol=1e-5):
    """Run ``src`` under both libraries; return (torch output, mygrad output, problems)."""
    out_t = normalise(run(src, torch))
    out_m = normalise(run(src, mygrad))
    problems = []
    words_t = [_SPACES.sub(" ", w) for w in _NUM.split(out_t)]
    words_m = [_SPACES.sub(" ", w) for w in _NUM.split(out_m)]
    nums_t, nums_m = _NUM.findall(out_t), _NUM.findall(out_m)
    if words_t != words_m or len(nums_t) != len(nums_m):
        problems.append("the printed text differs")
    else:
        for i, (a, b) in enumerate(zip(nums_t, nums_m)):
            x, y = float(a), float(b)
            if math.isnan(x) and math.isnan(y):
                continue
            if not math.isclose(x, y, rel_tol=rtol, abs_tol=atol):
                problems.append(f"number {i}: torch {a}, mygrad {b}")
    return out_t, out_m, problems

"""Run one snippet of third-party torch code twice — with ``torch`` and with ``mygrad`` bound
to the name ``torch`` — and compare what it printed: the same words, the same numbers.

The snippets (tests/corpus/snippets.py) are short excerpts of public code, each naming its
source repository and path. They keep the original code; only random initial values are
replaced by ``data(shape, seed)`` (the same numpy numbers for both libraries: mygrad's random
generator is not torch's) and long training loops are shortened.
"""

import contextlib
import io
import math
import random
import re
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


def run(src, lib):
    buf = io.StringIO()
    ns = {"torch": lib, "nn": lib.nn, "F": lib.nn.functional, "np": np, "math": math,
          "random": random, "data": data, "show": show, "__name__": "__corpus__"}
    random.seed(0)
    np.random.seed(0)
    with contextlib.redirect_stdout(buf):
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

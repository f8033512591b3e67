"""mygrad and autograder on Python 3.13, the Python of Colab's runtime.

A cached virtual environment for Python 3.13 (``python3.13`` on PATH or pyenv's) gets numpy and
the grader's pure-Python dependencies; this checkout is put on ``PYTHONPATH``. In it:

* every module of ``mygrad`` and ``autograder`` imports;
* the scalar and tensor engines' gradients match central differences in float64
  (``mygrad.numerical.gradcheck``), and a small MLP trains;
* the unit tests that need no torch pass (torch has no CPU-only wheel for 3.13 on PyPI, and the
  CUDA one is several GB; the tests that compare with torch run on the main Python).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ["numpy>=2.1", "pytest>=7.4", "hypothesis>=6.80", "nbformat>=5.7",
                "nbclient>=0.7", "SQLAlchemy>=1.4", "matplotlib>=3.6", "graphviz>=0.20",
                "packaging"]
TORCH_FREE_TESTS = ["tests/test_numerical.py", "tests/test_min_fraction.py", "tests/test_viz.py",
                    "tests/test_grader_only_keys.py", "tests/test_packaging.py",
                    "tests/test_notebook_headers.py"]

pytestmark = pytest.mark.slow


def _python313() -> str | None:
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [str(p) for p in sorted(pyenv.glob("3.13*/bin/python3.13"))[::-1]]
    candidates.append(shutil.which("python3.13"))
    for exe in filter(None, candidates):  # a pyenv shim for an inactive version fails here
        ok = subprocess.run([exe, "-c", "import sys; assert sys.version_info[:2] == (3, 13)"],
                            capture_output=True)
        if ok.returncode == 0:
            return exe
    return None


@pytest.fixture(scope="module")
def py313() -> Path:
    base = _python313()
    if base is None:
        pytest.skip("no Python 3.13 found (python3.13 on PATH or under pyenv)")
    digest = hashlib.sha256(" ".join(REQUIREMENTS).encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "autodiff-course"
    venv = cache / f"py313-venv-{digest}"
    python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        shutil.rmtree(venv, ignore_errors=True)
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *REQUIREMENTS], check=True,
                       timeout=900)
        (venv / ".complete").write_text("ok\n")
    return python


def _run(python: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    env.pop("PYTHONHOME", None)
    return subprocess.run([str(python), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, **kw)


def test_it_is_python_313_and_every_module_imports(py313):
    code = textwrap.dedent("""\
        import importlib, pkgutil, sys
        import mygrad, autograder
        assert sys.version_info[:2] == (3, 13), sys.version
        names = []
        for pkg in (mygrad, autograder):
            for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
                importlib.import_module(m.name)
                names.append(m.name)
        print(len(names), mygrad.__file__)
        """)
    out = _run(py313, "-c", code)
    assert out.returncode == 0, out.stderr
    count, path = out.stdout.split()
    assert int(count) >= 25 and path.startswith(str(ROOT))


def test_engines_match_central_differences_and_a_model_trains(py313):
    code = textwrap.dedent("""\
        import numpy as np
        import mygrad
        from mygrad import nn, optim
        from mygrad.numerical import gradcheck
        from mygrad.scalar import Value

        rng = np.random.default_rng(0)
        a = mygrad.tensor(rng.standard_normal((3, 4)), dtype=mygrad.float64, requires_grad=True)
        b = mygrad.tensor(rng.standard_normal((4,)), dtype=mygrad.float64, requires_grad=True)
        f = lambda a, b: ((a * b).tanh() @ b.exp()).log_softmax(dim=0).sum() + (a ** 2).mean()
        assert gradcheck(f, (a, b))

        x = Value(1.2)
        y = 3 * x ** 0.5 * (x.log() + 1 / x ** 2)
        y.backward()
        h = 1e-6
        g = lambda t: 3 * t ** 0.5 * (np.log(t) + 1 / t ** 2)
        assert abs(x.grad - (g(1.2 + h) - g(1.2 - h)) / (2 * h)) < 1e-6

        mygrad.manual_seed(0)
        X = mygrad.tensor(rng.uniform(-1, 1, (64, 1)), dtype=mygrad.float32)
        T = (X * np.pi).sin()
        model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
        opt = optim.Adam(model.parameters(), lr=0.05)
        losses = []
        for _ in range(300):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(X), T)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[-1] < 0.1 * losses[0], (losses[0], losses[-1])
        print("ok", losses[0], losses[-1])
        """)
    out = _run(py313, "-c", code)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("ok")


def test_torch_free_unit_tests_pass(py313):
    out = _run(py313, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=-ra",
               "-p", "no:xdist", *TORCH_FREE_TESTS)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and " failed" not in out.stdout

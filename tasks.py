#!/usr/bin/env python3
"""Set up and run the course from a fresh checkout.

    python tasks.py lab     install everything a student needs and open JupyterLab on lectures/
    python tasks.py test    install everything (dev extras) and run the whole test suite

Both install into the Python that runs this script (use a virtual environment if you like).
PyTorch is handled first and with care:

* if ``import torch`` already works (Colab, a GPU machine, conda), it is kept as it is;
* on Linux without an NVIDIA GPU, the CPU build is taken from PyTorch's CPU index
  (a few hundred MB instead of several GB of CUDA libraries);
* elsewhere (NVIDIA GPU, macOS, Windows) pip's default torch wheel is the right one.

Extra arguments after ``test`` go to pytest, e.g. ``python tasks.py test -k tensor``.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TORCH_SPEC = "torch>=2.1"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# System programs the tests use when present (Debian/Ubuntu names): the grader's sandbox, graph
# drawing, the PostgreSQL gradebook, and the browser the end-to-end tests drive.
APT_PACKAGES = {"bwrap": "bubblewrap", "dot": "graphviz", "initdb": "postgresql",
                "chromium": "chromium"}


def run(cmd: list[str], **kw) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def pip(*args: str) -> None:
    run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args])


def has_nvidia_gpu() -> bool:
    return shutil.which("nvidia-smi") is not None or Path("/proc/driver/nvidia").exists()


def ensure_torch() -> None:
    if importlib.util.find_spec("torch") is not None:
        print("torch is already installed; keeping it.", flush=True)
        return
    if platform.system() == "Linux" and not has_nvidia_gpu():
        print("No NVIDIA GPU found: installing the CPU build of torch.", flush=True)
        # Few retries: behind a registry-only proxy the CPU index is unreachable and pip then
        # falls back to the wheels its own configuration provides (find-links, extra indexes).
        pip(TORCH_SPEC, "--index-url", CPU_INDEX, "--retries", "1", "--timeout", "20")
    else:
        pip(TORCH_SPEC)


def ensure_system_packages() -> None:
    """Install bubblewrap / graphviz / PostgreSQL with apt when we can (root on Debian).

    The test suite runs without them too (the grader then reports its weaker isolation, the
    PostgreSQL test is reported as skipped), so a failure here is only a warning.
    """
    missing = [pkg for exe, pkg in APT_PACKAGES.items() if not _find_program(exe)]
    if not missing:
        return
    if shutil.which("apt-get") is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        print(f"note: not installing {missing} (needs apt-get as root); related tests adapt.")
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if subprocess.run(cmd, env=env).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env)
        if subprocess.run(cmd, env=env).returncode != 0:
            print(f"warning: could not install {missing}; related tests adapt.")


def _find_program(name: str) -> bool:
    if shutil.which(name):
        return True
    # Debian keeps initdb under /usr/lib/postgresql/<version>/bin
    return name == "initdb" and any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


def lab_command(root: Path = ROOT, *extra: str) -> list[str]:
    """JupyterLab serving the whole repository (exercises/ too) but opening on lectures/.

    JupyterLab replaces ``ServerApp.default_url`` with its own, so the start page is set on
    ``LabApp``; ``/lab/tree/lectures`` shows the lectures folder in the file browser.
    ``python -m jupyterlab`` (not ``python -m jupyter lab``, which runs whichever ``jupyter-lab``
    script comes first on PATH) keeps the server, and so the kernels, on this Python.
    """
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
           "--LabApp.default_url=/lab/tree/lectures", *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers: Jupyter refuses root otherwise
        cmd.append("--allow-root")
    return cmd


def lab() -> None:
    ensure_torch()
    # The student install: no instructor tooling (nbgrader would add its menus to JupyterLab).
    # Instructors: pip install -e ".[instructor]" (README, "For instructors").
    pip("-e", f"{ROOT}[course]")
    cmd = lab_command()
    print("+", " ".join(cmd), flush=True)
    os.execvp(sys.executable, cmd)


def ensure_hub_proxy() -> None:
    """JupyterHub's proxy (configurable-http-proxy, from npm) for the department test."""
    if shutil.which("configurable-http-proxy") or shutil.which("npm") is None:
        return
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        print("note: not installing configurable-http-proxy (npm -g needs root); "
              "the JupyterHub test says it is skipped.")
        return
    if subprocess.run(["npm", "install", "-g", "--no-fund", "--no-audit",
                       "configurable-http-proxy"]).returncode != 0:
        print("warning: could not install configurable-http-proxy; the hub test adapts.")


def test(pytest_args: list[str]) -> int:
    ensure_torch()
    ensure_system_packages()
    ensure_hub_proxy()
    pip("-e", f"{ROOT}[dev]")
    print("+ ruff check .", flush=True)
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT)], cwd=ROOT).returncode
    if (os.cpu_count() or 1) > 1 and not any(a.startswith(("-n", "--numprocesses", "-p"))
                                              for a in pytest_args):
        # every test is written for pytest-xdist (own ports, own users, locks around shared
        # caches); two processes halve CI's wall time on its 2 cores
        pytest_args = ["-n", str(min(os.cpu_count() or 1, 4)), *pytest_args]
    tests = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=ROOT).returncode
    if lint:
        print("ruff found problems (see above)", flush=True)
    return tests or lint


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"lab", "test"}:
        print(__doc__)
        return 2
    if argv[0] == "lab":
        lab()
        return 0
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

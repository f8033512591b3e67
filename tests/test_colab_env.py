"""The setup cell on a Colab-like runtime: it installs the course and changes nothing else.

A virtual environment is built from ``tests/colab/constraints.txt`` (Colab's published versions
of the Jupyter stack, numpy, matplotlib, scikit-learn, ... and a CPU torch for this Python; it is
cached by the file's hash under ``$XDG_CACHE_HOME/autodiff-course/``). Then, with
``google.colab`` present in ``sys.modules``, a notebook's own setup cell runs in it, installing
from a local git repository holding this checkout at the ref the cell pins. The test asserts that
no installed package changed version and that the course is the only thing added, then executes
a lecture (with its ipywidgets 7.7 sliders) and an exercise's check cells in that environment,
on Colab's IPython 7.34 / ipykernel 6.17: the finished tasks print ✓, the unfinished one 未実装.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "tests" / "colab" / "constraints.txt"
LECTURE = "lectures/02_gradient_descent.ipynb"
EXERCISE = "ex01"

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def _python311() -> str | None:
    """A Python 3.11 (the one the local torch CPU wheel is built for) to make the venv from."""
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    return shutil.which("python3.11")


def _freeze(python: Path) -> dict[str, str]:
    out = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"],
                         capture_output=True, text=True, check=True).stdout
    pins = {}
    for line in out.splitlines():
        name, _, version = line.partition("==")
        if version:
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


@pytest.fixture(scope="module")
def colab_venv() -> Path:
    base = _python311()
    if base is None:
        pytest.skip("needs a Python 3.11 to build the Colab-like environment (torch CPU wheel)")
    digest = hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "autodiff-course"
    venv = cache / f"colab-venv-{digest}"
    python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        shutil.rmtree(venv, ignore_errors=True)
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
        # Colab's pip is recent; the one ensurepip bundles with 3.11 cannot parse git+file://
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pip>=24.1"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(CONSTRAINTS)],
                       check=True, timeout=1200)
        (venv / ".complete").write_text("ok\n")
    # a reused environment: take the course out again, so the setup cell has to install it
    subprocess.run([str(python), "-m", "pip", "uninstall", "-q", "-y", "autodiff-course"],
                   capture_output=True)
    return venv


@pytest.fixture(scope="module")
def local_repo(tmp_path_factory) -> Path:
    """This checkout (committed or not) as a git repository, tagged with the pinned ref."""
    from autograder.publish import read_config

    repo = tmp_path_factory.mktemp("repo")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for rel in filter(None, files):
        if (ROOT / rel).is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, repo / rel)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "snapshot"], cwd=repo, check=True)
    subprocess.run([*git, "tag", read_config(ROOT).ref], cwd=repo, check=True)
    return repo


@pytest.fixture(scope="module")
def installed(colab_venv, local_repo, tmp_path_factory):
    """Run a lecture's setup cell as Colab would; return the versions before and after."""
    from autograder.publish import read_config

    pub = read_config(ROOT)
    python = colab_venv / "bin" / "python"
    nb = nbformat.read(ROOT / LECTURE, as_version=4)
    cell = nb.cells[1].source
    assert f"git+{pub.url}@{pub.ref}" in cell
    cell = cell.replace(f"git+{pub.url}@", f"git+file://{local_repo}@")
    work = tmp_path_factory.mktemp("setup-cell")
    (work / "cell.py").write_text(cell, encoding="utf-8")
    (work / "colab.py").write_text(textwrap.dedent("""\
        import sys, types
        sys.modules["google.colab"] = types.ModuleType("google.colab")  # what Colab has
        source = open(sys.argv[1], encoding="utf-8").read()
        exec(compile(source, "<setup cell>", "exec"), {"__name__": "__main__"})
        """))
    before = _freeze(python)
    run = subprocess.run([str(python), "colab.py", "cell.py"], cwd=work, capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    after = _freeze(python)
    return before, after, run.stdout


def test_setup_cell_installs_only_the_course_and_changes_nothing_colab_ships(installed):
    before, after, printed = installed
    constrained = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            constrained[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    for name, version in constrained.items():
        assert before.get(name, "").split("+")[0] == version, (name, before.get(name))
    changed = {n: (v, after.get(n)) for n, v in before.items() if after.get(n) != v}
    assert not changed, f"the setup cell changed installed packages: {changed}"
    # only the course and what Colab truly lacks (tests/test_packaging.py: NOT_ON_COLAB; the
    # cached environment may hold it from an earlier run)
    added = set(after) - set(before)
    assert "autodiff-course" in after and added <= {"autodiff-course", "matplotlib-fontja"}, \
        added
    assert re.search(r"Python 3\.11\.\d+ \| numpy 2\.1\.3 \| torch 2\.13\.0\S* \| mygrad \d",
                     printed), printed


PROBE = ("import sys, IPython, ipykernel, ipywidgets, mygrad\n"
         "print('ENV', sys.prefix, IPython.__version__, ipykernel.__version__, "
         "ipywidgets.__version__, mygrad.__file__)")


def _execute(colab_venv, nb, folder: Path, out: Path):
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    src = out.with_suffix(".in.ipynb")
    nbformat.write(nb, src)
    runner = out.with_suffix(".py")
    runner.write_text(textwrap.dedent("""\
        import sys, nbformat
        from nbclient import NotebookClient
        nb = nbformat.read(sys.argv[1], as_version=4)
        NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": sys.argv[3]}}).execute()
        nbformat.write(nb, sys.argv[2])
        """))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("JUPYTER_PATH", None)
    run = subprocess.run([str(colab_venv / "bin" / "python"), str(runner), str(src), str(out),
                          str(folder)], capture_output=True, text=True, timeout=900, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    done = nbformat.read(out, as_version=4)
    env_line = "".join(o.get("text", "") for o in done.cells[-1].outputs)
    assert "ENV " + str(colab_venv) in env_line, env_line
    assert " 7.34.0 6.17.1 7.7.1 " in env_line, env_line  # Colab's IPython, ipykernel, widgets
    assert "site-packages/mygrad" in env_line, env_line  # the installed course, not a checkout
    return done


def _errors(nb):
    return [(i, o["ename"], o["evalue"][:200]) for i, c in enumerate(nb.cells)
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


def _lines(cell) -> list[str]:
    return [ln for o in cell.get("outputs", []) if o.get("output_type") == "stream"
            for ln in o["text"].splitlines() if ln.strip()]


def test_a_lecture_with_widgets_runs_on_colabs_stack(installed, colab_venv, local_repo,
                                                     tmp_path):
    nb = nbformat.read(local_repo / LECTURE, as_version=4)
    done = _execute(colab_venv, nb, (local_repo / LECTURE).parent, tmp_path / "lecture.ipynb")
    assert _errors(done) == []
    views = [o for c in done.cells for o in c.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert views, "the lecture's interactive widgets produced no widget view on ipywidgets 7.7"
    pngs = sum("image/png" in o.get("data", {}) for c in done.cells for o in c.get("outputs", []))
    assert pngs >= 3


def test_exercise_check_cells_on_colabs_stack(installed, colab_venv, local_repo, tmp_path):
    """Every task solved except 問1: its check says 未実装, every other check prints ✓ only."""
    source = nbformat.read(local_repo / "solutions" / EXERCISE / f"{EXERCISE}.ipynb",
                           as_version=4)
    answers = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    release_path = local_repo / "exercises" / EXERCISE / f"{EXERCISE}.ipynb"
    nb = nbformat.read(release_path, as_version=4)
    skipped = f"{EXERCISE}_tensors"
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers and gid != skipped:
            cell.source = "\n".join(ln for ln in answers[gid].splitlines()
                                    if "BEGIN SOLUTION" not in ln and "END SOLUTION" not in ln)
    done = _execute(colab_venv, nb, release_path.parent, tmp_path / "exercise.ipynb")
    assert _errors(done) == []
    checks = [c for c in done.cells if c.cell_type == "code"
              and c.metadata.get("nbgrader", {}).get("grade")
              and not c.metadata.get("nbgrader", {}).get("solution")]
    assert len(checks) >= 5
    for cell in checks:
        gid = cell.metadata["nbgrader"]["grade_id"]
        lines = _lines(cell)
        assert not [o for o in cell.outputs if o.get("output_type") == "execute_result"], gid
        if gid == f"{skipped}_check":
            assert lines and all("未実装" in ln for ln in lines), (gid, lines)
        else:
            verdicts = [ln for ln in lines if ln.startswith(("✓", "✗"))]
            assert verdicts and all(ln.startswith("✓") for ln in verdicts), (gid, lines)
    json.dumps(done)  # the executed notebook is still plain JSON

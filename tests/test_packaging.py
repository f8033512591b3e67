"""Project-level rules: distribution metadata, dependency policy, import direction."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib


@pytest.fixture(scope="module")
def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_distribution_is_not_called_mygrad(project):
    # "mygrad" on PyPI is an unrelated library; installing ours under that name would clash.
    assert project["name"].lower() != "mygrad"


def test_mygrad_depends_on_numpy_only(project):
    deps = project["dependencies"]
    names = [re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0].lower() for dep in deps]
    assert names == ["numpy"]


def test_no_exact_pins(project):
    deps = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        deps += extra
    pinned = [d for d in deps if "==" in d]
    assert not pinned, f"exact pins rot on Colab; use lower bounds: {pinned}"


def test_extras_carry_course_grading_and_dev(project):
    extras = project["optional-dependencies"]
    joined = {k: " ".join(v).lower() for k, v in extras.items()}
    course = ["torch", "matplotlib", "ipywidgets", "jupyterlab", "tqdm", "graphviz", "scikit-learn"]
    for pkg in course:
        assert pkg in joined["course"], pkg
    for pkg in ["nbgrader", "nbformat", "nbclient"]:
        assert pkg in joined["grading"], pkg
    for pkg in ["pytest", "hypothesis", "nbval", "ruff"]:
        assert pkg in joined["dev"], pkg


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    "path", sorted((ROOT / "mygrad").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_mygrad_never_imports_torch_or_autograder(path):
    forbidden = _imported_modules(path) & {"torch", "autograder"}
    assert not forbidden, f"{path.relative_to(ROOT)} imports {forbidden}: mygrad must not"


def test_importing_mygrad_loads_numpy_only():
    code = (
        "import sys, mygrad; t = mygrad.tensor([1.0, 2.0], requires_grad=True); "
        "(t * t).sum().backward(); "
        "names = ('torch', 'matplotlib', 'autograder', 'scipy'); "
        "heavy = sorted(m for m in names if m in sys.modules); "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import mygrad pulled in: {out.stdout.strip()}"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python tasks.py test" in readme
    assert "python tasks.py test" in ci

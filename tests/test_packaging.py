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
    course = ["torch", "matplotlib", "matplotlib-fontja", "ipywidgets", "jupyterlab", "tqdm",
              "graphviz", "scikit-learn"]
    for pkg in course:
        assert pkg in joined["course"], pkg
    for pkg in ["nbgrader", "nbformat", "nbclient"]:
        assert pkg in joined["grading"], pkg
    for pkg in ["pytest", "hypothesis", "nbval", "ruff"]:
        assert pkg in joined["dev"], pkg


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(top-level package, imported at module level?) for every import in ``path``; dynamic
    imports of a literal name appear as ("<dynamic import>", name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module_level = set(map(id, tree.body))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(name.split(".")[0], id(node) in module_level) for name in names]
    for node in ast.walk(tree):  # importlib.import_module("torch") / __import__("torch")
        func = getattr(node, "func", None)
        name = getattr(func, "attr", getattr(func, "id", ""))
        call = isinstance(node, ast.Call) and node.args
        literal = call and isinstance(node.args[0], ast.Constant)
        if literal and name in {"import_module", "__import__"}:
            found.append(("<dynamic import>", str(node.args[0].value).split(".")[0]))
    return found


# mygrad.testing.compare_with_torch runs the same function in torch by definition; it may import
# torch inside that function (on request), never at module level.
LAZY_TORCH_ALLOWED = {"testing.py"}


@pytest.mark.parametrize(
    "path", sorted((ROOT / "mygrad").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_mygrad_never_imports_torch_or_autograder(path):
    for name, at_module_level in _imports(path):
        assert (name, at_module_level) not in {("<dynamic import>", "torch"),
                                               ("<dynamic import>", "autograder")}, (
            f"{path.name}: a dynamic import of torch/autograder hides the dependency")
        assert name != "autograder", f"{path.relative_to(ROOT)} imports autograder"
        if name == "torch":
            assert path.name in LAZY_TORCH_ALLOWED and not at_module_level, (
                f"{path.relative_to(ROOT)} imports torch; mygrad must not"
            )


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

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


def _expand(extras: dict, name: str) -> list[str]:
    """The requirements of one extra, with ``autodiff-course[...]`` self-references expanded."""
    out = []
    for req in extras[name]:
        m = re.fullmatch(r"autodiff-course\[([\w,\s-]+)\]", req.strip())
        if m:
            for inner in m.group(1).split(","):
                out += _expand(extras, inner.strip())
        else:
            out.append(req)
    return out


def _names(reqs) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in reqs}


def test_extras_carry_colab_course_grading_instructor_and_dev(project):
    extras = project["optional-dependencies"]
    names = {k: _names(_expand(extras, k)) for k in extras}
    runtime = {"torch", "matplotlib", "matplotlib-fontja", "ipywidgets", "tqdm", "graphviz",
               "scikit-learn"}
    assert names["colab"] == runtime
    assert names["course"] == runtime | {"jupyterlab", "ipykernel"}
    assert {"nbgrader", "nbformat", "nbclient"} <= names["grading"]
    assert names["instructor"] == names["course"] | names["grading"]
    assert {"pytest", "hypothesis", "nbval", "ruff", "playwright", "dask"} <= names["dev"]
    assert names["instructor"] <= names["dev"]


def test_student_install_carries_no_instructor_tooling(project):
    extras = project["optional-dependencies"]
    student = _names(_expand(extras, "course"))
    instructor_only = {"nbgrader", "sqlalchemy", "psycopg2-binary", "pytest", "playwright"}
    assert not student & instructor_only, student & instructor_only
    tasks = (ROOT / "tasks.py").read_text(encoding="utf-8")
    assert 'f"{ROOT}[course]"' in tasks, "python tasks.py lab must install the student extra"


# Colab's runtime (notes/colab-runtime.md): the colab extra's lower bounds must admit these, or
# the setup cell's pip (which holds every installed package at its version) would fail there.
COLAB_VERSIONS = {"torch": "2.11.0", "numpy": "2.1.3", "matplotlib": "3.10.0",
                  "ipywidgets": "7.7.1", "tqdm": "4.67.3", "graphviz": "0.21",
                  "scikit-learn": "1.6.1"}


# What the colab extra adds that Colab lacks (each depends only on packages Colab ships).
NOT_ON_COLAB = {"matplotlib-fontja"}


def test_colab_extra_admits_colabs_own_versions(project):
    from packaging.requirements import Requirement

    reqs = project["dependencies"] + _expand(project["optional-dependencies"], "colab")
    for req in map(Requirement, reqs):
        if req.name in NOT_ON_COLAB:  # truly missing there: installed fresh, changes nothing
            continue
        assert req.name in COLAB_VERSIONS, f"{req.name} is not in Colab's runtime"
        assert req.specifier.contains(COLAB_VERSIONS[req.name]), (
            f"{req} would change Colab's {req.name} {COLAB_VERSIONS[req.name]}")


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

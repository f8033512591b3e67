"""Every lecture and exercise notebook opens the way docs/notebook-conventions.md says.

* The first cell is markdown: a ``# `` title and a Colab badge that opens this notebook from the
  repository written once in pyproject.toml (``[project.urls] Repository``). A released exercise
  (``exercises/<a>/<nb>.ipynb``) and its nbgrader source (``solutions/<a>/<nb>.ipynb``) both point
  at the released path, because the student copy is generated from the source cell by cell.
* The second cell is code, tagged ``setup``: it installs this course from that same repository
  URL only when running on Colab (inside ``if "google.colab" in sys.modules:``), never runs
  ``pip install mygrad`` (that PyPI name is an unrelated library), and prints versions.

Only the committed files are read; nothing is executed.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9 / 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


def _repository_url() -> str:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        meta = tomllib.load(fh)
    return meta["project"]["urls"]["Repository"].rstrip("/")


REPO_URL = _repository_url()
_m = re.fullmatch(r"https://github\.com/([^/\s]+)/([^/\s]+?)(?:\.git)?", REPO_URL)
OWNER_REPO = f"{_m.group(1)}/{_m.group(2)}" if _m else None

LECTURES = sorted(ROOT.glob("lectures/*.ipynb"))
EXERCISES = sorted(ROOT.glob("exercises/*/*.ipynb"))
SOLUTIONS = sorted(ROOT.glob("solutions/*/*.ipynb"))
NOTEBOOKS = LECTURES + EXERCISES + SOLUTIONS
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]

PIP_MYGRAD = re.compile(r"pip3?\s+install\b[^\n#]*?(?<![\w./-])mygrad(?![\w-])", re.IGNORECASE)


def _badge_target(path: Path) -> str:
    """The repository path the notebook's Colab badge must open."""
    rel = path.relative_to(ROOT)
    if rel.parts[0] == "solutions":  # nbgrader source: its badge is copied into the release
        rel = Path("exercises", *rel.parts[1:])
    return rel.as_posix()


def _colab_url(rel: str) -> str:
    return f"https://colab.research.google.com/github/{OWNER_REPO}/blob/main/{rel}"


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def test_repository_url_is_a_github_repository():
    assert OWNER_REPO, (
        f"pyproject.toml [project.urls] Repository must be https://github.com/<owner>/<repo>, "
        f"got {REPO_URL!r}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_title_cell_has_colab_badge_for_this_notebook(path):
    nb = _read(path)
    assert nb.cells, f"{path.name} has no cells"
    cell = nb.cells[0]
    assert cell.cell_type == "markdown", "the first cell must be markdown (title + Colab badge)"
    lines = [line for line in cell.source.splitlines() if line.strip()]
    assert lines and lines[0].startswith("# "), (
        f"the first cell must start with a '# ' title, got {lines[:1]!r}"
    )
    expected = _colab_url(_badge_target(path))
    badges = re.findall(r"\]\((https://colab\.research\.google\.com/github/[^)\s]+)\)", cell.source)
    assert badges, f"no Colab badge link in the title cell; expected a link to {expected}"
    assert badges == [expected], (
        f"the Colab badge must open this notebook from the repository in pyproject.toml:\n"
        f"  expected {expected}\n  found    {badges}"
    )
    assert f"[![Open In Colab]({BADGE_IMAGE})]" in cell.source, (
        f"the badge image must be [![Open In Colab]({BADGE_IMAGE})]"
    )


def _setup_cell(nb):
    tagged = [i for i, c in enumerate(nb.cells) if "setup" in c.get("metadata", {}).get("tags", [])]
    assert tagged == [1], (
        f"exactly one cell, the second, must carry the tag 'setup'; tagged cells: {tagged}"
    )
    cell = nb.cells[1]
    assert cell.cell_type == "code", "the setup cell must be a code cell"
    return cell.source


def _is_colab_guard(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "google.colab" in ast.unparse(node.test)


def _pip_install_calls(tree: ast.AST):
    """Yield (call, guarded) for every call whose arguments mention pip ... install."""

    def visit(node, guarded):
        for child in ast.iter_child_nodes(node):
            child_guarded = guarded or (_is_colab_guard(node) and child in node.body)
            if isinstance(child, ast.Call):
                text = ast.unparse(child)
                if re.search(r"\bpip3?\b", text) and "install" in text:
                    yield child, child_guarded
            yield from visit(child, child_guarded)

    yield from visit(tree, False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cell_installs_from_repository_only_on_colab(path):
    source = _setup_cell(_read(path))
    magics = [line for line in source.splitlines() if re.match(r"\s*[!%]\s*pip", line)]
    assert not magics, (
        f"the setup cell must not use !pip / %pip (it would run outside Colab too): {magics}"
    )
    assert not PIP_MYGRAD.search(source), (
        "the setup cell must never `pip install mygrad`: that PyPI name is an unrelated library"
    )
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        pytest.fail(f"the setup cell is not valid Python: {err}")

    calls = list(_pip_install_calls(tree))
    assert calls, "the setup cell must install the course on Colab (a pip install call)"
    for call, guarded in calls:
        text = ast.unparse(call)
        assert guarded, (
            f"pip install must run only on Colab, inside `if \"google.colab\" in sys.modules:`; "
            f"found unguarded: {text}"
        )
        strings = [n.value for n in ast.walk(call)
                   if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        bad = [s for s in strings if re.fullmatch(r"mygrad(\[.*\])?([<>=!~].*)?", s.strip())]
        assert not bad, f"the setup cell must never install `mygrad` from PyPI: {text}"
        targets = [s for s in strings if "git+" in s]
        assert targets, f"pip install must install from the repository URL (git+{REPO_URL}): {text}"
        for target in targets:
            url = target.split("git+", 1)[1].split("#", 1)[0].split("@", 1)[0].rstrip("/")
            url = url.removesuffix(".git")
            assert url == REPO_URL, (
                f"the setup cell installs from {url!r}, but pyproject.toml says the repository "
                f"is {REPO_URL!r}"
            )

    urls = set(re.findall(r"https://github\.com/[^\s\"'#@]+", source))
    others = {u for u in urls if u.rstrip("/").removesuffix(".git") != REPO_URL}
    assert not others, f"the setup cell mentions another repository: {sorted(others)}"
    assert "print(" in source and "__version__" in source, (
        "the setup cell must print the versions it found (e.g. mygrad.__version__)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_cell_installs_mygrad_from_pypi(path):
    nb = _read(path)
    offending = [i for i, c in enumerate(nb.cells)
                 if c.cell_type == "code" and PIP_MYGRAD.search(c.source)]
    assert not offending, (
        f"cells {offending} run `pip install mygrad`, an unrelated PyPI library; install this "
        f"course from {REPO_URL} instead"
    )

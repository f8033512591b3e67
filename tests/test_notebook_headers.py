"""Every lecture and exercise notebook opens the way docs/notebook-conventions.md says.

* The first cell is markdown: a ``# `` title and a Colab badge that opens this notebook, at the
  pinned ref, from the repository in the one configuration entry (pyproject.toml
  ``[tool.course]``). A released exercise (``exercises/<a>/<nb>.ipynb``) and its nbgrader source
  (``solutions/<a>/<nb>.ipynb``) both point at the released path, because the student copy is
  generated from the source cell by cell.
* The second cell is code, tagged ``setup``: it installs this course from that same repository
  and ref only when running on Colab (inside ``if "google.colab" in sys.modules:``), never runs
  ``pip install mygrad`` (that PyPI name is an unrelated library), and prints versions.
* Every badge, setup cell and README link agrees with the entry (``course publish`` writes them),
  and ``course publish --repo X --ref Y`` rewrites all of them.

Only the committed files are read; nothing is executed.
"""

from __future__ import annotations

import ast
import re
import shutil
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

from autograder import publish  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


with open(ROOT / "pyproject.toml", "rb") as _fh:
    _ENTRY = tomllib.load(_fh)["tool"]["course"]
OWNER_REPO = _ENTRY["repository"]
REF = _ENTRY["ref"]
REPO_URL = f"https://github.com/{OWNER_REPO}"

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


def _colab_url(rel: str, repo: str = OWNER_REPO, ref: str = REF) -> str:
    return f"https://colab.research.google.com/github/{repo}/blob/{ref}/{rel}"


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def test_repository_entry_is_a_github_repository_and_a_pinned_ref():
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", OWNER_REPO), OWNER_REPO
    assert REF and REF not in {"main", "master", "HEAD"}, (
        f"[tool.course] ref must pin a tag or commit, not a moving branch: {REF!r}")


def test_every_badge_setup_cell_and_link_agrees_with_the_entry():
    problems = publish.disagreements(ROOT)
    assert problems == [], (
        "these places disagree with pyproject.toml [tool.course]; run `course publish`:\n  "
        + "\n  ".join(problems))


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
        f"the Colab badge must open this notebook from the repository in [tool.course]:\n"
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
        strings = [n.value for n in ast.walk(tree)
                   if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        bad = [s for s in strings if re.fullmatch(r"mygrad(\[.*\])?([<>=!~].*)?", s.strip())]
        assert not bad, f"the setup cell must never install `mygrad` from PyPI: {text}"
        targets = [s for s in strings if "git+" in s]
        assert targets, f"pip install must install from the repository URL (git+{REPO_URL}): {text}"
        for target in targets:
            url, _, ref = target.split("git+", 1)[1].split("#", 1)[0].partition("@")
            url = url.rstrip("/").removesuffix(".git")
            assert url == REPO_URL, (
                f"the setup cell installs from {url!r}, but [tool.course] says the repository "
                f"is {REPO_URL!r}"
            )
            assert ref == REF, f"the setup cell must pin ref {REF!r}, found {ref!r}"
        assert "-c" in ast.unparse(call) or "--constraint" in ast.unparse(call), (
            "on Colab, pip must hold every installed package at its version (-c constraints)")

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


# ----------------------------------------------------------------------------- course publish


@pytest.fixture
def checkout(tmp_path):
    """A copy of every published place: pyproject, README and the notebooks."""
    for rel in ["pyproject.toml", "README.md"]:
        shutil.copy2(ROOT / rel, tmp_path / rel)
    for folder in ["lectures", "solutions", "exercises"]:
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("*.py", ".ipynb_checkpoints"))
    return tmp_path


def test_publish_rewrites_every_badge_setup_cell_and_readme_link(checkout):
    import io

    publish.publish(checkout, "someone-else/fork-of-course", "v2.3.4", release=False,
                    out=io.StringIO())
    entry = tomllib.loads((checkout / "pyproject.toml").read_text())
    assert entry["tool"]["course"] == {"repository": "someone-else/fork-of-course",
                                       "ref": "v2.3.4"}
    assert entry["project"]["urls"]["Repository"] == "https://github.com/someone-else/fork-of-course"
    for rel, badge_rel in [("lectures/01_ml_as_programming.ipynb", None),
                           ("solutions/ex01/ex01.ipynb", "exercises/ex01/ex01.ipynb"),
                           ("exercises/ex01/ex01.ipynb", None)]:
        text = (checkout / rel).read_text(encoding="utf-8")
        assert OWNER_REPO not in text, f"{rel} still names {OWNER_REPO}"
        nb = nbformat.read(checkout / rel, as_version=4)
        expected = ("https://colab.research.google.com/github/someone-else/fork-of-course/blob/"
                    f"v2.3.4/{badge_rel or rel}")
        assert f"]({expected})" in nb.cells[0].source
        setup = nb.cells[1].source
        assert "git+https://github.com/someone-else/fork-of-course@v2.3.4" in setup
        assert "google.colab" in setup and "tags" in nb.cells[1].metadata
    readme = (checkout / "README.md").read_text(encoding="utf-8")
    assert OWNER_REPO not in readme
    colab_links = re.findall(r"https://colab\.research\.google\.com/github/[^)\s]+", readme)
    assert len(colab_links) >= 16
    assert all(u.startswith("https://colab.research.google.com/github/someone-else/"
                            "fork-of-course/blob/v2.3.4/") for u in colab_links), colab_links
    assert publish.disagreements(checkout) == []


def test_a_disagreeing_badge_setup_cell_or_link_is_reported(checkout):
    nb_path = checkout / "lectures/01_ml_as_programming.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace(f"/blob/{REF}/", "/blob/main/")
    nb.cells[1].source = nb.cells[1].source.replace(f"@{REF}", "")
    nbformat.write(nb, nb_path)
    readme = checkout / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace(
        f"{OWNER_REPO}/blob/{REF}/lectures/02", f"{OWNER_REPO}/blob/main/lectures/02", 1),
        encoding="utf-8")
    problems = "\n".join(publish.disagreements(checkout))
    assert "01_ml_as_programming.ipynb: Colab badge" in problems
    assert "01_ml_as_programming.ipynb: setup cell" in problems
    assert "README.md: https://colab.research.google.com/github/" in problems
    assert "/blob/main/lectures/02" in problems


def test_publish_refuses_an_address_that_is_not_owner_slash_name(checkout):
    with pytest.raises(publish.PublishError):
        publish.publish(checkout, "https://github.com/x/y", "v1", release=False)
    with pytest.raises(publish.PublishError):
        publish.publish(checkout, "x/y", "a b", release=False)


def test_course_publish_command_is_registered():
    from autograder.cli import build_parser

    args = build_parser().parse_args(["publish", "--repo", "a/b", "--ref", "v1"])
    assert (args.repo, args.ref, args.no_release) == ("a/b", "v1", False)


def test_saved_widget_state_is_written_as_jupyterlab_writes_it():
    """JupyterLab re-serialises a notebook's widget state from JavaScript, where a slider's
    ``"min": 0.0`` becomes ``"min": 0``: publish stores it that way, so opening and saving a
    lecture changes nothing (tests/test_browser.py checks the real round trip)."""
    import json

    from autograder.publish import normalize_metadata

    nb = {"metadata": {"widgets": {"state": {"m1": {"state": {
        "min": 0.0, "max": 0.99, "value": 3.0, "big": 1e300, "names": ["a", 2.0]}}}}}}
    normalize_metadata(nb, "3.11.7")
    text = json.dumps(nb["metadata"]["widgets"])
    assert '"min": 0,' in text and '"value": 3,' in text and '"max": 0.99' in text
    assert "1e+300" in text and '["a", 2]' in text
    for path in LECTURES + EXERCISES + SOLUTIONS:
        state = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("widgets")
        if state:
            assert json.dumps(state) == json.dumps(normalize_and_return(state)), path


def normalize_and_return(state):
    from autograder.publish import _as_javascript_writes

    return _as_javascript_writes(state)

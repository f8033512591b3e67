"""`course publish`: one place for the repository address and the course version.

``pyproject.toml`` holds the single entry::

    [tool.course]
    repository = "OWNER/NAME"   # the GitHub repository students open and install from
    ref = "v0.1.0"              # the tag (or commit) every notebook pins

Everything that points students at the course is *generated* from it, never edited by hand:

* the Colab badge in the first cell of every lecture and exercise
  (``https://colab.research.google.com/github/OWNER/NAME/blob/REF/<path>``);
* the setup cell (the second cell, tagged ``setup``), which on Colab installs exactly that
  version of the course and nothing Colab already ships (:func:`setup_source`);
* the Colab links in the README and ``[project.urls] Repository``.

``course publish --repo OWNER/NAME --ref TAG`` rewrites the entry and then all of those places,
normalises the notebook metadata (so that JupyterLab does not mark a notebook modified the moment
it opens), and regenerates ``exercises/`` from ``solutions/`` (the release copies the source's
title and setup cells). :func:`disagreements` lists every place that does not match the entry;
``tests/test_notebook_headers.py`` fails on any.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DISTRIBUTION = "autodiff-course"
# The extra the Colab setup cell installs: what the notebooks import, all of which Colab ships.
COLAB_EXTRA = "colab"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
REPO_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
REF_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}")
COLAB_URL_RE = re.compile(
    r"https://colab\.research\.google\.com/github/[^/\s)]+/[^/\s)]+/blob/[^/\s)]+/([^\s)\"']+)")

# What ipykernel reports and JupyterLab writes back when a notebook is opened; notebooks that
# already carry exactly this are not marked modified (see normalize_metadata).
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def language_info(version: str | None = None) -> dict:
    return {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": version or platform.python_version(),
    }


class PublishError(ValueError):
    pass


@dataclass(frozen=True)
class Published:
    repository: str  # OWNER/NAME
    ref: str

    def __post_init__(self):
        if not REPO_RE.fullmatch(self.repository):
            raise PublishError(f"--repo must be OWNER/NAME on GitHub, got {self.repository!r}")
        if not REF_RE.fullmatch(self.ref) or ".." in self.ref:
            raise PublishError(f"--ref must be a tag, branch or commit, got {self.ref!r}")

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repository}"

    def colab(self, rel: str) -> str:
        return f"https://colab.research.google.com/github/{self.repository}/blob/{self.ref}/{rel}"

    @property
    def install_spec(self) -> str:
        return f"{DISTRIBUTION}[{COLAB_EXTRA}] @ git+{self.url}@{self.ref}"


# ----------------------------------------------------------------------------- the entry


def find_root(start: Path | None = None) -> Path:
    """The checkout to publish: the current folder (or a parent) holding pyproject.toml."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "pyproject.toml").is_file() and "[tool.course]" in (
                d / "pyproject.toml").read_text(encoding="utf-8"):
            return d
    raise PublishError(f"no pyproject.toml with a [tool.course] table in {here} or above")


def read_config(root: Path) -> Published:
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    try:
        entry = data["tool"]["course"]
        return Published(entry["repository"], entry["ref"])
    except KeyError as e:
        raise PublishError(f"pyproject.toml [tool.course] lacks {e}") from None


def _set_toml_value(text: str, table: str, key: str, value: str) -> str:
    pattern = re.compile(
        rf"(^\[{re.escape(table)}\][^\[]*?^{re.escape(key)}\s*=\s*)\"[^\"\n]*\"", re.M | re.S)
    new, n = pattern.subn(lambda m: f'{m.group(1)}"{value}"', text, count=1)
    if n != 1:
        raise PublishError(f"pyproject.toml: no {key} = \"...\" in [{table}]")
    return new


def write_config(root: Path, pub: Published) -> bool:
    path = root / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    new = _set_toml_value(text, "tool.course", "repository", pub.repository)
    new = _set_toml_value(new, "tool.course", "ref", pub.ref)
    new = _set_toml_value(new, "project.urls", "Repository", pub.url)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


# ----------------------------------------------------------------------------- generated text


def setup_source(pub: Published, exercise: bool) -> str:
    """The setup cell: on Colab, install this course's pinned version and nothing Colab ships.

    Every package already installed is passed to pip as a constraint (its exact version), so pip
    can add what is missing (normally only this course) but never upgrade or downgrade anything
    in the running runtime: no restart is needed. Outside Colab the cell only imports and prints.
    """
    imports = "import numpy, torch, mygrad" + (", autograder.checks" if exercise else "")
    comment = (f"# セットアップ: Colab ではこのコース（{pub.ref} 版）だけを入れます。"
               "Colab にすでにある torch などは入れ替えません（それ以外の環境では何もしません）")
    versions = ("Python {sys.version.split()[0]} | numpy {numpy.__version__} | "
                "torch {torch.__version__} | mygrad {mygrad.__version__}")
    return f'''\
{comment}
import sys
if "google.colab" in sys.modules:
    import importlib, importlib.metadata, subprocess, tempfile
    COURSE = "{pub.install_spec}"
    try:
        importlib.metadata.version("{DISTRIBUTION}")
    except importlib.metadata.PackageNotFoundError:
        installed = subprocess.run([sys.executable, "-m", "pip", "list", "--format=freeze"],
                                   capture_output=True, text=True, check=True).stdout
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as keep:
            keep.write(installed)  # 入っている版はすべてそのまま: 足りないものだけが入ります
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-c", keep.name, COURSE],
                       check=True)
        importlib.invalidate_caches()
{imports}
print(f"{versions}")'''


def badge_markdown(pub: Published, rel: str) -> str:
    return f"[![Open In Colab]({BADGE_IMAGE})]({pub.colab(rel)})"


# ----------------------------------------------------------------------------- notebooks


def notebooks(root: Path) -> list[tuple[Path, str, bool]]:
    """(path, repository path its badge opens, is an exercise) for every published notebook.

    A source notebook under solutions/ opens its release under exercises/: the release is
    generated from the source cell by cell, and students must land on the release.
    """
    out = []
    for p in sorted((root / "lectures").glob("*.ipynb")):
        out.append((p, p.relative_to(root).as_posix(), False))
    for folder in ("solutions", "exercises"):
        for p in sorted((root / folder).glob("*/*.ipynb")):
            rel = Path("exercises", *p.relative_to(root / folder).parts).as_posix()
            out.append((p, rel, True))
    return out


def setup_cell_index(nb) -> int | None:
    tagged = [i for i, c in enumerate(nb["cells"])
              if "setup" in (c.get("metadata") or {}).get("tags", [])]
    return tagged[0] if len(tagged) == 1 else None


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def normalize_metadata(nb, version: str | None = None) -> None:
    """Give ``nb`` the kernelspec and language_info the kernel reports when it is opened.

    JupyterLab writes both into the notebook as soon as the kernel starts; when they already
    match, opening and saving a notebook changes nothing. ``version`` (the Python version in
    language_info) defaults to the one the notebook already records, else this Python's.
    """
    meta = nb.setdefault("metadata", {})
    old = (meta.get("language_info") or {}).get("version")
    meta["kernelspec"] = dict(KERNELSPEC)
    meta["language_info"] = language_info(version or old)
    if "widgets" in meta:  # saved widget state: JupyterLab writes it back from JavaScript
        meta["widgets"] = _as_javascript_writes(meta["widgets"])


def _as_javascript_writes(value):
    """``value`` as JavaScript's JSON.stringify writes it: whole floats lose their ``.0``
    (a slider's ``"min": 0.0`` comes back from JupyterLab as ``"min": 0``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _as_javascript_writes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_javascript_writes(v) for v in value]
    return value


def publish_notebook(nb, pub: Published, rel: str, exercise: bool,
                     version: str | None = None) -> list[str]:
    """Rewrite the badge and setup cell of ``nb`` (a dict) in place; return what was wrong."""
    problems = []
    cells = nb.get("cells") or []
    if not cells or cells[0].get("cell_type") != "markdown":
        raise PublishError(f"{rel}: the first cell must be the markdown title with the badge")
    title = _source(cells[0])
    badge = badge_markdown(pub, rel)
    badge_re = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
    if badge_re.search(title):
        new_title = badge_re.sub(lambda m: badge, title, count=1)
    else:
        new_title = title.rstrip("\n") + "\n\n" + badge
    if new_title != title:
        problems.append("Colab badge")
        cells[0]["source"] = new_title
    i = setup_cell_index(nb)
    if i != 1 or cells[1].get("cell_type") != "code":
        raise PublishError(f"{rel}: the second cell must be the code cell tagged 'setup'")
    want = setup_source(pub, exercise)
    if _source(cells[1]) != want:
        problems.append("setup cell")
        cells[1]["source"] = want
    before = json.dumps(nb.get("metadata"), sort_keys=True)  # text: 0.0 == 0 as Python values
    normalize_metadata(nb, version)
    if json.dumps(nb.get("metadata"), sort_keys=True) != before:
        problems.append("kernelspec / language_info / widget state")
    return problems


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_nb(path: Path, nb: dict) -> None:
    import nbformat

    nbformat.write(nbformat.from_dict(nb), str(path))


# ----------------------------------------------------------------------------- README


def publish_text(text: str, pub: Published, old: Published | None = None) -> str:
    """Point every Colab link (and the old repository URL) in ``text`` at ``pub``."""
    text = COLAB_URL_RE.sub(lambda m: pub.colab(m.group(1)), text)
    if old is not None and old.repository != pub.repository:
        text = re.sub(rf"https://github\.com/{re.escape(old.repository)}(?![\w.-])", pub.url,
                      text)
    return text


TEXT_FILES = ("README.md",)


# ----------------------------------------------------------------------------- commands


def disagreements(root: Path) -> list[str]:
    """Every badge, setup cell, README link or metadata that does not match the entry."""
    pub = read_config(root)
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    problems = []
    if data["project"].get("urls", {}).get("Repository") != pub.url:
        problems.append(f"pyproject.toml [project.urls] Repository is not {pub.url}")
    for name in TEXT_FILES:
        path = root / name
        if path.exists():
            text = path.read_text(encoding="utf-8")
            for m in COLAB_URL_RE.finditer(text):
                if m.group(0) != pub.colab(m.group(1)):
                    problems.append(f"{name}: {m.group(0)} (expected {pub.colab(m.group(1))})")
                elif not (root / m.group(1)).exists():
                    problems.append(f"{name}: {m.group(0)} opens a file that does not exist")
    versions = set()
    for path, rel, exercise in notebooks(root):
        nb = _read_json(path)
        versions.add((nb.get("metadata", {}).get("language_info") or {}).get("version"))
        try:
            wrong = publish_notebook(nb, pub, rel, exercise)
        except PublishError as e:
            wrong = [str(e)]
        problems += [f"{path.relative_to(root)}: {w}" for w in wrong]
    if len(versions) > 1:
        problems.append(f"notebooks record different Python versions: {sorted(map(str, versions))}"
                        " (run `course publish`)")
    return problems


def publish(root: Path, repository: str | None = None, ref: str | None = None,
            release: bool = True, out=sys.stdout) -> list[Path]:
    """Rewrite the entry (when given) and every place generated from it; return changed files."""
    old = read_config(root)
    pub = Published(repository or old.repository, ref or old.ref)
    changed = []
    if write_config(root, pub):
        changed.append(root / "pyproject.toml")
    for name in TEXT_FILES:
        path = root / name
        if path.exists():
            text = path.read_text(encoding="utf-8")
            new = publish_text(text, pub, old)
            if new != text:
                path.write_text(new, encoding="utf-8")
                changed.append(path)
    # One Python version for every notebook: the one the lectures were executed with, if any.
    lecture_versions = [(_read_json(p).get("metadata", {}).get("language_info") or {})
                        .get("version") for p, _, ex in notebooks(root) if not ex]
    version = next((v for v in lecture_versions if v), None) or platform.python_version()
    for path, rel, exercise in notebooks(root):
        if path.parts[-3] == "exercises" and release:
            continue  # regenerated from solutions/ below
        nb = _read_json(path)
        if publish_notebook(nb, pub, rel, exercise, version):
            _write_nb(path, nb)
            changed.append(path)
    if release and (root / "solutions").is_dir():
        from .course import CoursePaths
        from .release import release as do_release

        paths = CoursePaths(root / "course-dir", root / "solutions")
        before = {p: p.read_bytes() for p in (root / "exercises").glob("*/*.ipynb")}
        for p in do_release(paths, [], root / "exercises"):
            if before.get(p) != p.read_bytes():
                changed.append(p)
    for p in changed:
        print(f"published {p.relative_to(root)}", file=out)
    print(f"repository {pub.url}, ref {pub.ref}: {len(changed)} file(s) changed", file=out)
    return changed

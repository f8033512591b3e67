"""The student's and the instructor's path through JupyterLab, in a real browser.

Debian's ``chromium`` (``apt-get install chromium``; ``python tasks.py test`` installs it as root)
driven by Playwright for Python (the ``dev`` extra), never a downloaded browser. Each JupyterLab
is started by the test on 127.0.0.1 with a fresh token, settings and browser profile, serving a
temporary copy of the notebooks, so nothing in the checkout changes.

* ``python tasks.py lab``'s command opens on ``lectures/``;
* a lecture renders with its figures, opening + saving it changes no byte, and after *Run All*
  its learning-rate slider is a live ipywidgets 8 widget;
* an exercise opens unmodified, saving it changes no byte; a student fills one task with the
  right answer, runs its check cell and sees ✓; *Run All* on that partly finished exercise shows
  the finished task's ✓ and 未実装 for the others;
* an instructor's formgrader (the instructor install: nbgrader's extensions) lists the assignment
  that ``course grade`` graded.

Screenshots are kept in ``test-artifacts/browser/`` (gitignored).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"]

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium; "
                "`python tasks.py test` does it as root)", allow_module_level=True)
playwright_sync = pytest.importorskip("playwright.sync_api",
                                      reason="playwright is in the dev extra")


def _load_tasks():
    spec = importlib.util.spec_from_file_location("course_tasks", ROOT / "tasks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, proc, url, token, root, log):
        self.proc, self.url, self.token, self.root, self.log = proc, url, token, root, log

    def at(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.url}{path}{sep}token={self.token}"


def _base_prefix_paths(env: dict) -> dict:
    """JupyterLab finds the widget renderer (jupyterlab_widgets), nbgrader's server extension
    and nbconvert's templates through files in its environment's share/jupyter and etc/jupyter.
    A virtual environment that borrows those packages from the system site-packages (made with
    --system-site-packages) does not read the base installation's folders: add them. In an
    ordinary install (one environment) this changes nothing."""
    if sys.prefix == sys.base_prefix:
        return env
    base = Path(sys.base_prefix)
    for var, sub in (("JUPYTER_PATH", "share/jupyter"), ("JUPYTER_CONFIG_PATH", "etc/jupyter")):
        parts = [p for p in env.get(var, "").split(os.pathsep) if p] + [str(base / sub)]
        env[var] = os.pathsep.join(parts)
    return env


def _start_lab(cmd: list[str], root: Path, home: Path, cwd: Path, base_paths=False) -> Lab:
    port, token = _free_port(), secrets.token_hex(16)
    settings = home / "lab-settings"
    notif = settings / "@jupyterlab" / "apputils-extension"
    notif.mkdir(parents=True, exist_ok=True)
    (notif / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    tracker = settings / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)  # render every cell, not only the visible ones
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), OMP_NUM_THREADS="1")
    if base_paths:
        env = _base_prefix_paths(env)
    cmd = [*cmd, "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    log = open(home / f"lab-{port}.log", "w")  # noqa: SIM115 - closed with the server
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited: {(home / f'lab-{port}.log').read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    return Lab(proc, url, token, root, log)
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("JupyterLab did not answer within 90 s")


def _stop(lab: Lab) -> None:
    lab.proc.terminate()
    try:
        lab.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        lab.proc.kill()
    lab.log.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A copy of the notebooks, served by the command `python tasks.py lab` runs."""
    root = tmp_path_factory.mktemp("served")
    for folder in ("lectures", "exercises"):
        shutil.copytree(ROOT / folder, root / folder)
    cmd = _load_tasks().lab_command(root)
    # base-prefix paths: JupyterLab's widget renderer (jupyterlab_widgets) lives there too
    lab = _start_lab(cmd, root, tmp_path_factory.mktemp("lab-home"), root, base_paths=True)
    yield lab
    _stop(lab)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_sync.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=LAUNCH_ARGS, viewport={"width": 1400, "height": 1000})
        yield context
        context.close()


@pytest.fixture
def page(browser, request):
    page = browser.new_page()
    page.set_default_timeout(60_000)
    yield page
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
    finally:
        page.close()


def _wait_kernel_idle(page) -> None:
    page.wait_for_selector("#jp-main-statusbar >> text=/Idle/", timeout=120_000)


PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in front


def _open(page, lab: Lab, rel: str) -> None:
    page.goto(lab.at(f"/lab/tree/{rel}?reset"))  # ?reset: no tabs restored from earlier tests
    page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=120_000)
    _wait_kernel_idle(page)


def _dirty_tabs(page) -> int:
    return page.locator(".lm-TabBar-tab.jp-mod-dirty").count()


def _save(page, path: Path) -> None:
    before = path.stat().st_mtime_ns
    page.locator(f"{PANEL} .jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while path.stat().st_mtime_ns == before:
        assert time.monotonic() < deadline, f"{path.name} was not saved"
        time.sleep(0.2)
    time.sleep(0.5)


def test_lab_command_opens_on_the_lectures_folder(served, page):
    page.goto(served.at("/"))
    page.wait_for_url(re.compile(r"/lab/tree/lectures"), timeout=60_000)
    listing = page.locator(".jp-DirListing-content")
    listing.get_by_text("01_ml_as_programming.ipynb").wait_for()
    assert listing.get_by_text("10_landscape.ipynb").count() == 1
    assert listing.get_by_text("ex01", exact=True).count() == 0  # not the repository root


def test_lecture_renders_with_figures_and_saves_unchanged(served, page):
    rel = "lectures/02_gradient_descent.ipynb"
    path = served.root / rel
    committed = path.read_bytes()
    nb = json.loads(committed)
    n_png = sum("image/png" in out.get("data", {}) for c in nb["cells"]
                for out in c.get("outputs", []))
    assert n_png >= 3
    _open(page, served, rel)
    title = nb["cells"][0]["source"][0].lstrip("# ").strip()
    page.locator(".jp-RenderedHTMLCommon h1").first.wait_for()
    assert title in page.locator(".jp-RenderedHTMLCommon h1").first.inner_text()
    images = page.locator(".jp-OutputArea-output img")
    images.first.wait_for()
    assert images.count() >= n_png
    widths = images.evaluate_all("els => els.map(e => e.naturalWidth)")
    assert sum(w > 50 for w in widths) >= n_png, widths  # decoded figures, not broken images
    time.sleep(2)
    assert _dirty_tabs(page) == 0, "the lecture is marked modified right after opening"
    _save(page, path)
    assert path.read_bytes() == committed, "opening and saving the lecture changed the file"

    # Run All: the learning-rate slider is a live ipywidgets 8 widget in JupyterLab 4
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    slider = page.locator(f"{PANEL} .jp-OutputArea-output .widget-slider").first
    slider.wait_for(timeout=120_000)
    slider.scroll_into_view_if_needed()
    _wait_kernel_idle(page)
    page.screenshot(path=str(ARTIFACTS / "lecture_widget.png"))


def _cell(page, index: int):
    return page.locator(f"{PANEL} .jp-Notebook .jp-Cell").nth(index)


def _run_cell(page, index: int) -> None:
    cell = _cell(page, index)
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")


def _outputs(page, index: int) -> str:
    return _cell(page, index).locator(".jp-OutputArea").inner_text()


def _wait_output(page, index: int, pattern: str) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = _outputs(page, index)
        if re.search(pattern, text):
            return text
        time.sleep(0.3)
    raise AssertionError(f"cell {index} never showed {pattern!r}; it shows {text!r}")


def _grade_ids(nb) -> list[str | None]:
    return [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]


def test_student_fills_a_task_sees_its_check_and_run_all_goes_on(served, page):
    rel = "exercises/ex01/ex01.ipynb"
    path = served.root / rel
    committed = path.read_bytes()
    nb = json.loads(committed)
    ids = _grade_ids(nb)
    _open(page, served, rel)
    time.sleep(2)
    assert _dirty_tabs(page) == 0, "the exercise is marked modified right after opening"
    _save(page, path)
    assert path.read_bytes() == committed, "opening and saving the exercise changed the file"

    answer = ("def derivative_at(x0):\n"
              "    x = torch.tensor(x0, requires_grad=True)\n"
              "    y = x ** 2 + 2 * x + 1\n"
              "    y.backward()\n"
              "    return x.grad.item()")
    solution, check = ids.index("ex01_derivative"), ids.index("ex01_derivative_check")
    _run_cell(page, 1)  # setup
    _wait_output(page, 1, r"mygrad \d")
    editor = _cell(page, solution).locator(".jp-InputArea-editor")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(answer)
    page.keyboard.press("Shift+Enter")
    _run_cell(page, check)
    text = _wait_output(page, check, r"[✓✗]|Error")
    assert "✓" in text and "✗" not in text and "Error" not in text, text
    page.screenshot(path=str(ARTIFACTS / "student_check_cell.png"))

    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    last_check = max(i for i, g in enumerate(ids) if g and g.endswith("_check"))
    _wait_output(page, last_check, "未実装")
    _wait_kernel_idle(page)
    assert "✓" in _outputs(page, check)
    first = ids.index("ex01_tensors_check")
    assert "未実装" in _outputs(page, first)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert not any("Traceback" in t for t in errors.all_inner_texts())


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A course directory in which `course grade ex01` graded one submission."""
    course = tmp_path_factory.mktemp("course")
    subs = course.parent / f"{course.name}-subs" / "s001"
    subs.mkdir(parents=True)
    shutil.copy2(ROOT / "exercises" / "ex01" / "ex01.ipynb", subs / "ex01.ipynb")
    out = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", "ex01", "--submissions",
         str(subs.parent), "--course-dir", str(course), "--solutions", str(ROOT / "solutions"),
         "--jobs", "1"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "s001" in out.stdout
    return course


def test_instructor_formgrader_lists_the_graded_assignment(graded_course, page,
                                                            tmp_path_factory):
    pytest.importorskip("nbgrader", reason="nbgrader is the instructor install")
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={graded_course}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    lab = _start_lab(cmd, graded_course, tmp_path_factory.mktemp("instructor-home"),
                     graded_course, base_paths=True)
    try:
        page.goto(lab.at("/formgrader"))
        row = page.locator("#main_table, table").get_by_text("ex01", exact=True)
        row.first.wait_for(timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "formgrader.png"))
        page.goto(lab.at("/formgrader/gradebook"))
        page.get_by_text("ex01", exact=True).first.wait_for(timeout=60_000)
    finally:
        _stop(lab)

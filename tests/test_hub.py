"""A department on JupyterHub: nbgrader's exchange end to end through real single-user servers.

The test starts JupyterHub on 127.0.0.1 (PAM users, LocalProcessSpawner, configurable-http-
proxy from npm) with an instructor and two students it creates (and removes afterwards), with
the hub groups nbgrader expects (``formgrade-<course>``, ``nbgrader-<course>``). The instructor
releases ex01 to the exchange with ``course release --exchange``; cxalice fetches, solves and
submits through her server's nbgrader API (what the Assignments tab calls), cxbob logs in with
his password in headless chromium and fetches and submits the blank release from JupyterLab's
Assignments tab; ``course collect --exchange`` and ``course grade`` must give 90 and 0.

Root only (CI runs it as root); needs configurable-http-proxy on PATH (`.ci/run` installs it
with npm) and Debian's chromium for the browser half.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from autograder.cli import main as course_main
from autograder.course import CoursePaths
from autograder.gradebook import all_results, open_gradebook
from tests.multiuser import require_root, student_python, users

pytestmark = [pytest.mark.grading, pytest.mark.hub]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
COURSE = "ml101"
PASSWORD = "Course-" + secrets.token_hex(6)
CHROMIUM = "/usr/bin/chromium"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def api(self, method: str, path: str, body=None, token=None, base=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request((base or self.url + "/hub/api") + path, data=data,
                                     method=method)
        req.add_header("Authorization", f"token {token or self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read().decode()
        return json.loads(text) if text.strip() else None

    def start_server(self, user: str) -> str:
        try:
            self.api("POST", f"/users/{user}/server")
        except urllib.error.HTTPError as e:
            if e.code != 400:  # 400: already running
                raise
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            info = self.api("GET", f"/users/{user}")
            server = (info.get("servers") or {}).get("")
            if server and server.get("ready"):
                return self.url + f"/user/{user}"
            time.sleep(0.5)
        raise AssertionError(f"{user}'s server did not start")

    def user_token(self, user: str) -> str:
        return self.api("POST", f"/users/{user}/tokens", {"note": "course test"})["token"]


@pytest.fixture
def hub(tmp_path):
    require_root()
    chp = shutil.which("configurable-http-proxy")
    if chp is None:
        pytest.skip("configurable-http-proxy is not installed (npm install -g "
                    "configurable-http-proxy; .ci/run does it)")
    py = student_python()
    venv = py.parent.parent
    exchange = Path(tempfile.mkdtemp(prefix="course-hub-exchange-"))
    os.chmod(exchange, 0o1777)
    # every user's server reads this (sys.prefix config path of the users' environment)
    etc = venv / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n", encoding="utf-8")
    # students get no instructor tools (docs/deployment.md, section 2)
    jupyter = str(venv / "bin" / "jupyter")
    subprocess.run([jupyter, "labextension", "enable", "--level=sys_prefix",  # a reused venv
                    "@jupyter/nbgrader:menu", "@jupyter/nbgrader:assignment-list"],
                   check=True, capture_output=True)
    subprocess.run([jupyter, "labextension", "disable", "--level=sys_prefix",
                    "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list"],
                   check=True, capture_output=True)
    subprocess.run([jupyter, "server", "extension", "disable", "--sys-prefix",
                    "nbgrader.server_extensions.formgrader",
                    "nbgrader.server_extensions.course_list"], check=True, capture_output=True)
    port, hub_port, api_port = _port(), _port(), _port()
    token = secrets.token_hex(24)
    state = tmp_path / "hub"
    state.mkdir()
    cfg = state / "jupyterhub_config.py"
    cfg.write_text(f"""
c = get_config()
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/cookie_secret"
c.JupyterHub.pid_file = "{state}/jupyterhub.pid"
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [{str(venv / "bin" / "jupyterhub-singleuser")!r}]
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 120
c.Authenticator.allowed_users = {{"cxinst", "cxalice", "cxbob"}}
c.Authenticator.admin_users = {{"cxinst"}}
c.JupyterHub.load_groups = {{
    "formgrade-{COURSE}": {{"users": ["cxinst"]}},
    "nbgrader-{COURSE}": {{"users": ["cxalice", "cxbob"]}},
}}
c.JupyterHub.services = [{{"name": "course-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "course-test", "services": ["course-test"],
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "admin:groups"]}}]
""", encoding="utf-8")
    with users("cxinst", "cxalice", "cxbob", password=PASSWORD) as homes:
        log = open(state / "hub.log", "w")  # noqa: SIM115 - closed below
        proc = subprocess.Popen([str(venv / "bin" / "jupyterhub"), "-f", str(cfg)], cwd=state,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"})
        h = Hub(f"http://127.0.0.1:{port}", token)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    h.api("GET", "/users")
                    break
                except (urllib.error.URLError, ConnectionError):
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError("JupyterHub did not start:\n" +
                                             (state / "hub.log").read_text()[-4000:]) from None
                    time.sleep(0.5)
            yield h, homes, exchange
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
            log.close()
            shutil.rmtree(exchange, ignore_errors=True)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(state / "hub.log", ARTIFACTS / "hub.log")


def _submit_through_api(hub: Hub, user: str, answer: Path):
    base = hub.start_server(user)
    tok = hub.user_token(user)
    form = urllib.parse.urlencode({"assignment_id": "ex01", "course_id": COURSE}).encode()

    def post(action):
        req = urllib.request.Request(f"{base}/assignments/{action}", data=form, method="POST")
        req.add_header("Authorization", f"token {tok}")
        with urllib.request.urlopen(req, timeout=120) as r:
            out = json.loads(r.read().decode())
        assert out.get("success"), out  # {"success": ..., "value": [assignments]}
        return out["value"]

    listed = post("fetch")
    assert any(a["assignment_id"] == "ex01" and a["status"] == "fetched" for a in listed), listed
    # replace the fetched notebook with the answer, through the Jupyter contents API
    nb = json.loads(answer.read_text(encoding="utf-8"))
    body = {"type": "notebook", "format": "json", "content": nb}
    hub.api("PUT", "/contents/ex01/ex01.ipynb", body, token=tok, base=f"{base}/api")
    out = post("submit")
    assert any(a["assignment_id"] == "ex01" and a["status"] == "submitted" for a in out), out


def _submit_through_the_assignments_tab(hub: Hub, user: str):
    """Log in with the password, open Nbgrader > Assignments, Fetch, then Submit."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"])
        page = browser.new_page()
        try:
            page.goto(f"{hub.url}/hub/login", timeout=60_000)
            page.fill("input#username_input", user)
            page.fill("input#password_input", PASSWORD)
            page.click("input#login_submit, button#login_submit")
            page.wait_for_url("**/user/**/lab**", timeout=120_000)
            page.wait_for_selector(".jp-LabShell", timeout=120_000)
            page.get_by_text("Nbgrader", exact=True).first.click()
            page.get_by_text("Assignment List").first.click()
            released = page.locator("#released_assignments_list")
            released.get_by_text("ex01").first.wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "hub-assignments-released.png"))
            released.get_by_role("button", name="Fetch").first.click()
            fetched = page.locator("#fetched_assignments_list")
            fetched.get_by_role("button", name="Submit").first.wait_for(timeout=60_000)
            fetched.get_by_role("button", name="Submit").first.click()
            page.locator("#submitted_assignments_list").get_by_text("ex01").first.wait_for(
                timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "hub-assignments-submitted.png"))
            # the instructor's tools are not in a student's JupyterLab: no Create Assignment
            # panel, and no formgrader behind the menu entry nbgrader's menu still shows
            assert page.get_by_text("Create Assignment").count() == 0
            reply = page.request.get(f"{hub.url}/user/{user}/formgrader")
            assert reply.status == 404, reply.status
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "hub-assignments-failure.png"))
            raise
        finally:
            browser.close()


def test_department_round_trip_on_jupyterhub(hub, tmp_path, capsys):
    h, homes, exchange = hub
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE!r}\n"
        f"c.Exchange.root = {str(exchange)!r}\n", encoding="utf-8")
    common = ["--course-dir", str(course), "--solutions", str(ROOT / "solutions")]
    assert course_main(["release", "ex01", "--exchange", "--exercises",
                        str(tmp_path / "exercises"), *common]) == 0
    groups = {g["name"]: sorted(g["users"]) for g in h.api("GET", "/groups")}
    assert groups[f"nbgrader-{COURSE}"] == ["cxalice", "cxbob"]
    assert groups[f"formgrade-{COURSE}"] == ["cxinst"]

    _submit_through_api(h, "cxalice", ROOT / "solutions" / "ex01" / "ex01.ipynb")
    _submit_through_the_assignments_tab(h, "cxbob")  # the fetched release, unchanged

    assert course_main(["collect", "ex01", "--exchange", *common]) == 0
    assert course_main(["grade", "ex01", "--jobs", "2", "--timeout", "40", *common]) == 0
    paths = CoursePaths(course, ROOT / "solutions")
    gb = open_gradebook(paths.db, paths.course_id)
    try:
        rows = {r["student_id"]: r["score"] for r in all_results(gb, "ex01")}
    finally:
        gb.close()
    assert rows == {"cxalice": 90.0, "cxbob": 0.0}

"""End-to-end tests: the real thing, started for real. A demo city is built by the `learncity demo` command
into a throwaway data folder, served by `learncity serve` (granian) on a free port, and driven by Debian's
Chromium through Playwright. Screenshots go to test-artifacts/e2e/."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PASSWORD = "e2e-demo-password"
SESSION_COOKIE = "sessionid"  # Django's default name, which the settings keep


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # One worker runs every browser test, against the one demo server it starts (pytest-xdist's loadgroup).
            item.add_marker(pytest.mark.xdist_group("e2e"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the browser tests run against the SQLite demo the README's quickstart builds")
    if os.environ.get("LEARNCITY_E2E_SERVER"):
        # While writing a browser test: a demo already running, built with LEARNCITY_DEMO_PASSWORD=PASSWORD.
        yield os.environ["LEARNCITY_E2E_SERVER"].rstrip("/")
        return
    data = tmp_path_factory.mktemp("e2e-data")
    env = {**os.environ, "LEARNCITY_DATA_DIR": str(data), "LEARNCITY_DEMO_PASSWORD": PASSWORD}
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "learncity.cli"]
    built = subprocess.run([*cli, "demo", "--no-serve", "--residents", "500"], env=env, capture_output=True,
                           text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    port = _free_port()
    log = open(data / "serve.log", "w")  # noqa: SIM115 -- kept open while the server runs, closed below
    server = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "1"], env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(base + "/login/", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail("learncity serve did not come up:\n" + (data / "serve.log").read_text()[-3000:])
        time.sleep(0.3)
    yield base
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="package")
def browser():
    """One browser for the journeys, closed when they are done (package scope): Playwright's event loop runs in
    the worker's thread while it is open, and Django refuses database calls from a thread with a running loop, so
    the tests that follow the journeys in the same worker (the page matrix) must not inherit it."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is not installed (make install puts it there)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="zh-CN", device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


# Each user's session cookie from their first sign-in of the run, by (server, username, password). A password
# check costs a second or more of PBKDF2 on a busy machine and the journeys sign the same roles in again and again.
_SESSIONS: dict[tuple[str, str, str], list[dict]] = {}


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form the first time the run signs this user in; later, hand the browser the session it
    got then, as a browser that stays signed in does, and land on the home page as the form does. Should the server
    have forgotten that session (a sign-out), the form again."""
    key = (base, username, password)
    if key in _SESSIONS:
        page.context.add_cookies(_SESSIONS[key])
        page.goto(base + "/")
        if page.locator("[data-testid=logout]").count():
            return
        page.context.clear_cookies(name=_SESSIONS.pop(key)[0]["name"])
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")
    page.wait_for_url(base + "/")
    session = [c for c in page.context.cookies(base) if c["name"] == SESSION_COOKIE]
    assert session, f"signing in as {username} set no {SESSION_COOKIE} cookie"
    _SESSIONS[key] = session


def open_menu(page) -> None:
    """Open the header's menu as a phone user does (on a desktop it is always there)."""
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def nav_to(page, label: str) -> None:
    """Follow a link of the header's menu as a user would: open the menu (phones) and the group it sits in
    (desktops: 管理 or 我的), then click it."""
    open_menu(page)
    link = page.locator(f"nav.main a:text-is('{label}')")  # by CSS: a closed group's links are not in the a11y tree
    group = link.locator("xpath=ancestor::li[contains(@class, 'group')]/button[contains(@class, 'group-toggle')]")
    if group.count() and group.is_visible() and group.get_attribute("aria-expanded") != "true":
        group.click()
    link.click()

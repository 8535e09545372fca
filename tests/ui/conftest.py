"""The API's app (with the UI under /ui) over an embedded Runtime, one user and one token;
flows run through the application layer; the browser is Debian's chromium driven by
Playwright (marker `browser`: skipped without it, failed under CI=true)."""

from __future__ import annotations

import os
import re

import pytest
from fastapi.testclient import TestClient

from podium.api import create_app
from podium.application import executions, flows
from podium.common.flow.loader import parse_flow
from podium.common.models.execution import Execution
from podium.common.settings import ApiSettings
from podium.runtime import Runtime

USER, PASSWORD, TOKEN = "admin", "s3cret-password", "tok-0123456789"
CHROMIUM = "/usr/bin/chromium"

HELLO = """\
id: hello
namespace: company.team
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "hello <b>{{ execution.id }}</b>"
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: item
        type: io.kestra.plugin.core.log.Log
        message: "item {{ taskrun.value }}"
"""


def ui_settings(**overrides) -> ApiSettings:
    values = dict(users={USER: PASSWORD}, tokens=[TOKEN], login_max_failures=3)
    values.update(overrides)
    return ApiSettings(**values)


@pytest.fixture
def runtime(tmp_path):
    with Runtime.embedded(tmp_path / "data", workers=2, environ={}) as runtime:
        yield runtime


@pytest.fixture
def app(runtime):
    return create_app(runtime, ui_settings())


@pytest.fixture
def anonymous(app):
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(client: TestClient, user: str = USER, password: str = PASSWORD,
           next_page: str = "/ui/executions"):
    """Open the login page (for its session and CSRF token), then post the form."""
    page = client.get("/ui/login")
    return client.post("/ui/login", follow_redirects=False, data={
        "username": user, "password": password, "next": next_page,
        "csrf_token": csrf_of(page.text)})


@pytest.fixture
def user(app):
    """A client logged in through the form."""
    with TestClient(app, raise_server_exceptions=False) as client:
        assert log_in(client).status_code == 303
        yield client


def run_flow(runtime: Runtime, source: str = HELLO) -> Execution:
    """Deploy the flow and run it to its end, through the application layer."""
    loaded = parse_flow(source)
    flows.deploy(runtime, loaded)
    created = executions.submit(runtime, loaded.flow.namespace, loaded.flow.id)
    return executions.wait(runtime, created.id, timeout=60)


@pytest.fixture
def live(app):
    """The app served by uvicorn on 127.0.0.1 and a free port."""
    from podium.api.server import ServerThread

    with ServerThread(app) as server:
        yield server.url


@pytest.fixture(scope="session")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no {CHROMIUM} (.ci/services.sh installs Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh browser context (no cookies) and its page."""
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def browser_log_in(page, live: str, password: str = PASSWORD) -> None:
    """Log in through the login form, in the browser."""
    page.goto(f"{live}/ui/login")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def screenshot(page, name: str) -> None:
    """With PODIUM_UI_SCREENSHOTS=<folder> (docs/ui for docs/ui.md), save the page as
    <folder>/<name>.png: the documentation's pictures come from these real runs."""
    folder = os.environ.get("PODIUM_UI_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)

"""The UI in a real headless Chromium (Debian's, driven by Playwright) against the app
served by uvicorn: log in, the login page from every route, a wrong password, a flow's
execution in the list and on its page, htmx filtering, CSRF."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from podium.application import executions, flows
from podium.common.flow.loader import parse_flow
from tests.ui.conftest import PASSWORD, USER, run_flow, screenshot
from tests.ui.conftest import browser_log_in as log_in
from tests.ui.test_auth_http import ui_paths

pytestmark = pytest.mark.browser


def test_logging_in_leads_to_the_page_asked_for(browser_page, live):
    page = browser_page
    page.goto(f"{live}/ui/flows")
    assert urlsplit(page.url).path == "/ui/login"
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live}/ui/flows")
    assert page.locator("h1").inner_text() == "Flows"
    assert page.locator("header .user").inner_text() == USER


def test_an_anonymous_browser_is_sent_to_login_from_every_route(browser_page, live):
    for path in ui_paths():
        browser_page.goto(live + path)
        url = urlsplit(browser_page.url)
        assert url.path == "/ui/login", path
        assert parse_qs(url.query)["next"] == [path]
        assert browser_page.locator("h1").inner_text() == "Log in"
    screenshot(browser_page, "login")


def test_a_wrong_password_shows_an_error(browser_page, live):
    log_in(browser_page, live, password="not-it")
    assert browser_page.locator("p.error").inner_text() == "Wrong user name or password"
    browser_page.goto(f"{live}/ui/executions")
    assert urlsplit(browser_page.url).path == "/ui/login"


def test_a_run_in_the_list_and_on_its_page(runtime, browser_page, live):
    execution = run_flow(runtime)
    page = browser_page
    log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    page.goto(f"{live}/ui/flows")
    screenshot(page, "flows")
    page.goto(f"{live}/ui/executions")
    page.click(f"text={execution.id}")
    page.wait_for_url(f"{live}/ui/executions/company.team/hello/{execution.id}")
    assert page.locator("#execution-state").inner_text() == "SUCCESS"
    rows = page.locator("#task-runs tbody tr")
    assert rows.count() == 4
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(4)]
    assert sorted((c[0], c[2], c[3], c[4]) for c in cells) == [
        ("each", "", "SUCCESS", "0"), ("item", "a", "SUCCESS", "1"),
        ("item", "b", "SUCCESS", "1"), ("say", "", "SUCCESS", "1")]


def test_filters_reload_the_table_in_place(runtime, browser_page, live):
    execution = run_flow(runtime)
    page = browser_page
    log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    page.goto(f"{live}/ui/executions")
    page.evaluate("window.notReloaded = true")
    page.select_option("select[name=state]", "FAILED")
    page.wait_for_selector("text=No execution matches")
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the table only
    assert "state=FAILED" in page.url
    page.select_option("select[name=state]", "SUCCESS")
    page.wait_for_selector(f"text={execution.id}")


def test_a_post_without_the_csrf_token_is_refused(browser_page, live):
    page = browser_page
    log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    page.goto(f"{live}/ui/executions")
    status = page.evaluate("""async () => (await fetch('/ui/logout', {method: 'POST',
        headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'a=b'})).status""")
    assert status == 403
    page.goto(f"{live}/ui/flows")  # still logged in
    assert page.locator("h1").inner_text() == "Flows"
    page.click("text=Log out")  # the page's own form carries the token
    page.wait_for_url(f"{live}/ui/login")
    page.goto(f"{live}/ui/flows")
    assert urlsplit(page.url).path == "/ui/login"


SLOW = """\
id: slow
namespace: company.team
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT2S
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: awake
"""


def test_the_execution_page_follows_a_running_execution(runtime, browser_page, live):
    loaded = parse_flow(SLOW)
    flows.deploy(runtime, loaded)
    page = browser_page
    log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    page.goto(f"{live}/ui/executions")
    execution = executions.submit(runtime, "company.team", "slow")
    page.goto(f"{live}/ui/executions/company.team/slow/{execution.id}")
    assert page.locator("#execution-state").inner_text() != "SUCCESS"
    page.evaluate("window.notReloaded = true")
    # htmx refreshes the live part each second until the execution has ended.
    page.wait_for_function(
        "document.getElementById('execution-state').innerText === 'SUCCESS'", timeout=30_000)
    assert "done" in page.locator("#task-runs tbody").inner_text()  # the last task ran
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#live").get_attribute("hx-trigger") is None


def test_an_htmx_request_after_the_session_ended_leads_to_login(runtime, browser_page, live):
    page = browser_page
    log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    page.goto(f"{live}/ui/executions")
    page.context.clear_cookies()
    page.select_option("select[name=state]", "FAILED")  # htmx asks for the table
    page.wait_for_url(f"{live}/ui/login?**")
    assert page.locator("h1").inner_text() == "Log in"

"""The dashboard and the executions list's filters and live rows in a real Chromium against
the app served by uvicorn, with executions run for real."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from podium.application import executions
from tests.ui.conftest import browser_log_in, run_flow, screenshot
from tests.ui.test_dashboard_http import FAILING, PAUSING, start
from tests.waiting import wait_for

pytestmark = pytest.mark.browser


def test_dashboard_shows_successes_and_failures(browser_page, live, runtime):
    run_flow(runtime)
    run_flow(runtime)
    failed = executions.wait(runtime, start(runtime, FAILING).id, timeout=60)
    page = browser_page
    browser_log_in(page, live)
    page.goto(f"{live}/ui/")
    page.wait_for_url(f"{live}/ui/dashboard")
    expect(page.locator("#dash-chart rect[data-state=SUCCESS]")).to_have_attribute(
        "data-count", "2")
    expect(page.locator("#dash-chart rect[data-state=FAILED]")).to_have_attribute(
        "data-count", "1")
    failures = page.locator("#dash-failures")
    expect(failures).to_contain_text(failed.id)
    expect(failures).to_contain_text("the <first> error")
    screenshot(page, "dashboard")
    page.click("#dash-over-time a:has-text('Last 7 days')")
    page.wait_for_url(f"{live}/ui/dashboard?range=7d")
    expect(page.locator("#dash-chart g.dash-bar")).to_have_count(7)


def test_executions_filtered_by_a_label_with_a_live_row(browser_page, live, runtime):
    prod = executions.wait(runtime, start(runtime, FAILING, {"env": "prod"}).id, timeout=60)
    dev = executions.wait(runtime, start(runtime, FAILING, {"env": "dev"}).id, timeout=60)
    paused = start(runtime, PAUSING, {"env": "prod"})
    wait_for(lambda: executions.get(runtime, paused.id).state.value == "PAUSED")
    page = browser_page
    browser_log_in(page, live)
    page.goto(f"{live}/ui/executions")
    expect(page.locator(f"#row-{dev.id}")).to_be_visible()
    page.locator("input[name=labels]").press_sequentially("env:prod")
    expect(page.locator(f"#row-{dev.id}")).to_have_count(0)
    expect(page.locator(f"#row-{prod.id}")).to_be_visible()
    assert "labels=env%3Aprod" in page.url
    row = page.locator(f"#row-{paused.id}")
    expect(row).to_have_attribute("data-state", "PAUSED")
    screenshot(page, "executions")
    runtime.resume(paused.id)
    # The row refreshes itself: no reload, no re-poll of the list.
    expect(row).to_have_attribute("data-state", "SUCCESS", timeout=20_000)
    expect(page.locator(f"#row-{prod.id}")).to_be_visible()

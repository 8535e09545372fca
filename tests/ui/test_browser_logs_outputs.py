"""The Logs and Outputs tabs in a real headless Chromium: a running flow's second line
appears without a reload (the page's EventSource over the UI session), the level filter
and the search box, a written file browsed, previewed and downloaded."""

from __future__ import annotations

import pytest

from podium.application import executions, flows, logs
from podium.common.flow.loader import parse_flow
from tests.ui.conftest import browser_log_in, run_flow, screenshot
from tests.ui.test_logs_outputs_http import CSV, FILES, LEVELS, url
from tests.waiting import wait_for

pytestmark = pytest.mark.browser

LIVE = """\
id: live
namespace: company.team
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: "first line"
  - id: pause
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT3S
  - id: second
    type: io.kestra.plugin.core.log.Log
    level: WARN
    message: "second line"
"""

LINES = "#log-lines .log:not([hidden])"


def test_a_running_flows_lines_appear_without_reload(runtime, browser_page, live):
    loaded = parse_flow(LIVE)
    flows.deploy(runtime, loaded)
    execution = executions.submit(runtime, "company.team", "live")
    page = browser_page
    browser_log_in(page, live)
    wait_for(lambda: logs.lines(runtime, execution.id, contains="first line"),
             what="the first line")
    page.goto(live + url(execution, "logs"))
    page.locator(LINES, has_text="first line").wait_for()
    assert page.locator(LINES, has_text="second line").count() == 0
    assert page.locator("#log-status").inner_text() == "Following new lines…"
    # No reload: the line arrives over the stream, and the stream ends with the execution.
    page.locator(LINES, has_text="second line").wait_for(timeout=20_000)
    page.wait_for_selector("#log-lines[data-ended=true]")
    assert page.locator("#log-status").inner_text() == "The execution has ended."
    assert page.locator("#execution-state").inner_text() == "SUCCESS"
    screenshot(page, "execution-logs")


def test_level_filter_and_search(runtime, browser_page, live):
    execution = run_flow(runtime, LEVELS)
    page = browser_page
    browser_log_in(page, live)
    page.goto(live + url(execution, "logs"))
    assert page.locator(LINES, has_text="quiet detail").count() == 0
    page.select_option("#log-level", "DEBUG")
    page.click("#log-filters button[type=submit]")
    page.locator(LINES, has_text="quiet detail").wait_for()
    page.select_option("#log-level", "WARN")
    page.click("#log-filters button[type=submit]")
    page.wait_for_url("**minLevel=WARN**")
    assert page.locator(LINES).all_inner_texts()[-1].endswith("disk almost full")
    assert page.locator(LINES, has_text="second info line").count() == 0
    # The search box filters the shown lines as one types.
    page.select_option("#log-level", "INFO")
    page.click("#log-filters button[type=submit]")
    page.locator(LINES, has_text="second info line").wait_for()
    page.fill("#log-search", "DISK")
    page.locator(LINES, has_text="second info line").wait_for(state="detached")
    assert page.locator(LINES).count() == 1
    page.fill("#log-search", "no such text")
    page.locator("#log-empty").wait_for()


def test_browse_preview_and_download_a_written_file(runtime, browser_page, live):
    execution = run_flow(runtime, FILES)
    uri = execution.outputs["report"]
    page = browser_page
    browser_log_in(page, live)
    page.goto(live + url(execution, "outputs"))
    write = page.locator('.task-outputs[data-task="write"]')
    assert write.locator(".output-file").inner_text() == uri
    assert page.locator("#flow-outputs .output-file").inner_text() == uri
    screenshot(page, "execution-outputs")
    with page.expect_download() as download:
        write.locator(".output-download").click()
    path = download.value.path()
    assert path is not None and open(path, "rb").read() == CSV.encode()
    write.locator(".output-preview").click()
    page.wait_for_selector("#preview-table")
    assert page.locator("#preview-table th").all_inner_texts() == ["name", "score"]
    assert page.locator("#preview-table tbody tr").first.inner_text().split("\t") == [
        "<b>ada</b>", "3"]
    screenshot(page, "execution-file-preview")

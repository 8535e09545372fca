"""The topology and Gantt pages in a real headless Chromium: a flow's graph, and a running
execution whose task nodes and Gantt bars turn green as its tasks succeed, without a
reload (htmx re-fetches the live part each second, and stops at the end)."""

from __future__ import annotations

import pytest

from podium.application import executions, flows
from podium.common.flow.loader import parse_flow
from tests.ui.conftest import browser_log_in, run_flow, screenshot
from tests.ui.test_browser import SLOW

pytestmark = pytest.mark.browser

NODE_STATE = "document.querySelector('g.node[data-task-id=\"{}\"]').dataset.state"


def test_a_flow_shows_its_topology(runtime, browser_page, live):
    run_flow(runtime)
    page = browser_page
    browser_log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    page.goto(f"{live}/ui/flows/company.team/hello")
    page.wait_for_url(f"{live}/ui/flows/company.team/hello/topology")
    assert page.locator("#flow-tabs a.active").inner_text() == "Topology"
    ids = page.locator("svg.topology g.node").evaluate_all(
        "nodes => nodes.map(n => n.dataset.taskId)")
    assert sorted(ids) == ["each", "item", "say"]
    assert page.locator("svg.topology g.cluster").count() == 1
    screenshot(page, "flow-topology")


def start_slow(runtime) -> str:
    return executions.submit(runtime, "company.team", "slow").id


def test_the_execution_topology_turns_green_live(runtime, browser_page, live):
    flows.deploy(runtime, parse_flow(SLOW))
    page = browser_page
    browser_log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    execution_id = start_slow(runtime)
    page.goto(f"{live}/ui/executions/company.team/slow/{execution_id}/topology")
    assert page.locator("#execution-state").inner_text() != "SUCCESS"
    assert page.evaluate(NODE_STATE.format("done")) != "SUCCESS"
    page.evaluate("window.notReloaded = true")
    page.wait_for_function(f"{NODE_STATE.format('nap')} === 'SUCCESS' && "
                           f"{NODE_STATE.format('done')} === 'SUCCESS'", timeout=30_000)
    page.wait_for_function(
        "document.getElementById('execution-state').innerText === 'SUCCESS'")
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#topology-live").get_attribute("hx-trigger") is None
    assert page.locator("g.node.state-SUCCESS").count() == 2
    screenshot(page, "execution-topology")


def test_the_gantt_bars_turn_green_live(runtime, browser_page, live):
    flows.deploy(runtime, parse_flow(SLOW))
    page = browser_page
    browser_log_in(page, live)
    page.wait_for_url(f"{live}/ui/dashboard")  # the home page
    execution_id = start_slow(runtime)
    page.goto(f"{live}/ui/executions/company.team/slow/{execution_id}/gantt")
    assert page.locator("#execution-state").inner_text() != "SUCCESS"
    page.evaluate("window.notReloaded = true")
    page.wait_for_selector('#gantt tr[data-task-id="done"] .bar.state-SUCCESS',
                           timeout=30_000)
    page.wait_for_function(
        "document.getElementById('execution-state').innerText === 'SUCCESS'")
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#gantt-live").get_attribute("hx-trigger") is None
    rows = page.locator("#gantt tbody tr")
    assert rows.evaluate_all("rows => rows.map(r => [r.dataset.taskId, r.dataset.state])") \
        == [["nap", "SUCCESS"], ["done", "SUCCESS"]]
    # The nap's bar spans most of the chart: it slept for two of the run's seconds.
    width = page.locator('#gantt tr[data-task-id="nap"] .bar').evaluate(
        "bar => parseFloat(bar.style.width)")
    assert width > 40
    screenshot(page, "execution-gantt")

"""The topology and Gantt pages over plain HTTP: a flow's graph as SVG, an execution's
graph with each task's state and run count, the Gantt chart's rows and attempts, the live
fragment, and errors as pages."""

from __future__ import annotations

import re

from podium.api.ui import topology
from podium.application import executions, flows
from podium.common.flow.loader import parse_flow
from tests.ui.conftest import HELLO, run_flow
from tests.ui.test_browser import SLOW

HTMX = {"HX-Request": "true"}
RETRIED = """\
id: retried
namespace: company.team
tasks:
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT0.05S
      maxAttempts: 2
"""



def test_a_flow_leads_to_its_topology(runtime, user):
    run_flow(runtime)
    response = user.get("/ui/flows/company.team/hello", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/flows/company.team/hello/topology"
    page = user.get(response.headers["location"]).text
    assert re.search(r'<a href="[^"]+/topology" class="active">Topology</a>', page)
    assert "<svg" in page and "Revision 1" in page
    tasks = re.findall(r'data-task-id="([^"]+)"', page)
    assert sorted(tasks) == ["each", "item", "say"]
    assert "state-SUCCESS" not in page  # a flow has no states, only its shape
    assert 'data-cluster="cluster_root.each"' in page


def test_any_revision_has_its_topology(runtime, user):
    run_flow(runtime)
    run_flow(runtime, HELLO.replace("  - id: say", "  - id: greet"))
    latest = user.get("/ui/flows/company.team/hello/topology").text
    assert "Revision 2" in latest and 'data-task-id="greet"' in latest
    first = user.get("/ui/flows/company.team/hello/topology?revision=1").text
    assert "Revision 1" in first and 'data-task-id="say"' in first
    assert user.get("/ui/flows/company.team/hello/topology?revision=7").status_code == 404
    bad = user.get("/ui/flows/company.team/hello/topology?revision=zero")
    assert bad.status_code == 400 and "revision" in bad.text


def test_a_missing_or_deleted_flow_is_a_404_page(runtime, user):
    missing = user.get("/ui/flows/company.team/nothing/topology")
    assert missing.status_code == 404 and "not found" in missing.text
    run_flow(runtime)
    flows.delete(runtime, "company.team", "hello")
    assert user.get("/ui/flows/company.team/hello/topology").status_code == 404


def test_the_execution_topology_colours_each_task_by_its_runs(runtime, user):
    execution = run_flow(runtime)
    url = f"/ui/executions/company.team/hello/{execution.id}/topology"
    page = user.get(url).text
    states = dict(re.findall(r'data-task-id="([^"]+)" data-uid="[^"]+" data-state="(\w+)"',
                             page))
    assert states == {"say": "SUCCESS", "each": "SUCCESS", "item": "SUCCESS"}
    assert re.search(r'class="count"[^>]*>×2<', page)  # `item` ran once per value
    assert re.search(r'<a href="[^"]+/topology" class="active">Topology</a>', page)
    assert 'hx-trigger="every 1s"' not in page  # ended: nothing left to refresh
    fragment = user.get(url, headers=HTMX).text
    assert "<html" not in fragment and '<section id="topology-live"' in fragment


def test_a_running_execution_refreshes_its_live_parts(runtime, user):
    flows.deploy(runtime, parse_flow(SLOW))
    execution = executions.submit(runtime, "company.team", "slow")
    base = f"/ui/executions/company.team/slow/{execution.id}"
    for tab in ("topology", "gantt"):
        page = user.get(f"{base}/{tab}").text
        assert f'hx-get="{base}/{tab}" hx-trigger="every 1s"' in page, tab
    executions.wait(runtime, execution.id, timeout=60)
    assert 'hx-trigger' not in user.get(f"{base}/gantt", headers=HTMX).text


def test_the_gantt_chart_has_a_row_per_task_run_under_its_parent(runtime, user):
    execution = run_flow(runtime)
    page = user.get(f"/ui/executions/company.team/hello/{execution.id}/gantt").text
    rows = re.findall(r'<tr data-task-id="(\w+)"[^>]*data-state="(\w+)">\s*'
                      r'<td class="task" style="padding-left: ([\d.]+)rem">', page)
    assert [(task, state) for task, state, _ in rows] == [
        ("say", "SUCCESS"), ("each", "SUCCESS"), ("item", "SUCCESS"), ("item", "SUCCESS")]
    indents = [float(indent) for _, _, indent in rows]
    assert indents[0] == indents[1] < indents[2] == indents[3]
    bars = re.findall(r'class="bar state-(\w+)" style="left: ([\d.]+)%; width: ([\d.]+)%"',
                      page)
    assert len(bars) == 4 and all(state == "SUCCESS" for state, _, _ in bars)
    assert all(0 <= float(left) <= 100 and 0 < float(width) <= 100 for _, left, width in bars)
    assert re.search(r'<a href="[^"]+/gantt" class="active">Gantt</a>', page)


def test_retries_show_as_one_segment_per_attempt(runtime, user):
    execution = run_flow(runtime, RETRIED)
    page = user.get(f"/ui/executions/company.team/retried/{execution.id}/gantt").text
    titles = re.findall(r'class="bar state-(\w+)"[^>]*title="attempt (\d): (\w+)', page)
    assert [(number, state) for _, number, state in titles] == [("1", "FAILED"),
                                                                ("2", "FAILED")]
    assert all(css == "FAILED" for css, _, _ in titles)


def test_an_execution_is_shown_only_under_its_own_flow(runtime, user):
    execution = run_flow(runtime)
    for tab in ("topology", "gantt"):
        assert user.get(f"/ui/executions/company.team/other/{execution.id}/{tab}"
                        ).status_code == 404
        missing = user.get(f"/ui/executions/company.team/hello/nothing/{tab}")
        assert missing.status_code == 404 and "Traceback" not in missing.text


def test_a_branch_value_is_escaped_in_the_svg(runtime, user):
    flows.deploy(runtime, parse_flow("""\
id: odd
namespace: company.team
tasks:
  - id: pick
    type: io.kestra.plugin.core.flow.Switch
    value: "x"
    cases:
      "<i>odd</i>":
        - id: inside
          type: io.kestra.plugin.core.log.Log
          message: hi
"""))
    page = user.get("/ui/flows/company.team/odd/topology").text
    assert "&lt;i&gt;odd&lt;/i&gt;" in page and "<i>odd" not in page


def test_a_big_gantt_shows_its_first_rows(runtime, user, monkeypatch):
    monkeypatch.setattr(topology, "MAX_GANTT_ROWS", 2)
    execution = run_flow(runtime)
    page = user.get(f"/ui/executions/company.team/hello/{execution.id}/gantt").text
    assert "The first 2 of 4 task runs." in page
    assert re.findall(r'<tr data-task-id="(\w+)"', page) == ["say", "each"]

"""What the pages show, over plain HTTP: the executions list with its filters and pages,
one execution's task runs, the flows list."""

from __future__ import annotations

import re

from tests.ui.conftest import HELLO, run_flow

HTMX = {"HX-Request": "true"}


def test_the_executions_list_filters_and_pages_on_the_server(runtime, user):
    ids = [run_flow(runtime).id for _ in range(3)]
    page = user.get("/ui/executions").text
    assert all(i in page for i in ids) and "3 in all" in page
    assert "No execution matches" in user.get("/ui/executions?namespace=other").text
    assert ids[0] in user.get("/ui/executions?namespace=company.team&flowId=hello").text
    assert ids[0] in user.get("/ui/executions?state=SUCCESS").text
    assert "No execution matches" in user.get("/ui/executions?state=FAILED").text
    first, second = (user.get(f"/ui/executions?size=2&page={n}").text for n in (1, 2))
    assert sum(i in first for i in ids) == 2 and sum(i in second for i in ids) == 1
    assert "page 2 of 2" in second


def test_htmx_gets_the_table_alone(runtime, user):
    execution = run_flow(runtime)
    table = user.get("/ui/executions", headers=HTMX).text
    assert execution.id in table and "<html" not in table and "<table" in table
    restore = user.get("/ui/executions", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_the_execution_page_shows_its_task_runs(runtime, user):
    execution = run_flow(runtime)
    url = f"/ui/executions/company.team/hello/{execution.id}"
    page = user.get(url).text
    rows = re.findall(r"<tr>\s*<td>(\w+)</td>\s*<td><code>\w+</code></td>\s*<td>(\w*)</td>"
                      r"\s*<td><span class=\"state state-(\w+)\">", page)
    assert sorted(rows) == [("each", "", "SUCCESS"), ("item", "a", "SUCCESS"),
                            ("item", "b", "SUCCESS"), ("say", "", "SUCCESS")]
    assert 'hx-trigger="every 1s"' not in page  # ended: nothing left to refresh
    live = user.get(url, headers=HTMX).text
    assert live.startswith('\n<section id="live"') or '<section id="live"' in live[:400]
    assert "<html" not in live


def test_an_execution_is_found_only_under_its_own_flow(runtime, user):
    execution = run_flow(runtime)
    assert user.get(f"/ui/executions/company.team/other/{execution.id}").status_code == 404
    assert user.get(f"/ui/executions/other/hello/{execution.id}").status_code == 404


def test_the_flows_list_filters_by_namespace(runtime, user):
    run_flow(runtime)
    run_flow(runtime, HELLO.replace("namespace: company.team", "namespace: other.team"))
    page = user.get("/ui/flows").text
    assert "company.team" in page and "other.team" in page and "2 in all" in page
    only = user.get("/ui/flows?namespace=other").text
    assert "other.team" in only and "company.team" not in only
    assert "No flow matches" in user.get("/ui/flows?q=nothing-like-it").text
    assert 'href="/ui/executions?namespace=other.team&amp;flowId=hello"' in only


def test_ui_requests_are_counted_by_their_full_route_template(runtime, user):
    from prometheus_client import REGISTRY

    labels = dict(method="GET", route="/ui/executions/{namespace}/{flow_id}/{execution_id}",
                  status="404")
    before = REGISTRY.get_sample_value("podium_http_requests_total", labels) or 0.0
    assert user.get("/ui/executions/company.team/hello/nothing").status_code == 404
    assert REGISTRY.get_sample_value("podium_http_requests_total", labels) == before + 1

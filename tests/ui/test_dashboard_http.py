"""The dashboard and the executions list's label/time filters and live rows, over HTTP
(TestClient, logged in), with executions run for real on an embedded runtime."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from podium.api.ui.dashboard_chart import stacked_bars
from podium.api.ui.execution_filters import FilterError, parse_labels, time_window
from podium.application import executions, flows
from podium.common.errors import InvalidRequestError
from podium.common.flow.loader import parse_flow
from tests.ui.conftest import run_flow
from tests.waiting import wait_for

FAILING = """\
id: failing
namespace: company.team
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "the <first> error"
"""

PAUSING = """\
id: pausing
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
"""


def start(runtime, source: str, labels: dict | None = None):
    loaded = parse_flow(source)
    flows.deploy(runtime, loaded)
    return executions.submit(runtime, loaded.flow.namespace, loaded.flow.id, labels=labels)


def chart_counts(html: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for state, count in re.findall(r'data-state="(\w+)" data-count="(\d+)"', html):
        counts[state] = counts.get(state, 0) + int(count)
    return counts


def test_dashboard_counts_match_the_runs_by_state(user, runtime):
    for _ in range(3):
        run_flow(runtime)
    for _ in range(2):
        executions.wait(runtime, start(runtime, FAILING).id, timeout=60)
    page = user.get("/ui/dashboard")
    assert page.status_code == 200
    assert chart_counts(page.text) == {"SUCCESS": 3, "FAILED": 2}
    assert "5 executions started in this range" in page.text
    week = user.get("/ui/dashboard?range=7d")
    assert chart_counts(week.text) == {"SUCCESS": 3, "FAILED": 2}
    assert week.text.count('class="dash-bar"') == 7


def test_failures_show_their_first_error(user, runtime):
    failed = executions.wait(runtime, start(runtime, FAILING).id, timeout=60)
    page = user.get("/ui/dashboard").text
    section = page[page.index('id="dash-failures"'):]
    assert failed.id in section
    assert "the &lt;first&gt; error" in section  # escaped, the first ERROR line
    assert "<first>" not in section


def test_running_now_counts_executions_not_ended(user, runtime):
    paused = start(runtime, PAUSING)
    wait_for(lambda: executions.get(runtime, paused.id).state.value == "PAUSED")
    page = user.get("/ui/dashboard").text
    assert re.search(r'id="dash-running-count">1<', page)
    assert f"/executions/company.team/pausing/{paused.id}" in page


def test_dashboard_shows_queues_and_refuses_an_unknown_range(user, runtime):
    page = user.get("/ui/dashboard").text
    assert 'id="dash-queues"' in page and "Outbox backlog" in page
    bad = user.get("/ui/dashboard?range=1y")
    assert bad.status_code == 400 and "range" in bad.text


def test_the_home_page_is_the_dashboard(user):
    response = user.get("/ui/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ui/dashboard"


def test_label_filter_keeps_only_executions_with_every_label(user, runtime):
    prod = executions.wait(runtime, start(runtime, FAILING, {"env": "prod", "team": "a"}).id,
                           timeout=60)
    dev = executions.wait(runtime, start(runtime, FAILING, {"env": "dev"}).id, timeout=60)
    page = user.get("/ui/executions", params={"labels": "env:prod"}).text
    assert prod.id in page and dev.id not in page
    both = user.get("/ui/executions", params=[("labels", "env:prod"), ("labels", "team:b")])
    assert prod.id not in both.text and "No execution matches" in both.text
    spaced = user.get("/ui/executions", params={"labels": "env:prod team:a"}).text
    assert prod.id in spaced and dev.id not in spaced
    bad = user.get("/ui/executions", params={"labels": "nocolon"})
    assert bad.status_code == 400 and "is not key:value" in bad.text


def test_time_filters_on_the_start_date(user, runtime):
    done = run_flow(runtime)
    now = datetime.now(timezone.utc)
    hour = user.get("/ui/executions", params={"range": "1h"}).text
    assert done.id in hour
    before = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    earlier = (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    old = user.get("/ui/executions", params={"startDate": earlier, "endDate": before}).text
    assert done.id not in old
    recent = user.get("/ui/executions", params={"startDate": before}).text
    assert done.id in recent
    bad = user.get("/ui/executions", params={"startDate": "yesterday"})
    assert bad.status_code == 400 and "is not a date" in bad.text


def test_rows_of_executions_not_ended_refresh_themselves(user, runtime):
    ended = run_flow(runtime)
    paused = start(runtime, PAUSING)
    wait_for(lambda: executions.get(runtime, paused.id).state.value == "PAUSED")
    page = user.get("/ui/executions").text
    live = re.search(rf'<tr id="row-{paused.id}"[^>]*>', page).group(0)
    assert f'hx-get="/ui/executions/company.team/pausing/{paused.id}/row"' in live
    assert 'hx-trigger="every 1s"' in live
    still = re.search(rf'<tr id="row-{ended.id}"[^>]*>', page).group(0)
    assert "hx-get" not in still
    row = user.get(f"/ui/executions/company.team/pausing/{paused.id}/row",
                   headers={"HX-Request": "true"})
    assert row.status_code == 200 and row.text.lstrip().startswith("<tr")
    assert "PAUSED" in row.text and "<html" not in row.text
    wrong = user.get(f"/ui/executions/company.team/other/{paused.id}/row")
    assert wrong.status_code == 404


def test_stacked_bars_scale_to_the_tallest():
    start_at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    bars, top = stacked_bars([(start_at, {"SUCCESS": 3, "FAILED": 1}),
                              (start_at + timedelta(hours=1), {"SUCCESS": 2}),
                              (start_at + timedelta(hours=2), {})], width=300, height=100)
    assert top == 4 and [bar.total for bar in bars] == [4, 2, 0]
    failed, success = bars[0].segments  # failures sit on the axis
    assert (failed.state, failed.y, failed.height) == ("FAILED", 75.0, 25.0)
    assert (success.state, success.y, success.height) == ("SUCCESS", 0.0, 75.0)
    assert bars[1].segments[0].height == 50.0 and bars[2].segments == ()


def test_filters_parse_as_the_api_does():
    assert parse_labels(["env:prod team:a", "k:v:w"]) == {"env": "prod", "team": "a",
                                                          "k": "v:w"}
    now = datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert time_window("1d", "", "", now) == (now - timedelta(days=1), None)
    assert time_window("", "2026-01-01", "", now) == (datetime(2026, 1, 1,
                                                               tzinfo=timezone.utc), None)
    with pytest.raises(FilterError):
        time_window("", "2026-01-02", "2026-01-01", now)
    with pytest.raises(FilterError):
        time_window("2y", "", "", now)


def test_counts_by_state_over_time_counts_in_the_database(runtime):
    run_flow(runtime)
    buckets = executions.counts_by_state_over_time(runtime, "24h")
    assert len(buckets) == 24
    assert buckets[-1][1] == {"SUCCESS": 1}
    with pytest.raises(InvalidRequestError):
        executions.counts_by_state_over_time(runtime, "1y")


def test_the_list_stops_counting_at_its_cap(user, runtime, monkeypatch):
    from podium.api.ui import pages

    for _ in range(3):
        executions.wait(runtime, start(runtime, FAILING).id, timeout=60)
    monkeypatch.setattr(pages, "COUNT_CAP", 3)
    page = user.get("/ui/executions", params={"size": 2}).text
    assert "more than 2 · page 1" in page and "page=2" in page
    monkeypatch.setattr(pages, "COUNT_CAP", 10)
    assert "3 in all · page 1 of 2" in user.get("/ui/executions", params={"size": 2}).text

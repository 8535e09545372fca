"""The execution page's Logs and Outputs tabs over plain HTTP: level and text filters,
the live stream of a running execution's lines (and its end), the full log download, the
outputs tree, a stored file's preview and download, and files of other executions refused."""

from __future__ import annotations

import json

import pytest

from podium.api.ui.execution_logs import INITIAL_LINES
from podium.application import executions, flows
from podium.common.flow.loader import parse_flow
from tests.ui.conftest import run_flow
from tests.waiting import wait_for

LEVELS = """\
id: levels
namespace: company.team
tasks:
  - id: debug
    type: io.kestra.plugin.core.log.Log
    level: DEBUG
    message: "quiet detail"
  - id: info
    type: io.kestra.plugin.core.log.Log
    message: ["hello <script>x</script>", "second info line"]
  - id: warn
    type: io.kestra.plugin.core.log.Log
    level: WARN
    message: "disk almost full"
"""

SLOW = """\
id: slow
namespace: company.team
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: "before the pause"
  - id: pause
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT2S
  - id: second
    type: io.kestra.plugin.core.log.Log
    message: "after the pause"
"""

FILES = """\
id: files
namespace: company.team
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    extension: .csv
    content: |
      name,score
      <b>ada</b>,3
      bob,5
  - id: meta
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.write.uri }}"
outputs:
  - id: report
    type: FILE
    value: "{{ outputs.write.uri }}"
"""
CSV = "name,score\n<b>ada</b>,3\nbob,5\n"


def url(execution, tab: str) -> str:
    return f"/ui/executions/{execution.namespace}/{execution.flow_id}/{execution.id}/{tab}"


def start(runtime, source: str):
    loaded = parse_flow(source)
    flows.deploy(runtime, loaded)
    return executions.submit(runtime, loaded.flow.namespace, loaded.flow.id)


def test_logs_tab_shows_info_and_above_by_default(runtime, user):
    execution = run_flow(runtime, LEVELS)
    page = user.get(url(execution, "logs"))
    assert page.status_code == 200
    assert "disk almost full" in page.text and "second info line" in page.text
    assert "quiet detail" not in page.text
    assert "hello &lt;script&gt;x&lt;/script&gt;" in page.text  # escaped
    assert 'data-follow=""' in page.text  # ended: nothing to follow


def test_logs_tab_filters_by_level_task_and_text(runtime, user):
    execution = run_flow(runtime, LEVELS)
    everything = user.get(url(execution, "logs"), params={"minLevel": "TRACE"}).text
    assert "quiet detail" in everything
    warn = user.get(url(execution, "logs"), params={"minLevel": "WARN"}).text
    assert "disk almost full" in warn and "second info line" not in warn
    found = user.get(url(execution, "logs"), params={"q": "SECOND"}).text
    assert "second info line" in found and "disk almost full" not in found
    task = user.get(url(execution, "logs"), params={"taskId": "warn"}).text
    assert "disk almost full" in task and "second info line" not in task
    assert "No log line matches" in task


def test_an_unknown_level_is_a_clear_400(runtime, user):
    execution = run_flow(runtime, LEVELS)
    page = user.get(url(execution, "logs"), params={"minLevel": "LOUD"})
    assert page.status_code == 400 and "Unknown level" in page.text


def events_of(response) -> list[tuple[str, str, dict]]:
    """The (event name, id, data) of each server-sent event of a stream, read to its end."""
    events, fields = [], {}
    for line in response.iter_lines():
        if not line:
            events.append((fields.get("event", "message"), fields.get("id", ""),
                           json.loads(fields.get("data", "{}"))))
            fields = {}
            continue
        name, _, value = line.partition(": ")
        fields[name] = value
    return events


def test_the_stream_sends_a_running_executions_lines_and_ends(runtime, user):
    execution = start(runtime, SLOW)
    with user.stream("GET", url(execution, "logs/follow")) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = events_of(response)
    assert events[0][:2] == ("message", "start")
    assert events[-1][0] == "end" and events[-1][2] == {"state": "SUCCESS"}
    messages = [data["message"] for name, _, data in events if name == "message" and data]
    assert [m for m in messages if m.endswith(" the pause")] == [
        "before the pause", "after the pause"]
    assert executions.get(runtime, execution.id).state.is_terminated
    ids = [int(event_id) for name, event_id, data in events if name == "message" and data]
    assert ids == sorted(ids)  # resumable: each line's own id


def test_the_stream_resumes_after_the_last_line_it_sent(runtime, user):
    execution = run_flow(runtime, LEVELS)
    with user.stream("GET", url(execution, "logs/follow")) as response:
        first = [e for e in events_of(response) if e[0] == "message" and e[2]]
    after = first[0][1]
    with user.stream("GET", url(execution, "logs/follow"),
                     headers={"Last-Event-ID": after}) as response:
        rest = [e for e in events_of(response) if e[0] == "message" and e[2]]
    assert [e[2]["message"] for e in rest] == [e[2]["message"] for e in first[1:]]
    warn = user.get(url(execution, "logs/follow"), params={"minLevel": "WARN"})
    assert [e[2]["message"] for e in events_of(warn)
            if e[0] == "message" and e[2]] == ["disk almost full"]


def test_the_api_follows_logs_as_kestra(runtime, app):
    from fastapi.testclient import TestClient

    from tests.ui.conftest import TOKEN
    execution = run_flow(runtime, LEVELS)
    with TestClient(app) as client:
        refused = client.get(f"/api/v1/logs/{execution.id}/follow")
        assert refused.status_code == 401
        response = client.get(f"/api/v1/logs/{execution.id}/follow",
                              headers={"Authorization": f"Bearer {TOKEN}"})
        assert client.get("/api/v1/logs/nope/follow", headers={
            "Authorization": f"Bearer {TOKEN}"}).status_code == 404
    events = events_of(response)
    assert events[0][1] == "start"
    lines = [data for _, event_id, data in events if event_id == "progress"]
    assert lines[0]["executionId"] == execution.id and lines[0]["level"] == "DEBUG"


def test_the_full_log_downloads(runtime, user):
    execution = run_flow(runtime, LEVELS)
    response = user.get(url(execution, "logs/download"))
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    text = response.text
    assert "quiet detail" in text and "disk almost full" in text  # every level


@pytest.fixture
def written(runtime):
    execution = run_flow(runtime, FILES)
    assert execution.state.value == "SUCCESS"
    return execution, execution.outputs["report"]


def test_outputs_tab_shows_task_and_flow_outputs(user, written):
    execution, uri = written
    page = user.get(url(execution, "outputs"))
    assert page.status_code == 200
    assert 'id="flow-outputs"' in page.text and "report" in page.text
    assert page.text.count(uri) >= 3  # flow output, Write's uri, Return's value
    assert 'data-task="write"' in page.text and 'data-task="meta"' in page.text
    assert "/outputs/preview?path=kestra" in page.text


def test_a_csv_file_previews_as_a_table(user, written):
    execution, uri = written
    page = user.get(url(execution, "outputs/preview"), params={"path": uri})
    assert page.status_code == 200
    assert "<th>name</th><th>score</th>" in page.text
    assert "<td>&lt;b&gt;ada&lt;/b&gt;</td>" in page.text
    assert f">{len(CSV)} bytes<" in page.text


def test_a_file_downloads_byte_for_byte(user, written):
    execution, uri = written
    response = user.get(url(execution, "outputs/download"), params={"path": uri})
    assert response.status_code == 200
    assert response.content == CSV.encode()
    assert "attachment" in response.headers["content-disposition"]


def test_a_file_of_another_execution_is_refused(runtime, user, written):
    execution, uri = written
    other = run_flow(runtime, FILES)
    for tab in ("outputs/preview", "outputs/download"):
        response = user.get(url(other, tab), params={"path": uri})
        assert response.status_code == 422, (tab, response.status_code)
        assert "not one of this execution" in response.text
    for bad in ("kestra:///../../etc/passwd", "/etc/passwd", "http://example.com/x"):
        response = user.get(url(execution, "outputs/preview"), params={"path": bad})
        assert 400 <= response.status_code < 500, (bad, response.status_code)
    missing = user.get(url(execution, "outputs/preview"), params={"path": uri + ".gone"})
    assert missing.status_code == 404


def test_an_execution_of_another_flow_is_a_404(runtime, user, written):
    execution, _ = written
    for tab in ("logs", "outputs", "logs/follow", "logs/download"):
        response = user.get(f"/ui/executions/company.team/hello/{execution.id}/{tab}")
        assert response.status_code == 404, tab


def test_the_stream_waits_for_lines_yet_to_come(runtime, user):
    execution = start(runtime, SLOW)
    wait_for(lambda: executions.get(runtime, execution.id).state.value == "RUNNING",
             what="the execution to run")
    page = user.get(url(execution, "logs"))
    assert "/logs/follow?" in page.text and "Following new lines" in page.text
    executions.wait(runtime, execution.id, timeout=30)


def test_the_first_render_shows_the_newest_lines_only(runtime, user):
    many = INITIAL_LINES + 20
    source = ("id: many\nnamespace: company.team\ntasks:\n  - id: log\n"
              "    type: io.kestra.plugin.core.log.Log\n    message:\n"
              + "".join(f'      - "line #{n}#"\n' for n in range(many)))
    execution = run_flow(runtime, source)
    page = user.get(url(execution, "logs"), params={"taskId": "log"}).text
    assert f"line #{many - 1}#" in page and f"line #{many - INITIAL_LINES}#" in page
    assert f"line #{many - INITIAL_LINES - 1}#" not in page and 'id="logs-cut"' in page
    assert "line #0#" in user.get(url(execution, "logs/download")).text

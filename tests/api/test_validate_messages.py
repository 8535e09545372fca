"""The validate endpoint and `podium flow validate` answer a misindented key, an unknown
plugin type and a duplicate task id with the same plain messages as the loader: a 200 with
the problems (never a 500 or a stack trace), and 422 when the flow is saved."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from podium.cli import main

YAML = {"Content-Type": "application/x-yaml"}

MISINDENTED = """\
id: nightly
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
   level: INFO
"""

SNOWFLAKE_AND_DUPLICATE = """\
id: warehouse
namespace: company.data
tasks:
  - id: load
    type: io.kestra.plugin.jdbc.snowflake.Query
    sql: select 1
  - id: load
    type: io.kestra.plugin.core.log.Log
    mesage: done
"""

INDENT_MESSAGE = ("key 'level' is indented less than the key 'message' on line 6 (column 4, "
                  "expected 5): the keys of one mapping must start in the same column")
SNOWFLAKE_MESSAGE = ("unknown task type 'io.kestra.plugin.jdbc.snowflake.Query': it belongs "
                     "to Kestra's plugin-jdbc-snowflake, which Podium does not provide")


def _problems(result: dict) -> list[tuple[str, int, int, str]]:
    return [(p["path"], p["line"], p["column"], p["message"]) for p in result["problems"]]


def test_validate_endpoint_reports_every_problem_in_words(client):
    responses = [client.post("/api/v1/flows/validate", headers=YAML, content=source)
                 for source in (MISINDENTED, SNOWFLAKE_AND_DUPLICATE)]
    assert [r.status_code for r in responses] == [200, 200], responses[1].text
    [indented], [warehouse] = [r.json() for r in responses]
    assert _problems(indented) == [("", 7, 4, INDENT_MESSAGE)]
    problems = _problems(warehouse)
    assert [p[:3] for p in problems] == [("tasks[0].type", 5, 5), ("tasks[1].id", 7, 5),
                                         ("tasks[1].message", 7, 5), ("tasks[1].mesage", 9, 5)]
    assert problems[0][3].startswith(SNOWFLAKE_MESSAGE)
    assert problems[1][3] == "duplicate task id 'load' (already used at tasks[0])"
    assert "did you mean io.kestra" not in responses[1].text
    assert not any("Traceback" in r.text for r in responses)


def test_saving_such_a_flow_is_a_422_with_the_same_problems(client):
    for source, first in ((MISINDENTED, INDENT_MESSAGE), (SNOWFLAKE_AND_DUPLICATE,
                                                          SNOWFLAKE_MESSAGE)):
        response = client.post("/api/v1/flows", content=source, headers=YAML)
        assert response.status_code == 422, response.text
        assert response.json()["details"][0]["message"].startswith(first)
    assert client.get("/api/v1/flows/search").json()["total"] == 0


@pytest.fixture
def podium(tmp_path, monkeypatch):
    monkeypatch.delenv("PODIUM_SERVER", raising=False)
    monkeypatch.setenv("PODIUM_DATA_DIR", str(tmp_path / "data"))
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_flow_validate_command_prints_the_same_problems(podium, tmp_path):
    indented, warehouse = tmp_path / "nightly.yaml", tmp_path / "warehouse.yaml"
    indented.write_text(MISINDENTED)
    warehouse.write_text(SNOWFLAKE_AND_DUPLICATE)
    result = podium("flow", "validate", str(indented), str(warehouse), "--output", "json")
    assert result.exit_code == 1
    first, second = json.loads(result.output)
    assert first["valid"] is False and first["problems"][0]["message"] == INDENT_MESSAGE
    messages = [p["message"] for p in second["problems"]]
    assert messages[0].startswith(SNOWFLAKE_MESSAGE)
    assert "duplicate task id 'load' (already used at tasks[0])" in messages
    text = podium("flow", "validate", str(indented))
    assert f"nightly.yaml:7:4: {INDENT_MESSAGE}" in text.output and "Traceback" not in text.output

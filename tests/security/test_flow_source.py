"""Flow source: encodings, forbidden characters and durations (docs/security.md,
"Flow source"). Each case is refused through the API, `flow validate` and, for the
encodings (where the CLI reads the file itself), `flow deploy --server`."""

from __future__ import annotations

import codecs

import pytest

from tests.security.conftest import stored
from tests.security.flow_cases import YAML, Case, flow_yaml, ids, refusal_tests

NOT_UTF8 = "not valid UTF-8"


def _task(prop: str) -> str:
    return f"    {prop}\n"


ENCODINGS = [
    Case("latin1-description", flow_yaml("description: caf\xe9 cr\xe8me\n").encode("latin-1"),
         "byte 0xe9 at byte offset", line=7),
    Case("latin1-flow-id", flow_yaml(flow_id="caf\xe9").encode("latin-1"), NOT_UTF8, line=1),
    Case("cp1252-quotes", flow_yaml("description: \u201cquoted\u201d\n").encode("cp1252"),
         "byte 0x93", line=7),
    Case("truncated-utf8-sequence", flow_yaml().encode() + b"description: \xe2\x82\n",
         NOT_UTF8, line=7),
    Case("utf16-with-bom", flow_yaml().encode("utf-16"), "document is UTF-16", line=1),
    Case("utf16-le-without-bom", flow_yaml().encode("utf-16-le"), "looks like UTF-16", line=1),
    Case("utf16-be-without-bom", flow_yaml().encode("utf-16-be"), "looks like UTF-16", line=1),
    Case("utf32-with-bom", flow_yaml().encode("utf-32"), "document is UTF-32", line=1),
]

CHARACTERS = [
    Case("raw-nul-in-description", flow_yaml("description: a\x00b\n"), "U+0000 (NUL)",
         line=7),
    Case("raw-nul-in-flow-id", flow_yaml(flow_id="hos\x00tile"), "U+0000 (NUL)", line=1),
    Case("escaped-nul-in-label-value", flow_yaml('labels:\n  team: "a\\0b"\n'),
         "written as an escape sequence", line=8),
    Case("escaped-nul-in-task-message", flow_yaml(task_extra='    description: "\\x00"\n'),
         "U+0000 (NUL)", line=7),
    Case("escaped-nul-in-label-key", flow_yaml('labels:\n  "te\\x00am": a\n'),
         "written as an escape sequence", line=8),
    Case("bell", flow_yaml("description: ring\x07\n"), "U+0007 (BEL)", line=7),
    Case("escape-character", flow_yaml("description: \x1b[31mred\n"), "U+001B (ESC)",
         line=7),
    Case("delete", flow_yaml("description: a\x7fb\n"), "U+007F (DEL)", line=7),
    Case("c1-control", flow_yaml("description: a\x9bb\n"), "U+009B", line=7),
    Case("noncharacter-fffe", flow_yaml("description: a\ufffeb\n"), "U+FFFE", line=7),
]

DURATIONS = [
    Case("task-timeout-negative-seconds", flow_yaml(task_extra=_task("timeout: PT-5S")),
         "negative duration", line=7, path="tasks[0].timeout"),
    Case("task-timeout-negative-sign", flow_yaml(task_extra=_task("timeout: -PT5S")),
         "negative duration", line=7, path="tasks[0].timeout"),
    Case("task-timeout-overflow", flow_yaml(task_extra=_task("timeout: P999999999999D")),
         "out of range", line=7, path="tasks[0].timeout"),
    Case("task-timeout-huge-seconds", flow_yaml(task_extra=_task("timeout: PT" + "9" * 400 + "S")),
         "out of range", line=7, path="tasks[0].timeout"),
    Case("task-timeout-exponent", flow_yaml(task_extra=_task("timeout: PT1e400S")),
         "not an ISO-8601 duration", line=7, path="tasks[0].timeout"),
    Case("retry-interval-negative", flow_yaml(task_extra="    retry:\n      type: constant\n"
                                              "      interval: PT-1S\n      maxAttempts: 3\n"),
         "negative duration", line=9, path="tasks[0].retry.interval"),
    Case("retry-max-duration-overflow",
         flow_yaml(task_extra="    retry:\n      type: constant\n      interval: PT1S\n"
                   "      maxDuration: P99999999999W\n"),
         "out of range", line=10, path="tasks[0].retry.maxDuration"),
    Case("flow-timeout-overflow", flow_yaml("timeout: P9999999999W\n"), "out of range",
         line=7, path="timeout"),
    Case("sla-duration-negative",
         flow_yaml("sla:\n  - id: slow\n    type: MAX_DURATION\n    behavior: FAIL\n"
                   "    duration: PT-1H\n"),
         "negative duration", line=11, path="sla[0].duration"),
    Case("schedule-late-delay-negative",
         flow_yaml("triggers:\n  - id: daily\n    type: io.kestra.plugin.core.trigger.Schedule\n"
                   "    cron: '@daily'\n    lateMaximumDelay: -PT1H\n"),
         "negative duration", line=11, path="triggers[0].lateMaximumDelay"),
]

PAUSE = Case("pause-delay-negative",
             "id: hostile\nnamespace: security.tests\ntasks:\n  - id: wait\n"
             "    type: io.kestra.plugin.core.flow.Pause\n    delay: PT-1S\n",
             "negative duration", line=6, path="tasks[0].delay")

CASES = [*ENCODINGS, *CHARACTERS, *DURATIONS, PAUSE]


test_api_refuses, test_flow_validate_refuses, test_flow_deploy_refuses = \
    refusal_tests(CASES, ENCODINGS)


@pytest.mark.parametrize("case", ENCODINGS[:3], ids=ids(ENCODINGS[:3]))
def test_remote_flow_validate_never_replaces_bytes(cli, tmp_path, case):
    path = tmp_path / "flow.yaml"
    path.write_bytes(case.source)
    result = cli("flow", "validate", str(path))
    assert result.exit_code == 1, result.output
    assert case.message in result.output and "\ufffd" not in result.output


def test_a_utf8_byte_order_mark_is_accepted_and_dropped(api, runtime):
    body = codecs.BOM_UTF8 + flow_yaml(flow_id="with-bom").encode()
    response = api.post("/api/v1/flows", content=body, headers=YAML)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "with-bom"
    saved = api.get("/api/v1/flows/security.tests/with-bom", params={"source": True}).json()
    assert saved["source"].startswith("id: with-bom")


def test_a_zero_duration_and_a_long_one_are_accepted(api, runtime):
    source = flow_yaml("timeout: P3650D\n", task_extra="    timeout: PT0S\n")
    response = api.post("/api/v1/flows", content=source, headers=YAML)
    assert response.status_code == 200, response.text
    assert stored(runtime)["rows"]["flows"] >= 1


@pytest.mark.parametrize("method, url", [
    ("POST", "/api/v1/flows/validate"),
    ("POST", "/api/v1/flows/security.tests"),
    ("PUT", "/api/v1/flows/security.tests/hostile"),
], ids=["validate", "update-namespace", "update-flow"])
def test_every_flow_endpoint_refuses_other_encodings(api, runtime, method, url):
    before = stored(runtime)
    body = flow_yaml("description: caf\xe9\n").encode("latin-1")
    response = api.request(method, url, content=body, headers=YAML)
    assert response.status_code == 422, response.text
    problem = response.json()["details"][0]
    assert NOT_UTF8 in problem["message"] and (problem["line"], problem["column"]) == (7, 17)
    assert stored(runtime) == before

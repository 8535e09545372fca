"""Identity fields: YAML coercions never change an identifier (quote-or-error), namespace
and id shapes, and limits on labels (docs/security.md, "Flow source")."""

from __future__ import annotations

import pytest

from tests.security.conftest import stored
from tests.security.flow_cases import YAML, Case, flow_yaml, refusal_tests

QUOTE = "quote it"


def _flow_id(text: str, message: str = QUOTE) -> Case:
    return Case(f"flow-id-{text}", flow_yaml(flow_id=text), message, line=1, path="id")


COERCIONS = [
    _flow_id("0123"),
    _flow_id("1e3"),
    _flow_id("0x1F"),
    _flow_id("0o17"),
    _flow_id("1_000"),
    _flow_id("true"),
    _flow_id("null"),
    Case("flow-id-tilde", flow_yaml(flow_id="~"), QUOTE, line=1, path="id"),
    Case("flow-id-infinity", flow_yaml(flow_id=".inf"), QUOTE, line=1, path="id"),
    Case("namespace-1.10", flow_yaml(namespace="1.10"), "would be read as the number 1.1",
         line=2, path="namespace"),
    Case("namespace-2.50", flow_yaml(namespace="2.50"), QUOTE, line=2, path="namespace"),
    Case("task-id-007", flow_yaml("errors:\n  - id: 007\n    type: io.kestra.plugin.core.log.Log\n"
                                  "    message: hi\n"), QUOTE, line=8, path="errors[0].id"),
    Case("input-id-0123", flow_yaml("inputs:\n  - id: 0123\n    type: STRING\n"), QUOTE,
         line=8, path="inputs[0].id"),
    Case("trigger-id-0x10",
         flow_yaml("triggers:\n  - id: 0x10\n    type: io.kestra.plugin.core.trigger.Schedule\n"
                   "    cron: '@daily'\n"), QUOTE, line=8, path="triggers[0].id"),
    Case("output-id-010", flow_yaml("outputs:\n  - id: 010\n    type: STRING\n    value: x\n"),
         QUOTE, line=8, path="outputs[0].id"),
    Case("label-key-in-list-form", flow_yaml("labels:\n  - key: 0123\n    value: x\n"), QUOTE,
         line=8, path="labels[0].key"),
    Case("subflow-namespace-1.10",
         flow_yaml(task_extra="", extra="errors:\n  - id: call\n"
                   "    type: io.kestra.plugin.core.flow.Subflow\n    namespace: 1.10\n"
                   "    flowId: other\n"), QUOTE, line=10, path="errors[0].namespace"),
]

SHAPES = [
    Case("namespace-empty-segment", flow_yaml(namespace="company..team"), "empty segment",
         line=2, path="namespace"),
    Case("namespace-trailing-dot", flow_yaml(namespace="company.team."), "empty segment",
         line=2, path="namespace"),
    Case("namespace-leading-dot", flow_yaml(namespace=".company"), "empty segment",
         line=2, path="namespace"),
    Case("namespace-uppercase", flow_yaml(namespace="Company.Team"),
         "only lowercase letters, digits", line=2, path="namespace"),
    Case("namespace-slash", flow_yaml(namespace="company/team"),
         "contains '/'", line=2, path="namespace"),
    Case("namespace-too-long", flow_yaml(namespace="n" * 151), "at most 150 characters",
         line=2, path="namespace"),
    Case("flow-id-too-long", flow_yaml(flow_id="f" * 101), "at most 100 characters", line=1,
         path="id"),
    Case("flow-id-leading-dash", flow_yaml(flow_id="-hostile"), "does not match the pattern",
         line=1, path="id"),
    Case("flow-id-sexagesimal-stays-text", flow_yaml(flow_id="12:30"),
         "'12:30' does not match the pattern", line=1, path="id"),
    Case("task-id-too-long", flow_yaml("errors:\n  - id: " + "t" * 256 + "\n    type: "
                                       "io.kestra.plugin.core.log.Log\n    message: hi\n"),
         "at most 255 characters", line=8, path="errors[0].id"),
    Case("trigger-id-too-long",
         flow_yaml("triggers:\n  - id: " + "t" * 256 + "\n    type: "
                   "io.kestra.plugin.core.trigger.Schedule\n    cron: '@daily'\n"),
         "at most 255 characters", line=8, path="triggers[0].id"),
    Case("task-id-with-dot", flow_yaml("errors:\n  - id: a.b\n    type: "
                                       "io.kestra.plugin.core.log.Log\n    message: hi\n"),
         "does not match the pattern", line=8, path="errors[0].id"),
]

LABELS = [
    Case("too-many-labels", flow_yaml("labels:\n" + "".join(f"  k{i}: v\n" for i in range(65))),
         "too many labels (65; at most 64)", line=7, path="labels"),
    Case("label-key-too-long", flow_yaml("labels:\n  " + "k" * 129 + ": v\n"),
         "is 129 characters long; at most 128", line=7, path="labels"),
    Case("label-value-too-long", flow_yaml("labels:\n  team: " + "v" * 1025 + "\n"),
         "is 1025 characters long; at most 1024", line=7, path="labels"),
    Case("label-list-too-many",
         flow_yaml("labels:\n" + "".join(f"  - key: k{i}\n    value: v\n" for i in range(70))),
         "too many labels (70; at most 64)", line=7, path="labels"),
]

CASES = [*COERCIONS, *SHAPES, *LABELS]
DEPLOYED = [COERCIONS[0], COERCIONS[9], SHAPES[0], LABELS[0]]


test_api_refuses, test_flow_validate_refuses, test_flow_deploy_refuses = \
    refusal_tests(CASES, DEPLOYED)


@pytest.mark.parametrize("flow_id, namespace, saved_as", [
    ('"0123"', "'1.10'", ("0123", "1.10")),      # quoted: kept as written
    ("2024", "team.a", ("2024", "team.a")),      # a number whose text is unchanged
    ("yes", "on.off", ("yes", "on.off")),        # YAML 1.2: not booleans
])
def test_identifiers_keep_their_source_text(api, flow_id, namespace, saved_as):
    response = api.post("/api/v1/flows", content=flow_yaml(flow_id=flow_id, namespace=namespace),
                        headers=YAML)
    assert response.status_code == 200, response.text
    assert (response.json()["id"], response.json()["namespace"]) == saved_as


def _flow_with_label(api) -> None:
    response = api.post("/api/v1/flows", content=flow_yaml(), headers=YAML)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("labels, message", [
    ([f"k{i}:v" for i in range(65)], "too many labels (65; at most 64)"),
    (["k" * 129 + ":v"], "at most 128"),
    (["team:" + "v" * 1025], "at most 1024"),
    # Refused by the API's control-character check on every query parameter, first.
    (["team:a\x00b"], "'labels': control character (NUL, newline...) refused"),
], ids=["65-labels", "key-too-long", "value-too-long", "nul-in-value"])
def test_execution_labels_at_submit_are_limited(api, runtime, labels, message):
    _flow_with_label(api)
    before = stored(runtime)
    response = api.post("/api/v1/executions/security.tests/hostile", params={"labels": labels})
    assert response.status_code == 422, response.text
    assert message in response.json()["message"]
    assert stored(runtime) == before


def test_execution_labels_limit_through_the_cli(api, cli, runtime):
    _flow_with_label(api)
    before = stored(runtime)
    result = cli("execution", "run", "security.tests", "hostile", "--label",
                 "team=" + "v" * 1025)
    assert result.exit_code == 1, result.output
    assert "at most 1024" in result.output
    assert stored(runtime) == before

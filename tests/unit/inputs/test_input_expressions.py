"""The expressions of inputs when an execution is created (common/submission.py): what they
see (the flow and the inputs they depend on, no execution yet) and the services the
creating process gives them (secret(), kv(), http()...)."""

from datetime import datetime, timezone

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.inputs import InputErrors
from podium.common.submission import new_execution
from podium.common.templating import RenderServices

NOW = datetime(2025, 1, 6, tzinfo=timezone.utc)


def flow(inputs_yaml: str):
    return parse_flow("id: f\nnamespace: company.team\ninputs:\n" + inputs_yaml +
                      "tasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n"
                      "    message: x\n").flow


def test_defaults_see_the_flow_but_not_the_execution_being_created():
    declared = flow("  - id: where\n    type: STRING\n"
                    "    defaults: \"{{ flow.namespace }}/{{ flow.id }}/{{ flow.tenantId }}\"\n")
    assert new_execution(declared, 3, {}, NOW).inputs == {"where": "company.team/f/main"}
    # Kestra's migration guide: `defaults: "{{ execution.id }}"` fails since 0.24
    session = flow("  - id: sessionId\n    type: STRING\n    defaults: \"{{ execution.id }}\"\n")
    with pytest.raises(InputErrors, match="Cannot render 'defaults': Unable to find `execution`"):
        new_execution(session, 1, {}, NOW)


def test_expressions_call_the_services_of_the_creating_process():
    declared = flow("  - id: env\n    type: SELECT\n"
                    "    expression: \"{{ [secret('STAGE'), kv('other')] }}\"\n")
    calls = []

    def services(namespace, context):
        calls.append((namespace, context["flow"]["id"]))
        return RenderServices(secret=lambda key: {"STAGE": "prod"}[key],
                              kv=lambda ns, key, _missing: f"{ns}:{key}")

    execution = new_execution(declared, 1, {"env": "prod"}, NOW, input_services=services)
    assert execution.inputs == {"env": "prod"} and calls == [("company.team", "f")]
    with pytest.raises(InputErrors, match=r"must match the values `\[prod, company.team:other\]`"):
        new_execution(declared, 1, {"env": "dev"}, NOW, input_services=services)
    with pytest.raises(InputErrors, match="secret"):
        new_execution(declared, 1, {"env": "prod"}, NOW)  # no services: a clear error

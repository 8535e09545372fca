"""AIAgent on real executor and worker processes (store on PostgreSQL, broker on Redis):
the worker process finds the plugin, reads its `http.allow_hosts` and the secret from its
own environment, and the next task reads the agent's textOutput."""

from __future__ import annotations

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from tests.integration.conftest import deployment, finish, start_runtime, stop_runtime
from tests.plugins.ai.conftest import SECRETS
from tests.plugins.ai.llm_server import API_KEY

pytestmark = pytest.mark.service

__all__ = ["deployment"]  # the fixture, imported for pytest

AGENT = """
id: agent
namespace: it.ai
inputs:
  - id: url
    type: STRING
tasks:
  - id: agent
    type: io.kestra.plugin.ai.agent.AIAgent
    provider:
      type: io.kestra.plugin.ai.provider.OpenAI
      apiKey: "{{ secret('OPENAI_API_KEY') }}"
      modelName: local-model
      baseUrl: "{{ inputs.url }}/v1"
    systemMessage: Be brief.
    prompt: Hello from a worker
  - id: next
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.agent.textOutput }}"
"""


def test_an_agent_on_a_distributed_fleet(deployment, llm):
    fleet, _ = start_runtime(deployment, "ai:", PODIUM_HTTP__ALLOW_HOSTS="127.0.0.1",
                             **SECRETS)
    try:
        fleet.deploy(parse_flow(AGENT))
        execution = finish(fleet, fleet.submit("it.ai", "agent", {"url": llm.url}).id, 60)
        assert execution.state is State.SUCCESS, execution.error
        runs = {run.task_id: run for run in fleet.task_runs(execution.id)}
        assert runs["next"].outputs["value"] == "echo: Hello from a worker"
        assert llm.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"
    finally:
        stop_runtime(deployment, fleet)

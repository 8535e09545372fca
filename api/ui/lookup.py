"""What several pages look up the same way: an execution named by its flow's path (a URL
naming the wrong flow is a 404, not another flow's execution), a flow by its path."""

from __future__ import annotations

from starlette.requests import Request

from podium.application import executions, flows
from podium.common.errors import NotFoundError
from podium.common.flow.model import Flow
from podium.common.models.execution import Execution
from podium.runtime import Runtime


def execution_in_flow(runtime: Runtime, namespace: str, flow_id: str,
                      execution_id: str) -> Execution:
    execution = executions.require(runtime, execution_id)
    if (execution.namespace, execution.flow_id) != (namespace, flow_id):
        raise NotFoundError(f"Execution '{execution_id}' not found in flow "
                            f"'{namespace}.{flow_id}'")
    return execution


def latest_flow(runtime: Runtime, namespace: str, flow_id: str) -> Flow:
    """The flow's latest revision (a 404 when there is none)."""
    return flows.latest(runtime, namespace, flow_id)


def is_partial(request: Request) -> bool:
    """htmx asks for a fragment (not when it restores a page from its history)."""
    return bool(request.headers.get("hx-request")) \
        and not request.headers.get("hx-history-restore-request")

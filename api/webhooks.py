"""/api/v1/executions/webhook/{namespace}/{flowId}/{key}: start an execution from an
HTTP call, without credentials (the key is the secret), as Kestra's Webhook trigger does.

The flow's `io.kestra.plugin.core.trigger.Webhook` trigger whose (rendered) `key` matches
is used; anything else answers 404. The execution's trigger variables are Kestra's:
`trigger.body` (JSON-parsed when it parses, else text), `trigger.headers` and
`trigger.parameters` (name -> list of values). The trigger's `conditions` are evaluated
with those variables: false answers 204 and starts nothing; a condition type this server
does not evaluate answers 422 with the reason, and starts nothing either. The conditions
are judged by the shared evaluator (common/conditions) with a webhook's context.

With `wait: true` the call is answered when the execution ends (api/webhook_response.py:
the execution, or with `returnOutputs` its outputs; 500 when it FAILED; `responseCode`,
`responseContentType`). Kestra waits without limit; here `api.webhook_wait_seconds` bounds
the wait (504 naming the execution).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from podium.api.batch_webhooks import buffer_call
from podium.api.bodies import read_limited
from podium.api.context import execution_json, runtime_of
from podium.api.errors import NotFound, Unprocessable
from podium.api.webhook_response import (
    WebhookAnswer,
    created_answer,
    ended_answer,
    ended_status,
    status_of,
)
from podium.application import executions, flows
from podium.application.webhooks import join_burst
from podium.common.conditions import (
    WEBHOOK_CONDITIONS,
    ConditionContext,
    UnsupportedCondition,
    holds,
)
from podium.common.errors import PodiumError
from podium.common.models.execution import Execution
from podium.common.nul import nul_problem
from podium.common.plugins.conditions import when_condition
from podium.common.plugins.trigger_batch import BatchWebhook
from podium.common.plugins.triggers import Webhook
from podium.common.templating import build_context, render
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/executions/webhook", tags=["Webhooks"])

ANY_BODY = {"requestBody": {"required": False, "content": {
    "application/json": {"schema": {}}, "text/plain": {"schema": {"type": "string"}}}}}


async def _webhook(namespace: str, flow_id: str, key: str, request: Request,
                   runtime: Runtime) -> Response | dict:
    # The flow and its trigger must exist before the body is read: anyone may call this.
    flow, trigger = await run_in_threadpool(_trigger_of, runtime, namespace, flow_id, key)
    raw = await read_limited(request, request.app.state.settings.max_body_bytes)
    variables = {"body": _body(raw),
                 "headers": _multi(((k.decode("latin-1"), v.decode("latin-1"))
                                  for k, v in request.headers.raw), lower=True),
                 "parameters": _multi(request.query_params.multi_items())}
    started = await run_in_threadpool(_start, runtime, flow, trigger, variables)
    if not isinstance(started, tuple):
        return started
    trigger, execution = started
    if trigger.wait:
        execution = await _wait_for_end(execution.id, request, runtime)
        if not isinstance(execution, Execution):
            return execution
    answer = await run_in_threadpool(_answer, runtime, trigger, execution)
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type)


WAIT_POLL_SECONDS = 0.1


async def _wait_for_end(execution_id: str, request: Request,
                        runtime: Runtime) -> Execution | Response:
    """The ended execution, or the answer when it does not end in time (504) or the
    caller has gone."""
    limit = request.app.state.settings.webhook_wait_seconds
    deadline = time.monotonic() + limit
    while True:
        execution = await run_in_threadpool(executions.get, runtime, execution_id)
        if execution.state.is_terminated:
            return execution
        if time.monotonic() > deadline:
            return Response(json.dumps({"message": (
                f"execution {execution_id} is still {execution.state.value} after "
                f"{limit:g} s"), "id": execution_id}), status_code=504,
                media_type="application/json")
        if await request.is_disconnected():  # nobody is left to answer
            return Response(status_code=499)
        await asyncio.sleep(WAIT_POLL_SECONDS)


def _answer(runtime: Runtime, trigger: Webhook, execution: Execution) -> WebhookAnswer:
    runs = executions.task_runs(runtime, execution.id)
    body = execution_json(runtime, execution)
    ended = execution.state.is_terminated
    try:
        status = status_of(trigger, ended_status(execution.state.value) if ended else 200,
                           lambda text: render(text, _context(execution, runs)))
    except (PodiumError, ValueError) as exc:  # Kestra answers 500; the execution runs on
        return WebhookAnswer(500, json.dumps({"message": f"responseCode: {exc}",
                                              "id": execution.id}).encode(),
                             "application/json")
    if ended:
        return ended_answer(trigger, execution.outputs, body, status)
    return created_answer(trigger, body, status)


def _context(execution: Execution, runs: list) -> dict[str, Any]:
    """What `responseCode` renders against: the execution, and its task outputs once it
    ran (a task of a loop by its value, as Kestra's `outputs`)."""
    outputs: dict[str, Any] = {}
    for run in runs:
        if run.outputs is None:
            continue
        if run.value is None:
            outputs[run.task_id] = run.outputs
        else:
            outputs.setdefault(run.task_id, {})[str(run.value)] = run.outputs
    return build_context(flow_id=execution.flow_id, namespace=execution.namespace,
                         revision=execution.flow_revision, execution_id=execution.id,
                         inputs=execution.inputs, labels=[(label["key"], label["value"])
                                                          for label in execution.labels],
                         trigger=(execution.trigger or {}).get("variables"),
                         outputs=outputs)


def _trigger_of(runtime: Runtime, namespace: str, flow_id: str,
                key: str) -> tuple[Any, Webhook | BatchWebhook]:
    """The flow and its enabled Webhook (or BatchWebhook) trigger with this key; 404."""
    try:
        flow = flows.latest(runtime, namespace, flow_id)
    except PodiumError:
        raise NotFound("Flow not found") from None
    for kind in (Webhook, BatchWebhook):
        trigger = next((t for t in flow.triggers or [] if isinstance(t, kind)
                        and not t.disabled and _key(t, flow) == key), None)
        if trigger is not None:
            return flow, trigger
    raise NotFound("Webhook not found")


def _start(runtime: Runtime, flow, trigger: Webhook | BatchWebhook,
           variables: dict[str, Any]) -> Response | dict | tuple[Webhook, Any]:
    """The answer when no execution starts (204, a debounced burst), else the trigger
    and the execution it started."""
    if isinstance(trigger, BatchWebhook):
        labels = {str(label["key"]): label["value"] for label in _labels(trigger.labels)}
        return buffer_call(runtime, flow, trigger, variables, labels)
    context = build_context(flow_id=flow.id, namespace=flow.namespace, trigger=variables)
    try:
        conditions = [*(trigger.conditions or []), *when_condition(trigger.when)]
        judged = _condition_context(context)
        if not all(holds(condition, judged) for condition in conditions):
            return Response(status_code=204)
    except UnsupportedCondition as exc:
        raise Unprocessable(f"Webhook skipped: {exc}") from None
    labels = {str(label["key"]): label["value"] for label in _labels(trigger.labels)}
    if trigger.debounce is not None:
        return _buffer(runtime, flow, trigger, variables, labels)
    execution = executions.submit(runtime, flow.namespace, flow.id, None, labels=labels or None, trigger={
        "id": trigger.id, "type": trigger.type, "variables": variables})
    return trigger, execution


def _buffer(runtime: Runtime, flow, trigger: Webhook, variables: dict[str, Any],
            labels: dict[str, Any]) -> dict:
    """A debounced webhook: the call joins the open burst; the scheduler starts one
    execution per burst (common/debounce.py). Answers the burst's future execution id."""
    burst = join_burst(runtime, flow, trigger, variables, labels)
    return {"id": burst.execution_id, "namespace": flow.namespace, "flowId": flow.id,
            "debounced": {"events": burst.size, "flushAt": burst.flush_at.isoformat()}}


def _key(trigger: Webhook, flow) -> str | None:
    if "{{" not in trigger.key and "{%" not in trigger.key:
        return trigger.key.strip()
    try:  # Kestra renders the key; one that does not render matches nothing
        return render(trigger.key, build_context(flow_id=flow.id, namespace=flow.namespace)
                      ).strip()
    except PodiumError:
        return None


def _condition_context(context: dict) -> ConditionContext:
    """A webhook's view for the shared evaluator: its request, as `trigger.*`."""

    def render_or_false(template: str) -> str:
        try:
            return render(template, context)
        except PodiumError:  # as Kestra: an expression that cannot render is false
            return "false"

    return ConditionContext("webhooks", WEBHOOK_CONDITIONS, render_or_false)


def _labels(labels: Any) -> list[dict]:
    if isinstance(labels, dict):
        return [{"key": k, "value": v} for k, v in labels.items()]
    return [label if isinstance(label, dict) else {"key": label.key, "value": label.value}
            for label in labels or []]


def _body(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if not text:
        return None
    try:
        body = json.loads(text)
    except ValueError:
        body = text
    problem = nul_problem(body, "Invalid webhook body")
    if problem:
        raise Unprocessable(problem, [{"message": problem, "path": "body"}])
    return body


def _multi(items, lower: bool = False) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name, value in items:
        result.setdefault(name.lower() if lower else name, []).append(value)
    return result


@router.post("/{namespace}/{flow_id}/{key}", openapi_extra=ANY_BODY)
async def webhook_post(namespace: str, flow_id: str, key: str, request: Request,
                       runtime: Runtime = Depends(runtime_of)):
    return await _webhook(namespace, flow_id, key, request, runtime)


@router.get("/{namespace}/{flow_id}/{key}")
async def webhook_get(namespace: str, flow_id: str, key: str, request: Request,
                      runtime: Runtime = Depends(runtime_of)):
    return await _webhook(namespace, flow_id, key, request, runtime)


@router.put("/{namespace}/{flow_id}/{key}", openapi_extra=ANY_BODY)
async def webhook_put(namespace: str, flow_id: str, key: str, request: Request,
                      runtime: Runtime = Depends(runtime_of)):
    return await _webhook(namespace, flow_id, key, request, runtime)

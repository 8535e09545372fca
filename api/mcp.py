"""/api/v1/mcp/{server}: the MCP servers of McpToolTrigger flows (Kestra's McpToolController,
without the tenant segment), over MCP's Streamable HTTP transport answering JSON.

JSON-RPC 2.0 requests: `initialize`, `ping`, `tools/list` (the latest flows with an enabled
McpToolTrigger on this server), `tools/call` (starts the flow with the arguments as inputs,
labelled `system.from: mcp`, and answers its outputs once it ends, within
`api.mcp_call_seconds`). Notifications are accepted (202). A server exists once a flow names
it; `default` always does. No server-to-client stream: GET answers 405.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from podium.api.bodies import read_limited
from podium.api.context import runtime_of
from podium.api.errors import NotFound
from podium.application import executions, flows
from podium.common.errors import PodiumError
from podium.common.mcp_tools import CALL_LABELS, call_result, tool_descriptor, tool_trigger
from podium.common.plugins.trigger_mcp import DEFAULT_SERVER
from podium.common.version import podium_version
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/mcp", tags=["MCP"])

PROTOCOL_VERSIONS = ("2025-06-18", "2025-03-26", "2024-11-05")
CALL_POLL_SECONDS = 0.1
# JSON-RPC error codes
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _tools(runtime: Runtime, server: str) -> dict[str, tuple[Any, Any]]:
    """tool name -> (flow, trigger) of the server's tools."""
    tools = {}
    for flow in flows.stored_flows(runtime):  # one that no longer validates exposes nothing
        trigger = tool_trigger(flow, server)
        if trigger is not None:
            tools.setdefault(trigger.tool_name, (flow, trigger))
    return tools


@router.post("/{server}")
async def mcp_request(server: str, request: Request,
                      runtime: Runtime = Depends(runtime_of)) -> Response:
    tools = await run_in_threadpool(_tools, runtime, server)
    if not tools and server != DEFAULT_SERVER:
        raise NotFound(f"MCP server '{server}' not found: no flow exposes a tool on it")
    raw = await read_limited(request, request.app.state.settings.max_body_bytes)
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, too many digits, or nested too deeply
        return _reply(None, error=RpcError(PARSE_ERROR, "Parse error: the body is not JSON"))
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0" \
            or not isinstance(message.get("method"), str):
        return _reply(None, error=RpcError(INVALID_REQUEST, "Invalid Request: one JSON-RPC "
                                           "2.0 object with a method is expected"))
    if "id" not in message:
        return Response(status_code=202)  # a notification (initialized, cancelled...)
    try:
        result = await _call(message["method"], message.get("params") or {}, tools, request,
                             runtime)
    except RpcError as exc:
        return _reply(message["id"], error=exc)
    return _reply(message["id"], result=result)


@router.get("/{server}")
def mcp_stream(server: str) -> Response:
    """MCP's optional server-to-client stream, which Podium does not offer."""
    return Response(status_code=405, headers={"Allow": "POST"})


async def _call(method: str, params: dict, tools: dict, request: Request,
                runtime: Runtime) -> dict[str, Any]:
    if method == "initialize":
        asked = params.get("protocolVersion")
        return {"protocolVersion": asked if asked in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0],
                "capabilities": {"tools": {"listChanged": False}},
                "serverInfo": {"name": "podium", "version": podium_version()}}
    if method == "ping":
        return {}
    if method == "tools/list":
        return {"tools": [tool_descriptor(flow, trigger) for flow, trigger in tools.values()]}
    if method == "tools/call":
        return await _call_tool(params, tools, request, runtime)
    raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method}")


async def _call_tool(params: dict, tools: dict, request: Request,
                     runtime: Runtime) -> dict[str, Any]:
    name, arguments = params.get("name"), params.get("arguments") or {}
    if name not in tools:
        raise RpcError(INVALID_PARAMS, f"Unknown tool: {name}")
    if not isinstance(arguments, dict):
        raise RpcError(INVALID_PARAMS, "`arguments` must be an object")
    flow, trigger = tools[name]
    declared = {i.id for i in flow.inputs or []}
    inputs = {k: v for k, v in arguments.items() if k in declared}
    extra = {k: v for k, v in arguments.items() if k not in declared}
    try:
        execution = await run_in_threadpool(
            executions.submit, runtime, flow.namespace, flow.id, inputs, labels=dict(CALL_LABELS),
            trigger={"id": trigger.id, "type": trigger.type, "variables": extra})
    except PodiumError as exc:  # invalid inputs, a disabled flow: the caller can fix them
        return {"content": [{"type": "text", "text": str(exc)}], "isError": True}
    deadline = time.monotonic() + request.app.state.settings.mcp_call_seconds
    while not execution.state.is_terminated:
        if time.monotonic() > deadline:
            return {"content": [{"type": "text", "text": (
                f"execution {execution.id} is still {execution.state.value} after "
                f"{request.app.state.settings.mcp_call_seconds:g} s")}], "isError": True}
        await asyncio.sleep(CALL_POLL_SECONDS)
        execution = await run_in_threadpool(executions.get, runtime, execution.id)
    return call_result(execution)


def _reply(message_id: Any, result: Any = None, error: RpcError | None = None) -> JSONResponse:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": message_id}
    if error is not None:
        body["error"] = {"code": error.code, "message": error.message}
    else:
        body["result"] = result
    return JSONResponse(body)

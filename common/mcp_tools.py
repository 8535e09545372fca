"""Flows as MCP tools (McpToolTrigger): the tool a flow declares, the JSON schema of its
inputs and outputs, the result of a call. Pure: api/mcp.py finds the flows, starts and
awaits the executions."""

from __future__ import annotations

import json
from typing import Any

from podium.common.inputs import InputType
from podium.common.plugins.trigger_mcp import McpToolTrigger

# The input types whose values are plain strings, with the JSON schema `format` they have.
_STRINGS = {InputType.STRING: None, InputType.SECRET: None, InputType.URI: "uri",
            InputType.EMAIL: "email", InputType.DATETIME: "date-time", InputType.DATE: "date",
            InputType.TIME: "time", InputType.DURATION: "duration", InputType.FILE: "uri"}
_SCALARS = {InputType.INT: "integer", InputType.FLOAT: "number",
            InputType.BOOLEAN: "boolean", InputType.BOOL: "boolean"}
# What the execution's inputs say about the caller: Kestra labels MCP calls so.
CALL_LABELS = {"system.from": "mcp"}


def tool_trigger(flow: Any, server: str) -> McpToolTrigger | None:
    """The flow's enabled McpToolTrigger on `server`, if any."""
    if getattr(flow, "disabled", False):
        return None
    return next((t for t in flow.triggers or () if isinstance(t, McpToolTrigger)
                 and not t.disabled and t.mcp_server == server), None)


def tool_descriptor(flow: Any, trigger: McpToolTrigger) -> dict[str, Any]:
    """The tool as `tools/list` shows it."""
    hints = trigger.annotations
    tool = {"name": trigger.tool_name, "title": trigger.title,
            "description": trigger.tool_description,
            "inputSchema": input_schema(flow.inputs or []),
            "annotations": {"title": trigger.title, "readOnlyHint": hints.read_only,
                            "destructiveHint": hints.destructive,
                            "idempotentHint": hints.idempotent,
                            "openWorldHint": hints.open_world}}
    if flow.outputs:
        tool["outputSchema"] = {"type": "object", "properties": {
            output.id: {**_value_schema(output.type, output), **_about(output)}
            for output in flow.outputs}}
    return tool


def input_schema(inputs: list[Any]) -> dict[str, Any]:
    properties, required = {}, []
    for declared in inputs:
        properties[declared.id] = {**_value_schema(declared.type, declared), **_about(declared)}
        if declared.required and declared.defaults is None and declared.depends_on is None:
            required.append(declared.id)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _value_schema(kind: Any, declared: Any) -> dict[str, Any]:
    kind = InputType(str(kind))
    if kind in _SCALARS:
        return {"type": _SCALARS[kind]}
    if kind in _STRINGS:
        fmt = _STRINGS[kind]
        return {"type": "string", **({"format": fmt} if fmt else {})}
    values = getattr(declared, "values", None)
    if kind in (InputType.SELECT, InputType.ENUM):
        return {"type": "string", **({"enum": list(values)} if values else {})}
    if kind is InputType.MULTISELECT:
        items = {"type": "string", **({"enum": list(values)} if values else {})}
        return {"type": "array", "items": items}
    if kind is InputType.ARRAY:
        return {"type": "array", "items": _value_schema(declared.item_type, None)}
    return {}  # JSON, YAML: any value


def _about(declared: Any) -> dict[str, Any]:
    about = {}
    if getattr(declared, "description", None):
        about["description"] = declared.description
    if getattr(declared, "defaults", None) is not None and not _is_expression(declared.defaults):
        about["default"] = declared.defaults
    return about


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def call_result(execution: Any) -> dict[str, Any]:
    """A `tools/call` result: the flow's outputs (structured and as text); an execution
    that did not succeed is an error result naming its state."""
    state = execution.state.value
    outputs = execution.outputs or {}
    failed = state not in ("SUCCESS", "WARNING")
    text = json.dumps({"executionId": execution.id, "state": state, "outputs": outputs},
                      default=str)
    if failed and execution.error:
        text = f"execution {execution.id} ended {state}: {execution.error}"
    return {"content": [{"type": "text", "text": text}], "structuredContent": outputs,
            "isError": failed}

"""The Chat Completions request body ChatCompletion sends, as openai-java builds it for
Kestra's task (the property checks are Kestra's messages)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from podium.sdk import RunContext, StrictModel, TaskFailure


class ChatMessage(StrictModel):
    role: str
    content: str | None = None
    name: str | None = None


class FunctionParameter(StrictModel):
    name: str
    description: str
    type: str
    enum_values: list[str] | None = None
    required: bool | None = None


class ChatFunction(StrictModel):
    name: str | None = None
    description: str | None = None
    parameters: list[FunctionParameter] | None = None


def message(role: str, content: str | None) -> dict[str, Any]:
    # openai-java's Role.fromString: assistant, system, anything else is a user message.
    lowered = role.lower()
    return {"role": lowered if lowered in ("assistant", "system") else "user",
            "content": content}


def tool(ctx: RunContext, function: ChatFunction) -> dict[str, Any]:
    if not function.name:
        raise TaskFailure("functions: a function needs a `name`")
    properties: dict[str, Any] = {}
    required = []
    for parameter in function.parameters or []:
        schema: dict[str, Any] = {"type": ctx.render(parameter.type),
                                  "description": ctx.render(parameter.description)}
        if parameter.enum_values:
            schema["enum"] = [ctx.render(value) for value in parameter.enum_values]
        name = ctx.render(parameter.name)
        properties[name] = schema
        if parameter.required:
            required.append(name)
    definition: dict[str, Any] = {
        "name": ctx.render(function.name),
        "parameters": {"type": "object", "properties": properties, "required": required}}
    if function.description:
        definition["description"] = ctx.render(function.description)
    return {"type": "function", "function": definition}


def tool_choice(choice: str, tools: list[dict[str, Any]]) -> Any:
    """`functionCall` as tool_choice (None: not sent), with Kestra's checks."""
    if tools:
        if choice.lower() in ("auto", "none"):
            return choice.lower()
        if not any(t["function"]["name"] == choice for t in tools):
            raise TaskFailure(f"Requested function '{choice}' for `functionCall` is not "
                              "provided in `functions` list.")
        return {"type": "function", "function": {"name": choice}}
    if choice.lower() == "none":
        return "none"
    if choice.lower() != "auto":
        raise TaskFailure(f"Cannot specify a function name for `functionCall` ('{choice}') "
                          "when no `functions` are provided.")
    return None


def response_format(schema_json: str) -> dict[str, Any]:
    try:
        schema = json.loads(schema_json)
    except ValueError as exc:
        raise TaskFailure(f"jsonResponseSchema: not valid JSON ({exc})") from None
    return {"type": "json_schema",
            "json_schema": {"name": "kestra_schema", "strict": True, "schema": schema}}


def dynamic(ctx: RunContext, value: Any, shape: Any, name: str) -> Any:
    """A list or map property the flow may give as an expression (JSON text, or the native
    value a lone `{{ expr }}` renders to), checked against `shape`."""
    if value is None or isinstance(value, (list, dict)):
        return value
    rendered = ctx.render_typed(value)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except ValueError:
            raise TaskFailure(f"{name}: the expression did not render to JSON: "
                              f"{rendered[:200]!r}") from None
    try:
        return TypeAdapter(shape).validate_python(rendered)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise TaskFailure(f"{name}: {first['msg']} at "
                          f"{'.'.join(map(str, first['loc']))}") from None

"""io.kestra.plugin.core.trigger.McpToolTrigger: a flow exposed as a tool of an MCP server.

Kestra's McpToolTrigger (core): the flow becomes the tool `toolName` of the MCP server
`mcpServer` (`default` unless named); the tool's input schema comes from the flow's
`inputs`, and each call starts an execution labelled `system.from: mcp`. Podium serves
the servers at `/api/v1/mcp/{server}` (api/mcp.py); a server exists once a flow names it.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from typing_extensions import Annotated

from podium.common.plugins.base import Trigger
from podium.common.plugins.fields import StrictModel

TOOL_NAME = r"^[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9])?$"
DEFAULT_SERVER = "default"


class ToolAnnotations(StrictModel):
    """Hints for the agents calling the tool (the MCP tool annotations)."""

    read_only: bool = False
    open_world: bool = True
    destructive: bool = True
    idempotent: bool = False
    return_direct: bool = False


class McpToolTrigger(Trigger):
    """Exposes the flow as a tool of an MCP server."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.trigger.McpToolTrigger"

    tool_name: Annotated[str, Field(min_length=1, max_length=64, pattern=TOOL_NAME)]
    title: str
    tool_description: str
    annotations: ToolAnnotations = ToolAnnotations()
    mcp_server: Annotated[str, Field(min_length=1)] = DEFAULT_SERVER

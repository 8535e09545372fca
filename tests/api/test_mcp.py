"""/api/v1/mcp/{server}: flows with an McpToolTrigger as MCP tools (JSON-RPC over HTTP), on
an embedded runtime; the flows are the @Examples of Kestra's McpToolTrigger."""

from __future__ import annotations

import json

from tests.api.conftest import deploy

HELLO = """\
id: hello_world
namespace: company.team

inputs:
  - id: user
    type: STRING
    defaults: John Doe

tasks:
  - id: hello
    type: io.kestra.plugin.core.output.OutputValues
    values:
      myresult: "hello {{ inputs.user }}"

outputs:
  - id: result
    type: STRING
    value: "{{ outputs.hello.values.myresult }}"

triggers:
  - id: mcp
    type: io.kestra.plugin.core.trigger.McpToolTrigger
    toolName: hello_world
    title: Hello World greeting tool
    toolDescription: Returns a personalised greeting for the given user name.
    mcpServer: default
"""

REPORT = """\
id: sales_report
namespace: company.analytics

inputs:
  - id: period
    type: STRING
    description: "Reporting period, e.g. 2025-Q1"

tasks:
  - id: generate_report
    type: io.kestra.plugin.core.log.Log
    message: "Generating report for {{ inputs.period }}"

triggers:
  - id: mcp
    type: io.kestra.plugin.core.trigger.McpToolTrigger
    toolName: sales_report
    title: Sales Report Generator
    toolDescription: Generates a sales report for the given period. Safe to call repeatedly with the same arguments.
    mcpServer: analytics-server
    annotations:
      readOnly: true
      destructive: false
      idempotent: true
"""


def rpc(client, server: str, method: str, params: dict | None = None, rpc_id: int = 1):
    response = client.post(f"/api/v1/mcp/{server}", json={
        "jsonrpc": "2.0", "id": rpc_id, "method": method, "params": params or {}})
    assert response.status_code == 200, response.text
    return response.json()


def test_initialize_list_and_call_a_tool(client, runtime):
    deploy(client, HELLO)
    deploy(client, REPORT)
    hello = rpc(client, "default", "initialize", {"protocolVersion": "2025-06-18",
                                                  "capabilities": {}})
    assert hello["result"]["protocolVersion"] == "2025-06-18"
    assert hello["result"]["capabilities"] == {"tools": {"listChanged": False}}
    notified = client.post("/api/v1/mcp/default",
                           json={"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert notified.status_code == 202
    [tool] = rpc(client, "default", "tools/list")["result"]["tools"]
    assert tool["name"] == "hello_world" and tool["title"] == "Hello World greeting tool"
    assert tool["inputSchema"] == {"type": "object", "properties": {
        "user": {"type": "string", "default": "John Doe"}}}
    assert tool["outputSchema"]["properties"] == {"result": {"type": "string"}}
    called = rpc(client, "default", "tools/call", {"name": "hello_world",
                                                   "arguments": {"user": "Ada"}})["result"]
    assert called["isError"] is False
    assert called["structuredContent"] == {"result": "hello Ada"}
    execution = runtime.get(json.loads(called["content"][0]["text"])["executionId"])
    assert {"key": "system.from", "value": "mcp"} in execution.labels
    assert execution.trigger["type"] == "io.kestra.plugin.core.trigger.McpToolTrigger"


def test_a_named_server_lists_its_own_tools_with_their_hints(client):
    deploy(client, HELLO)
    deploy(client, REPORT)
    [tool] = rpc(client, "analytics-server", "tools/list")["result"]["tools"]
    assert tool["name"] == "sales_report"
    assert tool["inputSchema"]["required"] == ["period"]
    assert tool["inputSchema"]["properties"]["period"]["description"].startswith("Reporting")
    assert tool["annotations"]["readOnlyHint"] is True
    assert tool["annotations"]["destructiveHint"] is False
    assert client.post("/api/v1/mcp/nope", json={"jsonrpc": "2.0", "id": 1,
                                                 "method": "ping"}).status_code == 404


def test_protocol_errors_and_tool_errors(client):
    deploy(client, REPORT)
    missing = rpc(client, "analytics-server", "tools/call", {"name": "sales_report",
                                                             "arguments": {}})["result"]
    assert missing["isError"] is True and "period" in missing["content"][0]["text"]
    unknown = rpc(client, "analytics-server", "tools/call", {"name": "nope"})
    assert unknown["error"]["code"] == -32602
    assert rpc(client, "default", "resources/list")["error"]["code"] == -32601
    assert rpc(client, "default", "ping")["result"] == {}
    bad = client.post("/api/v1/mcp/default", content=b"{not json",
                      headers={"Content-Type": "application/json"})
    assert bad.json()["error"]["code"] == -32700
    assert client.get("/api/v1/mcp/default").status_code == 405

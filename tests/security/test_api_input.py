"""No 500 for any input: control characters in parameters, inputs and labels, huge
durations and numbers, non-finite numbers, binary values, unparsable or deeply nested
JSON. Each case answers a 4xx naming the problem and the field, shows no Python repr or
internal path, and stores nothing; through the REST API and, where a command applies,
the CLI against a live server."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from podium.cli import main
from tests.api.conftest import HELLO, TOKEN
from tests.security.api_served import served as serve
from tests.security.conftest import stored

TEXT = {"Content-Type": "text/plain"}
JSON = {"Content-Type": "application/json"}
DEEP = "[" * 100_000 + "]" * 100_000
CONTROL = "control character (NUL, newline...) refused"
KV = "/api/v1/namespaces/company.team/kv"
START = "/api/v1/executions/company.team/hello"

# id: (method, path, request keywords, status, message fragment, field path or None)
CASES = {
    "kv-binary-value": ("PUT", f"{KV}/k", dict(content=b"\xff\xfe\x00", headers=TEXT), 422,
                        "The KV value is not UTF-8 text", "body"),
    "kv-ttl-huge-days": ("PUT", f"{KV}/k", dict(content=b"1", headers={"ttl": "P99999999999D"}),
                         422, "Invalid ttl: 'P99999999999D' is out of range", None),
    "kv-ttl-huge-seconds": ("PUT", f"{KV}/k", dict(content=b"1", headers={
        "ttl": "PT99999999999999999999S"}), 422, "Invalid ttl:", None),
    # Beyond the 100-year cap of any duration (so the expiration never passes year 9999).
    "kv-ttl-past-cap": ("PUT", f"{KV}/k", dict(content=b"1", headers={"ttl": "P3000000D"}),
                        422, "Invalid ttl: 'P3000000D' is out of range: a duration may be at "
                        "most 36525 days", None),
    "kv-duration-value-huge": ("PUT", f"{KV}/k", dict(content=b"P99999999999999D",
                                                      headers={"type": "DURATION"}),
                               422, "Invalid DURATION value", None),
    "kv-number-5000-digits": ("PUT", f"{KV}/k", dict(content=b"9" * 5000, headers=TEXT), 422,
                              "a number with too many digits", None),
    "kv-number-infinite": ("PUT", f"{KV}/k", dict(content=b"1e999999", headers={
        "type": "NUMBER"}), 422, "is out of range", None),
    "kv-nan": ("PUT", f"{KV}/k", dict(content=b"NaN", headers=JSON), 422,
               "NaN is not a JSON number", None),
    "kv-deep-json": ("PUT", f"{KV}/k", dict(content=DEEP.encode(), headers=JSON), 422,
                     "JSON nested too deeply", None),
    "kv-deep-json-typed": ("PUT", f"{KV}/k", dict(content=DEEP.encode(), headers={
        "type": "JSON"}), 422, "JSON nested too deeply", None),
    "kv-nul-key": ("PUT", f"{KV}/k%00x", dict(content=b"1", headers=TEXT), 422,
                   "Invalid path parameter 'key': " + CONTROL, "path.key"),
    "kv-nul-namespace": ("PUT", "/api/v1/namespaces/n%00s/kv/k", dict(content=b"1",
                                                                      headers=TEXT),
                         422, "Invalid path parameter 'namespace'", "path.namespace"),
    "start-nul-namespace": ("POST", "/api/v1/executions/comp%00any/hello", {}, 422,
                            "Invalid path parameter 'namespace'", "path.namespace"),
    "start-nul-label-key": ("POST", START + "?labels=a%00:b", {}, 422,
                            "Invalid query parameter 'labels'", "query.labels"),
    "start-nul-input": ("POST", START, dict(files={"name": (None, "a\x00b")}), 422,
                        "Invalid input `name`: " + CONTROL, "inputs.name"),
    "start-nul-input-urlencoded": ("POST", START, dict(data={"name": "a\x00b"}), 422,
                                   "Invalid input `name`", "inputs.name"),
    "get-execution-nul": ("GET", "/api/v1/executions/a%00b", {}, 422,
                          "Invalid path parameter 'execution_id'", "path.execution_id"),
    "search-nul-namespace": ("GET", "/api/v1/executions/search?namespace=a%00", {}, 422,
                             "Invalid query parameter 'namespace'", "query.namespace"),
    "search-huge-page": ("GET", "/api/v1/executions/search?page=" + "9" * 40, {}, 422,
                         "Invalid request", "query.page"),
    "flow-search-nul-q": ("GET", "/api/v1/flows/search?q=%00", {}, 422,
                          "Invalid query parameter 'q'", "query.q"),
    "namespace-file-nul-path": ("GET", "/api/v1/namespaces/a/files?path=a%00", {}, 422,
                                "Invalid query parameter 'path'", "query.path"),
    "webhook-nul-key": ("POST", "/api/v1/executions/webhook/company.team/hello/k%00", {},
                        422, "Invalid path parameter 'key'", "path.key"),
    "labels-nul-key": ("POST", "/api/v1/executions/x/labels",
                       dict(json=[{"key": "a\x00", "value": "b"}]), 422, "Invalid request",
                       "body.0.key"),
    "labels-deep-json": ("POST", "/api/v1/executions/x/labels",
                         dict(content=DEEP, headers=JSON), 400,
                         "Invalid request body: not valid JSON", "body"),
    "labels-invalid-json": ("POST", "/api/v1/executions/x/labels",
                            dict(content=b'[{"key": ', headers=JSON), 422,
                            "Invalid request", "body.9"),
    "labels-binary-json": ("POST", "/api/v1/executions/x/labels",
                           dict(content=b"\xff\xfe", headers=JSON), 422,
                           "Invalid request", "body.0"),
    "unsafe-namespace-file": ("GET", "/api/v1/namespaces/a/files?path=../../etc/passwd", {},
                              400, "Unsafe path refused: namespace file path", None),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("input"), HELLO) as server:
        yield server


@pytest.fixture
def remote_cli(served, monkeypatch):
    monkeypatch.setenv("PODIUM_SERVER", served.url)
    monkeypatch.setenv("PODIUM_SERVER_TOKEN", TOKEN)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def _clean(text: str) -> None:
    for leak in ("Traceback", "/work/", "site-packages", "\\x", "Error(", "<class"):
        assert leak not in text, (leak, text)


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_is_a_clear_4xx(served, case):
    runtime, api = served.runtime, served.api
    before = stored(runtime)
    method, path, keywords, status, message, field = CASES[case]
    response = api.request(method, path, **keywords)
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert message in body["message"], body
    if field is not None:
        assert field in [detail.get("path") for detail in body["details"]], body
    _clean(response.text)
    assert stored(runtime) == before


# id: (CLI arguments, message fragment)
CLI_CASES = {
    "kv-set-huge-ttl": (["kv", "set", "company.team", "k", "1", "--ttl", "P99999999999D"],
                        "Invalid ttl: 'P99999999999D' is out of range"),
    "kv-set-huge-number": (["kv", "set", "company.team", "k", "9" * 5000],
                           "a number with too many digits"),
    "kv-set-infinite-number": (["kv", "set", "company.team", "k", "1e999999", "--type",
                                "NUMBER"], "is out of range"),
    "kv-set-huge-duration": (["kv", "set", "company.team", "k", "P99999999999999D", "--type",
                              "DURATION"], "Invalid DURATION value"),
    "kv-set-deep-json": (["kv", "set", "company.team", "k", "[" * 5000 + "]" * 5000],
                         "JSON nested too deeply"),
    "run-nul-input": (["execution", "run", "company.team", "hello", "-i", "name=a\x00b"],
                      "Invalid input `name`: " + CONTROL),
    "run-nul-label": (["execution", "run", "company.team", "hello", "-l", "k=a\x00"],
                      "Invalid query parameter 'labels'"),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_hostile_input_through_the_cli(served, remote_cli, case):
    runtime = served.runtime
    before = stored(runtime)
    arguments, message = CLI_CASES[case]
    result = remote_cli(*arguments)
    assert result.exit_code == 1, result.output
    assert message in result.output, result.output
    _clean(result.output)
    assert stored(runtime) == before


@pytest.mark.parametrize("body", [DEEP.encode(), b"9" * 5000, b"\xff\xfe"],
                         ids=["deep", "5000-digits", "binary"])
def test_mcp_body_that_does_not_parse_is_a_json_rpc_parse_error(served, body):
    """MCP speaks JSON-RPC: a body that is not JSON is its parse error (-32700), not a 500."""
    before = stored(served.runtime)
    response = served.api.post("/api/v1/mcp/default", content=body, headers=JSON)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["error"] == {"code": -32700,
                                        "message": "Parse error: the body is not JSON"}
    assert stored(served.runtime) == before

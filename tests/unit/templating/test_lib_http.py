"""http() against a real local server, through the HTTP guard. Oracles: Kestra's
HttpFunctionTest (body parsed by content type, query, body, YAML, headers with several
values, basic auth in options, the 404 message); plus what Podium adds: the http tasks'
host rules, a bounded response, a timeout within the render's budget, a call limit."""

import json

import pytest

from podium import wiring
from podium.common.errors import TemplateError
from podium.common.settings import HttpSettings
from podium.common.storage import LocalStorage
from podium.common.store import Database, upgrade_database
from podium.common.templating import build_context, render
from podium.common.templating import environment as envmod
from podium.common.templating.library import runtime
from podium.worker.run_context import RunContext
from tests.unit.worker.http_server import start_server, stop_server

LOCAL = HttpSettings(allow_hosts=["127.0.0.1"])


@pytest.fixture(scope="module")
def server():
    local = start_server()
    yield local
    stop_server(local)


def worker_ctx(settings: HttpSettings | None = LOCAL) -> RunContext:
    ctx = RunContext(build_context(flow_id="f", namespace="n", execution_id="e", environ={}))
    ctx.http = settings
    return ctx


def test_json_response_is_an_object_HttpFunctionTest(server):
    ctx = worker_ctx()
    rendered = ctx.render("{{ http(url) }}", {"url": server.url("/echo")})
    assert json.loads(rendered)["method"] == "GET"
    assert ctx.render("{{ http(url).path }}", {"url": server.url("/echo")}) == "/echo"
    assert server.requests[-1].headers["accept"] == "application/json"


def test_post_body_query_and_headers_HttpFunctionTest(server):
    ctx = worker_ctx()
    body = {"todo": "New todo", "userId": 1, "completed": False}
    echoed = ctx.render_typed("{{ http(url, 'POST', body=body) }}",
                              {"url": server.url("/echo"), "body": body})
    assert json.loads(echoed["body"]) == body
    assert echoed["headers"]["content-type"] == "application/json"
    assert ctx.render_typed("{{ http(url, 'GET', {'limit': 2}) }}",
                            {"url": server.url("/echo")})["query"] == {"limit": "2"}
    ctx.render("{{ http(url, 'POST', headers={'custom-header': 'custom-value', "
               "'multiple-value-header': ['value1', 'value2']}) }}", {"url": server.url("/echo")})
    sent = server.requests[-1]
    assert sent.method == "POST" and sent.headers["custom-header"] == "custom-value"
    assert [v for k, v in sent.header_lines if k == "multiple-value-header"] == ["value1", "value2"]


def test_yaml_request_and_response_HttpFunctionTest(server):
    ctx = worker_ctx()
    rendered = ctx.render("{{ http(url, 'POST', body=body, contentType='application/yaml', "
                          "accept='application/yaml').with[0] }}",
                          {"url": server.url("/yaml"),
                           "body": {"request": "body", "with": ["yaml", "content"]}})
    assert rendered == "yaml"
    sent = server.requests[-1].body.decode()
    assert "request: body" in sent and "with:\n- yaml\n- content" in sent


def test_basic_auth_in_options_HttpFunctionTest(server):
    ctx = worker_ctx()
    assert ctx.render("{{ http(url, options={'basicAuthUser': user, 'basicAuthPassword': pw}) }}",
                      {"url": server.url("/basic"), "user": "user", "pw": "pa55word"}) == "welcome"
    assert ctx.render("{{ http(url, options={'auth': {'type': 'BASIC', 'username': 'user', "
                      "'password': 'pa55word'}}) }}", {"url": server.url("/basic")}) == "welcome"


def test_failing_status_HttpFunctionTest(server):
    with pytest.raises(TemplateError, match="Failed to execute HTTP Request, server respond "
                                            "with status 404 : Not Found"):
        worker_ctx().render("{{ http(url) }}", {"url": server.url("/status/404")})


def test_hosts_the_http_tasks_may_not_reach_are_refused(server):
    default = worker_ctx(None)  # the http tasks' defaults: public hosts only
    with pytest.raises(TemplateError, match="not allowed|private|loopback"):
        default.render("{{ http(url) }}", {"url": server.url("/echo")})
    with pytest.raises(TemplateError, match="not allowed|link-local|private"):
        default.render("{{ http('http://169.254.169.254/latest/meta-data/') }}")
    denied = worker_ctx(HttpSettings(allow_hosts=["127.0.0.1"], deny_hosts=["127.0.0.1"]))
    with pytest.raises(TemplateError, match="not allowed|denied|deny"):
        denied.render("{{ http(url) }}", {"url": server.url("/echo")})
    count = len(server.requests)
    with pytest.raises(TemplateError):  # a redirect hop to a refused host is never followed
        worker_ctx(HttpSettings(allow_hosts=["localhost"], allow_private=False)).render(
            "{{ http(url) }}", {"url": server.url("/echo", host="localhost")})
    assert len(server.requests) == count


def test_response_size_is_bounded(server):
    small = HttpSettings(allow_hosts=["127.0.0.1"], max_inline_body_bytes=1024)
    with pytest.raises(TemplateError, match="larger than 1024 bytes"):
        worker_ctx(small).render("{{ http(url) }}", {"url": server.url("/big?size=100000")})


def test_a_slow_server_cannot_hold_the_render(server, monkeypatch):
    monkeypatch.setattr(runtime, "HTTP_TIMEOUT_SECONDS", 0.3)
    with pytest.raises(TemplateError, match="timed out"):
        worker_ctx().render("{{ http(url) }}", {"url": server.url("/slow?seconds=2")})


def test_calls_per_render_are_limited(server, monkeypatch):
    monkeypatch.setattr(envmod, "MAX_HTTP_CALLS", 2)
    ctx = worker_ctx()
    assert ctx.render("{% for i in [1, 2] %}{{ http(url).method }}{% endfor %}",
                      {"url": server.url("/echo")}) == "GETGET"
    with pytest.raises(TemplateError, match="limit of 2 http"):
        ctx.render("{% for i in [1, 2, 3] %}{{ http(url).method }}{% endfor %}",
                   {"url": server.url("/echo")})


def test_the_executor_renders_with_the_guard_of_its_settings(server, tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'podium.db'}")
    upgrade_database(db)
    context = build_context(flow_id="f", namespace="n", execution_id="e", environ={})
    url = {"url": server.url("/echo")}
    allowed = wiring.render_services(db, LocalStorage(tmp_path / "s"), None, http=LOCAL)
    assert render("{{ http(url).method }}", {**context, **url}, allowed("n", context)) == "GET"
    defaults = wiring.render_services(db, LocalStorage(tmp_path / "s"), None)
    with pytest.raises(TemplateError, match="not allowed|private|loopback"):
        render("{{ http(url) }}", {**context, **url}, defaults("n", context))


def test_without_the_service_http_is_not_available():
    with pytest.raises(TemplateError, match="not available"):
        render("{{ http('https://example.com') }}", {})

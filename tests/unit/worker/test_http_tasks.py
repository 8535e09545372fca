"""http.Request and http.Download against a real HTTP server on 127.0.0.1, and the SSRF
guard in front of them. The server is loopback, so every test but the refusal ones lets the
worker reach it explicitly (ctx.http); the default settings must refuse it."""

from __future__ import annotations

import base64
import json
import time
import tracemalloc

import pytest

from podium.common.models.state import State
from podium.common.settings import HttpSettings
from podium.common.storage import LocalStorage, input_file_uri
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task
from tests.unit.worker.http_server import BEARER_TOKEN, start_server, stop_server

REQUEST = "io.kestra.plugin.core.http.Request"
DOWNLOAD = "io.kestra.plugin.core.http.Download"
LOOPBACK = HttpSettings(allow_hosts=["127.0.0.1"])  # that one address, nothing else
INPUT = input_file_uri("company.team", "flow", "exec1", "doc", "report.csv")


@pytest.fixture(scope="module")
def server():
    local = start_server()
    yield local
    stop_server(local)


@pytest.fixture
def storage(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        storage.put(INPUT, b"id,total\n1,42\n")
        yield storage


def run(type_, *, http=LOOPBACK, storage=None, **props):
    ctx, logs = make_ctx(storage=storage)
    ctx.http = http
    return run_attempt(make_task(type_, **props), ctx), logs


def echoed(outcome) -> dict:
    assert outcome.state is State.SUCCESS, outcome.error
    return json.loads(outcome.outputs["body"])


# ---------------------------------------------------------------- requests
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_methods(server, method):
    outcome, _ = run(REQUEST, uri=server.url("/echo?x=1"), method=method)
    assert echoed(outcome)["method"] == method
    assert outcome.outputs["code"] == 200
    assert outcome.outputs["uri"] == server.url("/echo?x=1")


def test_head_has_no_body(server):
    outcome, _ = run(REQUEST, uri=server.url("/status/200"), method="HEAD")
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs["body"] is None and outcome.outputs["code"] == 200
    assert outcome.outputs["headers"]["Content-Length"] == ["10"]


def test_rendered_headers_and_repeated_response_headers(server):
    outcome, logs = run(REQUEST, uri="{{ 'http://127.0.0.1:" + str(server.port) + "/echo' }}",
                        headers={"X-Who": "{{ inputs.name | default('me') }}", "X-N": 3,
                                 "Authorization": "Bearer {{ secret('API_KEY') }}"})
    got = echoed(outcome)["headers"]
    assert got["x-who"] == "me" and got["x-n"] == "3" and got["user-agent"] == "Podium"
    assert server.requests[-1].headers["authorization"] == "Bearer s3cr3t-value"  # sent ...
    # ... comes back in clear in the outputs (Kestra masks logs, not outputs), never in logs
    assert got["authorization"] == "Bearer s3cr3t-value"
    assert "s3cr3t-value" not in " ".join(logs.messages())
    multi, _ = run(REQUEST, uri=server.url("/multi"))
    assert multi.outputs["headers"]["Set-Cookie"] == ["a=1", "b=2"]
    assert multi.outputs["headers"]["X-Trace"] == ["x1"]


def test_body_defaults_to_json_with_its_charset(server):
    outcome, _ = run(REQUEST, uri=server.url(), method="POST", body='{"a": "é"}')
    got = echoed(outcome)
    assert got["body"] == '{"a": "é"}'
    assert got["headers"]["content-type"] == "application/json; charset=UTF-8"
    typed, _ = run(REQUEST, uri=server.url(), method="POST", body="a;b",
                   contentType="text/csv")
    assert echoed(typed)["headers"]["content-type"] == "text/csv; charset=UTF-8"


def test_form_data_is_url_encoded(server):
    outcome, _ = run(REQUEST, uri=server.url(), method="POST",
                     formData={"user": "{{ 'ann' | upper }}", "n": 2, "tags": ["a", "b"]})
    got = echoed(outcome)
    assert got["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert got["body"] == "user=ANN&n=2&tags=%5B%22a%22%2C+%22b%22%5D"


def test_multipart_with_a_stored_file(server, storage):
    outcome, _ = run(REQUEST, storage=storage, uri=server.url(), method="POST",
                     formData={"title": "monthly", "doc": INPUT,
                               "renamed": {"name": "totals.csv", "content": INPUT}})
    got = echoed(outcome)
    assert got["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    body = got["body"]
    assert 'name="title"\r\n\r\nmonthly\r\n' in body
    assert 'name="doc"; filename="report.csv"' in body
    assert 'name="renamed"; filename="totals.csv"' in body
    assert body.count("id,total\n1,42\n") == 2
    # an explicit multipart contentType without files still sends multipart
    plain, _ = run(REQUEST, uri=server.url(), method="POST",
                   contentType="multipart/form-data", formData={"user": "John Doe"})
    assert 'name="user"\r\n\r\nJohn Doe' in echoed(plain)["body"]


def test_basic_and_bearer_auth(server):
    basic = {"type": "BASIC", "username": "user", "password": "pa55word"}
    outcome, logs = run(REQUEST, uri=server.url("/basic"), options={"auth": basic})
    assert outcome.state is State.SUCCESS and outcome.outputs["body"] == "welcome"
    legacy, _ = run(REQUEST, uri=server.url("/basic"),
                    options={"basicAuthUser": "user", "basicAuthPassword": "pa55word"})
    assert legacy.outputs["body"] == "welcome"
    bearer, _ = run(REQUEST, uri=server.url("/bearer"),
                    options={"auth": {"type": "BEARER", "token": BEARER_TOKEN}})
    assert bearer.outputs["body"] == "token ok"
    refused, _ = run(REQUEST, uri=server.url("/basic"))
    assert refused.state is State.FAILED
    assert refused.error == "Failed http request with response code '401' and body:\nwho are you"


def test_auth_headers_are_never_logged(server):
    credential = base64.b64encode(b"user:pa55word").decode()
    outcome, logs = run(REQUEST, uri=server.url("/basic"),
                        options={"auth": {"type": "BASIC", "username": "user",
                                          "password": "pa55word"},
                                 "logs": ["REQUEST_HEADERS", "RESPONSE_HEADERS"]},
                        headers={"Cookie": "session=abc"})
    assert outcome.state is State.SUCCESS, outcome.error
    text = "\n".join(logs.messages())
    assert "request headers:" in text and "response headers:" in text
    assert "Authorization: <redacted>" in text and "Cookie: <redacted>" in text
    assert credential not in text and "session=abc" not in text


def test_a_failing_status_fails_unless_allowed(server):
    failed, logs = run(REQUEST, uri=server.url("/status/404"))
    assert failed.state is State.FAILED
    assert failed.error == "Failed http request with response code '404' and body:\nstatus 404"
    for props in ({"options": {"allowFailed": True}}, {"allowFailed": True},
                  {"allowFailed": "{{ true }}"}):
        allowed, _ = run(REQUEST, uri=server.url("/status/503"), **props)
        assert allowed.state is State.SUCCESS, (props, allowed.error)
        assert (allowed.outputs["code"], allowed.outputs["body"]) == (503, "status 503")
    strict, _ = run(REQUEST, uri=server.url("/status/201"),
                    options={"allowedResponseCodes": [200]})
    assert strict.state is State.FAILED and "'201'" in strict.error


def test_redirects(server):
    target = server.url("/echo")
    followed, _ = run(REQUEST, uri=server.url(f"/redirect?to={target}"))
    assert echoed(followed)["path"] == "/echo"
    assert followed.outputs["uri"] == server.url(f"/redirect?to={target}")  # the request's
    kept, _ = run(REQUEST, uri=server.url(f"/redirect?to={target}"),
                  options={"followRedirects": False})
    assert kept.state is State.SUCCESS and kept.outputs["code"] == 302
    assert kept.outputs["headers"]["Location"] == [target]
    loop, _ = run(REQUEST, http=HttpSettings(allow_hosts=["127.0.0.1"], max_redirects=2),
                  uri=server.url("/redirect?to=" + server.url("/redirect?to=" +
                                                              server.url("/redirect?to=/echo"))))
    assert loop.state is State.FAILED and "redirected more than 2 times" in loop.error


def test_read_timeout_and_task_timeout(server):
    start = time.monotonic()
    slow, _ = run(REQUEST, uri=server.url("/slow?seconds=3"),
                  options={"timeout": {"readIdleTimeout": "PT0.3S"}})
    assert slow.state is State.FAILED and "timed out" in slow.error
    legacy, _ = run(REQUEST, uri=server.url("/slow?seconds=3"),
                    options={"readTimeout": "PT0.3S"})
    assert legacy.state is State.FAILED and "timed out" in legacy.error
    bounded, _ = run(REQUEST, uri=server.url("/slow?seconds=3"), timeout="PT0.4S")
    assert bounded.state is State.FAILED and bounded.error == "Timeout after PT0.4S"
    assert time.monotonic() - start < 2.5


def test_a_large_body_goes_to_storage_with_bounded_memory(server, storage):
    size = 24 * 1024 * 1024
    small = HttpSettings(allow_hosts=["127.0.0.1"], max_inline_body_bytes=256 * 1024)
    tracemalloc.start()
    try:
        outcome, _ = run(REQUEST, http=small, storage=storage,
                         uri=server.url(f"/big?size={size}&type=application/json"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs["body"] is None
    uri = outcome.outputs["bodyUri"]
    assert uri.endswith("/tr1/body.json") and storage.size(uri) == size
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes for a {size} bytes body"
    inline, _ = run(REQUEST, http=small, uri=server.url("/big?size=1000"))
    assert len(inline.outputs["body"]) == 1000 and "bodyUri" not in inline.outputs


def test_a_binary_body_goes_to_storage(server, storage):
    outcome, _ = run(REQUEST, storage=storage, uri=server.url("/binary"))
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs["body"] is None
    assert storage.read_bytes(outcome.outputs["bodyUri"]) == b"\x00\x01\x02binary\xff"


def test_unsupported_options_fail_clearly(server):
    proxy, _ = run(REQUEST, uri=server.url(), options={"proxy": {"type": "HTTP",
                                                                 "address": "10.0.0.9",
                                                                 "port": 3128}})
    assert proxy.state is State.FAILED and "options.proxy is not supported" in proxy.error
    encrypted, _ = run(REQUEST, uri=server.url(), encryptBody=True)
    assert encrypted.state is State.FAILED and "encryptBody" in encrypted.error
    bad, _ = run(REQUEST, uri="ftp://127.0.0.1/file")
    assert bad.state is State.FAILED and "the scheme 'ftp' is not allowed" in bad.error


# ---------------------------------------------------------------- Download
def test_download_streams_to_storage(server, storage):
    outcome, _ = run(DOWNLOAD, storage=storage,
                     uri=server.url('/file/x?disposition=attachment; filename="../../r.csv"'))
    assert outcome.state is State.SUCCESS, outcome.error
    out = outcome.outputs
    assert out["uri"].endswith("/tr1/r.csv")  # the last path part only
    assert storage.read_bytes(out["uri"]) == b"id,name\n1,alpha\n"
    assert (out["code"], out["length"]) == (200, 16)
    assert out["headers"]["Content-Type"] == ["text/csv"]
    named, _ = run(DOWNLOAD, storage=storage, uri=server.url("/file/orders.csv"))
    assert named.outputs["uri"].endswith("/tr1/orders.csv")
    size = 8 * 1024 * 1024
    big, _ = run(DOWNLOAD, storage=storage, uri=server.url(f"/big?size={size}"))
    assert big.outputs["length"] == size and storage.size(big.outputs["uri"]) == size


def test_download_of_an_empty_body(server, storage):
    failed, _ = run(DOWNLOAD, storage=storage, uri=server.url("/empty"))
    assert failed.state is State.FAILED and "No response from server" in failed.error
    kept, logs = run(DOWNLOAD, storage=storage, uri=server.url("/empty"),
                     failOnEmptyResponse=False)
    assert kept.state is State.SUCCESS and kept.outputs["length"] == 0
    assert any("is empty" in m for m in logs.messages("WARN"))
    missing, _ = run(DOWNLOAD, storage=storage, uri=server.url("/status/404"))
    assert missing.state is State.FAILED and "'404'" in missing.error


# ---------------------------------------------------------------- the SSRF guard
@pytest.mark.parametrize("uri, host, reason", [
    ("http://127.0.0.1:{port}/echo", "127.0.0.1", "a loopback address"),
    ("http://10.0.0.1/", "10.0.0.1", "a private (RFC 1918) address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "a link-local address"),
    ("http://[::1]:{port}/echo", "::1", "a loopback address"),
    ("http://localhost:{port}/echo", "localhost", "a loopback address"),
    ("http://2130706433:{port}/echo", "2130706433", "a loopback address"),  # 127.0.0.1
    ("http://[::ffff:127.0.0.1]:{port}/echo", "::ffff:127.0.0.1", "a loopback address"),
    ("http://0.0.0.0:{port}/echo", "0.0.0.0", "an unspecified address"),
    ("http://[fd00::1]/", "fd00::1", "a unique-local IPv6 address"),
])
def test_the_default_settings_refuse_private_destinations(server, uri, host, reason):
    before = len(server.requests)
    start = time.monotonic()
    outcome, logs = run(REQUEST, http=None, uri=uri.format(port=server.port))
    assert outcome.state is State.FAILED
    assert outcome.error.startswith(f"HTTP request to '{host}' refused: ")
    assert reason in outcome.error and "http.allow_private" in outcome.error
    assert len(server.requests) == before, "the guard let a request through"
    assert time.monotonic() - start < 2  # refused before any connection attempt
    download, _ = run(DOWNLOAD, http=None, uri=uri.format(port=server.port))
    assert download.state is State.FAILED and "refused" in download.error


def test_a_redirect_to_a_refused_host_is_refused(server):
    for target in ("http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/",
                   f"http://127.0.0.2:{server.port}/echo", f"http://[::1]:{server.port}/echo"):
        before = server.paths()
        outcome, _ = run(REQUEST, uri=server.url(f"/redirect?to={target}"))
        assert outcome.state is State.FAILED
        assert "refused: it is not in http.allow_hosts" in outcome.error, outcome.error
        assert server.paths() == before + ["/redirect"]  # the first hop only
    denied = HttpSettings(allow_private=True, deny_hosts=["169.254.0.0/16", "*.internal"])
    outcome, _ = run(REQUEST, http=denied,
                     uri=server.url("/redirect?to=http://169.254.169.254/latest/"))
    assert outcome.state is State.FAILED
    assert outcome.error == ("HTTP request to '169.254.169.254' refused: 169.254.169.254 is "
                             "in '169.254.0.0/16' of http.deny_hosts")
    outcome, _ = run(REQUEST, http=denied, uri=server.url("/redirect?to=http://db.internal/"))
    assert "it matches '*.internal' of http.deny_hosts" in outcome.error


def test_allow_and_deny_lists(server):
    everything = HttpSettings(allow_private=True)
    assert run(REQUEST, http=everything, uri=server.url())[0].state is State.SUCCESS
    assert run(REQUEST, http=everything, uri=server.url(host="localhost"))[0].state \
        is State.SUCCESS
    # a host name in allow_hosts never unlocks a private address
    by_name = HttpSettings(allow_hosts=["localhost"])
    outcome, _ = run(REQUEST, http=by_name, uri=server.url(host="localhost"))
    assert outcome.state is State.FAILED and "a loopback address" in outcome.error
    # allow_hosts restricts even when private addresses are allowed
    elsewhere = HttpSettings(allow_private=True, allow_hosts=["*.example.com"])
    outcome, _ = run(REQUEST, http=elsewhere, uri=server.url())
    assert outcome.state is State.FAILED and "not in http.allow_hosts" in outcome.error
    # deny wins over everything
    denied = HttpSettings(allow_private=True, allow_hosts=["127.0.0.0/8"],
                          deny_hosts=["127.0.0.1"])
    outcome, _ = run(REQUEST, http=denied, uri=server.url())
    assert outcome.state is State.FAILED and "http.deny_hosts" in outcome.error


def test_download_save_as_names_the_stored_file(server, storage):
    outcome, _ = run(DOWNLOAD, storage=storage, saveAs="{{ 'orders' }}.csv",
                     uri=server.url('/file/x?disposition=attachment; filename="r.csv"'))
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs["uri"].endswith("/tr1/orders.csv")
    assert storage.read_bytes(outcome.outputs["uri"]) == b"id,name\n1,alpha\n"


@pytest.mark.parametrize("name", ["../up.csv", "dir/x.csv", ".."])
def test_download_save_as_must_be_one_file_name(server, storage, name):
    sent = len(server.requests)
    outcome, _ = run(DOWNLOAD, storage=storage, saveAs=name, uri=server.url("/file/orders.csv"))
    assert outcome.state is State.FAILED
    assert outcome.error.startswith(f"Invalid saveAs {name!r}")
    assert len(server.requests) == sent, "refused before the request is sent"

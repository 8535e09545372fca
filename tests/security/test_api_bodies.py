"""Request bodies: never read before the caller is authenticated and the target exists;
bounded while they arrive (413, with or without Content-Length), by media type (415);
FILE uploads streamed to storage; hostile upload names refused without echo."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import BEARER, HELLO
from tests.security.api_served import served as serve
from tests.security.conftest import stored

MIB = 1 << 20
FILE_FLOW = """\
id: files
namespace: company.team
description: takes a FILE input and never reads it (uploads of 100 MiB)
inputs:
  - id: doc
    type: FILE
tasks:
  - id: said
    type: io.kestra.plugin.core.log.Log
    message: done
"""
WEBHOOK_FLOW = HELLO.replace("id: hello", "id: hooked") + """\
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: secret-key
"""
YAML = {"Content-Type": "application/x-yaml"}
BOUNDARY = "b0undary"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("bodies"), FILE_FLOW, WEBHOOK_FLOW) as server:
        yield server


@pytest.fixture(scope="module")
def small_limits(tmp_path_factory):
    """The app's limits lowered: 4 KiB bodies, 16 KiB uploads."""
    with serve(tmp_path_factory.mktemp("limits"), FILE_FLOW, WEBHOOK_FLOW,
               max_body_bytes=4096, max_upload_bytes=16384) as server:
        yield server


def multipart(mebibytes: int, part: str = "doc") -> Iterator[bytes]:
    """A multipart body with one file part of `mebibytes` MiB, produced lazily (chunked:
    no Content-Length)."""
    yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{part}"; '
           f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
    chunk = b"\x00" * MIB
    for _ in range(mebibytes):
        yield chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def peak_rss_growth(send) -> int:
    """Bytes the process's peak resident set grew by while `send()` ran (the live server
    runs in this process)."""
    with open("/proc/self/clear_refs", "w") as refs:  # resets the peak (VmHWM) to now
        refs.write("5")
    start = _status("VmHWM")
    send()
    return _status("VmHWM") - start


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc/self/status")


ANONYMOUS_UPLOADS = {  # case: (path, status)
    "protected-route": ("/api/v1/executions/company.team/files", 401),
    "webhook-namespace-collision": ("/api/v1/executions/webhook/files", 401),
    "webhook-of-no-flow": ("/api/v1/executions/webhook/company.team/nothing/key", 404),
    "webhook-wrong-key": ("/api/v1/executions/webhook/company.team/hooked/wrong", 404),
}


@pytest.mark.parametrize("case", sorted(ANONYMOUS_UPLOADS))
def test_anonymous_uploads_are_answered_before_the_body_is_read(served, case):
    """3 x 100 MiB sent as a generator, anonymously: answered without the server holding
    them (on main the public ones grew the process by 110-210 MB each)."""
    runtime, live = served.runtime, served.url
    path, status = ANONYMOUS_UPLOADS[case]
    before = stored(runtime)
    answers = []

    def send():
        with httpx.Client(base_url=live, timeout=60) as client:
            for _ in range(3):
                answers.append(client.post(path, content=multipart(100),
                                           headers={"Content-Type": "multipart/form-data; "
                                                    f"boundary={BOUNDARY}"}))
    growth = peak_rss_growth(send)
    assert [a.status_code for a in answers] == [status] * 3
    assert growth < 32 * MIB, f"peak RSS grew by {growth / MIB:.0f} MiB"
    assert stored(runtime) == before


def test_authenticated_file_input_is_streamed_to_storage(served):
    runtime, live = served.runtime, served.url
    answer = {}

    def send():
        answer["created"] = httpx.post(
            f"{live}/api/v1/executions/company.team/files", content=multipart(100),
            headers={**BEARER, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            timeout=60)
    growth = peak_rss_growth(send)
    created = answer["created"]
    assert created.status_code == 200, created.text
    assert growth < 32 * MIB, f"peak RSS grew by {growth / MIB:.0f} MiB"
    uri = created.json()["inputs"]["doc"]
    assert uri.endswith("/inputs/doc/big.bin")
    sizes = {entry.uri: entry.size for entry in runtime.files(created.json()["id"])}
    assert sizes[uri] == 100 * MIB


def chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // 1024):
        yield b"a" * 1024


OVERSIZED = [
    ("flow-declared", "POST", "/api/v1/flows", YAML, b"x" * 5000, "over 4096 bytes"),
    ("flow-chunked", "POST", "/api/v1/flows", YAML, chunks(8192), "over 4096 bytes"),
    ("kv-chunked", "PUT", "/api/v1/namespaces/company.team/kv/k",
     {"Content-Type": "text/plain"}, chunks(8192), "over 4096 bytes"),
    ("webhook-multipart", "POST", "/api/v1/executions/webhook/company.team/hooked/secret-key",
     {"Content-Type": "multipart/form-data; boundary=x"}, chunks(8192), "over 4096 bytes"),
    ("file-input-chunked", "POST", "/api/v1/executions/company.team/files",
     {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}, None, "over 16384 bytes"),
]


@pytest.mark.parametrize("case,method,path,headers,body,message", OVERSIZED,
                         ids=[case[0] for case in OVERSIZED])
def test_oversized_bodies_are_413(small_limits, case, method, path, headers, body, message):
    runtime = small_limits.runtime
    before = stored(runtime)
    if body is None:
        body = multipart(1)
    response = small_limits.api.request(method, path, content=body, headers=headers)
    assert response.status_code == 413, response.text
    assert message in response.json()["message"]
    assert stored(runtime) == before


UNSUPPORTED = [
    ("file-input-json", "/api/v1/executions/company.team/files", "POST",
     "application/json", b'{"doc": "x"}'),
    ("file-input-octet-stream", "/api/v1/executions/company.team/files", "POST",
     "application/octet-stream", b"\x00\x01"),
    ("namespace-file-text", "/api/v1/namespaces/company.team/files?path=a.txt", "POST",
     "text/plain", b"hello"),
    ("kv-octet-stream", "/api/v1/namespaces/company.team/kv/k", "PUT",
     "application/octet-stream", b"\xff\xfe"),
    ("kv-multipart", "/api/v1/namespaces/company.team/kv/k", "PUT",
     "multipart/form-data; boundary=x", b"--x--\r\n"),
]


@pytest.mark.parametrize("case,path,method,media,body", UNSUPPORTED,
                         ids=[case[0] for case in UNSUPPORTED])
def test_wrong_media_types_are_415(served, case, path, method, media, body):
    runtime, api = served.runtime, served.api
    before = stored(runtime)
    response = api.request(method, path, content=body, headers={"Content-Type": media})
    assert response.status_code == 415, response.text
    message = response.json()["message"]
    assert message.startswith(f"Unsupported media type '{media.split(';')[0]}'")
    assert response.json()["details"][0]["path"] == "Content-Type"
    assert stored(runtime) == before


HOSTILE_NAMES = [
    ("traversal", "../../etc/passwd", "cannot contain '/'"),
    ("nul", "a\x00b.txt", "control character"),
    ("newline", "a\nb.txt", "control character"),
    ("long", "a" * 300 + ".txt", "longer than"),
    ("dot-dot", "..", "path segment"),
    ("backslash", "..\\..\\win.ini", "path separator"),
]


@pytest.mark.parametrize("case,name,problem", HOSTILE_NAMES,
                         ids=[case[0] for case in HOSTILE_NAMES])
def test_hostile_upload_names_are_refused_without_echo(served, case, name, problem):
    runtime, api = served.runtime, served.api
    before = stored(runtime)
    secret = b"TOP-SECRET-CONTENT"
    response = api.post("/api/v1/executions/company.team/files",
                        files={"doc": (name, secret)})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["message"].startswith("Invalid file name for input `doc`: ")
    assert problem in body["message"]
    assert body["details"][0]["path"] == "inputs.doc"
    assert (name == ".." or name not in response.text) and "TOP-SECRET" not in response.text
    assert "\\x" not in response.text and "/work/" not in response.text
    assert stored(runtime) == before


def test_huge_upload_name_is_an_invalid_form(served):
    runtime, api = served.runtime, served.api
    before = stored(runtime)
    name = "n" * 20000
    response = api.post("/api/v1/executions/company.team/files", files={"doc": (name, b"x")})
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Invalid form body: Invalid multipart data."
    assert stored(runtime) == before


def test_non_utf8_upload_name_is_kept_readable(served):
    """A file name that is not UTF-8 never fails the server: stored under a readable name
    (the bytes replaced) or refused with 422."""
    api = served.api
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="doc"; '
            f'filename="').encode() + b"\xff\xfe.txt" + b'"\r\n\r\ncontent\r\n' \
        + f"--{BOUNDARY}--\r\n".encode()
    response = api.post("/api/v1/executions/company.team/files", content=head,
                        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert response.status_code in (200, 422), response.text
    assert "\\x" not in response.text and "/work/" not in response.text

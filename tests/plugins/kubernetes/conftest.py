"""A Kubernetes API server of the REST API's shape on loopback (no real cluster can run on
this machine): discovery of the core, apps and apiextensions groups, get, list,
server-side apply (PATCH application/apply-patch+yaml creates or updates) and delete of
namespaced and cluster-scoped resources, bearer-token or basic authentication, Status
bodies for errors. Every request is recorded (method, path, query, headers, JSON body) so
the tests assert exactly what Podium sends."""

from __future__ import annotations

import base64
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from podium.common.settings import HttpSettings
from podium.runtime import Runtime
from podium.worker.run_context import RunContext

TOKEN = "k8s-t0ken-s3cret"
# (group/version, plural, kind, namespaced)
KINDS = [("v1", "pods", "Pod", True), ("v1", "configmaps", "ConfigMap", True),
         ("v1", "services", "Service", True), ("v1", "namespaces", "Namespace", False),
         ("apps/v1", "deployments", "Deployment", True),
         ("apiextensions.k8s.io/v1", "customresourcedefinitions",
          "CustomResourceDefinition", False)]


def status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


class FakeApiServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.objects: dict[tuple[str, str, str | None, str], dict[str, Any]] = {}
        self.token: str | None = TOKEN
        self.basic: tuple[str, str] | None = None
        self.version = 100
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                record = {"method": self.command, "path": parts.path,
                          "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                          "headers": dict(self.headers),
                          "body": json.loads(raw) if raw else None}
                server.requests.append(record)
                code, body = server.answer(record)
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PATCH = do_DELETE = do_POST = do_PUT = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.scheme = "https" if tls else "http"
        if tls:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ the API's answers
    def authorized(self, headers: dict[str, str]) -> bool:
        given = headers.get("Authorization", "")
        if self.basic:
            raw = base64.b64encode(":".join(self.basic).encode()).decode()
            return given == f"Basic {raw}"
        return self.token is None or given == f"Bearer {self.token}"

    def answer(self, request: dict[str, Any]) -> tuple[int, Any]:
        if not self.authorized(request["headers"]):
            return 401, status(401, "Unauthorized", "Unauthorized")
        segments = [s for s in request["path"].split("/") if s]
        if segments[:1] == ["api"]:
            group_version, rest = segments[1], segments[2:]
        elif segments[:1] == ["apis"] and len(segments) >= 3:
            group_version, rest = "/".join(segments[1:3]), segments[3:]
        else:
            return 404, status(404, "NotFound", "the server could not find the requested "
                                                "resource")
        if not rest:
            return self.discovery(group_version)
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        kind = next((k for k in KINDS if k[0] == group_version and k[1] == rest[0]), None)
        if kind is None:
            return 404, status(404, "NotFound", "the server could not find the requested "
                                                "resource")
        name = rest[1] if len(rest) > 1 else None
        key = (group_version, kind[1], namespace if kind[3] else None, name or "")
        return self.resource(request, kind, key)

    def discovery(self, group_version: str) -> tuple[int, Any]:
        resources = [{"name": plural, "singularName": kind.lower(), "namespaced": namespaced,
                      "kind": kind, "verbs": ["create", "delete", "get", "list", "patch"]}
                     for gv, plural, kind, namespaced in KINDS if gv == group_version]
        if not resources:
            return 404, status(404, "NotFound", "the server could not find the requested "
                                                "resource")
        resources.append({"name": f"{resources[0]['name']}/status", "namespaced": True,
                          "kind": resources[0]["kind"], "verbs": ["get", "patch"]})
        return 200, {"kind": "APIResourceList", "groupVersion": group_version,
                     "resources": resources}

    def resource(self, request: dict[str, Any], kind: tuple, key: tuple) -> tuple[int, Any]:
        method, name = request["method"], key[3]
        if method == "GET" and not name:
            items = [obj for k, obj in self.objects.items()
                     if k[:2] == key[:2] and (key[2] is None or k[2] == key[2])]
            return 200, {"kind": f"{kind[2]}List", "apiVersion": kind[0], "items": items,
                         "metadata": {"resourceVersion": str(self.version)}}
        found = self.objects.get(key)
        if method == "GET":
            return (200, found) if found else (404, self.missing(kind, name))
        if method == "DELETE":
            if not found:
                return 404, self.missing(kind, name)
            return 200, self.objects.pop(key)
        if method == "PATCH":
            patch_type = request["headers"].get("Content-Type")
            if patch_type == "application/apply-patch+yaml":
                return self.apply(request["body"], kind, key, found)
            if not found:
                return 404, self.missing(kind, name)
            if patch_type in ("application/strategic-merge-patch+json",
                              "application/merge-patch+json"):
                self.objects[key] = merge(found, request["body"])
            elif patch_type == "application/json-patch+json":
                failed = json_patch(found, request["body"])
                if failed:
                    return 422, status(422, "Invalid", failed)
            else:
                return 415, status(415, "UnsupportedMediaType", "unexpected patch type")
            return 200, self.objects[key]
        return 405, status(405, "MethodNotAllowed", "method not allowed")

    def missing(self, kind: tuple, name: str) -> dict[str, Any]:
        return status(404, "NotFound", f'{kind[1]} "{name}" not found')

    def apply(self, body: dict[str, Any], kind: tuple, key: tuple,
              found: dict[str, Any] | None) -> tuple[int, Any]:
        self.version += 1
        meta = dict(body.get("metadata") or {})
        if kind[3] and meta.get("namespace") != key[2]:
            return 400, status(400, "BadRequest", "the namespace of the object does not "
                                                  "match the namespace on the request")
        old = (found or {}).get("metadata") or {}
        meta.update(uid=old.get("uid") or f"uid-{key[3]}", resourceVersion=str(self.version),
                    creationTimestamp=old.get("creationTimestamp") or "2024-05-01T10:00:00Z",
                    generation=int(old.get("generation") or 0) + 1,
                    managedFields=[{"manager": "fabric8", "operation": "Apply",
                                    "apiVersion": kind[0]}])
        stored = {**body, "metadata": meta}
        if kind[1] == "pods":
            stored["status"] = {"phase": "Running",
                                "conditions": [{"type": "Ready", "status": "True"}]}
        self.objects[key] = stored
        return (200 if found else 201), stored


def merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386 (a strategic merge is the same for the maps the tests patch)."""
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def json_patch(target: dict[str, Any], operations: list[dict[str, Any]]) -> str | None:
    """RFC 6902 test/replace/add on object paths; the failure message, or None."""
    for operation in operations:
        *parents, leaf = operation["path"].strip("/").split("/")
        node = target
        for part in parents:
            node = node.setdefault(part, {})
        if operation["op"] == "test" and node.get(leaf) != operation["value"]:
            return f"the test operation on {operation['path']} failed"
        if operation["op"] in ("replace", "add"):
            node[leaf] = operation["value"]
    return None


@pytest.fixture
def apiserver():
    server = FakeApiServer()
    yield server
    server.close()


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    # what `podium worker` does with PODIUM_HTTP__ALLOW_HOSTS (wiring.worker_http)
    monkeypatch.setattr(RunContext, "http", HttpSettings(allow_hosts=["127.0.0.1"]))
    secrets = {"SECRET_K8S_TOKEN": base64.b64encode(TOKEN.encode()).decode()}
    with Runtime.embedded(tmp_path / "data", workers=1, environ=secrets) as running:
        yield running

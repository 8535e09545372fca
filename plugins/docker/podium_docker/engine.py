"""The Docker Engine API, spoken over HTTP: a unix socket (the default,
`unix:///var/run/docker.sock`, or the worker's `DOCKER_HOST`) or a TCP host through the
worker's SSRF guard.

Why the Engine API and not the docker CLI or the `docker` SDK: the CLI is not on every
worker and its output would have to be parsed; the Engine API is what both of them (and
Kestra's docker-java) send, and a few calls cover Build and Run: build, push, image
inspect/pull, container create/archive/start/logs/wait/kill/delete.
"""

from __future__ import annotations

import base64
import json
import os
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import quote, urlsplit

from podium.sdk import PodiumError, RunContext, TaskFailure
from podium.sdk import guarded_http as guarded

# httpx is imported by the code that talks to the daemon, not here: the executor and the
# scheduler load the task classes alone and never send a request.
if TYPE_CHECKING:
    import httpx

DEFAULT_HOST = "unix:///var/run/docker.sock"
# Plain calls answer within seconds; streams (build output, pulls, logs) may be silent for
# as long as a build step or the container is, so they have no read timeout.
CALL_SECONDS, CONNECT_SECONDS = 300.0, 30.0
STREAM_SECONDS = 30.0
_HINT = ("is the Docker daemon running, and is its socket mounted into the worker "
         "(-v /var/run/docker.sock:/var/run/docker.sock) with read and write access?")


class Engine:
    """One task's connection to a Docker daemon. Errors become TaskFailure with the
    daemon's own message."""

    def __init__(self, ctx: RunContext, host: str | None) -> None:
        self.host = host or os.environ.get("DOCKER_HOST") or DEFAULT_HOST
        self.ctx = ctx
        parts = urlsplit(self.host if "://" in self.host else f"tcp://{self.host}")
        self.socket: str | None = None
        if parts.scheme == "unix":
            self.base, self.socket = "http://docker", parts.path
        elif parts.scheme in ("tcp", "http", "https"):
            scheme = "https" if parts.scheme == "https" or parts.port == 2376 else "http"
            self.base = f"{scheme}://{parts.hostname}:{parts.port or 2375}"
        else:
            raise TaskFailure(f"host: '{self.host}' is not a Docker host (unix:///path or "
                              "tcp://host:port)")
        self.client = self._make()

    def _make(self) -> httpx.Client:
        import httpx

        if self.socket is not None:  # the local daemon the worker is configured with
            return httpx.Client(transport=httpx.HTTPTransport(uds=self.socket),
                                timeout=httpx.Timeout(CALL_SECONDS, connect=CONNECT_SECONDS))
        return guarded.client(self.ctx, timeout=CALL_SECONDS)

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, *, params: Any = None, body: Any = None,
                content: Any = None, headers: dict[str, str] | None = None,
                missing_ok: bool = False) -> Any:
        """The decoded JSON answer (None: no body, or a 404 when `missing_ok`)."""
        if body is not None:
            content = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        with self._errors(method, path):
            response = self.client.request(method, self.base + path, params=params,
                                           content=content, headers=headers)
        if response.status_code == 404 and missing_ok:
            return None
        _check(method, path, response)
        return response.json() if response.content and response.headers.get(
            "content-type", "").startswith("application/json") else None

    @contextmanager
    def stream(self, method: str, path: str, *, params: Any = None, content: Any = None,
               headers: dict[str, str] | None = None,
               client: httpx.Client | None = None) -> Iterator[httpx.Response]:
        """A streamed answer (build progress, logs, archives), its status checked."""
        import httpx

        with self._errors(method, path):
            with (client or self.client).stream(method, self.base + path, params=params,
                                                content=content, headers=headers,
                                                timeout=httpx.Timeout(STREAM_SECONDS,
                                                                      read=None)) as response:
                if response.status_code >= 400:
                    response.read()
                    _check(method, path, response)
                yield response

    def json_lines(self, response: httpx.Response) -> Iterator[dict[str, Any]]:
        """The daemon's progress stream: one JSON object per line."""
        with self._errors("read", "stream"):
            for line in response.iter_lines():
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError:
                        yield {"stream": line}

    def new_client(self) -> httpx.Client:
        """A second connection (a thread following logs while another waits)."""
        return self._make()

    @contextmanager
    def _errors(self, method: str, path: str) -> Iterator[None]:
        import httpx

        try:
            yield
        except httpx.TimeoutException:
            raise TaskFailure(f"Docker daemon at {self.host}: no answer to {method} {path} "
                              "in time") from None
        except httpx.HTTPError as exc:
            raise TaskFailure(f"Docker daemon not reachable at {self.host} ({exc}): "
                              f"{_HINT}") from None
        except TaskFailure:
            raise
        except PodiumError as exc:  # the guard's refusal of a tcp:// host
            raise TaskFailure(f"host {self.host}: {exc}") from None


def _check(method: str, path: str, response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = response.text[:300]
    raise TaskFailure(f"Docker daemon: {method} {path.split('?')[0]}: "
                      f"{response.status_code} {message or response.reason_phrase}")


@contextmanager
def connect(ctx: RunContext, host: str | None) -> Iterator[Engine]:
    engine = Engine(ctx, str(ctx.render(host)).strip() or None if host else None)
    try:
        yield engine
    finally:
        engine.close()


def quoted(name: str) -> str:
    return quote(name, safe="")


def registry_auth(credentials: dict[str, str | None] | None) -> str | None:
    """X-Registry-Auth: the credentials as base64url JSON (the Engine API's form)."""
    if not credentials:
        return None
    payload = {key: value for key, value in (
        ("username", credentials.get("username")), ("password", credentials.get("password")),
        ("serveraddress", credentials.get("registry")),
        ("identitytoken", credentials.get("identityToken")),
        ("registrytoken", credentials.get("registryToken"))) if value}
    if credentials.get("auth") and "username" not in payload:
        user, _, password = base64.b64decode(str(credentials["auth"])).decode().partition(":")
        payload.update(username=user, password=password)
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode() if payload else None

"""Outgoing JSON requests of plugin tasks, through the worker's SSRF guard.

The same guard and settings as the core http tasks (common/http_client.py, the worker's
`http.*` settings on `ctx.http`): the scheme and host of every hop checked, the address
connected to the one checked, no environment proxies. Credentials a task sends are added to
the attempt's masker, so a log line or an error carrying them shows `******`.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podium.common.http_guard import HostPolicy
from podium.sdk import TaskFailure

# httpx (through common/http_client.py) and the settings are imported by the functions that
# send: plugin modules import this one for `mask_secret` at load time, in the executor and
# the scheduler too, which never send and should not carry httpx.
if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class JsonResponse:
    status: int
    body: Any          # the decoded JSON, or the text when it is not JSON
    text: str


def mask_secret(ctx: Any, value: str | None) -> None:
    """Mask `value` in every later log line and error of this attempt."""
    masker = getattr(ctx, "masker", None)
    if value and masker is not None:
        masker.add(value)


def policy_of(ctx: Any) -> HostPolicy:
    """The worker's outgoing guard (its `http` settings; the defaults without them): the one
    policy every plugin connection goes through (this module, webhooks, hosts)."""
    from podium.common.settings import HttpSettings

    http = getattr(ctx, "http", None)
    return HostPolicy.from_settings(http if isinstance(http, HttpSettings) else HttpSettings())


def client(ctx: Any, *, verify: bool | ssl.SSLContext = True, timeout: float = 120.0,
           follow_redirects: bool = False) -> httpx.Client:
    """An httpx client through the worker's guard, for a plugin that speaks a REST API
    (any method, any body). Every request's host is checked and the address connected to is
    the one checked; `verify` as `guarded_client`'s (an SSLContext: a custom CA, a client
    certificate). The timeout is capped by the task's remaining time. Close it (`with`)."""
    import httpx

    from podium.common.http_client import guarded_client

    left = ctx.remaining() if hasattr(ctx, "remaining") else None
    seconds = min(timeout, left) if left is not None else timeout
    return guarded_client(policy_of(ctx), verify=verify, timeout=httpx.Timeout(seconds),
                          follow_redirects=follow_redirects)


def post_json(ctx: Any, url: str, payload: dict[str, Any], *,
              headers: dict[str, str] | None = None, timeout: float = 120.0) -> JsonResponse:
    """POST `payload` as JSON to `url` through the guard; any status is returned. A refused
    host raises the guard's error (HostNotAllowedError / HttpRequestError), a transport
    error or a timeout a TaskFailure naming the URL."""
    import httpx

    from podium.common.http_client import checked_url

    target = checked_url(policy_of(ctx), url)
    session = client(ctx, timeout=timeout)
    try:
        with session:
            response = session.post(target, json=payload, headers=headers or {})
    except httpx.TimeoutException:
        raise TaskFailure(f"POST {url}: no answer within {session.timeout.read:g} s") from None
    except httpx.HTTPError as exc:  # connection refused, reset, TLS...
        raise TaskFailure(f"POST {url} failed: {type(exc).__name__}: {exc}") from None
    text = response.text
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = text
    return JsonResponse(response.status_code, body, text)

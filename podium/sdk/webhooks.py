"""Posting JSON to a chat webhook for plugin tasks (Kestra's notification tasks), version 1.0:
``post_json(ctx, url, payload)``. The request goes through the worker's SSRF guard (the
`http.*` settings, `ctx.http`; none: public hosts only), the URL is never logged (a webhook
URL is a credential: whoever has it can post), and an answer outside 2xx fails the task."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from podium.common.errors import HttpRequestError, TaskFailure
from podium.common.plugins.run_context import RunContext
from podium.sdk.guarded_http import policy_of

# httpx (with common/http_client.py) is imported by `post_json`, not here: notification
# plugins import this module at load time, in the executor and the scheduler too.
if TYPE_CHECKING:
    import httpx

DEFAULT_TIMEOUT = 10.0  # seconds: Kestra's options.readTimeout default


def redacted(url: str) -> str:
    """The URL as logs may show it: scheme and host only (its path is the secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}/***"


def post_json(ctx: RunContext, url: str, payload: Any, *,
              headers: dict[str, str] | None = None,
              timeout: float = DEFAULT_TIMEOUT) -> httpx.Response:
    """POST `payload` as JSON to `url`; the response (2xx), or TaskFailure."""
    import httpx

    from podium.common.http_client import checked_url, guarded_client

    policy = policy_of(ctx)
    shown = redacted(url)
    try:
        target = checked_url(policy, url)
        with guarded_client(policy, timeout=httpx.Timeout(timeout)) as client:
            response = client.post(target, json=payload,
                                   headers={"Content-Type": "application/json",
                                            **(headers or {})})
    except HttpRequestError as exc:
        raise TaskFailure(f"Webhook {shown}: {exc}".replace(url, shown)) from None
    except httpx.HTTPError as exc:
        raise TaskFailure(f"Webhook {shown}: request failed: {type(exc).__name__}: {exc}"
                          .replace(url, shown)) from None
    if not 200 <= response.status_code < 300:
        body = response.text[:500]
        raise TaskFailure(f"Webhook {shown} answered {response.status_code} "
                          f"{response.reason_phrase}: {body}")
    ctx.log("INFO", f"Webhook {shown} answered {response.status_code}")
    return response

"""One poll of an io.kestra.plugin.core.http.Trigger: the request, made by the scheduler.

The request goes through common/http_client.py, so it only reaches the hosts the `http.*`
settings allow, on every redirect hop, exactly as the http.Request task on a worker. As in
Kestra, a failing status does not fail the poll (`allowFailed` is forced: the
`responseCondition` decides). Properties are rendered with the flow's variables (`flow.*`).

Supported: uri, method, headers, body, contentType, formData (url-encoded values; no stored
files), options (timeouts, auth, followRedirects, defaultCharset, ssl). Not supported, and
refused with an HttpRequestError: options.proxy (the guard cannot see what a proxy
resolves), encryptBody.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from podium.common.errors import HttpRequestError
from podium.common.http_client import checked_url, guarded_client
from podium.common.http_guard import HostPolicy
from podium.common.http_options import authorization, timeouts
from podium.common.plugins.tasks.http import RequestOptions
from podium.common.plugins.triggers import HttpTrigger
from podium.common.settings import HttpSettings
from podium.common.templating import render, render_value
from podium.common.templating.services import SecretMasker

DEFAULT_READ_SECONDS = 60.0  # a poll must not hold a scheduler round for Kestra's 5 minutes


@dataclass(frozen=True)
class PollResponse:
    uri: str
    code: int
    headers: dict[str, list[str]]
    body: str | None

    def response_variables(self) -> dict[str, Any]:
        """`response.*` of `responseCondition` (Kestra: statusCode, body, headers)."""
        return {"statusCode": self.code, "body": self.body, "headers": self.headers}

    def trigger_variables(self) -> dict[str, Any]:
        """`trigger.*` of the execution: the http.Request outputs (uri, code, headers, body)."""
        return {"uri": self.uri, "code": self.code, "headers": self.headers, "body": self.body}


def poll(trigger: HttpTrigger, context: dict[str, Any], settings: HttpSettings) -> PollResponse:
    """Send the trigger's request. Raises HttpRequestError (HostNotAllowedError for a
    refused destination) when no response could be had; its message never holds the
    request's credential (it reaches the scheduler's log and a failed execution)."""
    masker = SecretMasker()
    try:
        return _poll(trigger, context, settings, masker)
    except HttpRequestError as exc:
        if not masker.found_in(str(exc)):
            raise
        raise HttpRequestError(masker.mask(str(exc))) from None


def _poll(trigger: HttpTrigger, context: dict[str, Any], settings: HttpSettings,
          masker: SecretMasker) -> PollResponse:
    if trigger.encrypt_body:
        raise HttpRequestError("encryptBody is not supported by Podium yet")
    options = trigger.options or RequestOptions()
    if (options.proxy is not None and options.proxy.address) or options.proxy_address:
        raise HttpRequestError("options.proxy is not supported")
    if trigger.method in ("CONNECT", "CUSTOM"):
        raise HttpRequestError(f"HTTP method {trigger.method} is not supported")
    uri = render(trigger.uri, context).strip()
    policy = HostPolicy.from_settings(settings)
    url = checked_url(policy, uri)
    headers = {str(render(str(k), context)): str(render(str(v), context))
               for k, v in (trigger.headers or {}).items()}
    auth = authorization(options, lambda value: render(str(value), context), masker)
    if auth is not None:
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        headers["Authorization"] = auth
    kwargs: dict[str, Any] = {}
    charset = options.default_charset
    if trigger.form_data:
        form = render_value(trigger.form_data, context)
        kwargs["data"] = {str(k): v if isinstance(v, str) else json.dumps(v)
                          for k, v in form.items()}
    elif trigger.body is not None:
        kwargs["content"] = render(trigger.body, context).encode(charset)
        if not any(k.lower() == "content-type" for k in headers):
            media = render(trigger.content_type, context) if trigger.content_type \
                else "application/json"
            headers["Content-Type"] = media if "charset=" in media.lower() \
                else f"{media}; charset={charset}"
    ssl = options.ssl or trigger.ssl_options
    follow = options.follow_redirects
    follow = follow if isinstance(follow, bool) else render(follow, context) == "true"
    with guarded_client(policy, verify=not (ssl and ssl.insecure_trust_all_certificates),
                        timeout=_timeout(options, context), follow_redirects=follow,
                        max_redirects=settings.max_redirects) as client:
        try:
            with client.stream(trigger.method, url, headers=headers, **kwargs) as response:
                body = _body(response, settings.max_inline_body_bytes, charset)
        except httpx.TooManyRedirects:
            raise HttpRequestError(f"HTTP request to '{uri}' was redirected more than "
                                   f"{settings.max_redirects} times") from None
        except httpx.HTTPError as exc:
            raise HttpRequestError(f"HTTP request to '{uri}' failed: "
                                   f"{type(exc).__name__}: {exc}") from None
    return PollResponse(uri, response.status_code, _headers(response), body)


def _timeout(options: RequestOptions, context: dict[str, Any]) -> httpx.Timeout:
    connect, read = timeouts(options, lambda value: render(str(value), context),
                             DEFAULT_READ_SECONDS)
    return httpx.Timeout(read, connect=connect if connect is not None else read)


def _body(response: httpx.Response, limit: int, default_charset: str) -> str | None:
    data = b""
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > limit:
            raise HttpRequestError(f"the response body of '{response.request.url}' is larger "
                                   f"than http.max_inline_body_bytes ({limit} bytes)")
    if not data:
        return None
    return data.decode(response.charset_encoding or default_charset, errors="replace")


def _headers(response: httpx.Response) -> dict[str, list[str]]:
    """{name: [values]} as received (Kestra's output), names differing in case merged."""
    grouped: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for raw_name, raw_value in response.headers.raw:
        name = raw_name.decode("latin-1")
        grouped.setdefault(names.setdefault(name.lower(), name), []).append(
            raw_value.decode("latin-1"))
    return grouped

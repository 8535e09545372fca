"""The request behind the `http()` template function (Kestra's HttpFunction).

An expression that calls an API is as dangerous as an http.Request task, so it goes
through the same guard (common/http_client.py, the `http.*` settings of the process that
renders: allowed and denied hosts, private addresses, every redirect hop), with a response
bounded by `http.max_inline_body_bytes` and a timeout the caller takes from the render's
own time budget. `fetch` returns the body as Kestra's client would: parsed when the
response says JSON or YAML, else text. A status >= 400 is an error, as in Kestra.

`call` is what the template gave: uri, method, query, body, contentType, headers,
options (auth, timeouts, followRedirects; proxies are refused), accept. Auth and timeouts
are read by common/http_options.py, as for the http tasks and the http.Trigger's poll.
"""

from __future__ import annotations

import io
import json
from http import HTTPStatus
from typing import Any, Mapping

import httpx
from pydantic import ValidationError
from ruamel.yaml import YAML

from podium.common.errors import HttpRequestError, PodiumError
from podium.common.http_client import checked_url, guarded_client
from podium.common.http_guard import HostPolicy
from podium.common.http_options import authorization, timeouts
from podium.common.plugins.tasks.http import RequestOptions
from podium.common.templating.library.json_yaml import from_yaml

JSON = "application/json"
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
_FORM = "application/x-www-form-urlencoded"
_REASONS = {code.value: code.phrase for code in HTTPStatus}


def fetch(call: Mapping[str, Any], settings: Any, timeout: float) -> Any:
    """Send the request; raises HttpRequestError (HostNotAllowedError for a refused
    destination) with a message fit for the flow's logs."""
    uri, options = str(call["uri"]).strip(), _options(call.get("options"))
    policy = HostPolicy.from_settings(settings)
    url = checked_url(policy, uri)
    request_timeout = _timeout(options, timeout)
    follow = options.follow_redirects if isinstance(options.follow_redirects, bool) else True
    with guarded_client(policy, timeout=request_timeout, follow_redirects=follow,
                        max_redirects=settings.max_redirects) as client:
        request = client.build_request(str(call.get("method") or "GET").upper(), url,
                                       params=_query(call.get("query")),
                                       headers=_headers(call, options),
                                       content=_content(call))
        try:
            response = client.send(request, stream=True)
            try:
                data = _read(response, settings.max_inline_body_bytes, uri)
            finally:
                response.close()
        except httpx.TooManyRedirects:
            raise HttpRequestError(f"HTTP request to '{uri}' was redirected more than "
                                   f"{settings.max_redirects} times") from None
        except httpx.TimeoutException:
            raise HttpRequestError(f"HTTP request to '{uri}' timed out") from None
        except httpx.HTTPError as exc:
            raise HttpRequestError(f"Failed to execute HTTP request to '{uri}': "
                                   f"{type(exc).__name__}") from None
    if response.status_code >= 400:
        reason = response.reason_phrase or _REASONS.get(response.status_code, "")
        raise HttpRequestError("Failed to execute HTTP Request, server respond with status "
                               f"{response.status_code} : {reason}")
    return _decode(data, response.headers.get("content-type", ""), response.encoding)


def _options(raw: Any) -> RequestOptions:
    if raw is None:
        return RequestOptions()
    if not isinstance(raw, Mapping):
        raise HttpRequestError("The 'http' function argument 'options' must be a map")
    try:
        options = RequestOptions.model_validate(dict(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise HttpRequestError(f"Invalid 'http' options ({where}): {first['msg']}") from None
    if (options.proxy is not None and options.proxy.address) or options.proxy_address:
        raise HttpRequestError("options.proxy is not supported by the http() function")
    return options


def _as_given(value: Any) -> Any:
    return value  # the template already rendered every argument of http()


def _timeout(options: RequestOptions, budget: float) -> httpx.Timeout:
    """The options' timeouts (common/http_options.py), never past the render's budget."""
    connect, read = timeouts(options, _as_given, default_read=budget)
    return httpx.Timeout(min(budget, read),
                         connect=min(budget, budget if connect is None else connect))


def _query(query: Any) -> httpx.QueryParams | None:
    if query is None:
        return None
    if not isinstance(query, Mapping):
        raise HttpRequestError("The 'http' function argument 'query' must be a map")
    return httpx.QueryParams([(str(k), _text(v)) for k, values in query.items()
                              for v in (values if isinstance(values, list) else [values])])


def _headers(call: Mapping[str, Any], options: RequestOptions) -> list[tuple[str, str]]:
    given = call.get("headers") or {}
    if not isinstance(given, Mapping):
        raise HttpRequestError("The 'http' function argument 'headers' must be a map")
    skipped = {"content-type", "accept"}  # set from contentType / accept below, as Kestra
    headers = [(str(k), _text(v)) for k, values in given.items() if str(k).lower() not in skipped
               for v in (values if isinstance(values, list) else [values])]
    headers.append(("Accept", str(call.get("accept") or JSON)))
    if call.get("body") is not None:
        headers.append(("Content-Type", _media(call)))
    auth = authorization(options, _as_given, masker=None)  # no log echoes a header here
    if auth is not None:
        headers = [h for h in headers if h[0].lower() != "authorization"]
        headers.append(("Authorization", auth))
    return headers


def _media(call: Mapping[str, Any]) -> str:
    return str(call.get("contentType") or JSON)


def _content(call: Mapping[str, Any]) -> bytes | None:
    """The body written for its content type: JSON, YAML or a form for maps and lists,
    text as it is."""
    body = call.get("body")
    if body is None:
        return None
    media = _media(call).split(";")[0].strip().lower()
    if isinstance(body, str):
        return body.encode()
    if media in _YAML_TYPES:
        return _yaml_text(body).encode()
    if media == _FORM and isinstance(body, Mapping):
        return str(httpx.QueryParams({str(k): _text(v) for k, v in body.items()})).encode()
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _yaml_text(value: Any) -> str:
    dumper = YAML(typ="safe", pure=True)
    dumper.default_flow_style = False
    out = io.StringIO()
    dumper.dump(json.loads(json.dumps(value, default=str)), out)
    return out.getvalue()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _read(response: httpx.Response, limit: int, uri: str) -> bytes:
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > limit:
            raise HttpRequestError(f"The response of '{uri}' is larger than {limit} bytes "
                                   "(http.max_inline_body_bytes): use an http.Request task")
    return bytes(data)


def _decode(data: bytes, content_type: str, encoding: str | None) -> Any:
    text = data.decode(encoding or "utf-8", errors="replace")
    media = content_type.split(";")[0].strip().lower()
    try:
        if media == JSON or media.endswith("+json"):
            return json.loads(text) if text.strip() else None
        if media in _YAML_TYPES:
            return from_yaml(text)
    except (ValueError, PodiumError):
        return text  # a body that does not match its declared type stays text
    return text

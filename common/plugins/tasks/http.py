"""io.kestra.plugin.core.http.Request / Download, and the request model http.Trigger shares.

`options` takes both shapes Kestra accepts: the current one (HttpConfiguration: `timeout`,
`auth`, `ssl`, `proxy`, `allowFailed`, ...) and the flat micronaut-era properties it still
reads as deprecated aliases (`connectTimeout`, `readTimeout`, `basicAuthUser`, ...).
"""

from __future__ import annotations

import codecs
from typing import Any, ClassVar, Literal, Union

from pydantic import AfterValidator, Field
from typing_extensions import Annotated

from podium.common.plugins.base import Task
from podium.common.plugins.fields import Duration, DurationStr, Dyn, ScalarStr, StrictModel

HttpMethod = Literal["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT",
                     "PATCH", "CUSTOM"]  # io.micronaut.http.HttpMethod
HttpLogType = Literal["REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_HEADERS", "RESPONSE_BODY"]


def _charset(value: str) -> str:
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(f"unknown charset '{value}'") from None
    return value


class TimeoutOptions(StrictModel):
    """`options.timeout` (TimeoutConfiguration)."""

    connect_timeout: DurationStr | None = None
    read_idle_timeout: DurationStr = "PT5M"


class ProxyOptions(StrictModel):
    """`options.proxy` (ProxyConfiguration)."""

    type: Literal["DIRECT", "HTTP", "SOCKS"] = "DIRECT"
    address: str | None = None
    port: Dyn[int] | None = None
    username: str | None = None
    password: str | None = None


class BasicAuth(StrictModel):
    """`options.auth` with `type: BASIC`."""

    type: Literal["BASIC"]
    username: ScalarStr | None = None
    password: ScalarStr | None = None


class BearerAuth(StrictModel):
    """`options.auth` with `type: BEARER`: sends `Authorization: Bearer <token>`."""

    type: Literal["BEARER"]
    token: ScalarStr | None = None


HttpAuth = Annotated[Union[BasicAuth, BearerAuth], Field(discriminator="type")]


class SslOptions(StrictModel):
    """TLS settings of the HTTP client."""

    insecure_trust_all_certificates: bool | None = None


class RequestOptions(StrictModel):
    """HTTP client settings: Kestra's HttpConfiguration, with the deprecated flat
    properties of micronaut's DefaultHttpClientConfiguration it still accepts."""

    timeout: TimeoutOptions | None = None
    proxy: ProxyOptions | None = None
    auth: HttpAuth | None = None
    ssl: SslOptions | None = None
    follow_redirects: Dyn[bool] = True
    allow_failed: Dyn[bool] = False  # when false, a status >= 400 fails the task
    allowed_response_codes: list[int] | None = None  # when set, any other status fails
    default_charset: Annotated[str, AfterValidator(_charset)] = "UTF-8"
    logs: list[HttpLogType] | None = None

    # Deprecated. Kestra maps connectTimeout / readTimeout onto `timeout`, the proxy* ones
    # onto `proxy`, basicAuth* onto `auth`, logLevel onto `logs`; readIdleTimeout,
    # connectionPoolIdleTimeout and maxContentLength are accepted and ignored. Their
    # defaults are declared as Kestra declares them but only an explicit value is used.
    connect_timeout: Duration | None = None
    read_timeout: Duration = "PT10S"
    read_idle_timeout: Duration = "PT5M"
    connection_pool_idle_timeout: Duration = "PT0S"
    max_content_length: int = 10 * 1024 * 1024
    proxy_type: Literal["DIRECT", "HTTP", "SOCKS"] = "DIRECT"
    proxy_address: str | None = None
    proxy_port: int | None = None
    proxy_username: str | None = None
    proxy_password: str | None = None
    log_level: Literal["ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF",
                       "NOT_SPECIFIED"] | None = None
    basic_auth_user: ScalarStr | None = None
    basic_auth_password: ScalarStr | None = None


class HttpRequestFields(StrictModel):
    """The request properties Request, Download and http.Trigger share (HttpInterface)."""

    uri: str
    method: HttpMethod = "GET"
    body: str | None = None
    # A value is a string (a kestra:// URI sends that file), or {name, content} to upload a
    # stored file under a given name; other values are sent as JSON.
    form_data: dict[str, Any] | None = None
    # Kestra's default for a `body` is application/json (applied when the request is built).
    content_type: str | None = None
    # Values are CharSequences in Kestra: YAML numbers and booleans are read as text.
    headers: dict[str, ScalarStr] | None = None
    options: RequestOptions | None = None
    ssl_options: SslOptions | None = None  # deprecated: options.ssl


class Request(Task, HttpRequestFields):
    """Sends an HTTP request and outputs the status code, headers and body."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.http.Request"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.fs.http.Request",)

    allow_failed: Dyn[bool] = False  # deprecated: options.allowFailed
    encrypt_body: bool = False


class Download(Task, HttpRequestFields):
    """Downloads the response body of an HTTP request into the internal storage."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.http.Download"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.fs.http.Download",)

    fail_on_empty_response: Dyn[bool] = True
    allow_failed: Dyn[bool] = False  # deprecated: options.allowFailed
    # The stored file's name (one name, no folder); without it the response's
    # Content-Disposition filename, else the URL's last path segment.
    save_as: ScalarStr | None = None


class SseRequest(Task, HttpRequestFields):
    """Consumes the server-sent events of an HTTP endpoint until the stream ends; outputs
    them, or the text a `concatJqExpression` extracts from each, joined."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.http.SseRequest"

    concat_jq_expression: str | None = None
    failed_on_missing_jq: Dyn[bool] = True
    # Not a property of Kestra's class, but its documented example sets it: stop after
    # that many events instead of waiting for the stream to end.
    max_events: Dyn[Annotated[int, Field(ge=1)]] | None = None

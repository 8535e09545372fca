"""io.kestra.plugin.core.http.Request / Download, and the request model http.Trigger shares."""

from __future__ import annotations

import codecs
from typing import Any, ClassVar, Literal

from pydantic import AfterValidator
from typing_extensions import Annotated

from common.plugins.base import Task
from common.plugins.fields import Duration, ScalarStr, StrictModel

HttpMethod = Literal["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT",
                     "PATCH", "CUSTOM"]  # io.micronaut.http.HttpMethod


def _charset(value: str) -> str:
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(f"unknown charset '{value}'") from None
    return value


class RequestOptions(StrictModel):
    """HTTP client settings (micronaut's DefaultHttpClientConfiguration)."""

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
    default_charset: Annotated[str, AfterValidator(_charset)] = "UTF-8"
    follow_redirects: bool = True
    log_level: Literal["ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF",
                       "NOT_SPECIFIED"] | None = None
    basic_auth_user: str | None = None
    basic_auth_password: str | None = None


class SslOptions(StrictModel):
    """TLS settings of the HTTP client."""

    insecure_trust_all_certificates: bool | None = None


class HttpRequestFields(StrictModel):
    """The request properties Request, Download and http.Trigger share (HttpInterface)."""

    uri: str
    method: HttpMethod = "GET"
    body: str | None = None
    # A value is a string, or {name, content} to upload a file under a given name.
    form_data: dict[str, Any] | None = None
    content_type: str | None = None
    # Values are CharSequences in Kestra: YAML numbers and booleans are read as text.
    headers: dict[str, ScalarStr] | None = None
    options: RequestOptions | None = None
    ssl_options: SslOptions | None = None


class Request(Task, HttpRequestFields):
    """Sends an HTTP request and outputs the status code, headers and raw body."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.http.Request"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.fs.http.Request",)

    allow_failed: bool = False  # when false, a status >= 400 fails the task
    encrypt_body: bool = False


class Download(Task, HttpRequestFields):
    """Downloads the response body of an HTTP request into the internal storage."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.http.Download"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.fs.http.Download",)

    fail_on_empty_response: bool = True
    allow_failed: bool = False

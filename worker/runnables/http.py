"""io.kestra.plugin.core.http.Request and Download: one guarded HTTP exchange per attempt.

Every connection goes through common/http_client.py, which only reaches the hosts the
worker's `http.*` settings allow (ctx.http; None: public hosts only), on every redirect hop.
Bodies are streamed in chunks: a Request body over `http.max_inline_body_bytes` (or one
that is binary) is spooled to a file and stored, `bodyUri` naming it; a Download always goes
to storage. Header values, credentials and the URL are rendered through the RunContext, so
secrets they hold are masked in logs; request headers are never logged unless `options.logs` asks,
and then credentials and cookies are redacted.
"""

from __future__ import annotations

import codecs
import io
import json
import mimetypes
import uuid
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator
from urllib.parse import unquote

import httpx

from podium.common.errors import HttpRequestError, UnsafePathError
from podium.common.http_client import checked_url, guarded_client
from podium.common.http_guard import HostPolicy
from podium.common.http_options import authorization, timeouts
from podium.common.plugins.tasks.http import Download, HttpRequestFields, Request, RequestOptions
from podium.common.settings import HttpSettings
from podium.common.storage.uris import check_name
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs

CHUNK_SIZE = 64 * 1024
BINARY = "application/octet-stream"  # the type of an uploaded file part, as Kestra's
DEFAULT_READ_IDLE_SECONDS = 300.0  # Kestra's TimeoutConfiguration.readIdleTimeout
FAILURE_BODY_BYTES = 2048  # of a failing response's body, quoted in the error
LOGGED_BODY_CHARS = 4096
REDACTED = ("authorization", "proxy-authorization", "cookie", "set-cookie")
UNSUPPORTED_METHODS = ("CONNECT", "CUSTOM")
# What the deprecated options.logLevel stands for (Kestra's HttpConfiguration.setLogLevel).
LOG_LEVEL_LOGS = {
    "TRACE": ("REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_HEADERS", "RESPONSE_BODY"),
    "ALL": ("REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_HEADERS", "RESPONSE_BODY"),
    "DEBUG": ("REQUEST_HEADERS", "RESPONSE_HEADERS"),
    "INFO": ("RESPONSE_HEADERS",),
}


# ------------------------------------------------------------------ the two tasks
@runs(Request)
def run_request(task: Request, ctx: RunContext) -> dict[str, Any]:
    """Kestra: outputs `uri` (the request URL), `code`, `headers` ({name: [values]}) and
    `body` (text). Podium: a body over the inline limit, or binary, is stored instead and
    `bodyUri` names it (`body` is then null)."""
    if task.encrypt_body:
        raise TaskFailure("encryptBody is not supported by Podium yet")
    settings = http_settings(ctx)
    with Exchange(task, ctx, settings) as exchange:
        response = exchange.response
        body, body_uri = _read_body(response, ctx, exchange, settings.max_inline_body_bytes)
        ctx.log("DEBUG", f"Request '{exchange.url}' with the response code "
                         f"'{response.status_code}'")
    outputs: dict[str, Any] = {"uri": exchange.url, "code": response.status_code,
                               "headers": _headers(response), "body": body}
    if body_uri is not None:
        outputs["bodyUri"] = body_uri
    return outputs


@runs(Download)
def run_download(task: Download, ctx: RunContext) -> dict[str, Any]:
    """Kestra: streams the body to internal storage; outputs `uri`, `code`, `length`,
    `headers`. An empty body fails unless `failOnEmptyResponse: false` or allowFailed."""
    settings = http_settings(ctx)
    save_as = _save_as(task, ctx)  # checked before anything is sent
    path = ctx.working_dir / f"download-{uuid.uuid4().hex}"
    with Exchange(task, ctx, settings) as exchange:
        response = exchange.response
        with open(path, "wb") as out:
            length = 0
            for chunk in body_chunks(response, ctx):
                out.write(chunk)
                length += len(chunk)
        _check_length(response, length)
    if length == 0:
        if ctx.render_bool(task.fail_on_empty_response) and not exchange.allow_failed:
            raise HttpRequestError(f"No response from server: '{exchange.url}' sent an empty "
                                   f"body (status {response.status_code})")
        ctx.log("WARN", f"File '{exchange.url}' is empty")
    uri = ctx.put_file(path, save_as or _file_name(response, exchange.url))
    ctx.metric({"name": "response.length", "type": "counter", "value": length,
                "tags": {"request.method": task.method,
                         "response.code": str(response.status_code)}})
    ctx.log("DEBUG", f"File '{exchange.url}' downloaded with size '{length}'")
    return {"uri": uri, "code": response.status_code, "length": length,
            "headers": _headers(response)}


def http_settings(ctx: RunContext) -> HttpSettings:
    return ctx.http if ctx.http is not None else HttpSettings()


# ------------------------------------------------------------------ one exchange
@dataclass(frozen=True)
class _Options:
    """The client settings of one task, from `options` and the deprecated properties."""

    connect: float | None
    read: float
    follow_redirects: bool
    allow_failed: bool
    allowed_codes: tuple[int, ...] | None
    verify: bool
    charset: str
    logs: frozenset[str]


class Exchange:
    """Renders the request, sends it through a guarded client and checks the status.
    Use as a context manager: the response stays open (streamed) inside it."""

    def __init__(self, task: HttpRequestFields, ctx: RunContext,
                 settings: HttpSettings) -> None:
        self.task, self.ctx, self.settings = task, ctx, settings
        if task.method in UNSUPPORTED_METHODS:
            raise TaskFailure(f"HTTP method {task.method} is not supported")
        self.url = str(ctx.render(task.uri)).strip()
        self.policy = HostPolicy.from_settings(settings)
        self.options = _options(task, ctx)
        self.allow_failed = self.options.allow_failed
        self._client: httpx.Client | None = None
        self._files: list[BinaryIO] = []
        self._body_text: str | None = None  # a `body`, kept for options.logs
        self.response: httpx.Response

    def __enter__(self) -> "Exchange":
        url = checked_url(self.policy, self.url)  # before rendering bodies or files
        self._client = guarded_client(
            self.policy, verify=self.options.verify, timeout=self._timeout(),
            follow_redirects=self.options.follow_redirects,
            max_redirects=self.settings.max_redirects)
        try:
            request = self._build(url)
            self._log_request(request)
            self.response = self._send(request)
            self._log_response()
            self._check_status()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        if getattr(self, "response", None) is not None:
            self.response.close()
        if self._client is not None:
            self._client.close()
        for stream in self._files:
            stream.close()

    def _timeout(self) -> httpx.Timeout:
        self.ctx.check_killed()
        read = self.options.read
        connect = self.options.connect if self.options.connect is not None else read
        left = self.ctx.remaining()
        if left is not None:  # never block past the task's own timeout
            read, connect = (max(min(value, left), 0.001) for value in (read, connect))
        return httpx.Timeout(read, connect=connect)

    def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return self._client.send(request, stream=True)
        except httpx.TooManyRedirects:
            raise HttpRequestError(f"HTTP request to '{self.url}' was redirected more than "
                                   f"{self.settings.max_redirects} times") from None
        except httpx.TimeoutException as exc:
            self.ctx.check_killed()  # past the task's deadline: the task timed out
            raise HttpRequestError(f"HTTP request to '{self.url}' timed out "
                                   f"({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise HttpRequestError(f"HTTP request to '{self.url}' failed: "
                                   f"{type(exc).__name__}: {exc}") from None

    # -------------------------------------------------------------- building the request
    def _build(self, url: httpx.URL) -> httpx.Request:
        task, ctx = self.task, self.ctx
        headers = {str(ctx.render(key)): str(ctx.render(value))
                   for key, value in (task.headers or {}).items()}
        auth = authorization(task.options, ctx.render, ctx.masker)
        if auth is not None:
            _drop(headers, "authorization")
            headers["Authorization"] = auth
        content_type = ctx.render(task.content_type) if task.content_type else None
        form = ctx.render_value(task.form_data) if task.form_data else None
        kwargs: dict[str, Any] = {}
        # As Kestra: formData wins over body; contentType only types a body. A form holding
        # a stored file goes as multipart even without contentType multipart/form-data.
        if form:
            multipart = (content_type or "").lower().startswith("multipart/form-data")
            if multipart or any(map(_is_file, form.values())):
                kwargs["files"] = self._multipart(form)
                if "boundary=" not in (_get(headers, "content-type") or ""):
                    _drop(headers, "content-type")  # httpx writes one with the boundary
            else:
                kwargs["data"] = {str(k): _form_text(v) for k, v in form.items()}
        elif task.body is not None:
            charset = self.options.charset
            self._body_text = str(ctx.render(task.body))
            kwargs["content"] = self._body_text.encode(charset)
            if _get(headers, "content-type") is None:
                media = content_type or "application/json"  # Kestra's default
                headers["Content-Type"] = media if "charset=" in media.lower() \
                    else f"{media}; charset={charset}"
        try:
            return self._client.build_request(task.method, url, headers=headers, **kwargs)
        except (ValueError, TypeError, httpx.HTTPError) as exc:
            raise HttpRequestError(f"Invalid HTTP request to '{self.url}': {exc}") from None

    def _multipart(self, form: dict[str, Any]) -> list[tuple[str, tuple]]:
        parts: list[tuple[str, tuple]] = []
        for key, value in form.items():
            if isinstance(value, str) and value.startswith("kestra://"):
                name = unquote(value.rstrip("/").rsplit("/", 1)[-1]) or "file"
                parts.append((str(key), (name, self._stored(value), BINARY)))
            elif _is_file(value):
                stream = self._stored(str(value["content"]))
                parts.append((str(key), (str(value["name"]), stream, BINARY)))
            else:
                parts.append((str(key), (None, _form_text(value))))
        return parts

    def _stored(self, uri: str) -> BinaryIO:
        """A stored file copied to the working directory first, as Kestra does: it has a
        length (no chunked upload) and can be sent again on a 307/308 redirect."""
        local = self.ctx.working_dir / f"upload-{uuid.uuid4().hex}"
        self.ctx.download(uri, local)
        stream = open(local, "rb")
        self._files.append(stream)
        return stream

    # -------------------------------------------------------------- the response
    def _check_status(self) -> None:
        code = self.response.status_code
        allowed = self.options.allowed_codes
        failed = (code not in allowed) if allowed else (code >= 400 and not self.allow_failed)
        if not failed:
            return
        head = b""
        for chunk in body_chunks(self.response, self.ctx):
            head += chunk
            if len(head) >= FAILURE_BODY_BYTES:
                break
        message = f"Failed http request with response code '{code}'"
        if head:
            text = head[:FAILURE_BODY_BYTES].decode(_charset(self.response), errors="replace")
            more = "..." if len(head) > FAILURE_BODY_BYTES else ""
            message += f" and body:\n{text}{more}"
        raise HttpRequestError(message)

    def _log_request(self, request: httpx.Request) -> None:
        logs = self.options.logs
        if "REQUEST_HEADERS" in logs:
            self.ctx.log("DEBUG", f"request:\n    method: {request.method}\n    uri: {self.url}")
            self.ctx.log("DEBUG", _headers_entry("request", request.headers.raw))
        if "REQUEST_BODY" in logs and self._body_text is not None:
            text = self._body_text[:LOGGED_BODY_CHARS]
            self.ctx.log("TRACE", f"request payload:\n    {text}")

    def _log_response(self) -> None:
        if "RESPONSE_HEADERS" in self.options.logs:
            self.ctx.log("DEBUG", _headers_entry("response", self.response.headers.raw))


def _options(task: Request | Download, ctx: RunContext) -> _Options:
    opts = task.options or RequestOptions()
    if (opts.proxy is not None and opts.proxy.address) or opts.proxy_address:
        raise TaskFailure("options.proxy is not supported: through a proxy the proxy resolves "
                          "host names, which the worker's http.* host checks cannot see")

    connect, read = timeouts(opts, ctx.render, DEFAULT_READ_IDLE_SECONDS)
    ssl = opts.ssl or task.ssl_options
    logs = set(opts.logs or ())
    if opts.log_level is not None:
        logs.update(LOG_LEVEL_LOGS.get(opts.log_level, ()))
    allow_failed = ctx.render_bool(getattr(task, "allow_failed", False)) \
        or ctx.render_bool(opts.allow_failed)  # SseRequest has only options.allowFailed
    return _Options(
        connect=connect, read=read, follow_redirects=ctx.render_bool(opts.follow_redirects),
        allow_failed=allow_failed,
        allowed_codes=tuple(opts.allowed_response_codes) if opts.allowed_response_codes else None,
        verify=not (ssl is not None and ssl.insecure_trust_all_certificates),
        charset=opts.default_charset, logs=frozenset(logs))


# ------------------------------------------------------------------ bodies
def body_chunks(response: httpx.Response, ctx: RunContext) -> Iterator[bytes]:
    """The decoded body in chunks; kill and deadline are checked between them."""
    try:
        for chunk in response.iter_bytes(CHUNK_SIZE):
            ctx.check_killed()
            yield chunk
    except httpx.TimeoutException as exc:
        ctx.check_killed()  # past the task's deadline: the task timed out, not the read
        raise HttpRequestError(f"HTTP response from '{response.request.url}' timed out "
                               f"({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise HttpRequestError(f"HTTP response from '{response.request.url}' failed: "
                               f"{exc}") from None


def _read_body(response: httpx.Response, ctx: RunContext, exchange: Exchange,
               limit: int) -> tuple[str | None, str | None]:
    """(text, None) for a small text body, (None, URI) for a large or binary one. At most
    `limit` bytes (+ one chunk) are held in memory; past that the body goes to a file."""
    buffer = io.BytesIO()
    spill: BinaryIO | None = None
    path = ctx.working_dir / f"body-{uuid.uuid4().hex}"
    try:
        for chunk in body_chunks(response, ctx):
            if spill is None and buffer.tell() + len(chunk) > limit:
                spill = open(path, "wb")
                spill.write(buffer.getvalue())
                buffer = io.BytesIO()
            (spill or buffer).write(chunk)
    finally:
        if spill is not None:
            spill.close()
    if spill is None:
        data = buffer.getvalue()
        if not data and (response.request.method == "HEAD"
                         or response.status_code in (204, 304)):
            return None, None
        text = data.decode(_charset(response), errors="replace")
        if "\x00" not in text:
            if "RESPONSE_BODY" in exchange.options.logs:
                ctx.log("TRACE", f"response payload:\n    {text[:LOGGED_BODY_CHARS]}")
            return text, None
        path.write_bytes(data)  # binary: NUL cannot live in a JSON output on PostgreSQL
    _check_length(response, path.stat().st_size)
    return None, ctx.put_file(path, _body_name(response))


def _check_length(response: httpx.Response, received: int) -> None:
    declared = response.headers.get("content-length")
    if declared is None or response.headers.get("content-encoding"):
        return  # a decoded (gzip...) body has another length than the one announced
    if declared.isdigit() and int(declared) != received and response.request.method != "HEAD":
        raise HttpRequestError(f"Invalid size, got {received}, expected {declared}")


def _charset(response: httpx.Response) -> str:
    name = response.charset_encoding or "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        return "utf-8"
    return name


def _body_name(response: httpx.Response) -> str:
    media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return "body" + (mimetypes.guess_extension(media) or ".bin")


def _file_name(response: httpx.Response, url: str) -> str:
    """Content-Disposition's filename (last path part only, as Kestra), else the URL's last
    path segment, else `download`: always one safe storage name."""
    candidates = [_disposition_name(response.headers.get("content-disposition", ""))]
    candidates.append(unquote(httpx.URL(url).path.rstrip("/").rsplit("/", 1)[-1]))
    for name in candidates:
        if not name:
            continue
        name = name.replace("\\", "/").rsplit("/", 1)[-1]
        try:
            return check_name(name, "file name")
        except UnsafePathError:
            continue
    return "download"


def _save_as(task: Download, ctx: RunContext) -> str | None:
    """`saveAs`, rendered: one safe file name, or a failure naming the property."""
    if task.save_as is None:
        return None
    name = str(ctx.render(task.save_as)).strip()
    try:
        return check_name(name, "saveAs")
    except UnsafePathError as exc:
        raise TaskFailure(f"Invalid saveAs {name!r}: {exc.reason}; give a file name such as "
                          f"orders.csv") from None


def _disposition_name(header: str) -> str | None:
    plain = extended = None
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        key, value = key.strip().lower(), value.strip()
        if key == "filename*" and "'" in value:  # RFC 5987: charset'lang'percent-encoded
            charset, _, rest = value.partition("'")
            _, _, encoded = rest.partition("'")
            try:
                extended = unquote(encoded.strip('"'), encoding=charset or "utf-8")
            except LookupError:
                extended = unquote(encoded.strip('"'))
        elif key == "filename":
            plain = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    return extended or plain


# ------------------------------------------------------------------ small helpers
def _headers(response: httpx.Response) -> dict[str, list[str]]:
    """{name: [values]} as received; names that differ only in case share one entry."""
    grouped: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for raw_name, raw_value in response.headers.raw:
        name = raw_name.decode("latin-1")
        key = names.setdefault(name.lower(), name)
        grouped.setdefault(key, []).append(raw_value.decode("latin-1"))
    return grouped


def _headers_entry(kind: str, raw: list[tuple[bytes, bytes]]) -> str:
    lines = []
    for raw_name, raw_value in raw:
        name = raw_name.decode("latin-1")
        value = "<redacted>" if name.lower() in REDACTED else raw_value.decode("latin-1")
        lines.append(f"{name}: {value}")
    return f"{kind} headers:" + ("\n    " + "\n    ".join(lines) if lines else " null")


def _is_file(value: Any) -> bool:
    return (isinstance(value, str) and value.startswith("kestra://")) or \
        (isinstance(value, dict) and "name" in value and "content" in value)


def _form_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) or value is None:
        return "" if value is None else str(value)
    return json.dumps(value)


def _get(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _drop(headers: dict[str, str], name: str) -> None:
    for key in [k for k in headers if k.lower() == name]:
        del headers[key]


"""Kestra's JDBC URLs, parsed into what a Python DB-API driver needs.

Forms read (the ones Kestra's drivers document)::

    jdbc:postgresql://host:5432/db?sslmode=require&user=u   server, port, database, params
    jdbc:postgresql://host/db      jdbc:postgresql:db       jdbc:postgresql://[::1]:5432/db
    jdbc:mysql://user:pw@host:3306/db?useSSL=false          jdbc:mariadb://host/db
    jdbc:sqlite:/path/to/file.db   jdbc:sqlite::memory:     jdbc:sqlite:relative.db
    jdbc:duckdb:                   jdbc:duckdb:/path/x.duckdb

A server URL's query parameters are kept (driver properties such as `sslmode`); the
embedded forms keep the rest of the URL as `path` ("" for an in-memory database).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit


class JdbcUrlError(ValueError):
    """A `url` that is blank, not JDBC, or of another database than the task's."""


@dataclass(frozen=True)
class JdbcUrl:
    url: str                     # as given (rendered)
    driver: str                  # "postgresql", "mysql", "mariadb", "sqlite", "duckdb"...
    host: str | None = None
    port: int | None = None
    database: str | None = None  # server databases: the name after the host, if any
    path: str = ""               # embedded databases: the file ("" or ":memory:": in memory)
    user: str | None = None      # from `user:pw@host` (MySQL) or `?user=` (any driver)
    password: str | None = None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def in_memory(self) -> bool:
        return self.path in ("", ":memory:", "memory:")


def parse_jdbc_url(url: str | None, scheme: str | None = None) -> JdbcUrl:
    """Parse a JDBC URL; with `scheme` (e.g. ``jdbc:postgresql``) the URL must use it, as
    Kestra's ``validateUrl`` requires. Raises JdbcUrlError naming the property."""
    text = (url or "").strip()
    if not text:
        raise JdbcUrlError("Rendered value of `url` is blank.")
    if scheme is not None and not text.startswith(scheme):
        raise JdbcUrlError(f"URL scheme is invalid. URL should start with `{scheme}` "
                           f"(got `url: {_redact(text)}`)")
    if not text.startswith("jdbc:") or text.count(":") < 2:
        raise JdbcUrlError(f"`url` is not a JDBC URL (jdbc:<driver>:...): {_redact(text)}")
    driver, _, rest = text[len("jdbc:"):].partition(":")
    if rest.startswith("//"):
        return _server_url(text, driver.lower(), rest)
    return _embedded_url(text, driver.lower(), rest)


def _server_url(text: str, driver: str, rest: str) -> JdbcUrl:
    # Several hosts (`h1:5432,h2:5432`, failover): the first one is used.
    authority, _, tail = rest[2:].partition("/")
    if "?" in authority:  # `jdbc:postgresql://host?x=1` (no database)
        authority, _, query = authority.partition("?")
        tail = "?" + query
    authority = authority.split(",")[0]
    try:
        parts = urlsplit(f"x://{authority}/{tail}")
        port = parts.port
    except ValueError as exc:
        raise JdbcUrlError(f"`url` has a bad host or port ({exc}): {_redact(text)}") from None
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    database = unquote(parts.path.lstrip("/")) or None
    return JdbcUrl(
        url=text, driver=driver, host=parts.hostname or None, port=port, database=database,
        user=unquote(parts.username) if parts.username else params.get("user"),
        password=unquote(parts.password) if parts.password else params.get("password"),
        params=params)


def _embedded_url(text: str, driver: str, rest: str) -> JdbcUrl:
    path, _, query = rest.partition("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if driver in ("postgresql", "mysql", "mariadb"):  # `jdbc:postgresql:db`: local server
        return JdbcUrl(url=text, driver=driver, database=path or None, params=params,
                       user=params.get("user"), password=params.get("password"))
    return JdbcUrl(url=text, driver=driver, path=path, params=params)


def _redact(text: str) -> str:
    """The URL without a password, for error messages."""
    if "@" in text and "//" in text:
        head, _, tail = text.partition("//")
        creds, _, host = tail.partition("@")
        if host and ":" in creds:
            text = f"{head}//{creds.split(':')[0]}:***@{host}"
    return text

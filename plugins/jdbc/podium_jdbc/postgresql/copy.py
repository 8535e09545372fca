"""What CopyIn and CopyOut share (Kestra's AbstractCopy): the COPY options, and the
statement built from them exactly as Kestra builds it."""

from __future__ import annotations

from enum import Enum
from typing import Any

from podium.sdk import Expr, RunContext, TaskFailure
from podium_jdbc.postgresql.connection import PostgresConnection


class CopyFormat(str, Enum):
    TEXT = "TEXT"
    CSV = "CSV"
    BINARY = "BINARY"


class AbstractCopy(PostgresConnection):
    table: str | None = None              # optionally schema-qualified
    columns: list[str] | Expr | None = None
    format: CopyFormat = CopyFormat.TEXT
    oids: bool | None = None
    freeze: bool | None = None
    delimiter: str | None = None          # one character (default: tab in TEXT, comma in CSV)
    null_string: str | None = None
    header: bool | None = None
    quote: str | None = None
    escape: str | None = None
    force_quote: list[str] | Expr | None = None
    force_not_null: list[str] | Expr | None = None
    force_null: list[str] | Expr | None = None
    encoding: str | None = None
    socket_timeout: int | None = None     # seconds; read as libpq's TCP user timeout

    def connection_options(self, ctx: RunContext) -> dict[str, Any]:
        options = super().connection_options(ctx)
        if self.socket_timeout:
            options["tcp_user_timeout"] = self.socket_timeout * 1000
        return options

    def copy_statement(self, ctx: RunContext, query: str | None, dest: str) -> str:
        """`COPY <table> (<columns>) | (<query>) <dest> WITH (<options>)`."""
        parts = ["COPY"]
        if query is None:
            table = ctx.render(self.table) if self.table else ""
            if not table:
                raise TaskFailure("`table` is required (the table to copy)")
            parts.append(table)
            columns = self._list(ctx, self.columns, "columns")
            if columns:
                parts.append("(" + ", ".join(columns) + ")")
        else:
            parts.append(f"({query})")
        parts.append(dest)
        options = self._options(ctx)
        if options:
            parts.append("WITH (" + ", ".join(options) + ")")
        return " ".join(parts)

    def _options(self, ctx: RunContext) -> list[str]:
        options: list[str] = []
        if self.format is not CopyFormat.TEXT:
            options.append(f"FORMAT {self.format.value}")
        if self.oids:
            options.append("OIDS")
        if self.freeze:
            options.append("FREEZE")
        for name, value in (("DELIMITER", self.delimiter), ("NULL", self.null_string),
                            ("QUOTE", self.quote), ("ESCAPE", self.escape),
                            ("ENCODING", self.encoding)):
            if value is not None:
                text = ctx.render(value)
                if name in ("DELIMITER", "QUOTE", "ESCAPE"):
                    text = _one_char(text, name.lower())
                options.append(f"{name} {_literal(text)}")
        if self.header is not None:
            options.append(f"HEADER {'TRUE' if self.header else 'FALSE'}")
        force_quote = self._list(ctx, self.force_quote, "forceQuote")
        if force_quote:
            options.append("FORCE_QUOTE " + ("*" if force_quote == ["*"]
                                             else "(" + ", ".join(force_quote) + ")"))
        for name, values in (("FORCE_NOT_NULL", self.force_not_null),
                             ("FORCE_NULL", self.force_null)):
            listed = self._list(ctx, values, name.lower())
            if listed:
                options.append(f"{name} (" + ", ".join(listed) + ")")
        return options

    @staticmethod
    def _list(ctx: RunContext, value: list[str] | str | None, field: str) -> list[str]:
        if value is None:
            return []
        rendered = ctx.render_typed(value) if isinstance(value, str) else \
            [ctx.render(item) for item in value]
        if not isinstance(rendered, list):
            raise TaskFailure(f"`{field}` must be a list of column names")
        return [str(item) for item in rendered]


def _one_char(text: str, field: str) -> str:
    # YAML gives "\t" as a tab; a flow may also write the two characters `\t`.
    text = {"\\t": "\t", "\\n": "\n"}.get(text, text)
    if len(text) != 1:
        raise TaskFailure(f"`{field}` must be a single character, got {text!r}")
    return text


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

"""SQL text: splitting a script into statements, and Kestra's `:name` parameters.

Both scan the text once, skipping what is not SQL code: quoted strings ('..', "..",
`..`, [..]), comments (--, /* */) and PostgreSQL dollar quotes ($$..$$, $tag$..$tag$).
Splitting also keeps a BEGIN ... END block (a procedure body, a PL/SQL block) whole, as
Kestra's SqlSplitter does, while a transaction's `BEGIN;` stays a statement of its own.
(Oracle's DECLARE ... BEGIN blocks are not read: no Oracle driver here, and a PostgreSQL
`DECLARE name CURSOR FOR ...;` is an ordinary statement.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def _segments(sql: str) -> Iterator[tuple[bool, str]]:
    """(is_code, text) pieces of `sql`, in order; literals and comments are not code."""
    i, n, start = 0, len(sql), 0
    while i < n:
        c, nxt = sql[i], sql[i + 1: i + 2]
        end = -1
        if c in "'\"`[":
            close = "]" if c == "[" else c
            end = i + 1
            while end < n:
                if sql[end] == close:
                    if sql[end + 1: end + 2] == close:  # doubled: an escaped quote
                        end += 2
                        continue
                    break
                end += 1
            end += 1
        elif c == "-" and nxt == "-":
            newline = sql.find("\n", i)
            end = n if newline < 0 else newline + 1
        elif c == "/" and nxt == "*":
            close_at = sql.find("*/", i + 2)
            end = n if close_at < 0 else close_at + 2
        elif c == "$":
            tag = _DOLLAR_TAG.match(sql, i)
            if tag and not (i and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
                close_at = sql.find(tag.group(), tag.end())
                end = n if close_at < 0 else close_at + len(tag.group())
        if end < 0:
            i += 1
            continue
        if start < i:
            yield True, sql[start:i]
        yield False, sql[i:min(end, n)]
        i = start = min(end, n)
    if start < n:
        yield True, sql[start:]


def split_statements(sql: str) -> list[str]:
    """The statements of a `;`-separated script, trimmed, without their final `;`; empty
    statements (blank or only `;`) are dropped."""
    statements: list[str] = []
    current: list[str] = []
    depth = 0  # open BEGIN/DECLARE ... END blocks
    last_word = ""
    for is_code, text in _segments(sql):
        if not is_code:
            current.append(text)
            continue
        pos = 0
        for match in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*|;", text):
            token = match.group().upper()
            if token == ";":
                if last_word == "END" and depth > 0:
                    depth -= 1
                if depth == 0:
                    current.append(text[pos:match.start()])
                    _flush(statements, current)
                    pos = match.end()
                last_word = ";"
                continue
            if token == "BEGIN" and _opens_block(text, match.end()):
                depth += 1
            last_word = token
        current.append(text[pos:])
    _flush(statements, current)
    return statements


def _opens_block(text: str, end: int) -> bool:
    """BEGIN opens a block unless it starts a transaction (`BEGIN;`, `BEGIN TRANSACTION`,
    `BEGIN WORK`, `BEGIN ISOLATION LEVEL ...`)."""
    following = text[end:].lstrip()
    word = _WORD.match(following)
    if not following or following.startswith(";"):
        return False
    return not (word and word.group().upper() in ("TRANSACTION", "WORK", "ISOLATION"))


def _flush(statements: list[str], current: list[str]) -> None:
    text = "".join(current).strip()
    current.clear()
    if text:
        statements.append(text)


def bind_named(sql: str, parameters: dict[str, object] | None, placeholder: str,
               escape_percent: bool) -> tuple[str, list[object], list[str]]:
    """Kestra's named parameters: each `:name` in the SQL code (not in a literal, a comment
    or a `::type` cast) becomes the driver's positional `placeholder`, bound to
    `parameters[name]` (None when missing, as Kestra binds null). Returns the SQL, the
    values in order, and the names the parameters map lacks. With `escape_percent` (the
    `%s` paramstyle) a literal `%` in code is doubled."""
    values: list[object] = []
    missing: list[str] = []
    params = parameters or {}
    out: list[str] = []
    for is_code, text in _segments(sql):
        if not is_code:
            out.append(text.replace("%", "%%") if escape_percent else text)
            continue
        if escape_percent:
            text = text.replace("%", "%%")

        def swap(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in params:
                missing.append(name)
            values.append(params.get(name))
            return placeholder
        out.append(_PARAM.sub(swap, text))
    return "".join(out), values, missing

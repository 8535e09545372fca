"""Amazon Ion text, as Kestra's FileSerde reads and writes it (internal-storage row files):
one value per line.

``to_ion(value)`` writes one value (a row: one line of an ``.ion`` file); ``ion_rows(text)``
reads the top-level values of a file; ``from_ion(text)`` reads one value (or a list when
there are several); ``java_iso(value)`` writes a date, time or datetime as Kestra's JSON
does (ISO, offset, no zone name). For large files, stream: ``read_ion(stream)`` yields the
values one at a time, ``write_ion(out, value)`` writes one line (``ion_text``: timestamps at
Kestra's millisecond precision).

Values are Python's: dict (struct, keys in order), list, str (strings and symbols), int,
float, ``Decimal`` (ION decimal), bool, None, bytes (blob), an aware ``datetime`` (a
timestamp with an offset) or a ``date`` (a day-precision timestamp). Writing follows the
project's ION writer (common/templating/library/ion.py), as Kestra's Jackson ION mapper does.
Also the Java date-pattern formatter plugins need to render such values as Kestra does.
"""

from __future__ import annotations

import base64
import codecs
import datetime as dt
import json
import math
import re
from decimal import Decimal
from typing import IO, Any, BinaryIO, Iterable, Iterator

from podium.common.errors import PodiumError
from podium.common.templating.library.ion import (
    _number,
    _timestamp,
    _unescape,
    from_ion,
    ion_rows,
    to_ion,
)
from podium.common.templating.library.java_dates import Zone, format_pattern, parse_zone
from podium.common.templating.library.java_dates import iso_string as java_iso

# A value spread over lines (a struct written across lines by hand) is joined line by line;
# a "value" longer than this is a malformed file, not a big record.
MAX_VALUE_CHARS = 64 * 1024 * 1024

__all__ = ["MAX_VALUE_CHARS", "Zone", "format_pattern", "from_ion", "ion_rows", "ion_text",
           "ion_timestamp", "java_iso", "parse_zone", "read_ion", "to_ion", "write_ion",
           "write_ion_all"]


def read_ion(stream: BinaryIO, encoding: str = "utf-8") -> Iterator[Any]:
    """The top-level values of an ION text stream, one at a time. Raises PodiumError on
    a malformed file, naming the line."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    pending, line_no, start = "", 0, 0
    for raw in _lines(stream):
        line_no += 1
        try:
            text = pending + decoder.decode(raw)
        except UnicodeDecodeError as exc:
            raise PodiumError(f"Invalid ION at line {line_no}: not {encoding} text ({exc.reason})") from None
        if not pending:
            start = line_no
        if not text.strip():
            pending = ""
            continue
        try:
            values = _fast_rows(text)
            if values is None:
                values = ion_rows(text)
        except PodiumError as exc:
            if len(text) > MAX_VALUE_CHARS:
                raise PodiumError(f"Invalid ION at line {start}: {exc}") from None
            pending = text  # maybe a value continued on the next line
            continue
        pending = ""
        yield from values
    tail = pending + decoder.decode(b"", final=True)
    if tail.strip():
        try:
            yield from ion_rows(tail)
        except PodiumError as exc:
            raise PodiumError(f"Invalid ION at line {start}: {exc}") from None


# ---------------------------------------------------------------- fast path
# Kestra's ION lines are JSON but for symbol keys, bare timestamps, decimals, blobs and quoted
# symbols: those tokens are rewritten (strings are matched whole so their text is never
# touched) and the line read by the json module, many times faster than the general reader.
# Anything else (annotations, long strings, s-expressions, comments, several values on a
# line) takes the general reader.
_FAST = re.compile(r"""
  (?P<str>"(?:[^"\\\n]|\\.)*")
 |(?P<ts>\d{4}-\d{2}-\d{2}(?:T(?:\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)?|\d{4}(?:-\d{2})?T)
 |(?P<num>[+-]?\d[\w.+-]*)
 |(?P<sym>[A-Za-z_$][\w$]*(?:\.[a-z]+)?)
 |(?P<qsym>'(?!'')(?:[^'\\\n]|\\.)*')
 |(?P<blob>\{\{[^}"]*\}\})
 |(?P<bail>'|::|[()]|/[*/]|\{\{)
""", re.X)
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_MARK = "\x00"


class _Bail(Exception):
    pass


def _fast_rows(text: str) -> list[Any] | None:
    if "\\u0000" in text or _MARK in text:
        return None  # a real string could then look like a mark
    marks: list[Any] = []

    def token(m: re.Match[str]) -> str:
        kind, tok = m.lastgroup, m.group()
        if kind == "str":
            return tok
        if kind == "num":
            if _PLAIN_NUMBER.fullmatch(tok):
                return tok
            marks.append(_number(tok))
        elif kind == "sym":
            if tok in ("true", "false", "null"):
                return tok
            if tok.startswith("null."):
                return "null"
            marks.append(math.nan if tok == "nan" else tok)
        elif kind == "ts":
            marks.append(_timestamp(tok))
        elif kind == "qsym":
            marks.append(_unescape(tok[1:-1]))
        elif kind == "blob":
            marks.append(base64.b64decode("".join(tok[2:-2].split()), validate=True))
        else:
            raise _Bail
        return f'"{_MARK}{len(marks) - 1}"'

    try:
        value = json.loads(_FAST.sub(token, text), parse_float=_float_or_decimal,
                           parse_constant=_refuse, strict=False)
    except (_Bail, ValueError, PodiumError):
        return None
    return [_unmark(value, marks) if marks else value]


def _float_or_decimal(text: str) -> Any:
    return float(text) if "e" in text or "E" in text else Decimal(text)


def _refuse(text: str) -> Any:
    raise ValueError(text)  # NaN/Infinity are not ION spellings


def _unmark(value: Any, marks: list[Any]) -> Any:
    if isinstance(value, str):
        return marks[int(value[1:])] if value[:1] == _MARK else value
    if isinstance(value, dict):
        return {(marks[int(k[1:])] if k[:1] == _MARK else k): _unmark(v, marks)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_unmark(v, marks) for v in value]
    return value


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    # Binary lines: a UTF-8 newline byte never occurs inside a multi-byte character.
    while True:
        line = stream.readline(1024 * 1024)
        if not line:
            return
        yield line


_SYMBOL = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_KEYWORDS = {"null", "true", "false", "nan"}


def ion_text(value: Any) -> str:
    """A value as Kestra's ION files hold it: the project's ION writer, but timestamps at
    millisecond precision at least (`2024-01-02T03:04:05.000Z`), as Kestra's Jackson ION
    serializer writes an Instant."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{_key(str(k))}:{ion_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(ion_text(v) for v in value) + "]"
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return ion_timestamp(value)
    return to_ion(value)


def ion_timestamp(value: dt.datetime) -> str:
    digits = 6 if value.microsecond % 1000 else 3
    text = value.replace(tzinfo=None).isoformat(timespec="microseconds" if digits == 6
                                                else "milliseconds")
    offset = value.utcoffset() or dt.timedelta(0)
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("+", minutes) if minutes >= 0 else ("-", -minutes)
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _key(key: str) -> str:
    if _SYMBOL.fullmatch(key) and key not in _KEYWORDS:
        return key
    return "'" + json.dumps(key, ensure_ascii=False)[1:-1].replace("'", "\\'").replace('\\"', '"') + "'"


def write_ion(out: IO[str], value: Any) -> None:
    """One value, on its own line."""
    out.write(ion_text(value))
    out.write("\n")


def write_ion_all(out: IO[str], values: Iterable[Any]) -> int:
    """Every value, one per line; returns how many."""
    count = 0
    for value in values:
        write_ion(out, value)
        count += 1
    return count

"""Minimal Amazon Ion text: writing (like Jackson's Ion mapper) and reading (fromIon)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
from decimal import Decimal
from typing import Any

from ._util import check_depth, fail
from .java_dates import iso_string

_SYMBOL = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_KEYWORDS = {"null", "true", "false", "nan"}


def _symbol(key: str) -> str:
    if _SYMBOL.fullmatch(key) and key not in _KEYWORDS:
        return key
    return "'" + json.dumps(key, ensure_ascii=False)[1:-1].replace("'", "\\'").replace('\\"', '"') + "'"


def _float(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "+inf" if x > 0 else "-inf"
    r = repr(x)
    if "e" in r:
        m, e = r.split("e")
        return f"{m}e{int(e)}"
    return r + "e0"


def to_ion(value: Any, depth: int = 0) -> str:
    check_depth(depth, "toIon")
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Decimal):
        s = str(value)
        return s.replace("E", "d") if "E" in s else (s if "." in s else s + ".")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return iso_string(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return json.dumps(iso_string(value))
    if isinstance(value, (bytes, bytearray)):
        return "{{" + base64.b64encode(bytes(value)).decode() + "}}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_symbol(str(k))}:{to_ion(v, depth + 1)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ",".join(to_ion(v, depth + 1) for v in value) + "]"
    fail("Unable to transform this value to ion")


# ---------------------------------------------------------------- reader

_TOKEN = re.compile(r"""
  (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
 |(?P<ts>\d{4}-\d{2}-\d{2}(?:T(?:\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)?|\d{4}(?:-\d{2})?T)
 |(?P<num>[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|(?:\d[\d_]*)(?:\.[\d_]*)?(?:[eEdD][+-]?\d+)?)|[+-]inf)
 |(?P<long>'''(?:[^'\\]|\\.|'(?!''))*''')
 |(?P<str>"(?:[^"\\\n]|\\.)*")
 |(?P<qsym>'(?:[^'\\\n]|\\.)*')
 |(?P<sym>[A-Za-z_$][A-Za-z0-9_$]*(?:\.[a-z]+)?)
 |(?P<punct>\{\{|\}\}|::|[{}\[\](),:])
 |(?P<op>[!#%&*+\-./;<=>?@^`|~]+)
""", re.X | re.S)


def _unescape(body: str) -> str:
    try:
        text: str = json.loads('"' + body.replace('\\\'', "'").replace('"', '\\"').replace('\\\\"', '\\"') + '"')
    except ValueError:
        fail("Invalid ion: bad string escape")
    return text


class _Reader:
    def __init__(self, text: str) -> None:
        self.toks, pos = [], 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                fail(f"Invalid ion: unexpected character at offset {pos}")
            if m.lastgroup != "ws":
                self.toks.append((m.lastgroup, m.group()))
            pos = m.end()
        self.i = 0

    def peek(self) -> Any:
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def next(self) -> Any:
        tok = self.peek()
        if tok[0] is None:
            fail("Invalid ion: unexpected end of input")
        self.i += 1
        return tok

    def expect(self, text: Any) -> None:
        if self.next()[1] != text:
            fail(f"Invalid ion: expected '{text}'")

    def _struct_open(self) -> bool:
        """Inside a struct: False at its closing brace. The tokenizer reads the `}}` that
        closes two nested structs (`{a:{b:1}}`) as a blob's end; here it is two braces."""
        if self.peek()[1] == "}}":
            self.toks[self.i:self.i + 1] = [("punct", "}"), ("punct", "}")]
        return bool(self.peek()[1] != "}")

    def value(self, depth: Any = 0) -> Any:
        check_depth(depth, "fromIon")
        kind, text = self.next()
        while self.peek()[1] == "::":  # annotations are dropped
            self.next()
            kind, text = self.next()
        if kind == "punct":
            if text == "{":
                struct: dict[Any, Any] = {}
                while self._struct_open():
                    k_kind, k = self.next()
                    key = _unescape(k[1:-1]) if k_kind in ("str", "qsym") else k
                    self.expect(":")
                    struct[key] = self.value(depth + 1)
                    if self.peek()[1] == ",":
                        self.next()
                self.expect("}")
                return struct
            if text in "[(":
                close, out = ("]" if text == "[" else ")"), []
                while self.peek()[1] != close:
                    out.append(self.value(depth + 1))
                    if self.peek()[1] == ",":
                        self.next()
                self.expect(close)
                return out
            if text == "{{":
                body = []
                while self.peek()[1] != "}}":
                    body.append(self.next()[1])
                self.next()
                joined = "".join(body)
                if joined.startswith('"'):
                    return _unescape(joined[1:-1])
                try:
                    return base64.b64decode(joined, validate=True)
                except ValueError:
                    fail("Invalid ion: bad blob")
            fail(f"Invalid ion: unexpected '{text}'")
        if kind == "str":
            return _unescape(text[1:-1])
        if kind == "long":
            parts = [text]
            while self.peek()[0] == "long":
                parts.append(self.next()[1])
            return "".join(_unescape(p[3:-3].replace("\n", "\\n")) for p in parts)
        if kind == "qsym":
            return _unescape(text[1:-1])
        if kind == "num":
            return _number(text)
        if kind == "ts":
            return _timestamp(text)
        if kind == "sym":
            if text in ("null",) or text.startswith("null."):
                return None
            if text in ("true", "false"):
                return text == "true"
            if text == "nan":
                return math.nan
            return text
        fail(f"Invalid ion: unexpected '{text}'")


def _number(text: str) -> Any:
    t = text.replace("_", "")
    if t in ("+inf", "-inf"):
        return math.inf if t[0] == "+" else -math.inf
    low = t.lower().lstrip("+-")
    sign = -1 if t.startswith("-") else 1
    if low.startswith("0x"):
        return sign * int(low[2:], 16)
    if low.startswith("0b"):
        return sign * int(low[2:], 2)
    if "e" in low:
        return float(t)
    if "d" in low or "." in low:
        return Decimal(t.replace("d", "E").replace("D", "E"))
    return int(t)


def _timestamp(text: str) -> Any:
    t = text.rstrip("T")
    try:
        if len(t) <= 10:
            return dt.date.fromisoformat(t if len(t) == 10 else (t + "-01-01")[:10])
        return dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        fail(f"Invalid ion: bad timestamp '{text}'")


def from_ion(text: str) -> Any:
    r = _Reader(text)
    if r.peek()[0] is None:
        return None
    out = r.value()
    if r.peek()[0] is not None:
        values = [out]
        while r.peek()[0] is not None:
            values.append(r.value())
        return values
    return out


def ion_rows(text: str, limit: int | None = None) -> list[Any]:
    """The top-level values of an ION text (one per row of a Kestra ION file), the first
    `limit` of them when given."""
    r = _Reader(text)
    rows: list[Any] = []
    while r.peek()[0] is not None and (limit is None or len(rows) < limit):
        rows.append(r.value())
    return rows

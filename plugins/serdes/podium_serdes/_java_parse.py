"""Parsing text with a Java DateTimeFormatter pattern (the subset data files use: y M d H
m s S X x Z, quoted literals and [optional] sections)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

_FIELDS = {"y": r"(?P<y>\d{4})", "u": r"(?P<y>\d{4})", "M": r"(?P<M>\d{1,2})",
           "d": r"(?P<d>\d{1,2})", "H": r"(?P<H>\d{1,2})", "m": r"(?P<m>\d{1,2})",
           "s": r"(?P<s>\d{1,2})", "S": r"(?P<S>\d{1,9})",
           "X": r"(?P<X>Z|[+-]\d{2}(?::?\d{2})?)", "x": r"(?P<X>[+-]\d{2}(?::?\d{2})?)",
           "Z": r"(?P<X>[+-]\d{4}|Z)"}


@lru_cache(maxsize=64)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    out, i, seen = [], 0, set()
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            end = pattern.index("'", i + 1) if "'" in pattern[i + 1:] else len(pattern)
            out.append(re.escape(pattern[i + 1:end] or "'"))
            i = end + 1
            continue
        if c == "[":
            out.append("(?:")
        elif c == "]":
            out.append(")?")
        elif c.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == c:
                j += 1
            if c not in _FIELDS:
                raise ValueError(f"unsupported pattern letter '{c}' for parsing")
            group = _FIELDS[c]
            if c in seen:  # a group name may appear once: repeat as a plain group
                group = re.sub(r"\?P<\w>", "", group)
            seen.add(c)
            out.append(group)
            i = j
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


def parse(text: str, pattern: str, default_tz: dt.tzinfo) -> Any:
    """A datetime (aware: its offset, else `default_tz`), a date or a time, by the fields
    the pattern has; ValueError when the text does not match."""
    match = compile_pattern(pattern).fullmatch(text.strip())
    if not match:
        raise ValueError(f"'{text}' does not match the pattern '{pattern}'")
    g = match.groupdict()
    tz = _offset(g.get("X")) or default_tz
    nanos = (g.get("S") or "0").ljust(9, "0")
    clock = dt.time(int(g.get("H") or 0), int(g.get("m") or 0), int(g.get("s") or 0),
                    int(nanos[:6]))
    if g.get("y") is None:
        return clock.replace(tzinfo=_offset(g.get("X")))
    day = dt.date(int(g["y"]), int(g.get("M") or 1), int(g.get("d") or 1))
    if g.get("H") is None:
        return day
    return dt.datetime.combine(day, clock, tz)


def _offset(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    if text == "Z":
        return dt.timezone.utc
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    return dt.timezone(dt.timedelta(minutes=-minutes if text[0] == "-" else minutes))

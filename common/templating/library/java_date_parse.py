"""Parsing date strings like java.time: ZonedDateTime, then LocalDateTime, then LocalDate."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, Sequence

from ._util import fail
from .java_dates import (
    DAYS,
    MONTHS,
    PATTERNS,
    Zone,
    _offset_seconds,
    fixed_zone,
    parse_zone,
    tokenize,
)

MAX_INPUT = 200

_OFF = r"Z|[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?"
_DATE = r"(?P<y>[+-]?\d{4,9})-(?P<M>\d{2})-(?P<d>\d{2})"
_TIME = r"(?P<H>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.(?P<S>\d{0,9}))?)?"
_ZONED = rf"(?P<X>{_OFF})(?:\[(?P<V>[^\]]{{1,64}})\])?"
_ISO = {
    "iso_local_date": _DATE, "iso_local_time": _TIME, "iso_local_date_time": f"{_DATE}T{_TIME}",
    "iso_date_time": f"{_DATE}T{_TIME}(?:{_ZONED})?", "iso_zoned_date_time": f"{_DATE}T{_TIME}{_ZONED}",
    "iso_offset_date_time": f"{_DATE}T{_TIME}(?P<X>{_OFF})", "iso_date": f"{_DATE}(?P<X>{_OFF})?",
    "iso_time": f"{_TIME}(?P<X>{_OFF})?", "iso_offset_time": f"{_TIME}(?P<X>{_OFF})",
    "iso_ordinal_date": rf"(?P<y>[+-]?\d{{4,9}})-(?P<D>\d{{3}})(?P<X>{_OFF})?",
    "iso_instant": f"{_DATE}T{_TIME}(?P<X>Z)",
    "rfc_1123_date_time": r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(?P<d>\d{1,2}) (?P<MMM>"
                          + "|".join(m[:3] for m in MONTHS) + r") (?P<y>\d{4}) (?P<H>\d{2}):(?P<m>\d{2})"
                          r"(?::(?P<s>\d{2}))? (?P<X>GMT|[+-]\d{4})",
}


def _text_alt(names: Sequence[str], n: int) -> str:
    vals = [v[:3] for v in names] if n <= 3 else list(names) if n == 4 else None
    if vals is None:
        fail("Narrow text fields (5 letters) cannot be parsed")
    return "(?:" + "|".join(vals) + ")"


def _piece(c: str, n: int) -> str:
    if c in "yuY":
        return r"\d{2}" if n == 2 else rf"[+-]?\d{{{max(n, 1) if n >= 3 else 1},10}}"
    if c in "ML" and n >= 3:
        return _text_alt(MONTHS, n)
    if c in "dMLHhKkms":
        return r"\d{1,2}" if n == 1 else r"\d{2}"
    if c == "D":
        return [r"\d{1,3}", r"\d{2,3}", r"\d{3}"][n - 1]
    if c == "S":
        return rf"\d{{{n}}}"
    if c in "nNA":
        return r"\d{1,19}"
    if c == "E" or (c in "ec" and n >= 3):
        return _text_alt(DAYS, n)
    if c in "ecWFwQq":
        return r"Q?\d{1,2}" if c in "Qq" else r"\d{1,2}"
    if c == "a":
        return "(?:AM|PM)"
    if c == "G":
        return "(?:AD|BC|Anno Domini|Before Christ)"
    if c in "Vz":
        return r"[A-Za-z][A-Za-z0-9_/+-]{0,63}"
    if c == "O" or (c == "Z" and n == 4):
        return r"GMT(?:[+-]\d{1,2}(?::\d{2}(?::\d{2})?)?)?"
    return rf"(?:{_OFF})"  # X x Z


@functools.lru_cache(maxsize=256)
def _compile(fmt: str) -> Any:
    if fmt in _ISO:
        return re.compile(_ISO[fmt]), None
    parts: list[str] = []
    groups: list[tuple[str, int]] = []
    for tok in tokenize(PATTERNS.get(fmt, fmt)):
        if tok[0] == "lit":
            parts.append(re.escape(tok[1]))
        elif tok[0] == "[":
            parts.append("(?:")
        elif tok[0] == "]":
            parts.append(")?")
        else:
            _, c, n = tok
            parts.append(f"(?P<g{len(groups)}>{_piece(c, n)})")
            groups.append((c, n))
    return re.compile("".join(parts)), groups


def _fields(text: str, fmt: str | None) -> dict[str, Any]:
    """Field values parsed from text, keyed by pattern letter."""
    if fmt is None:
        for name in ("iso_zoned_date_time", "iso_local_date_time", "iso_local_date"):
            m = re.fullmatch(_ISO[name], text)
            if m:
                return {k: v for k, v in m.groupdict().items() if v is not None}
        return {}
    rx, groups = _compile(fmt)
    m = rx.fullmatch(text)
    if not m:
        return {}
    if groups is None:
        out = {k: v for k, v in m.groupdict().items() if v is not None}
        if "MMM" in out:
            out["M"] = str([x[:3] for x in MONTHS].index(out.pop("MMM")) + 1)
        return out
    out = {}
    for i, (c, n) in enumerate(groups):
        v = m.group(f"g{i}")
        if v is None:
            continue
        if c in "ML" and n >= 3:
            v = str([x[:len(v)] if n <= 3 else x for x in MONTHS].index(v) + 1)
        elif c in "yu" and n == 2:
            v = str(2000 + int(v))
        c = {"u": "y", "L": "M", "x": "X", "Z": "X", "O": "X", "z": "V"}.get(c, c)
        out[c] = v
    return out


def _build(f: dict[str, Any], zone: Zone) -> dt.datetime | None:
    if "y" not in f or not ("D" in f or ("M" in f and "d" in f)):
        return None
    year = int(f["y"])
    date = dt.date(year, 1, 1) + dt.timedelta(days=int(f["D"]) - 1) if "D" in f \
        else dt.date(year, int(f["M"]), int(f["d"]))
    hour = None
    if "H" in f:
        hour = int(f["H"])
    elif "k" in f:
        hour = int(f["k"]) % 24
    elif ("h" in f or "K" in f) and "a" in f:
        hour = int(f["h"] if "h" in f else f["K"]) % 12 + (12 if f["a"] == "PM" else 0)
    if hour is None:  # LocalDate: start of day in the target zone
        return _localize(dt.datetime.combine(date, dt.time()), zone)
    frac = f.get("S", "")
    micro = int((frac + "000000")[:6]) if frac else int(f.get("n", 0)) // 1000
    local = dt.datetime(date.year, date.month, date.day, hour, int(f.get("m", 0)), int(f.get("s", 0)), micro)
    own = _parsed_zone(f)
    return _localize(local, own or zone)


def _parsed_zone(f: dict[str, Any]) -> Zone | None:
    if f.get("V"):
        return parse_zone(f["V"])
    x = f.get("X")
    if x is None:
        return None
    if x.startswith("GMT"):
        x = x[3:] or "Z"
    if x == "Z":
        return fixed_zone(0)
    total = _offset_seconds(x)
    if total is None:
        fail(f"Invalid offset '{x}'")
    return fixed_zone(total)


def _localize(local: dt.datetime, zone: Zone) -> dt.datetime:
    d = local.replace(tzinfo=zone.tz)
    return d.astimezone(dt.timezone.utc).astimezone(zone.tz)  # normalise DST gaps


def parse_date(text: str, zone: Zone, fmt: str | None = None) -> dt.datetime:
    """Parse like AbstractDate.convert: zoned, else local date-time in zone, else date at 00:00."""
    if len(text) > MAX_INPUT:
        fail(f"Date string is too long ({len(text)} characters)")
    try:
        result = _build(_fields(text, fmt), zone)
    except (ValueError, OverflowError, IndexError):
        result = None
    if result is None:
        how = f" with format '{fmt}'" if fmt else ""
        fail(f"Unable to parse date '{text}'{how}")
    return result

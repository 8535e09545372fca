"""Java DateTimeFormatter patterns and named formats, for formatting and parsing (English).

Covers the pattern letters of java.time.format.DateTimeFormatter (G u y D M L d Q q Y w W
E e c F a h K k H m s S A n N V z O X x Z, quotes and [optional] sections). Week-based
fields (Y w W e c) follow the en_US week definition (weeks start on Sunday, one minimal day).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ._util import fail

MAX_PATTERN = 256

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FULL_ZONE_NAMES = {
    "UTC": "Coordinated Universal Time", "GMT": "Greenwich Mean Time",
    "CET": "Central European Standard Time", "CEST": "Central European Summer Time",
    "EET": "Eastern European Standard Time", "EEST": "Eastern European Summer Time",
    "WET": "Western European Standard Time", "WEST": "Western European Summer Time",
    "BST": "British Summer Time", "EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time", "CDT": "Central Daylight Time", "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time", "PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
    "JST": "Japan Standard Time",
}
UTC = dt.timezone.utc


@dataclass(frozen=True)
class Zone:
    """A java.time.ZoneId: its id, the tzinfo, and whether it is a plain ZoneOffset."""

    id: str
    tz: dt.tzinfo
    is_offset: bool


def _offset_seconds(text: str) -> int | None:
    m = re.fullmatch(r"([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?", text)
    if not m:
        return None
    h, mi, s = int(m.group(2)), int(m.group(3) or 0), int(m.group(4) or 0)
    if h > 18 or mi > 59 or s > 59 or h * 3600 + mi * 60 + s > 18 * 3600:
        return None
    total = h * 3600 + mi * 60 + s
    return -total if m.group(1) == "-" else total


def offset_id(total: int) -> str:
    if total == 0:
        return "Z"
    sign = "-" if total < 0 else "+"
    a = abs(total)
    out = f"{sign}{a // 3600:02d}:{a % 3600 // 60:02d}"
    return out + (f":{a % 60:02d}" if a % 60 else "")


def fixed_zone(total: int, zone_id: str | None = None) -> Zone:
    tz = UTC if total == 0 else dt.timezone(dt.timedelta(seconds=total))
    return Zone(zone_id or offset_id(total), tz, zone_id is None)


@functools.lru_cache(maxsize=256)
def parse_zone(name: str | None) -> Zone:
    """java.time.ZoneId.of; None is the server default, which Podium fixes to UTC."""
    if name is None:
        return Zone("UTC", ZoneInfo("UTC"), False)
    if not isinstance(name, str) or not name or len(name) > 64:
        fail(f"Invalid time zone '{name}'")
    if name == "Z":
        return fixed_zone(0)
    if name[0] in "+-":
        total = _offset_seconds(name)
        if total is None:
            fail(f"Invalid time zone offset '{name}'")
        return fixed_zone(total)
    for prefix in ("UTC", "GMT", "UT"):
        if name == prefix and prefix != "UTC":
            return fixed_zone(0, prefix)
        rest = name[len(prefix):]
        if name.startswith(prefix) and rest[:1] in ("+", "-"):
            total = _offset_seconds(rest)
            if total is None:
                fail(f"Invalid time zone '{name}'")
            return fixed_zone(total, prefix + ("" if total == 0 else offset_id(total)))
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9~/._+-]+", name) or ".." in name:
        fail(f"Unknown time zone '{name}'")
    try:
        return Zone(name, ZoneInfo(name), False)
    except Exception:
        fail(f"Unknown time zone '{name}'")


# ---------------------------------------------------------------- tokenizer

_LETTER_MAX = {"G": 5, "u": 19, "y": 19, "Y": 19, "D": 3, "M": 5, "L": 5, "d": 2, "Q": 5,
               "q": 5, "w": 2, "W": 1, "E": 5, "e": 5, "c": 5, "F": 1, "a": 1, "h": 2, "K": 2,
               "k": 2, "H": 2, "m": 2, "s": 2, "S": 9, "A": 19, "n": 19, "N": 19, "V": 2,
               "z": 4, "O": 4, "X": 5, "x": 5, "Z": 5}
TEXT_LETTERS = set("GEaz") | {"M3", "L3", "Q3", "e3", "c3"}


@functools.lru_cache(maxsize=512)
def tokenize(pattern: str) -> tuple[Any, ...]:
    """Tokens: ('lit', text) | ('f', letter, count) | ('[',) | (']',)."""
    if len(pattern) > MAX_PATTERN:
        fail(f"Date pattern is too long ({len(pattern)} characters, max {MAX_PATTERN})")
    out: list[Any] = []
    i, n, depth = 0, len(pattern), 0
    while i < n:
        c = pattern[i]
        if c.isascii() and c.isalpha():
            j = i
            while j < n and pattern[j] == c:
                j += 1
            count = j - i
            if c not in _LETTER_MAX:
                fail(f"Unknown pattern letter '{c}' in date pattern '{pattern}'")
            if count > _LETTER_MAX[c] or (c == "V" and count != 2) or (c == "O" and count not in (1, 4)) \
                    or (c == "c" and count == 2):
                fail(f"Too many pattern letters '{c * count}' in date pattern '{pattern}'")
            out.append(("f", c, count))
            i = j
        elif c == "'":
            j, buf = i + 1, []
            while True:
                if j >= n:
                    fail(f"Date pattern '{pattern}' ends with an incomplete string literal")
                if pattern[j] == "'":
                    if j + 1 < n and pattern[j + 1] == "'":
                        buf.append("'")
                        j += 2
                        continue
                    break
                buf.append(pattern[j])
                j += 1
            out.append(("lit", "".join(buf) if j > i + 1 else "'"))
            i = j + 1
        elif c == "[":
            depth += 1
            out.append(("[",))
            i += 1
        elif c == "]":
            if depth == 0:
                fail(f"Date pattern '{pattern}' contains ']' without a previous '['")
            depth -= 1
            out.append(("]",))
            i += 1
        elif c in "{}#":
            fail(f"Date pattern '{pattern}' uses the reserved character '{c}'")
        else:
            out.append(("lit", c))
            i += 1
    return tuple(out)


# ---------------------------------------------------------------- formatting

def _week_start(year: int, first: int = 7, min_days: int = 1) -> dt.date:
    jan1 = dt.date(year, 1, 1)
    off = (jan1.isoweekday() - first) % 7
    start = jan1 - dt.timedelta(days=off)
    return start if 7 - off >= min_days else start + dt.timedelta(days=7)


def week_fields(d: dt.date) -> tuple[int, int]:
    """(week-based-year, week-of-week-based-year) for the en_US week definition."""
    y = d.year
    if y < 9999 and d >= _week_start(y + 1):
        return y + 1, 1
    start = _week_start(y)
    if d < start:
        y -= 1
        start = _week_start(y)
    return y, (d - start).days // 7 + 1


def fmt_offset(total: int, style: str, zero: str) -> str:
    if total == 0:
        return zero
    sign = "-" if total < 0 else "+"
    a = abs(total)
    h, m, s = a // 3600, a % 3600 // 60, a % 60
    colon = ":" if ":" in style else ""
    out = f"{sign}{h:02d}"
    if "MM" in style or ("mm" in style and (m or s)):
        out += f"{colon}{m:02d}"
        if "SS" in style or ("ss" in style and s):
            out += f"{colon}{s:02d}"
    return out


def _gmt(total: int, full: bool) -> str:
    if total == 0:
        return "GMT"
    sign = "-" if total < 0 else "+"
    a = abs(total)
    h, m, s = a // 3600, a % 3600 // 60, a % 60
    if full:
        return f"GMT{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")
    return f"GMT{sign}{h}" + (f":{m:02d}" if m or s else "") + (f":{s:02d}" if s else "")


def _pad(v: int, count: int) -> str:
    return f"{v:0{count}d}" if v >= 0 else "-" + f"{-v:0{count}d}"


def _text(value: str, count: int) -> str:
    return value[:3] if count <= 3 else value if count == 4 else value[0]


def _utc_offset_seconds(d: dt.datetime) -> int:
    """The UTC offset of an aware date-time (what is formatted here always is one)."""
    offset = d.utcoffset()
    if offset is None:
        raise ValueError("a naive date-time has no UTC offset")
    return int(offset.total_seconds())


def _field(d: dt.datetime, zone: Zone, c: str, n: int) -> str:
    off = _utc_offset_seconds(d)
    nano = d.microsecond * 1000
    if c in "yuY":
        y = week_fields(d.date())[0] if c == "Y" else d.year
        if n == 2:
            return f"{y % 100:02d}"
        s = _pad(y, n if n >= 3 else 1)
        return "+" + s if n >= 4 and len(s) > n else s
    if c in "ML":
        return _pad(d.month, n) if n <= 2 else _text(MONTHS[d.month - 1], n)
    if c == "d":
        return _pad(d.day, n)
    if c == "D":
        return _pad(d.timetuple().tm_yday, n)
    if c in "Qq":
        q = (d.month - 1) // 3 + 1
        return [str(q), f"0{q}", f"Q{q}", f"{q}{['st', 'nd', 'rd', 'th'][q - 1]} quarter", str(q)][n - 1]
    if c == "w":
        return _pad(week_fields(d.date())[1], n)
    if c == "W":
        first = d.replace(day=1)
        return str((d.day - 1 + (first.isoweekday() - 7) % 7) // 7 + 1)
    if c == "F":
        return str((d.day - 1) // 7 + 1)
    if c == "E" or (c in "ec" and n >= 3):
        return _text(DAYS[d.weekday()], n)
    if c in "ec":
        return _pad(d.isoweekday() % 7 + 1, n)
    if c == "G":
        return "AD" if n <= 3 else "Anno Domini" if n == 4 else "A"
    if c == "a":
        return "AM" if d.hour < 12 else "PM"
    if c == "H":
        return _pad(d.hour, n)
    if c == "k":
        return _pad(d.hour or 24, n)
    if c == "K":
        return _pad(d.hour % 12, n)
    if c == "h":
        return _pad(d.hour % 12 or 12, n)
    if c == "m":
        return _pad(d.minute, n)
    if c == "s":
        return _pad(d.second, n)
    if c == "S":
        return f"{nano:09d}"[:n]
    if c == "n":
        return _pad(nano, n)
    if c in "AN":
        sod = (d.hour * 3600 + d.minute * 60 + d.second) * 10**9 + nano
        return _pad(sod // 10**6 if c == "A" else sod, n)
    if c == "V":
        return zone.id
    if c == "z":
        if zone.is_offset:
            return zone.id
        short = d.tzname() or zone.id
        return FULL_ZONE_NAMES.get(short, short) if n == 4 else short
    if c == "O":
        return _gmt(off, n == 4)
    if c == "X":
        return fmt_offset(off, ["+HHmm", "+HHMM", "+HH:MM", "+HHMMss", "+HH:MM:ss"][n - 1], "Z")
    if c == "x":
        return fmt_offset(off, ["+HHmm", "+HHMM", "+HH:MM", "+HHMMss", "+HH:MM:ss"][n - 1],
                          ["+00", "+0000", "+00:00", "+0000", "+00:00"][n - 1])
    if c == "Z":
        if n == 4:
            return _gmt(off, True)
        return fmt_offset(off, "+HH:MM:ss", "Z") if n == 5 else fmt_offset(off, "+HHMM", "+0000")
    fail(f"Unsupported pattern letter '{c}'")  # pragma: no cover


def format_pattern(pattern: str, d: dt.datetime, zone: Zone, english: bool = True) -> str:
    parts = []
    for tok in tokenize(pattern):
        if tok[0] == "lit":
            parts.append(tok[1])
        elif tok[0] == "f":
            _, c, n = tok
            if not english and (c in "GEaz" or (c in "MLQqec" and n >= 3)):
                fail("Only English locales are supported for date names")
            parts.append(_field(d, zone, c, n))
    return "".join(parts)


def _fraction(nano: int, groups_of_3: bool = False) -> str:
    if nano == 0:
        return ""
    s = f"{nano:09d}"
    if groups_of_3:
        return "." + (s[:3] if s[3:] == "000000" else s[:6] if s[6:] == "000" else s)
    return "." + s.rstrip("0")


def iso_local_date(d: Any) -> str:
    y = f"{d.year:04d}"
    return f"{y}-{d.month:02d}-{d.day:02d}"


def iso_local_time(t: Any) -> str:
    return f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}" + _fraction(t.microsecond * 1000)


def iso_string(value: Any) -> str:
    """How Kestra (Jackson/JavaTimeModule) writes a date-time value: ISO, offset, no zone."""
    if isinstance(value, dt.datetime):
        s = iso_local_date(value) + "T" + iso_local_time(value)
        offset = value.utcoffset()
        if offset is not None:
            s += fmt_offset(int(offset.total_seconds()), "+HH:MM:ss", "Z")
        return s
    if isinstance(value, dt.date):
        return iso_local_date(value)
    return iso_local_time(value)


_LOCALIZED = {
    "full": "EEEE, MMMM d, y 'at' h:mm:ss\u202fa zzzz",
    "long": "MMMM d, y 'at' h:mm:ss\u202fa z",
    "medium": "MMM d, y, h:mm:ss\u202fa",
    "short": "M/d/yy, h:mm\u202fa",
}
PATTERNS = {
    "iso": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
    "iso_sec": "yyyy-MM-dd'T'HH:mm:ssXXX",
    "sql": "yyyy-MM-dd HH:mm:ss.SSSSSS",
    "sql_seq": "yyyy-MM-dd HH:mm:ss",
    **_LOCALIZED,
}


def _named(name: str, d: dt.datetime, zone: Zone) -> str:
    off = fmt_offset(_utc_offset_seconds(d), "+HH:MM:ss", "Z")
    region = "" if zone.is_offset else f"[{zone.id}]"
    date, time = iso_local_date(d), iso_local_time(d)
    if name == "iso_local_date":
        return date
    if name == "iso_local_time":
        return time
    if name == "iso_local_date_time":
        return f"{date}T{time}"
    if name in ("iso_date_time", "iso_zoned_date_time"):
        return f"{date}T{time}{off}{region}"
    if name == "iso_offset_date_time":
        return f"{date}T{time}{off}"
    if name == "iso_date":
        return date + off
    if name in ("iso_time", "iso_offset_time"):
        return time + off
    if name == "iso_ordinal_date":
        return f"{d.year:04d}-{d.timetuple().tm_yday:03d}{off}"
    if name == "iso_week_date":
        y, w, wd = d.isocalendar()
        return f"{y:04d}-W{w:02d}-{wd}{off}"
    if name == "iso_instant":
        u = d.astimezone(UTC)
        return f"{iso_local_date(u)}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}" \
               f"{_fraction(u.microsecond * 1000, True)}Z"
    if name == "rfc_1123_date_time":
        return f"{DAYS[d.weekday()][:3]}, {d.day} {MONTHS[d.month - 1][:3]} {d.year:04d} " \
               f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} " \
               f"{fmt_offset(_utc_offset_seconds(d), '+HHMM', 'GMT')}"
    raise KeyError(name)


NAMED = {"iso_date_time", "iso_zoned_date_time", "iso_offset_date_time", "iso_local_date",
         "iso_local_time", "iso_local_date_time", "iso_date", "iso_time", "iso_offset_time",
         "iso_ordinal_date", "iso_week_date", "iso_instant", "rfc_1123_date_time"}


def format_date(fmt: str, d: dt.datetime, zone: Zone, english: bool = True) -> str:
    """Format an aware datetime already expressed in `zone`."""
    if fmt in NAMED:
        return _named(fmt, d, zone)
    return format_pattern(PATTERNS.get(fmt, fmt), d, zone, english)

"""ISO-8601 durations (``PT5M``, ``P1DT2H``, ``PT0.5S``) as Kestra writes them."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"^(?P<sign>[-+])?P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>[-+]?\d+(?:\.\d+)?)H)?(?:(?P<minutes>[-+]?\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>[-+]?\d+(?:[.,]\d+)?)S)?)?$",
    re.IGNORECASE,
)


# The longest duration accepted (either sign): 100 years. Longer ones are typos, and adding
# them to a date would overflow Python's datetime (year 9999) somewhere far from the flow.
MAX_DURATION = timedelta(days=36525)


def parse_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration. Raises ValueError naming the text when it is not one or
    when it is longer than MAX_DURATION (never OverflowError)."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise ValueError(f"'{_short(text)}' is not an ISO-8601 duration such as PT5M or P1DT2H")
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items()
             if v and k != "sign"}
    try:
        delta = timedelta(**parts)
    except OverflowError:
        delta = None
    if delta is None or abs(delta) > MAX_DURATION:
        raise ValueError(f"'{_short(text)}' is out of range: a duration may be at most "
                         f"{MAX_DURATION.days} days (100 years)")
    return -delta if match.group("sign") == "-" else delta


def _short(text: object) -> str:
    shown = str(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def format_duration(delta: timedelta) -> str:
    """The shortest ISO-8601 form of a timedelta, as Java's Duration.toString() prints it."""
    total = delta.total_seconds()
    if total == 0:
        return "PT0S"
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{int(hours)}H"
    if minutes:
        out += f"{int(minutes)}M"
    if seconds:
        out += f"{seconds:g}S"
    return sign + out

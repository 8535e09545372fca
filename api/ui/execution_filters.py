"""The executions list's label and time filters, read from the query string as the API's
`/api/v1/executions/search` reads them (labels `key:value`, startDate inclusive, endDate
exclusive, on the execution's start). Plain functions; bad input is a FilterError, which
the page shows as a 400 (as any bad query parameter)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from podium.api.errors import ApiError
from podium.common.models.state import State


class FilterError(ApiError):
    """A filter the list cannot read (HTTP 400)."""


# Quick ranges: the last hour, day or week, up to now.
QUICK_RANGES = {"1h": ("Last hour", timedelta(hours=1)),
                "1d": ("Last day", timedelta(days=1)),
                "7d": ("Last week", timedelta(days=7))}


def parse_labels(pairs: list[str]) -> dict[str, str]:
    """`key:value` pairs, all to match: several `labels` parameters, or several pairs in
    one separated by spaces (the form's one field)."""
    labels: dict[str, str] = {}
    for pair in (word for text in pairs for word in text.split()):
        key, sep, value = pair.partition(":")
        if not sep or not key.strip():
            raise FilterError(f"Label filter '{pair}' is not key:value")
        labels[key.strip()] = value.strip()
    return labels


def parse_moment(text: str, name: str) -> datetime | None:
    """A date or date-time (a browser's datetime-local gives `2026-12-07T04:51`); without a
    zone it is UTC, as every time the UI shows."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FilterError(f"{name} '{text}' is not a date (YYYY-MM-DD or "
                                  f"YYYY-MM-DDTHH:MM)") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def time_window(quick: str, start: str, end: str,
                now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
    """(since, until): a quick range wins over the dates; `until` is exclusive."""
    if quick:
        if quick not in QUICK_RANGES:
            raise FilterError(f"Unknown range '{quick}': use one of "
                                      f"{', '.join(QUICK_RANGES)}")
        return (now or datetime.now(timezone.utc)) - QUICK_RANGES[quick][1], None
    since, until = parse_moment(start, "Start date from"), parse_moment(end, "Start date to")
    if since and until and until <= since:
        raise FilterError("The end of the time range must come after its start")
    return since, until


def parse_state(text: str) -> State | None:
    """A state's name; empty (the form's "any") is no filter."""
    if not text.strip():
        return None
    try:
        return State(text.strip().upper())
    except ValueError:
        raise FilterError(f"Unknown state '{text}'") from None

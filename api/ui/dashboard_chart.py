"""The dashboard's stacked bar chart, laid out in plain Python (no server, no browser): one
bar per time bucket, one segment per state, heights scaled to the tallest bar. The template
draws the rectangles as SVG."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Drawing order, bottom up: the states a reader looks for first sit on the axis.
STATE_ORDER = ("FAILED", "KILLED", "WARNING", "SUCCESS", "RUNNING", "CREATED", "QUEUED",
               "PAUSED", "RESTARTED", "KILLING", "RETRYING", "RETRIED", "CANCELLED",
               "SKIPPED")
WIDTH, HEIGHT, AXIS = 720, 180, 20


@dataclass(frozen=True)
class Segment:
    state: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Bar:
    start: datetime
    total: int
    x: float
    segments: tuple[Segment, ...]


def stacked_bars(buckets: list[tuple[datetime, dict[str, int]]], width: int = WIDTH,
                 height: int = HEIGHT) -> tuple[list[Bar], int]:
    """The bars and the tallest total (the scale's top)."""
    top = max((sum(counts.values()) for _, counts in buckets), default=0)
    slot = width / max(1, len(buckets))
    bar_width = max(1.0, slot * 0.8)
    bars = []
    for index, (start, counts) in enumerate(buckets):
        x = index * slot + (slot - bar_width) / 2
        base = float(height)
        segments = []
        for state in sorted(counts, key=_rank):
            size = height * counts[state] / top if top else 0.0
            base -= size
            segments.append(Segment(state, counts[state], round(x, 2), round(base, 2),
                                    round(bar_width, 2), round(size, 2)))
        bars.append(Bar(start, sum(counts.values()), round(x, 2), tuple(segments)))
    return bars, top


def _rank(state: str) -> int:
    return STATE_ORDER.index(state) if state in STATE_ORDER else len(STATE_ORDER)

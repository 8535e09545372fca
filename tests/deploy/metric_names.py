"""The metric names the services export, read from their definitions, which the Grafana
dashboard may use. Histograms also expose `_bucket`, `_sum` and `_count` series."""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry

from podium.common.observability import metrics


def _exported() -> tuple[frozenset[str], frozenset[str]]:
    """(counter and gauge series, histogram names) as the services define them: a fresh
    registry of common/observability/metrics.py, plus its two scrape-time collectors."""
    registry = CollectorRegistry()
    metrics.Metrics(registry)
    plain, histograms = {"podium_outbox_backlog", "podium_queue_depth"}, set()
    for family in registry.collect():
        if family.type == "histogram":
            histograms.add(family.name)
        else:
            plain.add(family.name + ("_total" if family.type == "counter" else ""))
    return frozenset(plain), frozenset(histograms)


COUNTERS_AND_GAUGES, HISTOGRAMS = _exported()

SERIES = COUNTERS_AND_GAUGES | HISTOGRAMS | {
    f"{name}{suffix}" for name in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")
}

_NAME = re.compile(r"\bpodium_[a-z0-9_]+")


def names_in(expr: str) -> set[str]:
    """The podium_* series names a PromQL expression reads."""
    return set(_NAME.findall(expr))


def unknown_names(expr: str) -> set[str]:
    return names_in(expr) - SERIES

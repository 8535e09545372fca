"""The metric names the services export (the metrics contract of issue 7), which the
Grafana dashboard may use. Histograms also expose `_bucket`, `_sum` and `_count` series."""

from __future__ import annotations

import re

COUNTERS_AND_GAUGES = frozenset({
    "podium_build_info",
    "podium_executions_started_total",
    "podium_executions_ended_total",
    "podium_task_runs_ended_total",
    "podium_executor_messages_total",
    "podium_executor_messages_ignored_total",
    "podium_outbox_backlog",
    "podium_queue_depth",
    "podium_worker_slots",
    "podium_worker_attempts_total",
    "podium_scheduler_executions_total",
    "podium_http_requests_total",
    "podium_worker_attempts_resubmitted_total",
})

HISTOGRAMS = frozenset({
    "podium_execution_duration_seconds",
    "podium_task_run_duration_seconds",
    "podium_worker_attempt_duration_seconds",
    "podium_scheduler_lag_seconds",
    "podium_http_request_duration_seconds",
})

SERIES = COUNTERS_AND_GAUGES | HISTOGRAMS | {
    f"{name}{suffix}" for name in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")
}

_NAME = re.compile(r"\bpodium_[a-z0-9_]+")


def names_in(expr: str) -> set[str]:
    """The podium_* series names a PromQL expression reads."""
    return set(_NAME.findall(expr))


def unknown_names(expr: str) -> set[str]:
    return names_in(expr) - SERIES

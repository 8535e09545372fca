"""io.kestra.plugin.core.metric.Publish and PurgeMetrics on a worker.

Publish renders each metric (`name`, `value`, `tags`) and records it on the attempt like
the metrics other tasks emit (Return's `length`, a script's `::{"metrics": ...}::`): a
counter or gauge value is a number, a timer an ISO-8601 duration recorded in seconds.
Podium does not store execution metrics yet (no metrics repository, no /api/v1/metrics), so
PurgeMetrics checks its properties and reports `count` 0, as PurgeExecutions reports
`metricsCount` 0.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from podium.common.durations import parse_duration
from podium.common.plugins.tasks.metric import Metric, Publish, PurgeMetrics, TimerMetric
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs
from podium.worker.runnables.purge_scope import iso_instant

_METRICS = TypeAdapter(list[Metric])


def _metrics(task: Publish, ctx: RunContext) -> list[Any]:
    if not isinstance(task.metrics, str):
        return task.metrics
    text = ctx.render(task.metrics)
    try:
        return _METRICS.validate_python(json.loads(text))
    except (ValueError, ValidationError) as exc:
        raise TaskFailure(f"`metrics` must render to a JSON list of metrics: {exc}") from None


def _number(ctx: RunContext, value: Any, name: str) -> float:
    rendered = ctx.render_typed(value)
    try:
        return float(rendered)
    except (TypeError, ValueError):
        raise TaskFailure(f"Metric '{name}': value '{rendered}' is not a number") from None


def _tags(ctx: RunContext, tags: Any) -> dict[str, str]:
    if tags is None:
        return {}
    rendered = ctx.render_typed(tags) if isinstance(tags, str) else ctx.render_value(tags)
    if isinstance(rendered, str):
        rendered = json.loads(rendered) if rendered.strip() else {}
    if not isinstance(rendered, dict):
        raise TaskFailure("Metric `tags` must be a map of names to values")
    return {str(k): str(v) for k, v in rendered.items()}


@runs(Publish)
def run_publish(task: Publish, ctx: RunContext) -> None:
    for metric in _metrics(task, ctx):
        name = str(ctx.render(metric.name))
        if isinstance(metric, TimerMetric):
            value = parse_duration(str(ctx.render(metric.value))).total_seconds()
        else:
            value = _number(ctx, metric.value, name)
        ctx.metric({"name": name, "type": metric.type, "value": value,
                    "tags": _tags(ctx, metric.tags)})
        ctx.log("DEBUG", f"{metric.type} {name} = {value}")


@runs(PurgeMetrics)
def run_purge_metrics(task: PurgeMetrics, ctx: RunContext) -> dict[str, Any]:
    namespace = None if task.namespace is None else str(ctx.render(task.namespace))
    flow_id = None if task.flow_id is None else str(ctx.render(task.flow_id))
    if namespace is None and flow_id is not None:
        raise TaskFailure("Property `namespace` is required when `flowId` is set.")
    if task.start_date is not None:
        iso_instant(ctx, task.start_date, "startDate")
    iso_instant(ctx, task.end_date, "endDate")
    ctx.log("INFO", "Podium keeps no execution metrics: nothing to purge")
    return {"count": 0}

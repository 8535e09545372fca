"""io.kestra.plugin.core.metric.*: publishing and purging execution metrics."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Union

from pydantic import Field

from podium.common.plugins.base import Task
from podium.common.plugins.fields import DurationStr, Dyn, Expr, ScalarStr, StrictModel


class _Metric(StrictModel):
    name: ScalarStr
    tags: dict[str, ScalarStr] | Expr | None = None
    description: str | None = None


class CounterMetric(_Metric):
    type: Literal["counter"]
    value: Dyn[float]


class GaugeMetric(_Metric):
    type: Literal["gauge"]
    value: Dyn[float]


class TimerMetric(_Metric):
    type: Literal["timer"]
    value: DurationStr  # ISO-8601, e.g. PT10M


Metric = Annotated[Union[CounterMetric, GaugeMetric, TimerMetric], Field(discriminator="type")]


class Publish(Task):
    """Records the rendered metrics on the task run."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.metric.Publish"

    metrics: list[Metric] | Expr


class PurgeMetrics(Task):
    """Deletes execution metrics of a namespace, or of a flow, up to `endDate`."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.metric.PurgeMetrics"

    namespace: str | None = None
    flow_id: str | None = None
    start_date: str | None = None
    end_date: str  # ISO date-time, usually an expression

"""metric.Publish (Kestra's example: a timer and a counter with rendered tags) and
metric.PurgeMetrics through run_attempt."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task

PUBLISH = "io.kestra.plugin.core.metric.Publish"
PURGE = "io.kestra.plugin.core.metric.PurgeMetrics"


def test_publish_records_each_rendered_metric():
    ctx, logs = make_ctx(inputs={"n": 40})
    task = make_task(PUBLISH, metrics=[
        {"type": "timer", "name": "duration", "value": "PT10M",
         "tags": {"flow": "{{ flow.id }}", "project": "kestra"}},
        {"type": "counter", "name": "number", "value": 42, "tags": {"flow": "{{ flow.id }}"}},
        {"type": "gauge", "name": "{{ 'level' }}", "value": "{{ inputs.n + 2.5 }}"}])
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs is None
    assert outcome.metrics == [
        {"name": "duration", "type": "timer", "value": 600.0,
         "tags": {"flow": "flow", "project": "kestra"}},
        {"name": "number", "type": "counter", "value": 42.0, "tags": {"flow": "flow"}},
        {"name": "level", "type": "gauge", "value": 42.5, "tags": {}}]


def test_publish_takes_an_expression_rendering_to_the_list():
    ctx, _ = make_ctx()
    task = make_task(PUBLISH, metrics="{{ [{'type': 'counter', 'name': 'c', 'value': 1}] | toJson }}")
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.SUCCESS and outcome.metrics[0]["value"] == 1.0


def test_publish_refuses_bad_metrics():
    with pytest.raises(Exception, match="timer"):
        make_task(PUBLISH, metrics=[{"type": "timer", "name": "t", "value": "ten minutes"}])
    with pytest.raises(Exception, match="histogram"):
        make_task(PUBLISH, metrics=[{"type": "histogram", "name": "h", "value": 1}])
    ctx, _ = make_ctx()
    outcome = run_attempt(make_task(PUBLISH, metrics=[
        {"type": "counter", "name": "c", "value": "{{ 'many' }}"}]), ctx)
    assert outcome.state is State.FAILED and "'many' is not a number" in outcome.error


def test_purge_metrics_checks_its_properties_and_purges_nothing():
    ctx, logs = make_ctx()
    ok = run_attempt(make_task(PURGE, namespace="company.team",
                               endDate="{{ now() | dateAdd(-1, 'MONTHS') }}"), ctx)
    assert ok.state is State.SUCCESS, ok.error
    assert ok.outputs == {"count": 0}
    bad = run_attempt(make_task(PURGE, flowId="f", endDate="2025-01-01T00:00:00Z"), make_ctx()[0])
    assert bad.state is State.FAILED
    assert bad.error == "Property `namespace` is required when `flowId` is set."

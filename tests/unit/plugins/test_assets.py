"""Task `assets` (Kestra 1.2): checked at save where literal, rendered by the worker, and
shown on the task run (Kestra's TaskRun.assets)."""

from __future__ import annotations

import pytest

from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task

LOG = "io.kestra.plugin.core.log.Log"


def _flow(assets: str) -> str:
    return ("id: f\nnamespace: n\ntasks:\n  - id: t\n    type: " + LOG + "\n"
            "    message: hi\n    assets:\n" + assets)


def test_declaration_with_expressions_and_extra_properties():
    task = parse_flow(_flow("      inputs:\n        - id: sample_data.nyc.taxi\n"
                            "      outputs:\n        - id: avg_{{ taskrun.value }}\n"
                            "          type: io.kestra.plugin.ee.assets.Table\n"
                            "          namespace: \"{{ flow.namespace }}\"\n"
                            "          tableName: trips\n"
                            "          metadata: {layer: mart}\n")).flow.tasks[0]
    assert task.assets.inputs[0].id == "sample_data.nyc.taxi"
    out = task.assets.outputs[0]
    assert out.metadata == {"layer": "mart", "tableName": "trips"}
    assert not task.assets.enable_auto


@pytest.mark.parametrize("assets, expected", [
    ("      outputs:\n        - id: trips\n", "type"),
    ("      outputs:\n        - id: bad id\n          type: T\n", "asset id 'bad id'"),
    ("      inputs:\n        - id: t\n          namespace: Team\n", "asset namespace 'Team'"),
    ("      inputs:\n        - name: t\n", "inputs"),
])
def test_bad_literal_declarations_are_refused(assets, expected):
    with pytest.raises(FlowValidationError, match=expected):
        parse_flow(_flow(assets))


def test_the_worker_renders_the_declaration_onto_the_outcome():
    ctx, _ = make_ctx({"table": "trips"})
    task = make_task(LOG, message="hi", assets={
        "inputs": [{"id": "raw_{{ inputs.table }}"}],
        "outputs": [{"id": "{{ inputs.table }}", "type": "Table", "schema": "public"}]})
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.SUCCESS
    assert outcome.assets == {"inputs": [{"id": "raw_trips"}], "outputs": [
        {"id": "trips", "type": "Table", "metadata": {"schema": "public"}}]}


def test_a_rendered_id_that_does_not_fit_fails_the_attempt():
    ctx, _ = make_ctx({"table": "no good"})
    task = make_task(LOG, message="hi", assets={"inputs": [{"id": "{{ inputs.table }}"}]})
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.FAILED
    assert outcome.error.startswith("Invalid value for property `assets`: asset id 'no good'")


def test_each_task_run_shows_its_rendered_assets(tmp_path):
    from podium.runtime import Runtime

    source = ("id: f\nnamespace: company.data\ntasks:\n  - id: loop\n"
              "    type: io.kestra.plugin.core.flow.ForEach\n    values: [a, b]\n    tasks:\n"
              "      - id: t\n        type: " + LOG + "\n        message: hi\n"
              "        assets:\n          outputs:\n            - id: avg_{{ taskrun.value }}\n"
              "              type: Table\n              namespace: \"{{ flow.namespace }}\"\n")
    with Runtime.embedded(tmp_path / "data", workers=1, environ={}) as runtime:
        runtime.deploy(parse_flow(source))
        execution = runtime.submit("company.data", "f")
        assert runtime.wait(execution.id, timeout=20).state is State.SUCCESS
        shown = {run.value: run.to_api()["assets"] for run in runtime.task_runs(execution.id)
                 if run.task_id == "t"}
    assert shown == {value: {"inputs": [], "outputs": [
        {"id": f"avg_{value}", "type": "Table", "namespace": "company.data", "metadata": {}}]}
        for value in ("a", "b")}


def test_triggers_read_version_assets_and_the_older_min_log_level():
    source = ("id: f\nnamespace: n\ntasks:\n  - id: t\n    type: " + LOG + "\n    message: hi\n"
              "triggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n"
              "    cron: '0 * * * *'\n    version: LATEST\n    minLogLevel: WARN\n"
              "    assets:\n      outputs:\n        - id: hourly\n          type: Table\n")
    trigger = parse_flow(source).flow.triggers[0]
    assert (trigger.version, trigger.log_level.value) == ("LATEST", "WARN")
    assert trigger.assets.outputs[0].id == "hourly"

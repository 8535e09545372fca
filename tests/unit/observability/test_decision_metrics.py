"""executor/metrics.py: which committed decisions count what (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from podium.common.flow.loader import parse_flow
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State, StateHistory, transition
from podium.common.observability import metrics
from podium.executor.engine.commands import Decision
from podium.executor.metrics import NOTHING, Observed, observe, record

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
FLOW = parse_flow("""
id: f
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.core.tasks.log.Log
    message: hi
  - id: loop
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2]
    tasks:
      - id: inner
        type: io.kestra.plugin.core.debug.Return
        format: x
""").flow


def history(*states: State, step: float = 1.0) -> StateHistory:
    h = StateHistory.new(T0, states[0])
    for i, state in enumerate(states[1:], 1):
        h = transition(h, state, T0 + timedelta(seconds=step * i))
    return h


def execution(*states: State) -> Execution:
    return Execution(id="e1", namespace="company.team", flow_id="f", flow_revision=1,
                     history=history(*states))


def run(task_id: str, *states: State, run_id: str = "r1", folded: bool = False) -> TaskRun:
    return TaskRun(id=run_id, execution_id="e1", task_id=task_id, history=history(*states),
                   folded=folded)


def test_running_to_success_counts_once_with_the_canonical_type():
    before_run = run("hello", State.CREATED, State.RUNNING)
    after_run = run("hello", State.CREATED, State.RUNNING, State.SUCCESS)
    ex = execution(State.CREATED, State.RUNNING)
    decision = Decision(execution=ex, updated=[after_run])
    observed = observe(decision, ex, [before_run], FLOW)
    # an alias in the flow, the canonical Kestra type in the label; 2 s from CREATED
    assert observed == Observed(task_runs=(("io.kestra.plugin.core.log.Log", "SUCCESS", 2.0),))
    # the same run written again, already terminal: nothing more
    again = Decision(execution=ex, updated=[after_run.model_copy(update={"outputs": {}})])
    assert observe(again, ex, [after_run], FLOW) is NOTHING


def test_a_folded_rewrite_does_not_count():
    done = run("inner", State.CREATED, State.RUNNING, State.SUCCESS)
    folded = done.model_copy(update={"folded": True})
    ex = execution(State.CREATED, State.RUNNING)
    assert observe(Decision(execution=ex, updated=[folded]), ex, [done], FLOW) is NOTHING


def test_created_terminal_runs_count_and_unknown_tasks_are_labelled_unknown():
    ex = execution(State.CREATED, State.RUNNING)
    skipped = run("inner", State.CREATED, State.SKIPPED, run_id="r2")
    child = run("ghost", State.SUCCESS, run_id="r3")
    pending = run("hello", State.CREATED, run_id="r4")
    observed = observe(Decision(execution=ex, created=[skipped, child, pending]), ex, [], FLOW)
    assert observed.task_runs == (("io.kestra.plugin.core.debug.Return", "SKIPPED", 1.0),
                                  ("unknown", "SUCCESS", 0.0))


def test_execution_started_and_ended():
    created = execution(State.CREATED)
    running = execution(State.CREATED, State.RUNNING)
    assert observe(Decision(execution=running, execution_changed=True), created, [], FLOW) \
        == Observed(started=("company.team",))
    failed = Execution(**{**running.model_dump(), "history": history(
        State.CREATED, State.RUNNING, State.FAILED, step=2.5)})
    assert observe(Decision(execution=failed, execution_changed=True), running, [], FLOW) \
        == Observed(ended=(("company.team", "FAILED", 5.0),))
    # started and ended in one decision (e.g. a flow whose tasks all resolve at once)
    assert observe(Decision(execution=failed, execution_changed=True), created, [], FLOW) \
        == Observed(started=("company.team",), ended=(("company.team", "FAILED", 5.0),))
    # a RETRYING -> RUNNING round trip is not a second start
    retried = Execution(**{**running.model_dump(), "history": history(
        State.CREATED, State.RUNNING, State.RETRYING, State.RUNNING)})
    retrying = Execution(**{**running.model_dump(), "history": history(
        State.CREATED, State.RUNNING, State.RETRYING)})
    assert observe(Decision(execution=retried, execution_changed=True), retrying, [], FLOW) \
        is NOTHING
    # a queued execution ended (cancelled) without starting
    queued = execution(State.CREATED, State.QUEUED)
    cancelled = execution(State.CREATED, State.QUEUED, State.CANCELLED)
    assert observe(Decision(execution=cancelled), queued, [], FLOW) \
        == Observed(ended=(("company.team", "CANCELLED", 2.0),))


def sample(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_record_adds_to_the_process_metrics():
    metrics.get()
    before = sample("podium_task_runs_ended_total", type="io.kestra.plugin.core.log.Log",
                    state="WARNING")
    started = sample("podium_executions_started_total", namespace="unit.record")
    record(Observed(started=("unit.record",), ended=(("unit.record", "SUCCESS", 3.0),),
                    task_runs=(("io.kestra.plugin.core.log.Log", "WARNING", 1.5),)))
    assert sample("podium_task_runs_ended_total", type="io.kestra.plugin.core.log.Log",
                  state="WARNING") == before + 1
    assert sample("podium_executions_started_total", namespace="unit.record") == started + 1
    assert sample("podium_execution_duration_seconds_sum", namespace="unit.record",
                  state="SUCCESS") >= 3.0

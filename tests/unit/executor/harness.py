"""Drives the pure executor core with messages, with no broker and no database.

The harness keeps the execution and its task runs as the store would, applies each
Decision, and plays the worker: a `worker(dispatch) -> (state, outputs)` function answers
each DispatchTask. Timers are fired on request.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

from podium.common.flow.loader import parse_flow
from podium.common.messages import KillExecution, StartExecution, TaskResult, TimerFired
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State, StateHistory
from podium.executor.engine.commands import Decision, DispatchTask, ScheduleTimer, StoreLoopValues
from podium.executor.engine.context import EngineConfig
from podium.executor.engine.facts import Facts
from podium.executor.engine.loops import value_windows
from podium.executor.engine.process import process
from podium.executor.wiring import ENGINE

Worker = Callable[[DispatchTask], tuple[str, dict | None]]


def default_worker(dispatch: DispatchTask) -> tuple[str, dict | None]:
    """Runnable semantics good enough for engine tests: Fail fails, Return returns."""
    task = dispatch.task
    kind = task["type"].rsplit(".", 1)[-1]
    if kind == "Fail":
        return "FAILED", None
    if kind == "Return":
        return "SUCCESS", {"value": task.get("format")}
    return "SUCCESS", None


class Harness:
    def __init__(self, source: str, inputs: dict | None = None,
                 config: EngineConfig | None = None) -> None:
        self.flow = parse_flow(source).flow
        self.config = config
        self.now = datetime(2024, 1, 1, tzinfo=timezone.utc)
        self.execution = Execution(namespace=self.flow.namespace, flow_id=self.flow.id,
                                   flow_revision=1, inputs=inputs or {},
                                   history=StateHistory.new(self.now))
        self.runs: dict[str, TaskRun] = {}
        self.dispatched: list[DispatchTask] = []
        self.timers: list[ScheduleTimer] = []
        self.decisions: list[Decision] = []
        self.slots_taken: int | None = None  # what the handler counts for the core
        self.loop_values: dict[str, list[str]] = {}  # the store's loop_values, by loop run
        self.live_sizes: list[int] = []  # working-set size of each message
        self.folded_loads: list[set[str]] = []  # task ids whose folded runs were asked for

    def send(self, message) -> Decision:
        """As the executor's handler does: the live runs, the next window of each loop's
        values, and the folded runs a render asks for."""
        self.now += timedelta(milliseconds=10)
        live = [run for run in self.runs.values() if not run.folded]
        facts = Facts(slots_taken=self.slots_taken,
                      loop_values=value_windows(live, self._values))
        loaded: frozenset | bool = frozenset()
        if type(message) in ENGINE.needs_all_runs:
            live, loaded = list(self.runs.values()), True
        self.live_sizes.append(len(live))
        folded: list[TaskRun] = []
        while True:
            decision = process(self.flow, self.execution, [*live, *folded], message, self.now,
                               self.config, facts=facts, folded_loaded=loaded, wiring=ENGINE)
            if not decision.needs_folded:
                break
            assert loaded is not True and not decision.needs_folded <= loaded
            loaded = loaded | decision.needs_folded
            self.folded_loads.append(set(decision.needs_folded))
            folded = [run for run in self.runs.values()
                      if run.folded and run.task_id in loaded]
        self.execution = decision.execution
        for run_id in decision.deleted:
            self.runs.pop(run_id, None)
        for run in [*decision.created, *decision.updated]:
            self.runs[run.id] = run
        for command in decision.commands:
            if isinstance(command, DispatchTask):
                self.dispatched.append(command)
            elif isinstance(command, ScheduleTimer):
                self.timers.append(command)
            elif isinstance(command, StoreLoopValues):
                self.loop_values[command.task_run_id] = list(command.values)
        self.decisions.append(decision)
        return decision

    def _values(self, run_id: str, start: int, stop: int) -> tuple[int, list[str]]:
        return start, self.loop_values.get(run_id, [])[start:stop]

    def start(self) -> Decision:
        return self.send(StartExecution(execution_id=self.execution.id))

    def result(self, dispatch: DispatchTask, state: str, outputs: dict | None = None,
               attempt: int | None = None) -> Decision:
        return self.send(TaskResult(execution_id=self.execution.id,
                                    task_run_id=dispatch.task_run.id,
                                    attempt=attempt or dispatch.attempt, state=state,
                                    outputs=outputs))

    def kill(self) -> Decision:
        return self.send(KillExecution(execution_id=self.execution.id))

    def fire_timers(self) -> None:
        timers, self.timers = self.timers, []
        for timer in timers:
            self.now = max(self.now, timer.fire_at)
            self.send(TimerFired(execution_id=self.execution.id, timer_id=timer.timer_id,
                                 timer_kind=timer.kind, task_run_id=timer.task_run_id))

    def run(self, worker: Worker = default_worker, max_steps: int = 10_000) -> State:
        """Start, then answer every dispatch (and fire timers) until the execution ends."""
        self.start()
        answered = 0
        for _ in range(max_steps):
            if answered < len(self.dispatched):
                dispatch = self.dispatched[answered]
                answered += 1
                self.result(dispatch, *worker(dispatch))
            elif self.timers:
                self.fire_timers()
            else:
                break
        return self.execution.state

    def by_task(self, task_id: str) -> list[TaskRun]:
        return sorted((r for r in self.runs.values() if r.task_id == task_id), key=lambda r: r.seq)

    def states(self) -> dict[str, str]:
        return {r.task_id: r.state.value for r in sorted(self.runs.values(), key=lambda r: r.seq)}

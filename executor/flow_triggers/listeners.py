"""Starting the flows whose Flow trigger an execution's change of state fires, in the
transaction that decided the change (so a trigger fires exactly once per change).

For each state an execution enters in a decision (several when one message moves it, say,
CREATED -> RUNNING -> PAUSED), every listening flow is checked (`conditions.fires`); a
match creates its execution (one flow deeper in its chain of flows: common/call_chain.py)
with Kestra's trigger variables (`executionId`, `namespace`,
`flowId`, `flowRevision`, `state`, `executionLabels`, `outputs`) and the trigger's
`inputs` rendered against the source execution. The listening flows (latest revision of
each flow with an enabled Flow trigger) are cached by the executor's `ListenerIndex` until a
flow is saved or deleted.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any, Callable

from podium.common.call_chain import (
    DEFAULT_MAX_DEPTH,
    ChainDepthError,
    chain_of,
    extended_chain,
    flow_name,
)
from podium.common.debounce import Window, render_key
from podium.common.errors import PodiumError
from podium.common.flow.model import Flow
from podium.common.flow_windows import MISSED_DEADLINE, bounds
from podium.common.messages import StartExecution
from podium.common.models.engine_state import EngineState
from podium.common.models.execution import Execution
from podium.common.models.state import State
from podium.common.plugins.triggers import Flow as FlowTrigger
from podium.common.store import append_logs, insert_execution, list_flows, load_task_runs
from podium.common.store.debounce import add_debounce_event
from podium.common.store.executions import list_executions
from podium.common.store.flows import flows_stamp
from podium.common.store.logs import LogEntry
from podium.common.store.types import utcnow
from podium.common.submission import new_execution
from podium.common.templating import render, render_value
from podium.common.transport.base import EXECUTOR_QUEUE
from podium.executor.engine.context import task_context
from podium.executor.engine.view import ExecutionTx
from podium.executor.flow_cache import FlowCache, database_key
from podium.executor.flow_triggers.conditions import (
    fires,
    listens,
    parts_met,
    window_conditions,
    window_spec,
)

log = logging.getLogger(__name__)


class ListenerIndex:
    """(flow, revision, Flow trigger) of every flow that listens, refreshed on any save.
    One per executor service, reading its flows through the service's FlowCache."""

    def __init__(self, flows: FlowCache) -> None:
        self.flows = flows
        self._key: tuple | None = None
        # The transaction that last probed the flows: its other decisions (a group commit's)
        # use what it found, as if decided a moment earlier. Held, so never a new one's id.
        self._probed_in: Any = None
        # (flow, revision, trigger, when that revision was saved)
        self._listeners: list[tuple[Flow, int, FlowTrigger, datetime]] = []
        self._lock = threading.Lock()

    def get(self, conn) -> list[tuple[Flow, int, FlowTrigger, datetime]]:
        transaction = conn.get_transaction()
        with self._lock:
            if transaction is not None and transaction is self._probed_in:
                return self._listeners
        key = (database_key(conn), *flows_stamp(conn))  # per database, as the FlowCache
        with self._lock:
            if key == self._key:
                self._probed_in = transaction
                return self._listeners
        listeners = []
        for stored in list_flows(conn):
            if "Flow" not in stored.source:  # cheap pre-filter before parsing
                continue
            try:
                flow = self.flows.get(conn, stored.namespace, stored.id, stored.revision)
            except PodiumError:
                continue
            if flow.disabled:
                continue
            listeners += [(flow, stored.revision, trigger, stored.saved_at)
                          for trigger in flow.triggers or []
                          if isinstance(trigger, FlowTrigger) and not trigger.disabled]
        with self._lock:
            self._key, self._listeners, self._probed_in = key, listeners, transaction
        return listeners


def listening_flows(conn, index: ListenerIndex | None = None) -> list[Flow]:
    """The latest revision of every enabled flow with an enabled Flow trigger (read afresh
    without an `index`)."""
    index = index or ListenerIndex(FlowCache())
    unique = {(flow.namespace, flow.id): flow for flow, _, _, _ in index.get(conn)}
    return list(unique.values())


def on_state_change(conn, before: Execution, after: Execution, config, out,
                    index: ListenerIndex, before_reading: Callable[[], None] = lambda: None
                    ) -> None:
    """Called by the executor's handler for every decision that moved an execution.
    `before_reading`: called before the first read of anything the decision wrote (the
    executor's held writes go to the store then), only when some flow listens."""
    entered = [entry.state.value for entry in after.history.histories[len(before.history.histories):]]
    if not entered:
        return
    listeners = index.get(conn)
    if not listeners:
        return
    before_reading()
    source = _Source(conn, after, config, index.flows)
    for state in entered:
        for flow, revision, trigger, saved_at in listeners:
            _maybe_fire(conn, source, state, flow, revision, trigger, saved_at, out)


class _Source:
    """The source execution's render context, built once and only when a render needs it."""

    def __init__(self, conn, execution: Execution, config, flows: FlowCache) -> None:
        self.conn, self.execution, self.config = conn, execution, config
        self.flows = flows
        self._context: dict | None = None
        self._retried = False

    def context(self) -> dict:
        if self._context is None:
            flow = self.flows.get(self.conn, self.execution.namespace, self.execution.flow_id,
                              self.execution.flow_revision)
            runs = load_task_runs(self.conn, self.execution.id)
            tx = ExecutionTx(flow, self.execution, runs, utcnow(), folded_loaded=True)
            self._context = task_context(tx, self.config)
            self._retried = any(len(run.attempts) > 1 for run in runs)
        return self._context

    def render(self, template: str, extra: dict | None = None) -> str:
        if not extra:
            return render(template, self.context())
        return render(template, {**self.when_context(), **extra})

    def when_context(self) -> dict:
        """The context of a Kestra 2.0 `when`: the execution's, whose `outputs` (task
        outputs) also holds its flow outputs under the names no task uses (the migration
        guide reads `outputs.<flow output>`, the trigger page `execution.outputs`), and
        `hasRetryAttempt` (a task run of it had more than one attempt)."""
        context = self.context()
        flow_outputs = self.execution.outputs or {}
        return {**context, "outputs": {**flow_outputs, **context.get("outputs", {})},
                "execution": {**context["execution"], "outputs": flow_outputs},
                "hasRetryAttempt": self._retried}


def _maybe_fire(conn, source: _Source, state: str, flow: Flow, revision: int,
                trigger: FlowTrigger, saved_at: datetime, out) -> None:
    execution = source.execution
    window = _Window(conn, flow, trigger, saved_at)
    try:
        if not fires(trigger, (flow.namespace, flow.id), execution, state, source.render,
                     windows=window.met):
            return
        outputs = window.trigger_outputs(execution, state, source.render)
    except (PodiumError, ValueError, TypeError) as exc:
        _warn(conn, flow, trigger, execution, str(exc))
        return
    variables = _trigger_variables(trigger, execution, state, outputs)
    chain = _chain(conn, source, flow, revision, trigger, variables)
    if chain is None:
        return
    try:
        # `trigger.outputs` of Kestra's Flow.evaluate: the merged outputs of every
        # execution the window counted, beside the source's own `outputs` variables.
        inputs = render_value(trigger.inputs, {**source.context(), "trigger": {
            **(source.context().get("trigger") or {}), "outputs": outputs}}) \
            if trigger.inputs else None
        # Kestra creates a triggered execution even when the trigger gives no inputs for
        # required ones (its tests rely on it): inputs are checked only when given.
        started = new_execution(flow, revision, inputs, utcnow(), trigger=variables,
                                engine=EngineState(call_chain=chain),
                                validate_inputs=bool(trigger.inputs),
                                cipher=getattr(out.config, "cipher", None),
                                input_services=getattr(out.config, "render_services", None))
    except (PodiumError, ValueError, TypeError) as exc:
        if trigger.depends_on is None:  # Kestra 1.x: the event is dropped, with a warning
            _warn(conn, flow, trigger, execution, str(exc))
        else:  # Kestra 2.0: a FAILED execution makes the failure visible
            _insert_failed(conn, flow, revision, trigger, variables,
                           f"could not render the inputs: {exc}")
        return
    if trigger.debounce is not None:  # folded with the burst's other events (scheduler)
        _buffer(conn, flow, trigger, started.trigger["variables"], inputs)
        return
    insert_execution(conn, started)
    start = StartExecution(execution_id=started.id, without_runs=True)
    out.messages.append((EXECUTOR_QUEUE, start.encode()))


def _chain(conn, source: _Source, flow: Flow, revision: int, trigger: FlowTrigger,
           variables: dict) -> list[str] | None:
    """The chain of flows of the execution the trigger starts (common/call_chain.py); None
    when it must not start. One deeper than the limit: the execution is created FAILED with
    the reason (so the loop is visible), and that one triggers nothing in turn."""
    limit = getattr(source.config, "max_chain_depth", DEFAULT_MAX_DEPTH)
    if len(chain_of(source.execution)) > limit:
        _warn(conn, flow, trigger, source.execution,
              f"flow trigger depth limit {limit} reached by this execution")
        return None
    try:
        return extended_chain(source.execution, flow.namespace, flow.id, limit, "flow trigger")
    except ChainDepthError as exc:
        chain = [*chain_of(source.execution), flow_name(flow.namespace, flow.id)]
        _insert_failed(conn, flow, revision, trigger, variables, str(exc), chain)
        return None


def _insert_failed(conn, flow: Flow, revision: int, trigger: FlowTrigger, variables: dict,
                   reason: str, chain: list[str] | None = None) -> None:
    now = utcnow()
    failed = new_execution(flow, revision, None, now, trigger=variables,
                           engine=EngineState(call_chain=chain),
                           validate_inputs=False).moved_to(State.FAILED, now)
    failed = failed.model_copy(update={"error": f"Flow trigger '{trigger.id}': {reason}"})
    insert_execution(conn, failed)
    append_logs(conn, [LogEntry(
        execution_id=failed.id, task_run_id=None, task_id=None, attempt=None, level="ERROR",
        message=f"Flow trigger '{trigger.id}': {reason}",
        timestamp=now, namespace=flow.namespace, flow_id=flow.id)])


def _buffer(conn, flow: Flow, trigger: FlowTrigger, variables: dict,
            inputs: dict | None) -> None:
    """One event of a debounced Flow trigger: its trigger variables join the open burst;
    the scheduler starts one execution per burst (common/debounce.py)."""
    key = render_key(trigger.debounce, variables, {"id": flow.id, "namespace": flow.namespace})
    add_debounce_event(conn, (flow.namespace, flow.id, trigger.id), Window.of(trigger.debounce),
                       key, variables, utcnow(), trigger={"id": trigger.id, "type": trigger.type},
                       inputs=inputs or None)


def _trigger_variables(trigger: FlowTrigger, source: Execution, state: str,
                       outputs: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": trigger.id, "type": trigger.type, "variables": {
        "executionId": source.id, "namespace": source.namespace, "flowId": source.flow_id,
        "flowRevision": source.flow_revision, "state": state,
        "executionLabels": {label["key"]: label["value"] for label in source.labels},
        "outputs": outputs}}


class _Window:
    """What earlier executions met of one trigger's MultipleConditions / `preconditions`,
    read from the store (Kestra keeps these results in its MultipleConditionStorage as
    executions come; the executions table holds the same facts).

    An earlier execution counts when, in the current window, while this revision of the
    trigger listened (and, with resetOnSuccess, after the trigger last fired), it entered
    a state the trigger listens to, passed the trigger's plain conditions, and met a part.
    The outputs of the executions that met a part are kept by namespace and flow, the
    latest execution of a flow replacing the earlier ones (MultipleConditionWindow)."""

    def __init__(self, conn, flow: Flow, trigger: FlowTrigger, listening_since: datetime):
        self.conn, self.flow, self.trigger = conn, flow, trigger
        self.listening_since = listening_since
        self.outputs: dict[str, dict[str, Any]] = {}

    def met(self, cond) -> set[str] | None:
        """The parts earlier executions met in the window open now; None when no window
        is open (outside a daily range, past a deadline, or it already fired once with
        `fireOnce`)."""
        start = self._start(cond)
        if start is None:
            return None
        met: set[str] = set()
        earlier = list_executions(self.conn, since=start - timedelta(days=1), limit=1000)
        for execution in sorted(earlier, key=lambda e: e.history.histories[0].date):
            render = _light_render(execution)
            for entry in execution.history.histories:
                if entry.date < start:
                    continue
                parts = self._parts(cond, execution, entry.state.value, render)
                if parts:
                    met |= parts
                    self._keep_outputs(execution)
        return met

    def trigger_outputs(self, source: Execution, state: str, render) -> dict | None:
        """`trigger.outputs`: with `dependsOn` (Kestra 2.0), each counted flow's outputs
        under its flow id, and with a single entry also unscoped (the shorthand Kestra
        keeps); otherwise the source's outputs deep-merged with the window's (Kestra 1.x's
        Flow.evaluate), or the source's own if the trigger has no window."""
        conditions = window_conditions(self.trigger)
        if any(parts_met(cond, source, state, render) for cond in conditions):
            self._keep_outputs(source)
        if self.trigger.depends_on is not None:
            return _scoped(self.outputs, single=len(self.trigger.depends_on) == 1)
        if not conditions or not self.outputs:
            return source.outputs
        return _merged(source.outputs or {}, self.outputs)

    def _parts(self, cond, execution: Execution, state: str, render) -> set[str]:
        listener = (self.flow.namespace, self.flow.id)
        try:
            if not listens(self.trigger, listener, execution, state, render):
                return set()
        except PodiumError:
            return set()
        return parts_met(cond, execution, state, render)

    def _keep_outputs(self, execution: Execution) -> None:
        if execution.outputs:
            self.outputs.setdefault(execution.namespace, {})[execution.flow_id] = \
                execution.outputs

    def _start(self, cond) -> datetime | None:
        spec = window_spec(cond)
        now = utcnow()
        window = bounds(spec, now)
        if window is None:
            return None
        start = max(window[0], self.listening_since)
        last = _last_fired(self.conn, self.flow, self.trigger, start)
        if last is not None and spec.fire_once:
            return None
        if last is not None and cond.reset_on_success:
            start = max(start, last)
        return start


def _scoped(kept: dict[str, dict[str, Any]], single: bool) -> dict[str, Any]:
    by_flow = {flow_id: outputs for flows in kept.values() for flow_id, outputs in flows.items()}
    if single and len(by_flow) == 1:
        [outputs] = by_flow.values()
        return {**outputs, **by_flow}
    return by_flow


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _light_render(execution: Execution):
    """Renders against what the execution row itself holds (labels, ids, state, outputs):
    enough for the expressions of window filters, without loading its task runs."""
    context = {"labels": {label["key"]: label["value"] for label in execution.labels},
               "execution": {"id": execution.id, "state": execution.state.value,
                             "outputs": execution.outputs or {}},
               "flow": {"id": execution.flow_id, "namespace": execution.namespace},
               "outputs": execution.outputs or {}}
    return lambda text, extra=None: render(text, {**context, **(extra or {})})


def _last_fired(conn, flow: Flow, trigger: FlowTrigger, since: datetime) -> datetime | None:
    for execution in list_executions(conn, flow.namespace, flow.id, since=since, limit=100):
        fired = execution.trigger or {}
        # An onMiss execution (the scheduler's, scheduler/deadlines.py) is not a firing.
        if fired.get("id") == trigger.id and \
                MISSED_DEADLINE not in (fired.get("variables") or {}):
            return execution.history.histories[0].date
    return None


def _warn(conn, flow: Flow, trigger: FlowTrigger, source: Execution, reason: str) -> None:
    log.warning("Flow trigger %s.%s/%s not fired for %s: %s", flow.namespace, flow.id,
                trigger.id, source.id, reason)
    append_logs(conn, [LogEntry(
        execution_id=source.id, task_run_id=None, task_id=None, attempt=None, level="WARN",
        message=f"Flow trigger '{trigger.id}' of {flow.namespace}.{flow.id} not fired: {reason}",
        timestamp=utcnow(), namespace=source.namespace, flow_id=source.flow_id)])


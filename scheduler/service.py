"""`podium scheduler`: fires Schedule and ScheduleOnDates triggers, polls polling triggers
(http.Trigger and the plugins' PollingTriggers, scheduler/polling.py), flushes debounced
bursts (common/debounce.py) and records missed Flow trigger deadlines (`onMiss`, scheduler/deadlines.py).

The loop (one thread; any number of replicas):
1. When flows changed (`flows_stamp`: one cheap query), rebuild the trigger specs from the
   latest revision of every live flow and bring the `triggers` rows in line: a new
   trigger's row waits for its next date, a changed definition restarts from now, rows of
   triggers gone are deleted. The first time, apply recoverMissedSchedules.
2. For each trigger whose next date has come (or with a backfill): in one transaction,
   lock its row (SKIP LOCKED: a row another replica holds is left to it), decide with
   `plan.step()`, insert the execution under a deterministic id (a savepoint: if the id
   exists, the date fired already and nothing is written), advance the row, commit; then
   publish the StartExecution.
   A polling trigger's row is claimed the same way, for the current slot, and committed
   before the request is sent (no lock is held during I/O); an execution it starts has an
   id derived from (trigger, slot).
3. Flush the debounce bursts that are due: lock the burst (SKIP LOCKED), insert its one
   execution under the burst's id, delete the burst, commit, publish.
4. Check the `onMiss` deadlines of Flow triggers: one FAILED execution per deadline that
   passed with its trigger unfired (scheduler/deadlines.py; its id derives from the
   trigger and the deadline, so replicas record one).
5. Sleep until the earliest next date or burst, a flow check, or a busy trigger's re-check.

Exactly once per scheduled date: a date fires only in the transaction that moves the row
past it, under the row's lock, and its execution id is a function of (namespace, flow,
trigger, date), so even two transactions that both believed the date due insert one row.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from podium.common.batch_webhook import batch_file, batch_file_uri
from podium.common.debounce import Window, folded_variables, render_key
from podium.common.errors import PodiumError
from podium.common.flow.loader import parse_flow
from podium.common.flow.model import Flow
from podium.common.models.state import State
from podium.common.observability import metrics
from podium.common.outbox_relay import OutboxRelay
from podium.common.plugins.polling_trigger import PollingTrigger
from podium.common.plugins.trigger_batch import BatchWebhook
from podium.common.secrets import SecretCipher
from podium.common.settings import HttpSettings, SchedulerSettings
from podium.common.storage import Storage
from podium.common.store import (
    Burst,
    Database,
    TriggerState,
    add_debounce_event,
    delete_burst,
    delete_triggers,
    due_bursts,
    ensure_trigger,
    execution_state,
    flows_stamp,
    get_flow,
    insert_execution,
    list_flows,
    list_triggers,
    lock_burst,
    lock_trigger,
    next_flush_at,
    save_trigger,
    set_trigger_execution,
)
from podium.common.store.executions import list_executions
from podium.common.store.types import utcnow
from podium.common.submission import InputServices, create_execution
from podium.common.templating import is_truthy, render, render_value
from podium.common.transport.base import Transport
from podium.scheduler import http_poll
from podium.scheduler.deadlines import (
    MissSpec,
    due_deadline,
    fired_in,
    missed_execution,
    window_opened,
)
from podium.scheduler.plan import Fire, Spec, initial_state, label_map, recover, step
from podium.scheduler.poll_context import SchedulerPollContext
from podium.scheduler.polling import PollSpec, claim, initial_poll_state, poll_execution_id
from podium.scheduler.specs import FlowSpecs, flow_specs, system_zone_name
from podium.scheduler.trigger_log import TriggerLog, store_or_warn

log = logging.getLogger(__name__)


class SchedulerService:
    def __init__(self, db: Database, transport: Transport,
                 settings: SchedulerSettings | None = None, *,
                 clock: Callable[[], datetime] = utcnow,
                 cipher: SecretCipher | None = None,
                 http: HttpSettings | None = None,
                 input_services: InputServices | None = None,
                 storage: Storage | None = None) -> None:
        self.db = db
        self.storage = storage  # a BatchWebhook's batch file, a polling trigger's logToFile file
        # secret(), kv(), http()... in the inputs' expressions of the executions it starts
        self.input_services = input_services
        self.settings = settings or SchedulerSettings()
        self.http = http or HttpSettings()  # the hosts polling triggers may reach (settings.http)
        self.clock = clock
        self.cipher = cipher
        self.relay = OutboxRelay(db, transport)
        self.zone_name = self.settings.timezone or system_zone_name()
        self.flows: dict[tuple[str, str], FlowSpecs] = {}
        self.specs: dict[tuple[str, str, str], Spec] = {}
        self.polls: dict[tuple[str, str, str], PollSpec] = {}
        self.misses: list[MissSpec] = []
        self._missed: set[tuple] = set()  # (trigger key, deadline) already handled
        self.counters: Counter[str] = Counter()
        self._stamp: tuple | None = None
        # Called after each round (the management server's liveness).
        self.on_round: Callable[[], None] | None = None
        self._recovered = False

    # ------------------------------------------------------------------ loop
    def run(self, stop: threading.Event, ready: Callable[[], None] | None = None) -> None:
        """Evaluate triggers until `stop` is set; `ready` is called after the first round."""
        relay = self.relay.run_background(stop, sweep_every=None)
        first = True
        while not stop.is_set():
            try:
                wait = self.tick()
            except Exception:  # keep scheduling; the next round retries
                log.exception("scheduler round failed")
                wait = self.settings.flow_poll_seconds
            if self.on_round is not None:
                self.on_round()
            if first and ready is not None:
                ready()
            first = False
            stop.wait(wait)
        self.relay.wake()
        relay.join(timeout=5)

    def run_background(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="scheduler",
                                  daemon=True)
        thread.start()
        return thread

    def tick(self) -> float:
        """One round; returns the seconds to sleep before the next."""
        self.refresh()
        with self.db.read() as conn:
            rows = {state.key: state for state in list_triggers(conn)}
        self._create_missing(rows)
        busy = False
        now = self.clock()
        for key, spec in self.specs.items():
            state = rows.get(key)
            if state is None or state.disabled or state.fingerprint != spec.fingerprint:
                continue
            due = state.backfill is not None and not state.backfill.get("paused") or \
                (state.next_date is not None and state.next_date <= now)
            if due:
                busy |= self.evaluate(spec)
        for key, poll_spec in self.polls.items():
            state = rows.get(key)
            if state is None or state.disabled or state.fingerprint != poll_spec.fingerprint:
                continue
            if state.next_date is not None and state.next_date <= self.clock():
                busy |= self.poll(poll_spec)
        self.flush_bursts()
        self.check_misses()
        return self._sleep(busy)

    def _sleep(self, busy: bool) -> float:
        wait = self.settings.flow_poll_seconds
        if busy:
            wait = min(wait, self.settings.busy_poll_seconds)
        known = self._known()
        with self.db.read() as conn:
            mine = [s for s in list_triggers(conn) if s.key in known and not s.disabled
                    and s.fingerprint == known[s.key].fingerprint]
            flush = next_flush_at(conn)
        upcoming = [s.next_date for s in mine if s.next_date is not None]
        if flush is not None:
            upcoming.append(flush)
        if any(s.backfill and not s.backfill.get("paused") and s.key in self.specs
               for s in mine):  # polling triggers have no backfills
            wait = min(wait, self.settings.busy_poll_seconds)
        if upcoming:
            wait = min(wait, (min(upcoming) - self.clock()).total_seconds())
        return max(0.0, wait)

    def _known(self) -> dict[tuple[str, str, str], Spec | PollSpec]:
        return {**self.specs, **self.polls}

    @staticmethod
    def _initial(spec: Spec | PollSpec, now: datetime) -> TriggerState:
        if isinstance(spec, PollSpec):
            return initial_poll_state(spec, now)
        return initial_state(spec, now)

    # ------------------------------------------------------------------ flows -> rows
    def refresh(self) -> bool:
        """Reload the trigger specs when flows changed; True when they did."""
        with self.db.read() as conn:
            stamp = flows_stamp(conn)
        if stamp == self._stamp and self._recovered:
            return False
        now = self.clock()
        with self.db.begin() as conn:
            revisions = list_flows(conn)
            self.flows = flow_specs(revisions, default_recover=self.settings.recover_missed_schedules,
                                    default_zone=self.zone_name)
            self.specs = {spec.key: spec for fs in self.flows.values() for spec in fs.specs}
            self.polls = {spec.key: spec for fs in self.flows.values() for spec in fs.polls}
            self.misses = [miss for fs in self.flows.values() for miss in fs.misses]
            rows = {state.key: state for state in list_triggers(conn)}
            for key, spec in self._known().items():
                state = rows.get(key)
                if state is None:
                    ensure_trigger(conn, self._initial(spec, now))
                elif state.fingerprint != spec.fingerprint:
                    locked = lock_trigger(conn, key)
                    if locked is not None and locked.fingerprint != spec.fingerprint:
                        # A changed definition starts again from now, like a new trigger.
                        fresh = self._initial(spec, now)
                        save_trigger(conn, locked.but(fingerprint=spec.fingerprint,
                                                      next_date=fresh.next_date,
                                                      backfill=fresh.backfill))
            # Rows of deleted or disabled flows and of removed or disabled triggers go: a
            # trigger that comes back starts afresh, waiting for its next date.
            known = self._known()
            delete_triggers(conn, [key for key in rows if key not in known])
        self._stamp = stamp
        if not self._recovered:
            self._recover_missed(now)
            self._recovered = True
        return True

    def _create_missing(self, rows: dict) -> None:
        missing = [spec for key, spec in self._known().items() if key not in rows]
        if not missing:
            return
        now = self.clock()
        with self.db.begin() as conn:
            for spec in missing:
                ensure_trigger(conn, self._initial(spec, now))

    def _recover_missed(self, now: datetime) -> None:
        grace = timedelta(seconds=self.settings.late_grace_seconds)
        for key, spec in self.specs.items():
            with self.db.begin() as conn:
                state = lock_trigger(conn, key)
                if state is None or state.fingerprint != spec.fingerprint:
                    continue
                recovered = recover(spec, state, now, grace)
                if recovered != state:
                    log.info("trigger %s: missed dates since %s, recoverMissedSchedules=%s: "
                             "next date %s", "/".join(key), state.next_date, spec.recover,
                             recovered.next_date)
                    save_trigger(conn, recovered)

    # ------------------------------------------------------------------ one trigger
    def evaluate(self, spec: Spec) -> bool:
        """Evaluate one trigger under its row lock; True when it waits for its last
        execution to end."""
        outgoing: list = []
        fired: bool | None = None
        with self.db.begin() as conn:
            state = lock_trigger(conn, spec.key)
            if state is None or state.fingerprint != spec.fingerprint:
                return False  # another replica holds it, or our view of the flow is stale
            last = execution_state(conn, state.execution_id) if state.execution_id else None
            now = self.clock()
            backfilling = bool(state.backfill) and not state.backfill.get("paused")
            decision = step(spec, state, now, State(last) if last is not None else None)
            for date, why in decision.skipped:
                log.info("trigger %s: %s skipped (%s)", "/".join(spec.key), date, why)
                self.counters["skipped"] += 1
            new_state = decision.state
            if decision.fire is not None:
                fired, outgoing = self._start(conn, spec, decision.fire, now)
                if fired is None:  # nothing was created: nothing to wait for
                    new_state = new_state.but(execution_id=None)
            save_trigger(conn, new_state)
        if fired:  # committed; a backfill's old dates are not lateness
            _fired("schedule", spec.key[0], None if backfilling else now - decision.fire.date)
        self.relay.publish_committed(outgoing)
        return decision.busy

    def _start(self, conn: Any, spec: Spec, fire: Fire,
               now: datetime) -> tuple[bool | None, list]:
        """Insert the execution of `fire`: (True, outbox rows) when inserted, (False, [])
        when its id exists already (the date fired), (None, []) when it cannot start."""
        flow_specs_ = self.flows[(spec.key[0], spec.key[1])]
        trigger = spec.trigger
        context = {"trigger": fire.variables, "schedule": fire.variables,
                   "flow": {"id": flow_specs_.flow.id, "namespace": flow_specs_.flow.namespace,
                            "revision": flow_specs_.revision}}
        try:
            inputs = render_value(fire.inputs, context) if fire.inputs else {}
        except (PodiumError, ValueError) as exc:
            self.counters["failed"] += 1
            log.error("trigger %s: cannot start an execution for %s: %s",
                      "/".join(spec.key), fire.date, exc)
            return None, []
        return self._insert(conn, spec.key, flow_specs_.flow, flow_specs_.revision, inputs,
                            now, labels=fire.labels or None,
                            trigger={"id": trigger.id, "type": trigger.TYPE,
                                     "variables": fire.variables},
                            execution_id=fire.execution_id, schedule_date=fire.schedule_date,
                            what=str(fire.date))

    def _insert(self, conn: Any, key: tuple[str, str, str], flow: Flow, revision: int,
                inputs: dict[str, Any], now: datetime, *, labels: dict[str, Any] | None,
                trigger: dict[str, Any], execution_id: str, what: str,
                schedule_date: datetime | None = None,
                error: str | None = None) -> tuple[bool | None, list]:
        """Insert an execution under its deterministic id (a savepoint): (True, outbox
        rows) when inserted, (False, []) when the id exists already, (None, []) when it
        cannot start (bad inputs, disabled flow)."""
        try:
            with conn.begin_nested():
                execution, outgoing = create_execution(
                    conn, flow, revision, inputs, now, labels=labels, trigger=trigger,
                    execution_id=execution_id, schedule_date=schedule_date,
                    cipher=self.cipher, input_services=self.input_services, error=error)
        except IntegrityError:
            self.counters["duplicates"] += 1
            log.info("trigger %s: %s fired already (execution %s)", "/".join(key), what,
                     execution_id)
            return False, []
        except (PodiumError, ValueError) as exc:
            self.counters["failed"] += 1
            log.error("trigger %s: cannot start an execution for %s: %s", "/".join(key),
                      what, exc)
            return None, []
        self.counters["fired"] += 1
        log.info("trigger %s: %s fired execution %s", "/".join(key), what, execution.id)
        return True, outgoing

    # ------------------------------------------------------------------ onMiss deadlines
    def check_misses(self) -> int:
        """A FAILED execution for each Flow trigger whose last deadline passed unfired
        (scheduler/deadlines.py); returns how many were created."""
        created = 0
        now = self.clock()
        for spec in self.misses:
            deadline = due_deadline(spec, now)
            if deadline is None or (spec.key, deadline) in self._missed:
                continue
            with self.db.begin() as conn:
                start = window_opened(spec, deadline)
                seen = list_executions(conn, spec.key[0], spec.key[1], since=start, limit=500)
                if not fired_in(seen, spec.trigger.id, start, deadline):
                    try:
                        with conn.begin_nested():
                            insert_execution(conn, missed_execution(spec, deadline, now))
                        created += 1
                        log.info("trigger %s: deadline %s missed", "/".join(spec.key),
                                 deadline)
                    except IntegrityError:
                        pass  # another scheduler recorded this miss
            self._missed.add((spec.key, deadline))
        return created

    # ------------------------------------------------------------------ polling triggers
    def _fail_poll(self, spec: PollSpec, slot: datetime, exc: Exception) -> None:
        """failOnTriggerError: the slot's execution, created failed with the poll's error
        (Kestra's worker emits such an execution when a trigger's evaluation throws)."""
        flow_specs_ = self.flows[(spec.key[0], spec.key[1])]
        trigger = spec.trigger
        message = str(getattr(exc, "message", None) or exc)
        with self.db.begin() as conn:
            exec_id = poll_execution_id(spec.key, slot)
            fired, outgoing = self._insert(
                conn, spec.key, flow_specs_.flow, flow_specs_.revision, {}, self.clock(),
                labels=label_map(trigger.labels) or None,
                trigger={"id": trigger.id, "type": trigger.TYPE}, execution_id=exec_id,
                what=f"failed poll of slot {slot.isoformat()}",
                error=f"Trigger '{trigger.id}' failed: {message}")
            if fired:
                set_trigger_execution(conn, spec.key, exec_id)
        self.relay.publish_committed(outgoing)

    def poll(self, spec: PollSpec) -> bool:
        """Poll one trigger if its slot is due and no other replica claimed it; True when
        it waits for its last execution to end."""
        with self.db.begin() as conn:
            state = lock_trigger(conn, spec.key)
            if state is None or state.fingerprint != spec.fingerprint:
                return False  # another replica holds it, or our view of the flow is stale
            last = execution_state(conn, state.execution_id) if state.execution_id else None
            decision = claim(spec, state, self.clock(), State(last) if last else None)
            if decision.stopped:
                log.info("trigger %s: disabled (%s)", "/".join(spec.key), decision.stopped)
            if decision.state != state:
                save_trigger(conn, decision.state)  # the slot is ours once this commits
        if decision.slot is None:
            return decision.busy
        metrics.get().scheduler_lag.labels("poll").observe(
            max(0.0, (self.clock() - decision.slot).total_seconds()))
        flow_specs_ = self.flows[(spec.key[0], spec.key[1])]
        flow = {"id": flow_specs_.flow.id, "namespace": flow_specs_.flow.namespace,
                "revision": flow_specs_.revision}
        trigger = spec.trigger
        exec_id = poll_execution_id(spec.key, decision.slot)
        try:
            if isinstance(trigger, PollingTrigger):
                variables, log_file = self._poll_plugin(spec, flow, exec_id)
            else:
                variables, log_file = self._poll_http(spec, flow, exec_id)
        except (PodiumError, ValueError) as exc:
            self.counters["poll_errors"] += 1
            log.warning("trigger %s: poll of slot %s failed: %s", "/".join(spec.key),
                        decision.slot, exc)
            if trigger.fail_on_trigger_error:
                self._fail_poll(spec, decision.slot, exc)
            return False
        self.counters["polled"] += 1
        if variables is None:
            return False
        self._fire_poll(spec, flow, decision.slot, exec_id, variables, log_file)
        return False

    def _poll_http(self, spec: PollSpec, flow: dict[str, Any],
                   exec_id: str) -> tuple[dict[str, Any] | None, str | None]:
        """An http.Trigger's request: (trigger variables, logFile) when its
        responseCondition holds, (None, None) when not. Raises PodiumError, ValueError."""
        trigger = spec.trigger
        response = http_poll.poll(trigger, {"flow": flow}, self.http)
        if not is_truthy(render(trigger.response_condition,
                                {"flow": flow, "response": response.response_variables()})):
            return None, None
        log_file = self._poll_log_file(spec, response, exec_id) \
            if trigger.log_to_file and trigger.debounce is None else None
        return response.trigger_variables(), log_file

    def _poll_plugin(self, spec: PollSpec, flow: dict[str, Any],
                     exec_id: str) -> tuple[dict[str, Any] | None, str | None]:
        """A plugin's PollingTrigger.evaluate: (trigger variables, logFile) when it found
        something, (None, None) when not. Whatever it raises becomes a PodiumError whose
        message has the secrets it rendered masked."""
        namespace, flow_id, trigger_id = spec.key
        trigger = spec.trigger
        context = {"flow": flow, "trigger": {"id": trigger.id, "type": trigger.TYPE}}
        level = trigger.log_level.value if trigger.log_level is not None else None
        services = self.input_services(namespace, context) if self.input_services else None
        ctx = SchedulerPollContext(spec.key, context, exec_id, storage=self.storage,
                                   services=services,
                                   lines=TriggerLog(flow_id, trigger_id, level))
        try:
            variables = trigger.evaluate(ctx)
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything
            text = str(exc) if isinstance(exc, PodiumError) else f"{type(exc).__name__}: {exc}"
            raise PodiumError(ctx.mask(text)) from exc
        finally:
            ctx.close()
        if variables is None:
            return None, None
        log_file = store_or_warn(ctx.lines, self.storage, namespace, flow_id, exec_id,
                                 lambda why: log.warning("trigger %s: %s", "/".join(spec.key),
                                                         why)) \
            if trigger.log_to_file else None
        return dict(variables), log_file

    def _fire_poll(self, spec: PollSpec, flow: dict[str, Any], slot: datetime, exec_id: str,
                   variables: dict[str, Any], log_file: str | None) -> None:
        """Start the slot's execution (or add the event to its debounce burst)."""
        flow_specs_ = self.flows[(spec.key[0], spec.key[1])]
        trigger = spec.trigger
        labels = label_map(trigger.labels) or None
        debounce = getattr(trigger, "debounce", None)
        now = self.clock()
        with self.db.begin() as conn:
            if debounce is not None:
                burst = add_debounce_event(
                    conn, spec.key, Window.of(debounce),
                    render_key(debounce, variables, flow), variables, now,
                    trigger={"id": trigger.id, "type": trigger.TYPE}, labels=labels)
                # Its execution gates the trigger (busy, stopAfter) once the burst fires.
                set_trigger_execution(conn, spec.key, burst.execution_id)
                self.counters["debounced"] += 1
                return
            fired, outgoing = self._insert(
                conn, spec.key, flow_specs_.flow, flow_specs_.revision, {}, now,
                labels=labels, trigger={"id": trigger.id, "type": trigger.TYPE,
                                        "variables": variables,
                                        **({"logFile": log_file} if log_file else {})},
                execution_id=exec_id, what=f"poll of slot {slot.isoformat()}")
            if fired:
                set_trigger_execution(conn, spec.key, exec_id)
        if fired:
            _fired("poll", spec.key[0])
        self.relay.publish_committed(outgoing)

    def _poll_log_file(self, spec: PollSpec, response: http_poll.PollResponse,
                       execution_id: str) -> str | None:
        """`logToFile`: the poll's lines (those of Kestra's http.Trigger and Request) as a
        file of the execution it starts; None when it cannot be stored (logged)."""
        namespace, flow_id, trigger_id = spec.key
        trigger = spec.trigger
        level = trigger.log_level.value if trigger.log_level is not None else None
        lines = TriggerLog(flow_id, trigger_id, level)
        lines.log("DEBUG", f"Request '{response.uri}' with the response code '{response.code}'")
        lines.log("DEBUG", f"{response.uri} respond with status code '{response.code}'")
        return store_or_warn(lines, self.storage, namespace, flow_id, execution_id,
                             lambda why: log.warning("trigger %s: %s", "/".join(spec.key), why))

    # ------------------------------------------------------------------ debounce bursts
    def flush_bursts(self) -> int:
        """Start the execution of every due debounce burst; returns how many started."""
        now = self.clock()
        with self.db.read() as conn:
            due = due_bursts(conn, now)
        return sum(self._flush(burst, now) for burst in due)

    def _flush(self, burst: Burst, now: datetime) -> bool:
        outgoing: list = []
        with self.db.begin() as conn:
            locked = lock_burst(conn, burst)
            if locked is None or locked.flush_at > now:
                return False  # flushed already, or another replica holds it
            key = locked.trigger_key
            stored = get_flow(conn, locked.namespace, locked.flow_id)
            try:
                flow = parse_flow(stored.source).flow if stored is not None else None
            except Exception as exc:  # noqa: BLE001 - a flow that no longer parses
                log.error("trigger %s: flow does not parse, a burst of %d events is dropped: "
                          "%s", "/".join(key), locked.size, exc)
                flow = None
            if flow is None:
                self.counters["failed"] += 1
                log.warning("trigger %s: flow gone, a burst of %d events is dropped",
                            "/".join(key), locked.size)
                delete_burst(conn, locked)
                return False
            declared = next((t for t in flow.triggers or () if t.id == locked.trigger_id), None)
            debounce = getattr(declared, "debounce", None)
            inputs = dict(locked.inputs or {})
            if debounce is not None and debounce.input:
                inputs[debounce.input] = list(locked.events)
            if isinstance(declared, BatchWebhook):
                variables = self._batch_variables(locked)
            else:
                variables = folded_variables(locked.events, locked.key)
            fired, outgoing = self._insert(
                conn, key, flow, stored.revision, inputs, now, labels=locked.labels or None,
                trigger={**locked.trigger, "variables": variables},
                execution_id=locked.execution_id,
                what=f"burst of {locked.size} events since {locked.first_at.isoformat()}")
            delete_burst(conn, locked)
        if fired:
            _fired("debounce", locked.namespace, now - locked.flush_at)
        self.relay.publish_committed(outgoing)
        return bool(fired)

    def _batch_variables(self, batch: Burst) -> dict[str, Any]:
        """A BatchWebhook's `trigger.uri` (its calls as ION rows, under the execution's
        files) and `trigger.count`."""
        count = {"count": batch.size}
        if self.storage is None:
            log.error("trigger %s: no internal storage configured, the batch's file is not "
                      "written (trigger.uri is missing)", "/".join(batch.trigger_key))
            return count
        uri = batch_file_uri(batch.namespace, batch.flow_id, batch.execution_id,
                             batch.trigger_id)
        return {"uri": self.storage.put(uri, batch_file(batch.events)), **count}


def _fired(kind: str, namespace: str, lag: timedelta | None = None) -> None:
    """Count an execution the scheduler created (its transaction committed) and how
    late it fired compared with when it was due."""
    m = metrics.get()
    m.scheduler_executions.labels(namespace, kind).inc()
    if lag is not None:
        m.scheduler_lag.labels(kind).observe(max(0.0, lag.total_seconds()))

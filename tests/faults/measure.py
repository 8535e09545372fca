"""What a scenario measures, and its one-line report.

A `Monitor` thread polls the store (its own engine, reconnecting: PostgreSQL may be down)
and notes, per execution, when its progress signature (state, task runs, their states and
versions) last changed. After the run, `measure()` joins that with the store's task runs and
the sink's body runs:

- terminal: executions in a terminal state / submitted;
- dup runs: task runs recorded twice, i.e. rows beyond the first for the same execution,
  task, parent run, value and iteration (two rows with one id cannot exist: primary key);
- re-runs: bodies that ran again for the same task run: a second (third...) start of the
  same (task run, attempt), plus every body of an attempt the store closed KILLED (an
  attempt lost with its worker and resubmitted as the next one: its body ran for nothing).
  The deliberate failure of `flaky` is a FAILED attempt, not a re-run;
- in flight: bodies started before each fault instant whose attempt the store had not
  closed yet (running, or ended with its result not recorded), summed over the faults
  (for a worker kill: those of the killed worker only). Target: re-runs <= in flight;
- orphans: bodies of a KILLED attempt that still ended after the store gave the attempt
  up (a script that outlived its killed worker, or a frozen worker's, resumed);
- recovery: from the dependency (or the killed service) being back to the first progress
  of any execution (`first`), and to the last execution terminal (`all`);
- stall: the longest time a non-terminal execution went without progress after the first
  fault; stuck: executions not terminal when the scenario's time ran out, and the longest
  time one of them had gone without progress then (`for`).

The seed fixes the workload (count, durations) and the fault plan (which process, when,
how long); the figures still vary with timing from one run to the next.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import create_engine, text

from tests.faults.workload import Sink
from tests.waiting import poll_until

TERMINAL = {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "SKIPPED", "RETRIED"}
RECOVERY_TARGET = 30.0

_PROGRESS = text("""
    SELECT e.id, e.state,
           count(t.id) AS runs,
           coalesce(sum(t.version), 0) AS versions,
           string_agg(t.state, ',' ORDER BY t.id) AS states
    FROM executions e LEFT JOIN task_runs t ON t.execution_id = e.id
    GROUP BY e.id, e.state""")


@dataclass
class Fault:
    """One injected fault: when it hit and when what it broke was back (epoch seconds)."""

    what: str
    at: float
    back: float | None = None
    # Only the bodies these worker processes ran were hit (a worker kill); None: all.
    pids: set[int] | None = None


@dataclass
class Progress:
    state: str = "CREATED"
    signature: tuple = ()
    changed: float = field(default_factory=time.time)
    ended: float | None = None  # when it was first seen terminal
    stalls: list[tuple[float, float]] = field(default_factory=list)  # (from, to) gaps


class Monitor:
    """Polls the store every `poll` seconds from a thread, tolerating an unreachable store."""

    def __init__(self, database_url: str, poll: float = 0.25) -> None:
        self.engine = create_engine(database_url, pool_pre_ping=True,
                                    connect_args={"connect_timeout": 2})
        self.poll = poll
        self.executions: dict[str, Progress] = {}
        self.changes: list[float] = []  # every instant some execution progressed
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="faults-monitor", daemon=True)
        self._lock = threading.Lock()

    def start(self) -> "Monitor":
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                with self.engine.connect() as conn:
                    rows = conn.execute(_PROGRESS).all()
            except Exception:  # noqa: BLE001 - the store being down is the scenario
                self.errors += 1
                continue
            self._note(rows, time.time())

    def _note(self, rows, now: float) -> None:
        with self._lock:
            for row in rows:
                seen = self.executions.setdefault(row.id, Progress(changed=now))
                signature = (row.state, row.runs, row.versions, row.states)
                if signature != seen.signature:
                    if seen.signature:
                        self.changes.append(now)
                    if seen.state not in TERMINAL:
                        seen.stalls.append((seen.changed, now))
                    seen.state, seen.signature, seen.changed = row.state, signature, now
                    if row.state in TERMINAL and seen.ended is None:
                        seen.ended = now

    def terminal(self) -> tuple[int, int]:
        with self._lock:
            done = sum(1 for p in self.executions.values() if p.state in TERMINAL)
            return done, len(self.executions)

    def states(self) -> dict[str, Progress]:
        with self._lock:
            return dict(self.executions)

    def wait_terminal(self, expected: int, deadline: float) -> bool:
        """Until at least `expected` executions exist and all have ended (executions
        created meanwhile, by a trigger, included)."""
        def ended() -> bool:
            done, total = self.terminal()
            return done == total >= expected

        return bool(poll_until(ended, deadline - time.time(), self.poll))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.engine.dispose()


@dataclass
class Report:
    scenario: str
    seed: int
    terminal: int
    total: int
    duplicates: int
    reruns: int
    in_flight: int
    orphans: int
    first_progress: float | None
    all_terminal: float | None
    max_stall: float
    stuck: int
    stuck_for: float
    elapsed: float
    missed: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def passed(self) -> bool:
        return not self.missed

    def line(self) -> str:
        def seconds(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f}s"
        verdict = "PASS" if self.passed else "FAIL " + ",".join(self.missed)
        return (f"{self.scenario:<20} seed={self.seed} terminal={self.terminal}/{self.total} "
                f"dup_runs={self.duplicates} reruns={self.reruns}/inflight={self.in_flight} "
                f"orphans={self.orphans} recovery first={seconds(self.first_progress)} "
                f"all={seconds(self.all_terminal)} max_stall={self.max_stall:.1f}s "
                f"stuck={self.stuck}" + (f" for {self.stuck_for:.0f}s" if self.stuck else "")
                + f" [{self.elapsed:.0f}s] {verdict}" + (f" ({self.note})" if self.note else ""))


_RUNS = text("SELECT id, execution_id, task_id, parent_task_run_id, value, iteration, "
             "attempts FROM task_runs")


def _store_runs(database_url: str) -> list:
    engine = create_engine(database_url, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            return conn.execute(_RUNS).all()
    finally:
        engine.dispose()


def _duplicates(runs: list) -> int:
    groups: dict[tuple, int] = {}
    for run in runs:
        key = (run.execution_id, run.task_id, run.parent_task_run_id, run.value, run.iteration)
        groups[key] = groups.get(key, 0) + 1
    return sum(count - 1 for count in groups.values())


def _closed(runs: list) -> dict[tuple[str, int], float]:
    """When the store closed each closed attempt (epoch), by (task run, attempt)."""
    return {(run.id, a["number"]): datetime.fromisoformat(a["ended"]).timestamp()
            for run in runs for a in run.attempts or [] if a.get("ended")}


def _reruns(runs: list, sink: Sink) -> tuple[int, int]:
    """(re-runs, orphans); see the module docstring."""
    killed = {(run.id, a["number"]) for run in runs for a in run.attempts or []
              if a.get("state") == "KILLED"}
    closed = _closed(runs)
    seen: dict[tuple[str, int], int] = {}
    reruns = orphans = 0
    for body in sink.read():
        key = (body.task_run_id, body.attempt)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1 or key in killed:
            reruns += 1
        if key in killed and body.ended is not None and body.ended > closed.get(key, 0.0):
            orphans += 1
    return reruns, orphans


def _recovery(monitor: Monitor, back: float) -> tuple[float | None, float | None]:
    first = next((t - back for t in sorted(monitor.changes) if t >= back), None)
    ends = [p.changed for p in monitor.executions.values() if p.state in TERMINAL]
    done, total = monitor.terminal()
    if first is None and ends and done == total and max(ends) <= back:
        first = 0.0  # everything had ended before the dependency was back
    last = max(ends) - back if ends and done == total else None
    return first, (max(last, 0.0) if last is not None else None)


def measure(scenario: str, seed: int, monitor: Monitor, faults: list[Fault], sink: Sink,
            database_url: str, started: float,
            stall_target: float | None = RECOVERY_TARGET) -> Report:
    now = time.time()
    runs = _store_runs(database_url)
    first_fault = min((f.at for f in faults), default=started)
    back = max((f.back or f.at for f in faults), default=started)
    reruns, orphans = _reruns(runs, sink)
    closed = _closed(runs)
    first, last = _recovery(monitor, back)
    with monitor._lock:
        progress = list(monitor.executions.values())
    gaps = [end - max(begin, first_fault) for p in progress for begin, end in p.stalls
            if end > first_fault]
    open_gaps = [now - max(p.changed, first_fault) for p in progress if p.state not in TERMINAL]
    done, total = monitor.terminal()
    report = Report(
        scenario=scenario, seed=seed, terminal=done, total=total, duplicates=_duplicates(runs),
        reruns=reruns, in_flight=sum(sink.in_flight(f.at, f.pids, closed) for f in faults),
        orphans=orphans,
        first_progress=first, all_terminal=last, max_stall=max(gaps + open_gaps, default=0.0),
        stuck=len(open_gaps), stuck_for=max(open_gaps, default=0.0), elapsed=now - started)
    report.missed = _missed(report, stall_target)
    return report


def _missed(report: Report, stall_target: float | None) -> list[str]:
    missed = []
    if report.total == 0 or report.terminal < report.total:
        missed.append("terminal")
    if report.duplicates:
        missed.append("dup_runs")
    if report.reruns > report.in_flight:
        missed.append("reruns")
    if report.first_progress is None or report.first_progress > RECOVERY_TARGET:
        missed.append("recovery")
    if stall_target is not None and report.max_stall > stall_target:
        missed.append("stall")
    return missed

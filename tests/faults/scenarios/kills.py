"""Service processes killed or frozen; the supervisor restarts the dead ones."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

from podium.common.messages import KillExecution
from podium.common.transport.base import EXECUTOR_QUEUE
from tests.faults.harness import Context
from tests.faults.measure import Fault, Monitor
from tests.faults.scenarios.registry import RESTART_WAIT
from tests.faults.supervisor import Slot, send_signal

DEFAULT_HEARTBEAT_TIMEOUT = 60.0  # WorkerSettings' default, when the run is not tuned


def kill_and_restart(ctx: Context, role: str, slot: Slot | None = None) -> Fault:
    slot = slot or ctx.rng.choice(ctx.supervisor.role(role))
    pid, at = ctx.supervisor.kill(slot)
    ctx.log(f"killed {role} {pid}")
    back = ctx.supervisor.wait_ready(slot, RESTART_WAIT)
    ctx.log(f"{role} back as {slot.process.pid}")
    return Fault(f"kill -9 {role}", at, back, pids={pid} if role == "worker" else None)


def worker_kill(ctx: Context) -> list[Fault]:
    """kill -9 a worker three times, a few seconds apart; each restarted by the supervisor."""
    ctx.wait_bodies(ctx.rng.uniform(0.1, 0.2))
    faults = []
    for _ in range(3):
        faults.append(kill_and_restart(ctx, "worker"))
        time.sleep(ctx.rng.uniform(2.0, 5.0))
    return faults


def executor_kill(ctx: Context) -> list[Fault]:
    """Two executors; kill -9 one mid-run, restarted."""
    ctx.wait_bodies(ctx.rng.uniform(0.2, 0.4))
    return [kill_and_restart(ctx, "executor")]


def burst(ctx: Context) -> list[Fault]:
    """A burst of executions; the executor, a worker and the scheduler killed in turn."""
    faults = []
    for role, share in (("executor", 0.15), ("worker", 0.35), ("scheduler", 0.55)):
        ctx.wait_bodies(share, timeout=180)
        faults.append(kill_and_restart(ctx, role))
    return faults


def _freeze_time(ctx: Context) -> float:
    """Past the heartbeat timeout, so that the frozen worker is declared dead."""
    timeout = float(ctx.env.get("PODIUM_WORKER__HEARTBEAT_TIMEOUT_SECONDS",
                                DEFAULT_HEARTBEAT_TIMEOUT))
    return 1.5 * timeout + ctx.rng.uniform(1.0, 3.0)


def _busiest_worker(ctx: Context) -> Slot:
    running = [body for body in ctx.sink.read() if body.ended is None]
    return max(ctx.supervisor.role("worker"),
               key=lambda slot: sum(slot.process.pid in b.ancestors for b in running))


def _freeze(ctx: Context, what: str, share: tuple[float, float],
            while_frozen: Callable[[Slot], None] = lambda slot: None) -> list[Fault]:
    """Freeze the busiest worker and its scripts (SIGSTOP) once `share` of the bodies have
    started, call `while_frozen`, resume it all after the freeze time."""
    ctx.wait_bodies(ctx.rng.uniform(*share))
    slot = _busiest_worker(ctx)
    at = time.time()
    pids = ctx.supervisor.signal_tree(slot, signal.SIGSTOP)
    try:
        while_frozen(slot)
        frozen = _freeze_time(ctx)
        ctx.log(f"froze worker {slot.process.pid} for {frozen:.1f}s")
        time.sleep(frozen)
    finally:  # never leave stopped scripts behind, even on Ctrl-C
        for pid in pids:
            send_signal(pid, signal.SIGCONT)
    return [Fault(what, at, time.time(), pids={slot.process.pid})]


def worker_freeze(ctx: Context) -> list[Fault]:
    """A worker (and its scripts) frozen with SIGSTOP past the heartbeat timeout, then
    resumed: its attempts were resubmitted meanwhile, its late results must change nothing."""
    return _freeze(ctx, "SIGSTOP worker", (0.15, 0.3))


def kill_frozen(ctx: Context) -> list[Fault]:
    """Executions killed while the worker running their tasks is frozen, then the worker
    resumed: they must end KILLED and never start a task after that."""
    def kill_its_executions(slot: Slot) -> None:
        victims = sorted({b.execution_id for b in ctx.sink.read()
                          if b.ended is None and slot.process.pid in b.ancestors})
        ctx.state["killed"] = victims
        for execution_id in victims:
            ctx.runtime.transport.publish(EXECUTOR_QUEUE,
                                          KillExecution(execution_id=execution_id).encode())
    return _freeze(ctx, "SIGSTOP worker + kill", (0.2, 0.35), kill_its_executions)


def killed_stay_killed(ctx: Context, monitor: Monitor) -> list[str]:
    states = monitor.states()
    victims = [states[i] for i in ctx.state.get("killed", []) if i in states]
    missed = []
    if any(p.state != "KILLED" for p in victims):
        missed.append("killed_state")
    ended = {i: states[i].ended for i in ctx.state.get("killed", []) if i in states}
    if any(ended.get(b.execution_id) and b.started > ended[b.execution_id]
           for b in ctx.sink.read()):
        missed.append("started_after_kill")
    return missed


def killed_note(ctx: Context) -> str:
    return f"{len(ctx.state.get('killed', []))} executions killed"

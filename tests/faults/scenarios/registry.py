"""What a scenario is, and the registry the catalog fills explicitly (catalog.py).

A scenario's `prepare(folder, stack, state)` starts what the fleet must be configured
with (an S3 server, a small filesystem) before the fleet starts, registers its teardown on
`stack` and returns the environment it adds (or raises ScenarioSkipped); `state` becomes
`ctx.state`. `inject(ctx)` waits for its moment (a seeded share of the bodies started),
breaks something, waits until it is back (bounded waits only) and returns the faults with
their instants; `before` / `cleanup` set up and undo what lasts the whole run (a
duplicator); `check` adds targets of its own; `note` adds a remark to its report line."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from tests.faults.harness import Context
from tests.faults.measure import RECOVERY_TARGET, Fault, Monitor

RESTART_WAIT = 60.0  # a restarted service or server must be ready within this


class ScenarioSkipped(RuntimeError):
    """This machine cannot run the scenario (e.g. no permission to mount a filesystem)."""


def _no_preparation(folder: Path, stack: ExitStack, state: dict) -> dict[str, str]:
    return {}


def _nothing(ctx: Context) -> None:
    return None


def _no_note(ctx: Context) -> str:
    return ""


def _no_check(ctx: Context, monitor: Monitor) -> list[str]:
    return []


@dataclass(frozen=True)
class Scenario:
    name: str
    inject: Callable[[Context], list[Fault]]
    summary: str
    ci: bool = False
    executors: int = 1
    schedulers: int = 0
    env: dict[str, str] = field(default_factory=dict)
    executions: tuple[int, int] | None = None  # instead of the run's workload size
    sleeps: tuple[float, float] = (0.2, 3.0)  # each body's seeded duration, seconds
    # The longest an unfinished execution may go without progress; None: not a target.
    stall_target: float | None = RECOVERY_TARGET
    prepare: Callable[[Path, ExitStack, dict], dict[str, str]] = _no_preparation
    before: Callable[[Context], None] = _nothing
    cleanup: Callable[[Context], None] = _nothing
    note: Callable[[Context], str] = _no_note
    # Targets of its own beyond the common ones: the names of those missed.
    check: Callable[[Context, Monitor], list[str]] = _no_check


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> None:
    if scenario.name in SCENARIOS:
        raise ValueError(f"scenario {scenario.name} registered twice")
    SCENARIOS[scenario.name] = scenario

"""A plugin's polling trigger (podium.sdk.triggers.PollingTrigger) run by two scheduler
replicas, on SQLite and PostgreSQL: polled once per slot, an execution only when evaluate()
found something, its files stored as the execution's, busy while that execution runs,
failOnTriggerError, logToFile. The trigger watches a local directory (the real thing)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import select, update

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.secrets import EnvSecretProvider
from podium.common.settings import SchedulerSettings
from podium.common.storage import LocalStorage
from podium.common.store import save_flow
from podium.common.store.schema import executions
from podium.common.transport.memory import InProcessTransport
from podium.scheduler.polling import poll_execution_id
from podium.scheduler.service import SchedulerService
from podium.sdk import Plugin, TaskFailure
from podium.sdk.triggers import PollContext, PollingTrigger
from podium.testing.plugins import registered
from podium.wiring import render_services

T0 = datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc)
TYPE = "tests.scheduler.DirectoryTrigger"
FLOW = """id: f
namespace: n
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ trigger.size }}}}"
triggers:
  - id: watch
    type: tests.scheduler.DirectoryTrigger
    directory: "{directory}/{{{{ flow.id }}}}"
{extra}"""


@pytest.fixture(autouse=True)
def directory_trigger():
    """A plugin trigger type, known to flows for this test only."""

    class DirectoryTrigger(PollingTrigger):
        TYPE: ClassVar[str] = "tests.scheduler.DirectoryTrigger"
        directory: str

        def evaluate(self, ctx: PollContext) -> dict[str, Any] | None:
            folder = Path(ctx.render(self.directory))
            if not folder.is_dir():
                raise TaskFailure(f"directory '{folder}' does not exist")
            found = sorted(folder.iterdir())
            if not found:
                return None
            ctx.log("INFO", f"{len(found)} new files in {folder}")
            uris = []
            for path in found:  # moved out, as the S3 trigger's action: MOVE
                local = ctx.working_dir / path.name
                shutil.move(path, local)
                uris.append(ctx.put_file(local))
            return {"uris": uris, "size": len(uris)}

    with registered(Plugin(name="directory", triggers=(DirectoryTrigger,))):
        yield DirectoryTrigger


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def deploy(db, directory: Path, extra: str = "") -> None:
    with db.begin() as conn:
        save_flow(conn, parse_flow(FLOW.format(directory=directory, extra=extra)))


def replicas(db, clock, storage) -> list[SchedulerService]:
    return [SchedulerService(db, InProcessTransport(), SchedulerSettings(timezone="UTC"),
                             clock=clock, storage=storage) for _ in range(2)]


def tick_at(schedulers, clock: Clock, seconds: float) -> None:
    clock.now = T0 + timedelta(seconds=seconds)
    for scheduler in schedulers:
        scheduler.tick()


def rows(db) -> list:
    with db.read() as conn:
        return conn.execute(select(executions.c.id, executions.c.trigger, executions.c.error)
                            .order_by(executions.c.created)).all()


def end_executions(db) -> None:
    with db.begin() as conn:  # no executor here: executions end at once
        conn.execute(update(executions).values(state=State.SUCCESS.value))


def test_the_default_interval_is_kestras_minute(directory_trigger):
    assert directory_trigger(id="w", type=TYPE, directory="d").interval == "PT1M"


def test_an_execution_starts_only_when_evaluate_finds_something(db, tmp_path):
    watched = tmp_path / "in" / "f"
    watched.mkdir(parents=True)
    deploy(db, tmp_path / "in", extra="    interval: PT10S\n")
    clock = Clock(T0)
    with LocalStorage(tmp_path / "storage") as storage:
        schedulers = replicas(db, clock, storage)
        tick_at(schedulers, clock, 0)
        tick_at(schedulers, clock, 10)  # polled: nothing there
        assert rows(db) == []
        (watched / "a.csv").write_text("1,2\n")
        (watched / "b.csv").write_text("3,4\n")
        tick_at(schedulers, clock, 15)  # the slot was polled already
        assert rows(db) == []
        tick_at(schedulers, clock, 20)
        [row] = rows(db)
        assert row.id == poll_execution_id(("n", "f", "watch"), T0 + timedelta(seconds=20))
        assert row.trigger["type"] == TYPE
        variables = row.trigger["variables"]
        assert variables["size"] == 2
        assert variables["uris"][0] == f"kestra:///n/f/executions/{row.id}/trigger/watch/a.csv"
        assert storage.read_bytes(variables["uris"][1]) == b"3,4\n"
        (watched / "c.csv").write_text("5\n")
        tick_at(schedulers, clock, 30)  # busy: the execution it started still runs
        assert len(rows(db)) == 1 and (watched / "c.csv").exists()
        end_executions(db)
        tick_at(schedulers, clock, 40)
        assert len(rows(db)) == 2 and not (watched / "c.csv").exists()
        assert sum(s.counters["polled"] for s in schedulers) == 3


def test_fail_on_trigger_error_starts_a_failed_execution(db, tmp_path):
    deploy(db, tmp_path / "missing", extra="    failOnTriggerError: true\n")
    clock = Clock(T0)
    schedulers = replicas(db, clock, None)
    for second in (0, 60, 120):
        tick_at(schedulers, clock, second)
    [row] = rows(db)  # the trigger then waits for that execution
    assert row.id == poll_execution_id(("n", "f", "watch"), T0 + timedelta(seconds=60))
    assert row.error == (f"Trigger 'watch' failed: directory '{tmp_path}/missing/f' "
                         "does not exist")


def test_without_fail_on_trigger_error_a_failing_poll_only_counts(db, tmp_path):
    deploy(db, tmp_path / "missing")
    clock = Clock(T0)
    schedulers = replicas(db, clock, None)
    for second in (0, 60, 120):
        tick_at(schedulers, clock, second)
    assert rows(db) == []
    assert sum(s.counters["poll_errors"] for s in schedulers) == 2


def test_log_to_file_keeps_what_evaluate_logged(db, tmp_path):
    (tmp_path / "in" / "f").mkdir(parents=True)
    (tmp_path / "in" / "f" / "x.txt").write_text("x")
    deploy(db, tmp_path / "in", extra="    logToFile: true\n")
    clock = Clock(T0)
    with LocalStorage(tmp_path / "storage") as storage:
        schedulers = replicas(db, clock, storage)
        tick_at(schedulers, clock, 0)
        tick_at(schedulers, clock, 60)
        [row] = rows(db)
        lines = storage.read_bytes(row.trigger["logFile"]).decode().splitlines()
    assert len(lines) == 1 and lines[0].endswith(f"1 new files in {tmp_path}/in/f")
    assert lines[0].split()[2] == "INFO"


def test_a_secret_rendered_by_evaluate_is_masked_in_the_failed_execution(db, tmp_path):
    # The directory does not exist: the error names it, with the secret (12 characters)
    # masked.
    source = FLOW.format(directory="/{{ secret('TOKEN') }}", extra="    failOnTriggerError: true\n")
    with db.begin() as conn:
        save_flow(conn, parse_flow(source))
    services = render_services(db, None, EnvSecretProvider({"SECRET_TOKEN": "c2VjcmV0LXRva2Vu"}))
    clock = Clock(T0)
    scheduler = SchedulerService(db, InProcessTransport(), SchedulerSettings(timezone="UTC"),
                                 clock=clock, input_services=services)
    tick_at([scheduler], clock, 0)
    tick_at([scheduler], clock, 60)
    [row] = rows(db)
    assert "secret-token" not in row.error
    assert row.error == "Trigger 'watch' failed: directory '/**masked****/f' does not exist"

"""The suite's own habits, kept true by a scan of tests/ with the AST.

No test sleeps in place of an observable fact: a test that must see something happen waits
for it (tests/waiting.py: `wait_for`, `poll_until`, `wait_rounds`; tests/integration/scrape.py:
the executors drained, the schedulers' rounds), and a test that must see something *not*
happen first waits for the positive signal that it would have happened by now. A
`time.sleep` / `asyncio.sleep` call is left only where a clock must really pass: a fault
lasts so long, a task outlives its timeout, an identifier needs a later millisecond. Each
of those is listed below, by file and enclosing function, with its reason; a new sleep
anywhere else fails this test.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

# (file under tests/, innermost enclosing function) -> why a clock must pass there.
ALLOWED_SLEEPS: dict[tuple[str, str], str] = {
    ("waiting.py", "poll_until"):
        "the one polling loop every wait of the suite goes through",
    ("contract/test_scheduler_polling.py", "test_two_running_replicas_poll_once_per_second"):
        "real clock: the replicas race for every one-second slot for 4.5 s",
    ("contract/test_store_schema.py", "first"):
        "the first locker holds the lock for a known time, the second's wait is measured",
    ("contract/test_transport_support.py", "handle"):
        "a handler that works for the time its payload asks (redelivery, timeouts)",
    ("unit/templating/test_lib_ids.py", "test_uuid_is_a_time_ordered_version_7"):
        "UUIDv7 order needs a later millisecond",
    ("unit/worker/http_server.py", "route_slow"):
        "a slow endpoint: the HTTP timeouts under test need it slow",
    ("unit/worker/test_attempt.py", "slow"):
        "a task that outlives its deadline",
    ("unit/worker/test_attempt.py", "ignores_kill"):
        "a task that outlives the kill it ignores",
    ("unit/worker/test_env_cache.py", "build"):
        "a slow environment build, so that concurrent builders overlap",
    ("integration/test_broker_restart.py",
     "test_executions_in_flight_end_after_a_redis_restart"):
        "the outage lasts OUTAGE_SECONDS",
    ("integration/test_frozen_worker.py",
     "test_no_task_starts_after_a_kill_while_its_worker_was_frozen"):
        "the worker stays frozen past the silence gap, not long enough to be dead",
    ("integration/test_postgres_restart.py", "_in_flight"):
        "submissions spread in time, so the outage finds them at different steps",
    ("integration/test_postgres_restart.py",
     "test_executions_in_flight_survive_a_postgres_crash_and_restart"):
        "the outage lasts OUTAGE_SECONDS",
    ("integration/test_postgres_restart.py",
     "test_executions_in_flight_survive_their_connections_terminated"):
        "the cuts are spread in time, so some land mid-transaction",
    ("integration/test_scheduler.py",
     "test_missed_schedules_are_recovered_all_or_last_after_a_restart"):
        "no scheduler for DOWN_SECONDS: that many scheduled seconds are missed",
    ("faults/scenarios/kills.py", "worker_kill"): "the pause between two kills",
    ("faults/scenarios/kills.py", "_freeze"): "the freeze lasts so long",
    ("faults/scenarios/outages.py", "_redis_outage"): "the outage lasts so long",
    ("faults/scenarios/outages.py", "pg_restart"): "the outage lasts so long",
    ("faults/scenarios/storage.py", "storage_down"): "the outage lasts so long",
    ("faults/scenarios/storage.py", "disk_full"): "the disk stays full so long",
}

SLEEP_MODULES = ("time", "asyncio")


def sleep_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, innermost enclosing function or `<module>`) of each `time.sleep(...)`,
    `asyncio.sleep(...)` or call of a `sleep` imported from those modules."""
    imported = {alias.asname or alias.name for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module in SLEEP_MODULES
                for alias in node.names if alias.name == "sleep"}
    found: list[tuple[int, str]] = []

    def is_sleep(call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute):
            return func.attr == "sleep" and isinstance(func.value, ast.Name) \
                and func.value.id in SLEEP_MODULES
        return isinstance(func, ast.Name) and func.id in imported

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call) and is_sleep(child):
                found.append((child.lineno, function))
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                else function
            visit(child, inner)

    visit(tree, "<module>")
    return found


def all_sleeps() -> dict[tuple[str, str], list[int]]:
    sleeps: dict[tuple[str, str], list[int]] = {}
    for path in sorted(TESTS.rglob("*.py")):
        if ".venv" in path.parts:
            continue
        relative = path.relative_to(TESTS).as_posix()
        for line, function in sleep_calls(ast.parse(path.read_text(), str(path))):
            sleeps.setdefault((relative, function), []).append(line)
    return sleeps


def test_no_test_sleeps_outside_the_allowlist():
    unexpected = {f"{file}:{lines[0]} in {function}()": lines
                  for (file, function), lines in all_sleeps().items()
                  if (file, function) not in ALLOWED_SLEEPS}
    assert not unexpected, (
        "sleeps in tests: wait for an observable fact instead (tests/waiting.py), or, if a "
        f"clock really must pass, add the place and the reason to ALLOWED_SLEEPS: {unexpected}")


def test_every_allowed_sleep_still_exists():
    """An entry whose sleep is gone is removed too: the list stays the truth."""
    assert set(ALLOWED_SLEEPS) - set(all_sleeps()) == set()


def test_the_scan_finds_every_form_of_sleep():
    source = '''
import asyncio, time
from time import sleep as nap

def a():
    time.sleep(1)

async def b():
    await asyncio.sleep(1)

def c():
    def inner():
        nap(1)
    return inner

time.sleep(2)
'''
    assert sleep_calls(ast.parse(source)) == [(6, "a"), (9, "b"), (13, "inner"), (16, "<module>")]

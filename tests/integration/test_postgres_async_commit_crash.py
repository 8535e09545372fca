"""PostgreSQL crashing under `database.synchronous_commit: false`, which forgets the last
commits: their messages went out, the store no longer knows what they decided.

The cluster is this module's own (tests/support/servers.py). Its WAL writer sleeps long
(`wal_writer_delay` 10 s) so the crash (`pg_ctl stop -m immediate`) finds commits that
were never written: the executor decisions of the chains running at that moment. A decision
forgotten leaves its task's attempt open in the store while its result was taken off the
queue, and the next task's RunTask ran for a task run the store never heard of. The
executor must notice the restart (the server's start time changed), find the open attempts
no message stands for, and run them again: every execution ends SUCCESS and every task is
recorded as having succeeded exactly once.
"""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from tests.integration.conftest import deploy, explain_stuck, start_runtime, stop_runtime
from tests.integration.test_postgres_restart import _read, _states
from tests.support.servers import PostgresServer, postgres_unavailable
from tests.waiting import poll_until

pytestmark = pytest.mark.service

STEPS = 40
CHAIN = "id: asyncchain\nnamespace: it.asynccommit\ntasks:\n" + "".join(
    f"  - id: s{i}\n    type: io.kestra.plugin.core.debug.Return\n    format: \"{i}\"\n"
    for i in range(STEPS))
CRASHES = 3  # a crash that forgot nothing proves nothing: crash again, up to this often
RECOVERY_SECONDS = 60


@pytest.fixture(scope="module")
def postgres():
    reason = postgres_unavailable()
    if reason:
        pytest.skip(f"no private PostgreSQL cluster: {reason}")
    cluster = PostgresServer().init("wal_writer_delay=10000")
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def runtime(deployment, postgres):
    runtime, _ = start_runtime(deployment, "asynccommit:", executors=1, workers=1,
                               worker_concurrency=4, PODIUM_DATABASE__URL=postgres.server_url,
                               PODIUM_DATABASE__SYNCHRONOUS_COMMIT="false")
    deploy(runtime, CHAIN)
    yield runtime
    stop_runtime(deployment, runtime)


def _crash_mid_chains(runtime, postgres) -> list[str]:
    """Chains submitted, PostgreSQL crashed once some have moved past their first steps,
    then started again. Returns the chains' ids."""
    ids = [runtime.submit("it.asynccommit", "asyncchain").id for _ in range(4)]

    def moving() -> bool:
        return any(len(_read(lambda: runtime.task_runs(i), [])) >= 5 for i in ids)

    assert poll_until(moving, 30, poll=0.01), explain_stuck(runtime, ids, runtime.fleet)
    postgres.stop("immediate")
    postgres.start()
    return ids


def _all_recorded_once(runtime, ids: list[str]) -> int:
    """Fail unless every chain ended SUCCESS with each task recorded once; returns how
    many attempts were run again."""
    def ended():
        states = _states(runtime, ids)
        return states if all(s is not None and s.is_terminated for s in states.values()) \
            else None

    states = poll_until(ended, RECOVERY_SECONDS, poll=0.2)
    assert states is not None and set(states.values()) == {State.SUCCESS}, \
        explain_stuck(runtime, ids, runtime.fleet)
    again = 0
    for execution_id in ids:
        runs = runtime.task_runs(execution_id)
        assert sorted(run.task_id for run in runs) == sorted(f"s{i}" for i in range(STEPS))
        assert all(run.state is State.SUCCESS for run in runs)
        again += sum(len(run.attempts) - 1 for run in runs)
    return again


def _executor_log(runtime) -> str:
    return "".join(log.read_text(errors="replace")
                   for log in runtime.fleet.folder.glob("executor-*.log"))


def test_commits_a_crash_forgot_are_decided_again_and_recorded_once(runtime, postgres):
    rerun = 0
    crashes = 0
    while not rerun and crashes < CRASHES:
        ids = _crash_mid_chains(runtime, postgres)
        crashes += 1
        rerun = _all_recorded_once(runtime, ids)
    print(f"{rerun} attempt(s) run again after {crashes} crash(es)")
    assert rerun > 0, "no crash forgot a decision: the scenario did not happen"
    assert "the database server restarted" in _executor_log(runtime)

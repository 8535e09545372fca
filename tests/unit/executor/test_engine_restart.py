"""Restart, replay and set-state in the pure core (Kestra's ExecutionService.restart,
replay, markAs)."""

from __future__ import annotations

from datetime import timedelta

from podium.common.messages import ReplayExecution, RestartExecution, SetTaskRunState
from podium.common.models.execution import new_id
from podium.common.models.state import State
from podium.executor.engine.commands import CreateExecution, KillRunningTasks, ScheduleTimer
from tests.unit.executor.harness import Harness

HEAD = "id: f\nnamespace: company.team\ntasks:\n"
RET = "io.kestra.plugin.core.debug.Return"


def ret(task_id: str, indent: int = 2, fmt: str | None = None) -> str:
    pad = " " * indent
    return f"{pad}- id: {task_id}\n{pad}  type: {RET}\n{pad}  format: \"{fmt or task_id}\"\n"


class Broken:
    """A worker that fails the given task ids (optionally only for one loop value)."""

    def __init__(self, *task_ids: str, value: str | None = None) -> None:
        self.failing = set(task_ids)
        self.value = value

    def __call__(self, dispatch):
        run = dispatch.task_run
        if run.task_id in self.failing and (self.value is None or run.value == self.value):
            return "FAILED", None
        return "SUCCESS", {"value": dispatch.task.get("format")}


def drive(h: Harness, worker, since: int) -> State:
    """Answer every dispatch made from index `since` on until nothing is left."""
    answered = since
    while answered < len(h.dispatched):
        dispatch = h.dispatched[answered]
        answered += 1
        h.result(dispatch, *worker(dispatch))
    return h.execution.state


def restart(h: Harness):
    return h.send(RestartExecution(execution_id=h.execution.id))


def replayed(h: Harness, source: str, task_run_id: str | None = None) -> Harness:
    """Replay `h` and return a harness over the execution the engine asked to create."""
    new_id_ = new_id()
    decision = h.send(ReplayExecution(execution_id=h.execution.id, task_run_id=task_run_id,
                                      new_execution_id=new_id_))
    assert decision.ignored is None, decision.ignored
    [create] = [c for c in decision.commands if isinstance(c, CreateExecution)]
    replay = Harness(source)
    replay.execution = create.execution
    replay.runs = {run.id: run for run in create.task_runs}
    replay.loop_values = {copy: h.loop_values[source_id]
                          for source_id, copy in create.loop_values_from}
    assert create.execution.id == new_id_
    return replay


def test_restart_reruns_only_the_failed_task_with_a_new_attempt():
    source = HEAD + ret("a") + ret("b") + ret("c")
    h = Harness(source)
    worker = Broken("b")
    assert h.run(worker) is State.FAILED
    [a_before] = h.by_task("a")
    assert h.by_task("c") == []
    since = len(h.dispatched)
    decision = restart(h)
    assert decision.ignored is None
    assert [d.task_run.task_id for d in h.dispatched[since:]] == ["b"]
    assert h.dispatched[since].attempt == 2
    assert h.execution.state is State.RUNNING and h.execution.attempt_number == 2
    assert State.RESTARTED in [e.state for e in h.execution.history.histories]
    worker.failing.clear()
    assert drive(h, worker, since) is State.SUCCESS
    assert h.by_task("a") == [a_before]  # kept as it was
    [b] = h.by_task("b")
    assert [(x.number, x.state) for x in b.attempts] == [(1, State.FAILED), (2, State.SUCCESS)]
    assert [e.state for e in b.history.histories][-3:] == [State.RESTARTED, State.RUNNING,
                                                           State.SUCCESS]
    assert h.states()["c"] == "SUCCESS"


def test_restart_removes_errors_branch_runs_and_resumes_flowable_ancestors():
    source = (HEAD + "  - id: seq\n    type: io.kestra.plugin.core.flow.Sequential\n"
              "    tasks:\n" + ret("inner", 6) + "    errors:\n" + ret("local_err", 6)
              + ret("after") + "errors:\n" + ret("flow_err"))
    h = Harness(source)
    worker = Broken("inner")
    assert h.run(worker) is State.FAILED
    error_ids = {r.id for r in (*h.by_task("local_err"), *h.by_task("flow_err"))}
    assert len(error_ids) == 2
    since = len(h.dispatched)
    decision = restart(h)
    assert set(decision.deleted) == error_ids
    assert h.by_task("local_err") == [] and h.by_task("flow_err") == []
    assert h.by_task("seq")[0].state is State.RUNNING
    worker.failing.clear()
    assert drive(h, worker, since) is State.SUCCESS
    assert h.states() == {"seq": "SUCCESS", "inner": "SUCCESS", "after": "SUCCESS"}


def test_restart_of_a_failed_foreach_iteration_reruns_just_that_value():
    source = (HEAD + "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
              "    values: [\"x\", \"y\", \"z\"]\n    tasks:\n"
              + ret("t", 6, "{{ taskrun.value }}") + ret("end"))
    h = Harness(source)
    worker = Broken("t", value="y")
    assert h.run(worker) is State.FAILED
    before = {r.value: r for r in h.by_task("t")}
    assert set(before) == {"x", "y"}  # z never started
    since = len(h.dispatched)
    restart(h)
    assert [(d.task_run.task_id, d.task_run.value, d.attempt)
            for d in h.dispatched[since:]] == [("t", "y", 2)]
    worker.failing.clear()
    assert drive(h, worker, since) is State.SUCCESS
    after = {r.value: r for r in h.by_task("t")}
    assert after["x"] == before["x"]  # the other iteration's run and outputs are reused
    assert after["y"].id == before["y"].id and len(after["y"].attempts) == 2
    assert after["z"].state is State.SUCCESS
    assert h.states()["end"] == "SUCCESS"


def test_restart_of_a_parallel_foreach_reruns_only_the_failed_value():
    source = (HEAD + "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
              "    concurrencyLimit: 0\n    values: [\"x\", \"y\", \"z\"]\n    tasks:\n"
              + ret("t", 6))
    h = Harness(source)
    worker = Broken("t", value="y")
    assert h.run(worker) is State.FAILED
    since = len(h.dispatched)
    restart(h)
    assert [d.task_run.value for d in h.dispatched[since:]] == ["y"]
    worker.failing.clear()
    assert drive(h, worker, since) is State.SUCCESS
    assert len(h.by_task("t")) == 3


def test_replay_from_a_task_run_copies_the_runs_before_it():
    source = HEAD + ret("a") + ret("b") + ret("c")
    h = Harness(source)
    assert h.run() is State.SUCCESS
    [a], [b] = h.by_task("a"), h.by_task("b")
    r = replayed(h, source, b.id)
    assert r.execution.parent_id == h.execution.id
    assert r.execution.original_id == h.execution.id
    assert r.execution.attempt_number == 2 and r.execution.state is State.CREATED
    [copy] = r.runs.values()
    assert copy.task_id == "a" and copy.id != a.id and copy.execution_id == r.execution.id
    assert copy.outputs == a.outputs and copy.state is State.SUCCESS
    assert h.execution.state is State.SUCCESS  # the replayed execution is untouched
    r.start()
    assert [d.task_run.task_id for d in r.dispatched] == ["b"]
    assert drive(r, Broken(), 0) is State.SUCCESS
    assert r.states() == {"a": "SUCCESS", "b": "SUCCESS", "c": "SUCCESS"}


def test_a_replay_from_a_task_run_lasts_the_whole_execution_as_in_kestra():
    """Kestra's replay from a task run keeps the source's state history (RESTARTED added):
    the replay's start, end and duration cover the copied part too."""
    source = HEAD + ret("a") + ret("b")
    h = Harness(source)
    assert h.run() is State.SUCCESS
    started = h.execution.history.start_date
    [b] = h.by_task("b")
    r = replayed(h, source, b.id)
    r.now = h.now
    assert r.execution.history.start_date == started
    assert [e.state for e in r.execution.history.histories][-2:] == [State.RESTARTED,
                                                                      State.CREATED]
    r.start()
    assert drive(r, Broken(), 0) is State.SUCCESS
    history = r.execution.history
    assert history.start_date == started and history.end_date == r.now
    assert history.end_date - history.start_date > h.execution.history.end_date - started
    assert replayed(h, source).execution.history.start_date > started  # a whole replay


def test_a_replay_from_a_task_run_gets_its_own_flow_timeout():
    """Its history starts with its source's, but its timers count from its own start."""
    source = HEAD.replace("tasks:\n", "timeout: PT1M\ntasks:\n") + ret("a") + ret("b")
    h = Harness(source)
    assert h.run() is State.SUCCESS
    r = replayed(h, source, h.by_task("b")[0].id)
    r.now = h.now
    started = r.start()
    [timer] = [c for c in started.commands if isinstance(c, ScheduleTimer)]
    assert timer.kind == "flow_timeout" and timer.fire_at == r.now + timedelta(minutes=1)


def test_replay_from_a_foreach_iteration_copies_the_other_iterations():
    source = (HEAD + "  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
              "    values: [\"x\", \"y\"]\n    tasks:\n" + ret("s1", 6) + ret("s2", 6)
              + ret("end"))
    h = Harness(source)
    assert h.run() is State.SUCCESS
    [s1_y] = [run for run in h.by_task("s1") if run.value == "y"]
    r = replayed(h, source, s1_y.id)
    copied = sorted((run.task_id, run.value, run.state.value) for run in r.runs.values())
    assert copied == [("each", None, "RUNNING"), ("s1", "x", "SUCCESS"), ("s2", "x", "SUCCESS")]
    [each] = r.by_task("each")
    assert all(run.parent_task_run_id == each.id for run in r.runs.values() if run.value)
    r.start()
    assert drive(r, Broken(), 0) is State.SUCCESS
    assert [d.task_run.task_id for d in r.dispatched] == ["s1", "s2", "end"]
    assert len(r.by_task("s1")) == 2 and len(r.by_task("s2")) == 2


def test_replay_from_scratch_is_a_fresh_execution_with_the_same_inputs():
    source = HEAD.replace("tasks:\n", "inputs:\n  - id: who\n    type: STRING\ntasks:\n") \
        + ret("a", fmt="{{ inputs.who }}")
    h = Harness(source, inputs={"who": "ada"})
    h.execution = h.execution.model_copy(update={"labels": [{"key": "team", "value": "x"}]})
    assert h.run(Broken("a")) is State.FAILED
    r = replayed(h, source)
    assert r.runs == {} and r.execution.state is State.CREATED
    assert r.execution.inputs == {"who": "ada"}
    assert r.execution.labels == [{"key": "team", "value": "x"}]
    assert r.execution.flow_revision == h.execution.flow_revision
    assert r.run() is State.SUCCESS


def test_set_state_failed_to_success_lets_the_flow_continue():
    source = HEAD + ret("a") + ret("b") + ret("c") + "errors:\n" + ret("err")
    h = Harness(source)
    worker = Broken("b")
    assert h.run(worker) is State.FAILED
    [b] = h.by_task("b")
    since = len(h.dispatched)
    decision = h.send(SetTaskRunState(execution_id=h.execution.id, task_run_id=b.id,
                                      state=State.SUCCESS))
    assert decision.ignored is None
    assert h.by_task("err") == []  # the errors branch no longer applies
    [b] = h.by_task("b")
    assert b.state is State.SUCCESS and b.attempts[-1].state is State.SUCCESS
    assert [d.task_run.task_id for d in h.dispatched[since:]] == ["c"]
    assert drive(h, worker, since) is State.SUCCESS
    assert h.execution.attempt_number == 1


def test_set_state_success_to_failed_fails_the_flow():
    source = HEAD + ret("a") + ret("b")
    h = Harness(source)
    assert h.run() is State.SUCCESS
    [b] = h.by_task("b")
    h.send(SetTaskRunState(execution_id=h.execution.id, task_run_id=b.id, state=State.FAILED))
    assert h.execution.state is State.FAILED


def test_restart_of_a_killed_execution_reruns_the_killed_tasks():
    source = HEAD + ret("a") + ret("b")
    h = Harness(source)
    h.start()
    [first] = h.dispatched
    kill = h.kill()
    assert h.execution.state is State.KILLED
    # The kill names the attempt it stops: workers remember it (a kill may arrive before
    # its attempt starts) and must not stop the restart's attempt of the same task run.
    [stop] = [c for c in kill.commands if isinstance(c, KillRunningTasks)]
    assert stop.attempts == ((first.task_run.id, 1),)
    restart(h)
    assert h.execution.state is State.RUNNING
    [again] = h.dispatched[1:]
    assert (again.task_run.id, again.attempt) == (first.task_run.id, 2)
    # The killed attempt's late result changes nothing.
    assert "stale" in h.result(first, "KILLED").ignored
    assert h.execution.state is State.RUNNING

    def worker_honouring_kills(dispatch):
        stopped = (dispatch.task_run.id, dispatch.attempt) in stop.attempts
        return ("KILLED", None) if stopped else Broken()(dispatch)

    assert drive(h, worker_honouring_kills, 1) is State.SUCCESS
    assert h.states() == {"a": "SUCCESS", "b": "SUCCESS"}


def test_invalid_requests_are_ignored_with_a_reason():
    source = HEAD + ret("a") + ret("b")
    h = Harness(source)
    h.start()
    [a] = h.by_task("a")
    assert "terminated or paused" in restart(h).ignored
    assert "terminated" in h.send(ReplayExecution(execution_id=h.execution.id,
                                                  new_execution_id=new_id())).ignored
    assert "terminated or paused" in h.send(SetTaskRunState(
        execution_id=h.execution.id, task_run_id=a.id, state=State.SUCCESS)).ignored
    drive(h, Broken(), 0)
    assert h.execution.state is State.SUCCESS
    assert "no failed" in restart(h).ignored
    assert "not a task run" in h.send(ReplayExecution(
        execution_id=h.execution.id, task_run_id="nope", new_execution_id=new_id())).ignored
    assert "new execution id" in h.send(ReplayExecution(
        execution_id=h.execution.id, new_execution_id=h.execution.id)).ignored
    assert "can only be set" in h.send(SetTaskRunState(
        execution_id=h.execution.id, task_run_id=a.id, state=State.RUNNING)).ignored
    assert "already SUCCESS" in h.send(SetTaskRunState(
        execution_id=h.execution.id, task_run_id=a.id, state=State.SUCCESS)).ignored
    assert "not a task run" in h.send(SetTaskRunState(
        execution_id=h.execution.id, task_run_id="nope", state=State.FAILED)).ignored
    assert h.execution.state is State.SUCCESS and h.execution.attempt_number == 1


def test_restart_of_a_paused_execution_resumes_it():
    source = HEAD + "  - id: wait\n    type: io.kestra.plugin.core.flow.Pause\n" + ret("b")
    h = Harness(source)
    h.start()
    assert h.execution.state is State.PAUSED
    decision = restart(h)
    assert decision.ignored is None
    assert h.execution.attempt_number == 2
    assert drive(h, Broken(), 0) is State.SUCCESS
    assert h.states() == {"wait": "SUCCESS", "b": "SUCCESS"}

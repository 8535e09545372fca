"""The Pause task and resuming in the pure core (Kestra's Pause, handlePausedDelay, resume)."""

from __future__ import annotations

from datetime import timedelta

from podium.common.messages import ResumeExecution, TimerFired
from podium.common.models.state import State
from tests.unit.executor.harness import Harness

HEAD = "id: f\nnamespace: company.team\ntasks:\n"
PAUSE = "io.kestra.plugin.core.flow.Pause"
RET = "io.kestra.plugin.core.debug.Return"


def ret(task_id: str, indent: int = 2, fmt: str | None = None) -> str:
    pad = " " * indent
    return f"{pad}- id: {task_id}\n{pad}  type: {RET}\n{pad}  format: \"{fmt or task_id}\"\n"


def pause(extra: str = "", indent: int = 2, task_id: str = "pause") -> str:
    pad = " " * indent
    return f"{pad}- id: {task_id}\n{pad}  type: {PAUSE}\n" + "".join(
        f"{pad}  {line}\n" for line in extra.splitlines())


def resume(h: Harness, inputs: dict | None = None):
    return h.send(ResumeExecution(execution_id=h.execution.id, inputs=inputs))


def answer_all(h: Harness, done: int = 0) -> None:
    """Play the worker for every dispatch not answered yet (and those they lead to)."""
    while done < len(h.dispatched):
        h.result(h.dispatched[done], "SUCCESS")
        done += 1


def history(item) -> list[str]:
    return [entry.state.value for entry in item.history.histories]


def test_pause_then_resume_runs_on_with_kestra_histories():
    h = Harness(HEAD + pause() + ret("last"))
    assert h.run() is State.PAUSED
    assert h.states() == {"pause": "PAUSED"}
    assert not h.dispatched and not h.timers  # no delay, no timeout: waits for a resume
    resume(h)
    answer_all(h)
    assert h.execution.state is State.SUCCESS
    assert history(h.by_task("pause")[0]) == ["CREATED", "RUNNING", "PAUSED", "RUNNING",
                                             "SUCCESS"]
    assert history(h.execution) == ["CREATED", "RUNNING", "PAUSED", "RESTARTED", "RUNNING",
                                    "SUCCESS"]


def test_paused_execution_does_not_progress_on_other_messages():
    h = Harness(HEAD + pause() + ret("last"))
    h.run()
    decision = h.send(TimerFired(execution_id=h.execution.id, timer_id="x", timer_kind="waitfor"))
    assert h.execution.state is State.PAUSED and not h.dispatched
    assert not decision.created


def test_resume_runs_the_deprecated_subtasks_after_the_pause():
    h = Harness(HEAD + pause("tasks:\n" + ret("sub", 2)) + ret("last"))
    h.run()
    assert h.states() == {"pause": "PAUSED"}
    resume(h)
    assert [d.task_run.task_id for d in h.dispatched] == ["sub"]
    assert h.by_task("pause")[0].state is State.RUNNING
    answer_all(h)
    assert h.states() == {"pause": "SUCCESS", "sub": "SUCCESS", "last": "SUCCESS"}


def test_resume_of_a_running_execution_is_ignored():
    h = Harness(HEAD + ret("a"))
    h.start()
    assert "not paused" in resume(h).ignored


def test_delay_timer_resumes_by_itself():
    h = Harness(HEAD + pause("delay: PT1S") + ret("last"))
    h.start()
    [timer] = h.timers
    assert timer.kind == "pause_delay" and timer.fire_at == h.now + timedelta(seconds=1)
    assert h.run() is State.SUCCESS
    run = h.by_task("pause")[0]
    assert run.history.entered(State.PAUSED) == 1 and run.history.entered(State.RUNNING) == 2


def test_timeout_fails_the_pause_and_skips_its_tasks():
    h = Harness(HEAD + pause("timeout: PT1S\ntasks:\n" + ret("ko", 2)) + ret("last"))
    h.start()
    assert [t.kind for t in h.timers] == ["pause_timeout"]
    assert h.run() is State.FAILED
    assert h.states() == {"pause": "FAILED"}
    assert history(h.by_task("pause")[0]) == ["CREATED", "RUNNING", "PAUSED", "FAILED"]


def test_delay_wins_over_timeout():
    h = Harness(HEAD + pause("delay: PT1S\ntimeout: PT5S"))
    h.start()
    assert [t.kind for t in h.timers] == ["pause_delay"]
    h.fire_timers()
    assert h.execution.state is State.SUCCESS


def test_pause_duration_follows_behavior():
    h = Harness(HEAD + pause("pauseDuration: PT1S\nbehavior: WARN") + ret("last"))
    h.start()
    h.fire_timers()
    answer_all(h)
    assert h.states()["pause"] == "WARNING"
    assert h.execution.state is State.WARNING


def test_timer_after_a_manual_resume_changes_nothing():
    h = Harness(HEAD + pause("timeout: PT1H") + ret("last"))
    h.start()
    timers = list(h.timers)
    resume(h)
    answer_all(h)
    assert h.execution.state is State.SUCCESS
    t = timers[0]
    decision = h.send(TimerFired(execution_id=h.execution.id, timer_id=t.timer_id,
                                 timer_kind=t.kind, task_run_id=t.task_run_id))
    assert decision.ignored


ON_RESUME = """onResume:
  - id: asked
    type: STRING
  - id: count
    type: INT
    defaults: 3
  - id: when
    type: DATETIME
    required: false
"""


def test_on_resume_inputs_are_typed_into_outputs():
    h = Harness(HEAD + pause(ON_RESUME) + ret("last", fmt="{{ outputs.pause.onResume.asked }}"))
    h.run()
    resume(h, {"asked": "yes", "when": "2024-01-02T03:04:05+00:00"})
    run = h.by_task("pause")[0]
    assert run.outputs == {"onResume": {"asked": "yes", "count": 3,
                                        "when": "2024-01-02T03:04:05Z"}}
    assert h.dispatched[0].context["outputs"]["pause"]["onResume"]["asked"] == "yes"


def test_invalid_on_resume_inputs_leave_the_execution_paused():
    h = Harness(HEAD + pause(ON_RESUME) + ret("last"))
    h.run()
    decision = resume(h, {"count": "many"})
    assert "asked" in decision.ignored and "count" in decision.ignored
    assert h.execution.state is State.PAUSED and h.states() == {"pause": "PAUSED"}


def test_kill_while_paused():
    h = Harness(HEAD + pause("timeout: PT1H") + ret("last"))
    h.start()
    h.kill()
    assert h.execution.state is State.KILLED
    assert h.states() == {"pause": "KILLED"}
    assert history(h.execution)[-3:] == ["PAUSED", "KILLING", "KILLED"]
    assert resume(h).ignored


def test_parallel_pauses_resume_one_at_a_time():
    h = Harness(HEAD + "  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
                + pause(task_id="p1", indent=6) + pause(task_id="p2", indent=6) + ret("last"))
    h.run()
    assert h.states() == {"p": "RUNNING", "p1": "PAUSED", "p2": "PAUSED"}
    resume(h)
    assert h.states()["p1"] == "SUCCESS" and h.states()["p2"] == "PAUSED"
    assert h.execution.state is State.PAUSED and not h.dispatched
    resume(h)
    answer_all(h)
    assert h.execution.state is State.SUCCESS
    assert history(h.execution) == ["CREATED", "RUNNING", "PAUSED", "RESTARTED", "RUNNING",
                                    "SUCCESS"]


def test_delayed_pauses_in_each_parallel():
    h = Harness(HEAD + "  - id: each\n    type: io.kestra.plugin.core.flow.EachParallel\n"
                "    value: [\"a\", \"b\", \"c\"]\n    tasks:\n"
                + pause("delay: PT1S\ntasks:\n" + ret("log", 2), indent=6))
    assert h.run() is State.SUCCESS
    assert len(h.runs) == 7
    assert all(r.history.entered(State.PAUSED) == 1 for r in h.by_task("pause"))


def test_retry_scheduled_while_another_branch_is_paused_keeps_the_execution_paused():
    source = ("id: f\nnamespace: company.team\ntasks:\n  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
              "      - id: wait\n        type: io.kestra.plugin.core.flow.Pause\n"
              "      - id: flaky\n        type: io.kestra.plugin.core.execution.Fail\n"
              "        retry:\n          type: constant\n          interval: PT1S\n          maxAttempt: 2\n")
    h = Harness(source)
    h.start()
    assert h.execution.state is State.PAUSED
    flaky = next(d for d in h.dispatched if d.task_run.task_id == "flaky")
    h.result(flaky, "FAILED")
    assert h.execution.state is State.PAUSED
    assert h.by_task("flaky")[0].state is State.RETRYING


def test_a_copy_of_a_resume_does_not_resume_the_next_parallel_pause():
    h = Harness(HEAD + "  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
                + pause(task_id="p1", indent=6) + pause(task_id="p2", indent=6))
    h.run()
    message = ResumeExecution(execution_id=h.execution.id)
    h.send(message)
    assert h.send(message).ignored  # delivered twice: still one resume
    assert h.states() == {"p": "RUNNING", "p1": "SUCCESS", "p2": "PAUSED"}
    resume(h)
    assert h.execution.state is State.SUCCESS

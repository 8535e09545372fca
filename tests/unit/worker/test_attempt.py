"""run_attempt: timeouts, kills, exceptions, allowFailure / allowWarning, masking."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from podium.common.errors import TemplateError
from podium.common.models.state import State
from podium.common.plugins.tasks.debug import Return
from podium.worker.run_context import RunContext
from podium.worker.runnables import (
    RUNNABLES,
    Outcome,
    TaskFailure,
    adjust_state,
    attempt,
    run_attempt,
)
from tests.unit.worker.conftest import make_ctx, make_task

RETURN = "io.kestra.plugin.core.debug.Return"
FAIL = "io.kestra.plugin.core.execution.Fail"
SLEEP = "io.kestra.plugin.core.flow.Sleep"


def replace_return(monkeypatch, fn) -> None:
    monkeypatch.setitem(RUNNABLES, Return, fn)


# ---------------------------------------------------------------- exceptions
def test_unexpected_exception_becomes_failed_without_traceback(monkeypatch):
    def boom(task, ctx):
        raise KeyError("nope")
    replace_return(monkeypatch, boom)
    ctx, logs = make_ctx()
    outcome = run_attempt(make_task(RETURN, format="x"), ctx)
    assert (outcome.state, outcome.error) == (State.FAILED, "Task failed: KeyError: 'nope'")
    assert logs.pairs() == [("ERROR", "Task failed: KeyError: 'nope'")]
    assert "Traceback" not in outcome.error


def test_exception_without_message(monkeypatch):
    def boom(task, ctx):
        raise RuntimeError()
    replace_return(monkeypatch, boom)
    ctx, _ = make_ctx()
    assert run_attempt(make_task(RETURN), ctx).error == "Task failed: RuntimeError"


def test_template_error_message_is_kept_as_is(monkeypatch):
    def boom(task, ctx):
        raise TemplateError("Unable to find `x` used in the expression `{{ x }}`")
    replace_return(monkeypatch, boom)
    ctx, _ = make_ctx()
    assert run_attempt(make_task(RETURN), ctx).error == "Unable to find `x` used in the expression `{{ x }}`"


def test_task_failure_keeps_outputs(monkeypatch):
    def boom(task, ctx):
        raise TaskFailure("broken", outputs={"exitCode": 3})
    replace_return(monkeypatch, boom)
    ctx, _ = make_ctx()
    outcome = run_attempt(make_task(RETURN), ctx)
    assert (outcome.state, outcome.error, outcome.outputs) == (State.FAILED, "broken", {"exitCode": 3})


def test_secrets_are_masked_in_errors(monkeypatch):
    def boom(task, ctx):
        raise ValueError(f"bad value {ctx.render(task.format)}")
    replace_return(monkeypatch, boom)
    ctx, logs = make_ctx()
    outcome = run_attempt(make_task(RETURN, format="{{ secret('API_KEY') }}"), ctx)
    assert outcome.error == "Task failed: ValueError: bad value **masked****"
    assert "s3cr3t" not in repr(logs.entries)


def test_a_task_without_implementation_fails():
    ctx, _ = make_ctx()
    task = make_task("io.kestra.plugin.core.flow.Pause", delay="PT1S")
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.FAILED
    assert "only runnable tasks can be executed by the worker" in outcome.error


def test_an_invalid_result_fails(monkeypatch):
    replace_return(monkeypatch, lambda task, ctx: 42)
    ctx, _ = make_ctx()
    assert run_attempt(make_task(RETURN), ctx).state is State.FAILED


# ---------------------------------------------------------------- timeout and kill
def test_timeout_of_a_cooperative_task_fails_with_the_duration():
    ctx, _ = make_ctx(inputs={"t": "PT0.2S"})
    start = time.monotonic()
    outcome = run_attempt(make_task(SLEEP, duration="PT10S", timeout="{{ inputs.t }}"), ctx)
    assert (outcome.state, outcome.error) == (State.FAILED, "Timeout after PT0.2S")
    assert time.monotonic() - start < 1.5


def test_timeout_message_uses_the_iso_duration():
    ctx, _ = make_ctx()
    ctx.timeout = timedelta(seconds=5)
    assert ctx.timeout_message() == "Timeout after PT5S"


def test_timeout_of_a_stuck_task_is_enforced_after_the_grace(monkeypatch):
    monkeypatch.setattr(attempt, "STOP_GRACE_SECONDS", 0.2)
    release, logged = threading.Event(), threading.Event()

    def stuck(task, ctx):
        release.wait(10)  # ignores ctx.killed and the deadline
        ctx.log("INFO", "too late")
        logged.set()  # the late line went through ctx.log: kept or dropped by now
        return {"value": "late"}
    replace_return(monkeypatch, stuck)
    ctx, logs = make_ctx()
    start = time.monotonic()
    outcome = run_attempt(make_task(RETURN, timeout="PT0.2S"), ctx)
    assert (outcome.state, outcome.error) == (State.FAILED, "Timeout after PT0.2S")
    assert time.monotonic() - start < 1.5
    release.set()
    assert logged.wait(5)
    assert "too late" not in logs.messages()  # logs after the attempt ended are dropped


def test_a_task_finishing_after_its_deadline_still_fails(monkeypatch):
    def slow(task, ctx):
        time.sleep(0.3)
        return {"value": "done"}
    replace_return(monkeypatch, slow)
    ctx, _ = make_ctx()
    outcome = run_attempt(make_task(RETURN, timeout="PT0.1S"), ctx)
    assert (outcome.state, outcome.error) == (State.FAILED, "Timeout after PT0.1S")


def test_kill_of_a_stuck_task_returns_killed_after_the_grace(monkeypatch):
    monkeypatch.setattr(attempt, "STOP_GRACE_SECONDS", 0.2)
    release = threading.Event()
    replace_return(monkeypatch, lambda task, ctx: release.wait(10))
    ctx, _ = make_ctx()
    threading.Timer(0.1, ctx.killed.set).start()
    try:
        outcome = run_attempt(make_task(RETURN), ctx)
    finally:
        release.set()
    assert (outcome.state, outcome.error) == (State.KILLED, None)


def test_a_task_that_finishes_despite_the_kill_keeps_its_result(monkeypatch):
    def ignores_kill(task, ctx):
        time.sleep(0.2)
        return {"value": "done"}
    replace_return(monkeypatch, ignores_kill)
    ctx, _ = make_ctx()
    threading.Timer(0.05, ctx.killed.set).start()
    outcome = run_attempt(make_task(RETURN), ctx)
    assert (outcome.state, outcome.outputs) == (State.SUCCESS, {"value": "done"})


def test_an_invalid_timeout_fails():
    ctx, _ = make_ctx(inputs={"t": "later"})
    outcome = run_attempt(make_task(RETURN, timeout="{{ inputs.t }}"), ctx)
    assert outcome.state is State.FAILED and outcome.error.startswith("Invalid timeout")


def test_a_caller_deadline_is_kept_when_earlier():
    ctx, _ = make_ctx(deadline=time.monotonic() + 0.2)
    outcome = run_attempt(make_task(SLEEP, duration="PT10S", timeout="PT1H"), ctx)
    assert outcome.state is State.FAILED and outcome.error == "Timeout"


# ---------------------------------------------------------------- allowFailure / allowWarning
@pytest.mark.parametrize("allow_failure, allow_warning, retry_left, expected", [
    (False, False, False, State.FAILED),
    (True, False, False, State.WARNING),
    (True, False, True, State.FAILED),   # a retry will run: stay FAILED
    (True, True, False, State.SUCCESS),  # FAILED -> WARNING -> SUCCESS
    (False, True, False, State.FAILED),
])
def test_allow_failure_and_allow_warning_on_a_failure(allow_failure, allow_warning, retry_left, expected):
    ctx, _ = make_ctx()
    task = make_task(FAIL, allowFailure=allow_failure, allowWarning=allow_warning)
    outcome = run_attempt(task, ctx, retry_left=retry_left)
    assert outcome.state is expected
    assert outcome.error == "Task failure"


@pytest.mark.parametrize("state, allow_warning, expected", [
    (State.WARNING, True, State.SUCCESS), (State.WARNING, False, State.WARNING),
    (State.SUCCESS, True, State.SUCCESS), (State.KILLED, True, State.KILLED),
])
def test_allow_warning(state, allow_warning, expected):
    task = make_task(RETURN, allowWarning=allow_warning, allowFailure=True)
    assert adjust_state(task, Outcome(state), retry_left=False).state is expected


# ---------------------------------------------------------------- the context
def test_working_dir_is_created_lazily_and_removed_after_the_attempt(monkeypatch):
    seen = {}

    def uses_dir(task, ctx):
        (ctx.working_dir / "f.txt").write_text("x")
        seen["dir"] = ctx.working_dir
    replace_return(monkeypatch, uses_dir)
    ctx, _ = make_ctx()
    assert run_attempt(make_task(RETURN), ctx).state is State.SUCCESS
    assert seen["dir"].name == "work" and not seen["dir"].exists()


def test_context_log_masks_every_message_and_filters_levels():
    ctx, logs = make_ctx(min_level="WARN")
    ctx.masker.add("hunter2")
    ctx.log("INFO", "hidden")
    ctx.log("WARN", "pw=hunter2")
    ctx.log("error", "boom")
    assert logs.pairs() == [("WARN", "pw=*******"), ("ERROR", "boom")]
    with pytest.raises(ValueError):
        ctx.log("LOUD", "x")


def test_context_render_helpers():
    ctx, _ = make_ctx(inputs={"n": 3, "flag": "true"})
    assert ctx.render("{{ inputs.n }}") == "3"
    assert ctx.render_typed("{{ inputs.n }}") == 3
    assert ctx.render_value({"a": ["{{ inputs.n }}"]}) == {"a": ["3"]}
    assert ctx.render_bool("{{ inputs.flag }}") is True
    assert ctx.render(None) is None
    assert ctx.render("{{ workingDir }}", {"workingDir": "/w"}) == "/w"


def test_check_killed_and_sleep():
    from podium.worker.run_context import Killed, TimedOut
    ctx, _ = make_ctx()
    ctx.check_killed()
    ctx.deadline = time.monotonic() - 1
    with pytest.raises(TimedOut):
        ctx.check_killed()
    ctx2 = RunContext({})
    ctx2.killed.set()
    with pytest.raises(Killed):
        ctx2.sleep(5)

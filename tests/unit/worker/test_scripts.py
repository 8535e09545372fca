"""Script tasks with real subprocesses (Kestra's Process task runner)."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from podium.common.models.state import State
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task
from tests.waiting import poll_until

SH = "io.kestra.plugin.scripts.shell.Commands"
SH_SCRIPT = "io.kestra.plugin.scripts.shell.Script"
PY = "io.kestra.plugin.scripts.python.Commands"
PY_SCRIPT = "io.kestra.plugin.scripts.python.Script"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")


def run(type_, inputs=None, retry_left=False, **props):
    ctx, logs = make_ctx(inputs=inputs)
    return run_attempt(make_task(type_, **props), ctx, retry_left=retry_left), logs, ctx


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_gone(pid: int, within: float = 2.0) -> bool:
    return poll_until(lambda: not alive(pid), within)


# ---------------------------------------------------------------- outputs and exit codes
def test_outputs_convention_and_exit_code():
    outcome, logs, _ = run(SH, commands=[
        "echo hello {{ inputs.name }}",
        """echo '::{"outputs": {"count": 3, "name": "x"}}::'""",
        """echo '::{"outputs": {"name": "y", "nested": {"a": [1, 2]}}}::'""",
    ], inputs={"name": "World"})
    assert outcome.state is State.SUCCESS
    assert outcome.outputs == {"exitCode": 0, "vars": {"count": 3, "name": "y", "nested": {"a": [1, 2]}}}
    assert logs.pairs() == [("INFO", "hello World")]  # marker lines are not logged


def test_vars_is_always_present():
    outcome, _, _ = run(SH, commands=["true"])
    assert outcome.outputs == {"exitCode": 0, "vars": {}}


def test_logs_and_metrics_markers():
    outcome, logs, _ = run(SH, commands=[
        """echo '::{"logs": [{"level": "WARN", "message": "careful"}, {"level": "DEBUG", "message": "d"}]}::'""",
        """echo '::{"metrics": [{"name": "rows", "type": "counter", "value": 5, "tags": {"t": "1"}}]}::'""",
        """echo '::{"metrics": [{"name": "queue", "type": "gauge", "value": 2.5}]}::'""",
        """echo '::{"outputs": not json}::'""",
    ])
    assert outcome.state is State.SUCCESS
    assert ("WARN", "careful") in logs.pairs() and ("DEBUG", "d") in logs.pairs()
    assert outcome.metrics == [{"name": "rows", "type": "counter", "value": 5, "tags": {"t": "1"}},
                               {"name": "queue", "type": "gauge", "value": 2.5, "tags": {}}]
    assert any(level == "WARN" and m.startswith("Invalid outputs") for level, m in logs.pairs())


def test_non_zero_exit_fails_and_keeps_outputs():
    outcome, _, _ = run(SH, commands=["""echo '::{"outputs": {"partial": true}}::'""", "exit 3"])
    assert (outcome.state, outcome.error) == (State.FAILED, "Command failed with exit code 3")
    assert outcome.outputs == {"exitCode": 3, "vars": {"partial": True}}


def test_non_zero_exit_with_allow_failure_is_a_warning():
    outcome, _, _ = run(SH, commands=["exit 2"], allowFailure=True)
    assert outcome.state is State.WARNING and outcome.outputs["exitCode"] == 2


def test_fail_fast_stops_at_the_first_failing_command():
    outcome, logs, _ = run(SH, commands=["false", "echo after"])
    assert outcome.state is State.FAILED and outcome.outputs["exitCode"] == 1
    assert "after" not in logs.messages()


def test_without_fail_fast_the_last_command_decides():
    outcome, logs, _ = run(SH, commands=["false", "echo after"], failFast=False)
    assert outcome.state is State.SUCCESS and "after" in logs.messages()


def test_before_commands_run_first():
    outcome, logs, _ = run(SH, beforeCommands=["echo before {{ flow.id }}", "X=1"],
                           commands=['echo "main $X"'])
    assert outcome.state is State.SUCCESS
    assert logs.messages("INFO") == ["before flow", "main 1"]


def test_commands_as_an_expression_rendering_to_a_list():
    outcome, logs, _ = run(SH, commands="{{ inputs.cmds }}", inputs={"cmds": ["echo a", "echo b"]})
    assert outcome.state is State.SUCCESS and logs.messages("INFO") == ["a", "b"]


def test_custom_interpreter():
    outcome, logs, _ = run(SH, interpreter=["/bin/sh", "-c"], commands=["echo $0"], failFast=False)
    assert outcome.state is State.SUCCESS and logs.messages("INFO") == ["/bin/sh"]


def test_missing_interpreter_fails_clearly():
    outcome, _, _ = run(SH, interpreter=["/nonexistent/shell", "-c"], commands=["true"])
    assert outcome.state is State.FAILED
    assert outcome.error.startswith("Unable to start the process '/nonexistent/shell'")


# ---------------------------------------------------------------- environment
def test_env_value_is_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    hostile = f"$(touch {marker}); `touch {marker}`; echo"
    outcome, logs, _ = run(SH, env={"DATA": "{{ inputs.value }}"},
                           commands=['echo "$DATA"', "printf '%s\\n' $DATA"],
                           inputs={"value": hostile})
    assert outcome.state is State.SUCCESS
    assert logs.messages("INFO")[0] == hostile
    assert not marker.exists()
    assert not Path("/tmp/pwned").exists()


def test_worker_environment_is_not_inherited(monkeypatch):
    monkeypatch.setenv("PODIUM_LEAK_CHECK", "leaked")
    outcome, logs, _ = run(SH, env={"MINE": "{{ inputs.name }}"}, inputs={"name": "v"},
                           commands=['echo "${PODIUM_LEAK_CHECK:-unset} $MINE"', 'test -n "$PATH"'])
    assert outcome.state is State.SUCCESS and logs.messages("INFO") == ["unset v"]


def test_package_sources_reach_scripts_but_not_install_targets(monkeypatch):
    # pip in a script uses the worker's index and config file, as `dependencies` do, but
    # never installs outside the attempt's environment.
    monkeypatch.setenv("PIP_INDEX_URL", "https://pypi.example/simple")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_USER", "1")
    monkeypatch.setenv("PIP_TARGET", "/somewhere")
    outcome, logs, _ = run(SH, commands=[
        'echo "$PIP_INDEX_URL $PIP_CONFIG_FILE ${PIP_USER:-unset} ${PIP_TARGET:-unset}"'])
    assert logs.messages("INFO") == [f"https://pypi.example/simple {os.devnull} unset unset"]


def test_java_home_reaches_scripts(monkeypatch):
    # Groovy's and JBang's launchers find the JDK through it.
    monkeypatch.setenv("JAVA_HOME", "/opt/some-jdk")
    outcome, logs, _ = run(SH, commands=['echo "$JAVA_HOME"'])
    assert outcome.state is State.SUCCESS and logs.messages("INFO") == ["/opt/some-jdk"]


def test_working_dir_is_cwd_env_and_variable():
    outcome, logs, _ = run(SH, commands=["pwd", 'echo "$WORKING_DIR"', "echo {{ workingDir }}"])
    assert outcome.state is State.SUCCESS
    pwd, env_dir, var_dir = logs.messages("INFO")
    assert os.path.realpath(pwd) == os.path.realpath(env_dir) == os.path.realpath(var_dir)
    assert not Path(pwd).exists()  # removed after the attempt


def test_secrets_are_masked_in_logs_and_clear_in_outputs():
    outcome, logs, _ = run(SH, env={"KEY": "{{ secret('API_KEY') }}"}, commands=[
        'echo "key is $KEY"', """echo "::{\\"outputs\\": {\\"k\\": \\"$KEY\\"}}::" """])
    assert logs.messages("INFO") == ["key is **masked****"]
    assert outcome.outputs["vars"] == {"k": "s3cr3t-value"}  # Kestra masks logs, not outputs


def test_input_files_are_written_to_the_working_dir():
    outcome, logs, _ = run(SH, inputFiles={"data/in.txt": "hello {{ inputs.name }}"},
                           inputs={"name": "World"}, commands=["cat data/in.txt"])
    assert outcome.state is State.SUCCESS and logs.messages("INFO") == ["hello World"]


# ---------------------------------------------------------------- stderr
def test_stderr_is_logged_at_error_and_does_not_change_the_state():
    # Kestra 0.23+: the exit code alone decides (no WARNING for stderr output).
    outcome, logs, _ = run(SH, commands=["echo out", "echo oops >&2"])
    assert outcome.state is State.SUCCESS
    assert ("INFO", "out") in logs.pairs() and ("ERROR", "oops") in logs.pairs()


def test_warning_on_std_err_is_accepted_and_ignored():
    # Deprecated in Kestra and ignored: true no longer gives WARNING.
    for value in (True, False, "{{ true }}"):
        outcome, _, _ = run(SH, commands=["echo oops >&2"], warningOnStdErr=value)
        assert outcome.state is State.SUCCESS


def test_stderr_marker_lines_are_parsed_too():
    outcome, logs, _ = run(SH, commands=["""echo '::{"outputs": {"e": 1}}::' >&2"""])
    assert outcome.outputs["vars"] == {"e": 1} and logs.pairs() == []


# ---------------------------------------------------------------- scripts and python
def test_shell_script():
    outcome, logs, _ = run(SH_SCRIPT, script="A={{ inputs.n }}\necho \"a=$A\"\necho done",
                           inputs={"n": 3})
    assert outcome.state is State.SUCCESS and logs.messages("INFO") == ["a=3", "done"]


def test_shell_script_exit_code():
    outcome, _, _ = run(SH_SCRIPT, script="#!/bin/sh\necho hi\nexit 4\n")
    assert outcome.state is State.FAILED and outcome.outputs["exitCode"] == 4


def test_python_script_outputs_and_env():
    script = "\n".join([
        "import json, os",
        "print('hello from python')",
        "print('::' + json.dumps({'outputs': {'sum': 1 + 2, 'who': os.environ['WHO']}}) + '::')",
        "print('{{ inputs.name }}')",
    ])
    outcome, logs, _ = run(PY_SCRIPT, script=script, env={"WHO": "me"}, inputs={"name": "World"})
    assert outcome.state is State.SUCCESS, logs.pairs()
    assert outcome.outputs == {"exitCode": 0, "vars": {"sum": 3, "who": "me"}}
    assert logs.messages("INFO") == ["hello from python", "World"]


def test_python_script_exception_fails_with_stderr_logged():
    outcome, logs, _ = run(PY_SCRIPT, script="raise SystemExit('bad thing')")
    assert outcome.state is State.FAILED and outcome.outputs["exitCode"] == 1
    assert ("ERROR", "bad thing") in logs.pairs()


def test_python_commands():
    outcome, logs, _ = run(PY, inputFiles={"main.py": "import sys; print('v', sys.version_info[0])"},
                           commands=["python main.py", "python -c 'print(6 * 7)'"])
    assert outcome.state is State.SUCCESS, logs.pairs()
    assert logs.messages("INFO") == ["v 3", "42"]


WORKER_BIN = str(Path(sys.executable).parent)


def test_python_does_not_see_the_workers_packages():
    # Even with the worker's own environment first on the task's PATH.
    script = "\n".join([
        "import os, sys",
        "print(sys.prefix == os.environ['VIRTUAL_ENV'])",
        "try:",
        "    import pydantic",
        "    print('worker packages visible')",
        "except ImportError:",
        "    print('isolated')",
    ])
    outcome, logs, _ = run(PY_SCRIPT, script=script,
                           env={"PATH": f"{WORKER_BIN}:/usr/local/bin:/usr/bin:/bin"})
    assert outcome.state is State.SUCCESS, logs.pairs()
    assert logs.messages("INFO") == ["True", "isolated"]


@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="the worker must run in a venv")
@pytest.mark.parametrize("type_", [SH, PY])
def test_the_workers_bin_folder_is_taken_off_path(type_):
    outcome, logs, _ = run(type_, env={"PATH": f"{WORKER_BIN}:/usr/bin:/bin"},
                           commands=['echo "$PATH"', "command -v python3 pip || true"])
    assert outcome.state is State.SUCCESS, logs.pairs()
    lines = logs.messages("INFO")
    assert WORKER_BIN not in lines[0].split(":")
    assert all(not line.startswith(WORKER_BIN) for line in lines[1:])


def test_docker_task_runner_is_ignored_with_a_warning():
    outcome, logs, _ = run(SH, commands=["echo ran"], containerImage="ubuntu:22.04",
                           taskRunner={"type": "io.kestra.plugin.scripts.runner.docker.Docker"})
    assert outcome.state is State.SUCCESS
    warns = logs.messages("WARN")
    assert len(warns) == 1 and "ubuntu:22.04" in warns[0] and "Process task runner" in warns[0]
    assert "ran" in logs.messages("INFO")


def test_process_task_runner_has_no_warning():
    outcome, logs, _ = run(SH, commands=["echo ran"],
                           taskRunner={"type": "io.kestra.plugin.core.runner.Process"})
    assert outcome.state is State.SUCCESS and logs.messages("WARN") == []


# ---------------------------------------------------------------- streaming, kill, timeout
def test_logs_stream_while_the_process_runs():
    ctx, logs = make_ctx()
    task = make_task(PY_SCRIPT, script="import time\nprint('first')\ntime.sleep(1)\nprint('second')")
    outcome = run_attempt(task, ctx)
    ended = time.monotonic()
    assert outcome.state is State.SUCCESS, logs.pairs()
    first = next(t for lvl, m, t in logs.entries if m == "first")
    assert ended - first >= 0.7


def test_shell_output_streams_too():
    ctx, logs = make_ctx()
    outcome = run_attempt(make_task(SH, commands=["echo first", "sleep 1", "echo second"]), ctx)
    ended = time.monotonic()
    first = next(t for lvl, m, t in logs.entries if m == "first")
    assert outcome.state is State.SUCCESS and ended - first >= 0.7


def test_kill_terminates_the_process_group(tmp_path):
    ctx, logs = make_ctx()
    task = make_task(SH, commands=[f"echo $$ > {tmp_path}/main",
                                   f"sleep 30 & echo $! > {tmp_path}/child", "wait"])
    threading.Timer(0.5, ctx.killed.set).start()
    start = time.monotonic()
    outcome = run_attempt(task, ctx)
    assert time.monotonic() - start < 2.5
    assert (outcome.state, outcome.error) == (State.KILLED, None)
    for name in ("main", "child"):
        pid = int((tmp_path / name).read_text())
        assert wait_gone(pid), f"{name} process {pid} still running"


def test_kill_of_a_plain_sleep():
    ctx, _ = make_ctx()
    threading.Timer(0.3, ctx.killed.set).start()
    start = time.monotonic()
    outcome = run_attempt(make_task(SH, commands=["sleep 30"]), ctx)
    assert outcome.state is State.KILLED and time.monotonic() - start < 2.0


def test_sigterm_ignoring_process_is_killed_after_the_grace(monkeypatch, tmp_path):
    from podium.worker.runnables import process
    monkeypatch.setattr(process, "KILL_GRACE_SECONDS", 0.3)
    ctx, _ = make_ctx()
    task = make_task(SH, commands=[f"trap '' TERM; echo $$ > {tmp_path}/main; sleep 30 & wait; sleep 30"])
    threading.Timer(0.5, ctx.killed.set).start()
    start = time.monotonic()
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.KILLED and time.monotonic() - start < 2.5
    assert wait_gone(int((tmp_path / "main").read_text()))


def test_timeout_terminates_and_fails(tmp_path):
    start = time.monotonic()
    outcome, _, _ = run(SH, commands=[f"sleep 30 & echo $! > {tmp_path}/child", "wait"], timeout="PT0.5S")
    assert (outcome.state, outcome.error) == (State.FAILED, "Timeout after PT0.5S")
    assert time.monotonic() - start < 2.5
    assert wait_gone(int((tmp_path / "child").read_text()))


def test_background_children_left_after_exit_are_reaped(tmp_path):
    outcome, _, _ = run(SH, commands=[f"sleep 30 >/dev/null 2>&1 & echo $! > {tmp_path}/bg", "echo done"])
    assert outcome.state is State.SUCCESS
    assert wait_gone(int((tmp_path / "bg").read_text()))

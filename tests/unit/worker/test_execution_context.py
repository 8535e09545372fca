"""`executionContext` of script tasks on the worker: the file's content, its reserved name,
its removal, and Podium's `kestra.context`."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import pytest

from podium.common.models.state import State
from podium.common.storage import LocalStorage
from podium.common.templating import RenderServices, build_context
from podium.worker.run_context import RunContext
from podium.worker.runnables import run_attempt
from podium.worker.runnables.scripts import run_script
from tests.unit.worker.conftest import LogSink, make_ctx, make_task

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")

SH = "io.kestra.plugin.scripts.shell.Commands"
PY = "io.kestra.plugin.scripts.python.Script"
SHOW = 'cat "$KESTRA_EXECUTION_CONTEXT_FILE"'


def context_ctx(**kwargs):
    context = build_context(
        flow_id="flow", namespace="company.team", revision=1, execution_id="exec1",
        execution_start_date=datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        task_id="t1", taskrun_id="tr1", inputs={"name": 'say "hi"\nthere', "pwd": "s3cr3t"},
        outputs={"prev": {"uri": "kestra:///a/b.csv"}}, variables={"threshold": 42},
        labels=[("env", "prod")], trigger={"date": "2025-01-01T00:00:00Z"},
        environ={"KESTRA_TOKEN": "do-not-leak"}, globals_={"g": 1})
    sink = LogSink()
    return RunContext(context, RenderServices(), sink, **kwargs), sink


def test_the_file_holds_the_variables_but_envs_and_globals():
    ctx, logs = context_ctx()
    outcome = run_attempt(make_task(SH, executionContext=True, commands=[SHOW]), ctx)
    assert outcome.state is State.SUCCESS, logs.pairs()
    data = json.loads("\n".join(logs.messages("INFO")))
    assert data["inputs"] == {"name": 'say "hi"\nthere', "pwd": "s3cr3t"}
    assert data["outputs"] == {"prev": {"uri": "kestra:///a/b.csv"}}
    assert (data["vars"], data["labels"], data["trigger"]) == \
        ({"threshold": 42}, {"env": "prod"}, {"date": "2025-01-01T00:00:00Z"})
    assert data["flow"]["id"] == "flow" and data["execution"]["id"] == "exec1"
    assert data["task"]["id"] == "t1" and data["taskrun"]["id"] == "tr1"
    assert "envs" not in data and "globals" not in data and "do-not-leak" not in str(data)


def test_off_by_default_and_an_expression_turns_it_on():
    ctx, logs = make_ctx()
    outcome = run_attempt(make_task(SH, commands=[
        'test -e .kestra-execution-context.json && echo yes || echo no',
        'echo "[$KESTRA_EXECUTION_CONTEXT_FILE]"']), ctx)
    assert logs.messages("INFO") == ["no", "[]"]
    ctx, logs = make_ctx()
    outcome = run_attempt(make_task(SH, executionContext="{{ 1 == 1 }}", commands=[
        'test -e .kestra-execution-context.json && echo yes || echo no']), ctx)
    assert outcome.state is State.SUCCESS and logs.messages("INFO") == ["yes"]


def test_the_file_is_the_owners_only_and_removed_after_the_commands():
    ctx, logs = make_ctx()
    # A file of that name from inputFiles is replaced, not written through. run_script
    # itself (not run_attempt, which removes the whole folder) must remove the file.
    outcome = run_script(make_task(
        SH, executionContext=True, inputFiles={".kestra-execution-context.json": "old"},
        commands=['stat -c %a "$KESTRA_EXECUTION_CONTEXT_FILE"',
                  'head -c 1 .kestra-execution-context.json; echo']), ctx)
    assert outcome.state is State.SUCCESS and logs.messages("INFO") == ["600", "{"]
    assert not (ctx.working_dir / ".kestra-execution-context.json").exists()
    ctx.close()


def test_the_reserved_name_is_never_an_output_file(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        ctx, logs = make_ctx(storage=storage)
        # The script writes files of that name itself: still not collected.
        outcome = run_attempt(make_task(SH, executionContext=True, outputFiles=["**", ".*"],
                                        commands=['mkdir sub',
                                                  'cp "$KESTRA_EXECUTION_CONTEXT_FILE" sub/',
                                                  'echo {} > .kestra-execution-context.json',
                                                  'echo kept > kept.txt']), ctx)
    assert outcome.state is State.SUCCESS, logs.pairs()
    assert list(outcome.outputs["outputFiles"]) == ["kept.txt"]


def test_a_folder_of_the_reserved_name_fails_the_task_clearly():
    ctx, _ = make_ctx()
    (ctx.working_dir / ".kestra-execution-context.json").mkdir()
    outcome = run_attempt(make_task(SH, executionContext=True, commands=["true"]), ctx)
    assert outcome.state is State.FAILED and "is reserved for the execution context" in \
        outcome.error


def test_podiums_kestra_library_reads_it():
    ctx, logs = context_ctx()
    outcome = run_attempt(make_task(PY, executionContext=True, script="\n".join([
        "from kestra import context, Kestra",
        "Kestra.outputs({'name': context.inputs.name, 'env': context.labels.env,",
        "                'start': context.execution.startDate, 'keys': sorted(context)})",
        "try:",
        "    context.nope",
        "except AttributeError as error:",
        "    print(error)",
    ])), ctx)
    assert outcome.state is State.SUCCESS, logs.pairs()
    seen = outcome.outputs["vars"]
    assert seen["name"] == 'say "hi"\nthere' and seen["env"] == "prod"
    assert seen["start"] == "2025-01-02T03:04:05+00:00"
    assert seen["keys"] == ["execution", "flow", "inputs", "labels", "outputs", "task",
                            "taskrun", "trigger", "vars"]
    (message,) = logs.messages("INFO")
    assert message.startswith("'nope' is not available in the execution context "
                              "(available: execution, flow, inputs")


def test_without_the_property_the_library_says_how_to_get_it():
    ctx, logs = make_ctx()
    outcome = run_attempt(make_task(PY, script="from kestra import context\ncontext.inputs"),
                          ctx)
    assert outcome.state is State.FAILED
    assert any("No Kestra execution context found" in m and "executionContext: true" in m
               for m in logs.messages("ERROR")), logs.pairs()

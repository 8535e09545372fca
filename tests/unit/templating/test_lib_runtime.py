"""env(), tasksWithState(), fileExists() / isFileEmpty(), rendered by the engine. Oracles:
Kestra's EnvFunctionTest, TasksWithStateFunctionTest, FileExistsFunctionTest /
IsFileEmptyFunctionTest (the file rule is ReadFileFunction's)."""

import io

import pytest

from podium.common.errors import TemplateError
from podium.common.storage import LocalStorage
from podium.common.templating import build_context, render
from podium.worker.run_context import RunContext


def test_env_EnvFunctionTest():
    envs = {"envs": {"DATABASE_HOST": "postgres"}, "envName": "DATABASE_HOST"}
    assert render("{{ env('DATABASE_HOST') }}", envs) == "postgres"
    assert render("{{ env(envName) }}", envs) == "postgres"
    assert render("{{ env('DATABASE_PORT', '5432') }}", envs) == "5432"
    assert render("{{ env('DATABASE_HOST', 'localhost') }}", {"envs": {"DATABASE_HOST": ""}}) == \
        "localhost"
    assert render("{{ env('DATABASE_HOST') }}", {"envs": {}}) == ""
    with pytest.raises(TemplateError, match="The 'env' function expects an argument 'name'."):
        render("{{ env() }}", {"envs": {}})


def test_env_reads_the_envs_the_engine_builds():
    context = build_context(environ={"ENV_API_URL_PROD": "https://prod", "HOME": "/root"})
    assert render("{{ env('api_url_' ~ stage) }}", {**context, "stage": "prod"}) == "https://prod"
    assert render("{{ env('home', 'hidden') }}", context) == "hidden"


@pytest.mark.parametrize("state", ["SUCCESS", "success"])  # state as workers see it: a string
def test_tasks_with_state_TasksWithStateFunctionTest(state):
    tasks = {"tasks": {"hello": {"state": state}}}
    assert render("{{ tasksWithState(state='SUCCESS') is empty }}", tasks) == "false"
    assert render("{{ tasksWithState(state='SUCCESS') is not empty }}", tasks) == "true"
    assert render("{{ tasksWithState(state='FAILED') is empty }}", tasks) == "true"


def test_tasks_with_state_lists_looped_runs_with_their_value():
    tasks = {"tasks": {"fail": {"state": "FAILED"}, "ok": {"state": "SUCCESS"},
                       "loop": {"item-1": {"state": "FAILED"}, "item-2": {"state": "SUCCESS"}},
                       "outer": {"a": {"b": {"state": "FAILED"}}}}}
    assert render("{{ tasksWithState('failed') }}", tasks) == (
        '[{"state":"FAILED","taskId":"fail"},{"state":"FAILED","taskId":"loop","value":"item-1"},'
        '{"state":"FAILED","taskId":"outer","value":"b"}]')
    assert render("{{ tasksWithState('KILLED') }}", {}) == "[]"


def test_loop_outputs_LoopOutputsFunctionTest():
    iterations = [{"item": {"value": "a", "iteration": 1}, "outputs": {"uri": "s3://bucket/a"}},
                  {"item": {"value": "b", "iteration": 2}, "outputs": {"uri": "s3://bucket/b"}},
                  {"item": {"value": "c", "iteration": 3}, "outputs": {"uri": "s3://bucket/c"}}]
    context = {"outputs": {"myLoop": {"outputs": iterations}}}
    assert render("{{ loopOutputs(outputs.myLoop.outputs, 'uri') }}", context) == \
        '["s3://bucket/a","s3://bucket/b","s3://bucket/c"]'
    assert render("{{ loopOutputs(outputs.myLoop.outputs, 'nope') }}", context) == \
        "[null,null,null]"
    malformed = {"outputs": {"myLoop": {"outputs": [iterations[0], {"item": {}}, "x"]}}}
    assert render("{{ loopOutputs(outputs.myLoop.outputs, 'uri') }}", malformed) == \
        '["s3://bucket/a",null,null]'
    assert render("{{ loopOutputs([], 'uri') }}", {}) == "[]"
    for bad in ("{{ loopOutputs() }}", "{{ loopOutputs([], null) }}",
                "{{ loopOutputs('not-a-list', 'uri') }}"):
        with pytest.raises(TemplateError, match="loopOutputs"):
            render(bad, {})


@pytest.fixture
def file_ctx(tmp_path):
    storage = LocalStorage(tmp_path / "storage")
    context = build_context(flow_id="flow", namespace="company.team", execution_id="e1",
                            task_id="t", taskrun_id="tr", environ={})
    ctx = RunContext(context, storage=storage)
    full = ctx.put_stream(io.BytesIO(b"id\n1\n"), "full.csv")
    empty = ctx.put_stream(io.BytesIO(b""), "empty.csv")
    storage.put("kestra:///company/team/_files/data/ns.txt", io.BytesIO(b"x"))
    storage.put("kestra:///other/team/flow/executions/e9/tasks/t/tr/secret.txt",
                io.BytesIO(b"theirs"))
    yield ctx, full, empty
    ctx.close()


def test_file_exists_FileExistsFunctionTest(file_ctx):
    ctx, full, _ = file_ctx
    assert ctx.render("{{ fileExists(uri) }}", {"uri": full}) == "true"
    assert ctx.render("{{ fileExists(uri) }}", {"uri": full + ".nope"}) == "false"
    assert ctx.render("{{ fileExists('data/ns.txt') }}|{{ fileExists('/data/ns.txt') }}"
                      "|{{ fileExists('nope.txt') }}") == "true|true|false"


def test_is_file_empty_IsFileEmptyFunctionTest(file_ctx):
    ctx, full, empty = file_ctx
    assert ctx.render("{{ isFileEmpty(a) }}|{{ isFileEmpty(b) }}|{{ fileEmpty(b) }}",
                      {"a": full, "b": empty}) == "false|true|true"
    assert ctx.render("{{ isFileEmpty('data/ns.txt') }}") == "false"
    with pytest.raises(TemplateError, match="not found"):
        ctx.render("{{ isFileEmpty('nope.txt') }}")


def test_file_functions_keep_to_what_the_execution_may_read(file_ctx):
    ctx, _, _ = file_ctx
    other = "kestra:///other/team/flow/executions/e9/tasks/t/tr/secret.txt"
    for template in ("{{ fileExists(uri) }}", "{{ isFileEmpty(uri) }}"):
        with pytest.raises(TemplateError, match="belongs neither to the current execution"):
            ctx.render(template, {"uri": other})
    with pytest.raises(TemplateError, match="expects an argument 'path'"):
        ctx.render("{{ fileExists() }}")

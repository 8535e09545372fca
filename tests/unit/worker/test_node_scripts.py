"""Node.js script tasks (io.kestra.plugin.scripts.node.*) with the real node and npm."""

from __future__ import annotations

import shutil
import sys

import pytest

from podium.common.models.state import State
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task

NODE = "io.kestra.plugin.scripts.node.Commands"
NODE_SCRIPT = "io.kestra.plugin.scripts.node.Script"

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes"),
    pytest.mark.node,
    pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None,
                       reason="Node.js is not installed (.ci/services.sh installs it)"),
]


def run(type_, **props):
    ctx, logs = make_ctx()
    return run_attempt(make_task(type_, **props), ctx), logs


def test_node_script_outputs_with_podiums_kestra_library():
    outcome, logs = run(NODE_SCRIPT, warningOnStdErr=False, script="\n".join([
        'const Kestra = require("@kestra-io/libs");',
        'console.log("hello " + "{{ taskrun.id }}");',
        'Kestra.outputs({answer: 42, nested: {ok: true}});',
        'Kestra.counter("rows", 7, {table: "t"});',
        'Kestra.logger().warn("careful");',
    ]))
    assert outcome.state is State.SUCCESS, logs.pairs()
    assert outcome.outputs == {"exitCode": 0, "vars": {"answer": 42, "nested": {"ok": True}}}
    assert outcome.metrics == [{"name": "rows", "type": "counter", "value": 7,
                                "tags": {"table": "t"}}]
    assert logs.messages("INFO") == ["hello tr1"] and logs.messages("WARN") == ["careful"]


def test_node_commands_with_input_files():
    outcome, logs = run(NODE, inputFiles={"main.js": "console.log(process.argv[2] * 6)"},
                        commands=["node main.js 7"])
    assert outcome.state is State.SUCCESS and logs.messages("INFO") == ["42"], logs.pairs()


def test_node_script_failure_keeps_the_exit_code():
    outcome, logs = run(NODE_SCRIPT, script="process.exit(3)")
    assert outcome.state is State.FAILED and outcome.outputs["exitCode"] == 3


def test_npm_install_in_before_commands_goes_to_the_attempt(tmp_path):
    # A package with no dependencies, from the npm registry; npm's cache is the worker's.
    outcome, logs = run(NODE_SCRIPT, warningOnStdErr=False,
                        beforeCommands=["npm install --silent is-number@7.0.0"],
                        script='console.log(require("is-number")(5), require.resolve("is-number"))')
    assert outcome.state is State.SUCCESS, logs.pairs()
    printed = logs.messages("INFO")[-1]
    assert printed.startswith("true ") and "/podium-attempt-" in printed


def test_npm_global_installs_stay_in_the_attempt():
    outcome, logs = run(NODE, commands=["npm config get prefix", "npm config get cache"])
    assert outcome.state is State.SUCCESS, logs.pairs()
    prefix, cache = logs.messages("INFO")
    assert "/podium-attempt-" in prefix and prefix.endswith("/npm-global")
    assert cache.endswith("/npm-cache") and "/podium-attempt-" not in cache


def test_without_node_the_task_fails_clearly():
    outcome, logs = run(NODE_SCRIPT, env={"PATH": "/nonexistent"}, script="console.log(1)")
    assert outcome.state is State.FAILED
    assert "Node.js is not installed on this worker" in outcome.error

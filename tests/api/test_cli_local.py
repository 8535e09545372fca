"""`podium flow|execution ...` on the store (no --server): the same commands as over the API
(test_cli_server.py), printing the same documents. The store is the embedded runtime's
folder (conftest), reached as a deployment would be (PODIUM_DATA_DIR: its SQLite database
and storage; a private Redis as the broker, where `run` and `kill` publish)."""

from __future__ import annotations

import json
import os
import re

import pytest
from click.testing import CliRunner

from podium.cli import main
from podium.common.heartbeat import Heartbeat, new_instance
from tests.api.conftest import HELLO, deploy
from tests.unit.test_cli_first_hour import NESTED

REDIS_URL = os.environ.get("PODIUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def local(tmp_path, monkeypatch, runtime):
    """`podium ...` on the embedded runtime's store, with no server. The store has the
    heartbeat of a `podium executor` (a one-host deployment on SQLite, whose executor
    reads the broker): without one, what only an executor could receive is refused
    (tests/unit/test_first_hour_cli.py)."""
    heartbeat = Heartbeat(runtime.db, new_instance("executor")).start()
    monkeypatch.delenv("PODIUM_SERVER", raising=False)
    monkeypatch.setenv("PODIUM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PODIUM_BROKER__URL", REDIS_URL)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)
    yield invoke
    heartbeat.stop()


def test_flow_deploy_and_validate_on_the_store(local, runtime, tmp_path):
    good = tmp_path / "hello.yaml"
    good.write_text(HELLO)
    assert local("flow", "deploy", str(good)).output == \
        f"company.team.hello revision 1 (created)  {good}\n"
    assert local("flow", "deploy", str(good)).output == \
        f"company.team.hello revision 1 (unchanged)  {good}\n"
    assert runtime.flow("company.team", "hello").id == "hello"
    checked = local("flow", "validate", str(good), "--output", "json")
    assert json.loads(checked.output) == [{"file": str(good), "valid": True,
                                           "namespace": "company.team", "id": "hello",
                                           "problems": []}]


def test_execution_get_list_logs_print_what_the_api_mode_prints(local, cli, client, runtime):
    deploy(client)
    done = runtime.wait(runtime.submit("company.team", "hello", {"name": "store"}).id,
                        timeout=30)
    for command in (["execution", "get", done.id, "--output", "json"],
                    ["execution", "list"],
                    ["execution", "list", "--output", "json"],
                    ["execution", "logs", done.id]):
        on_store, over_api = local(*command), cli(*command)
        assert on_store.exit_code == over_api.exit_code == 0, on_store.output
        assert on_store.output == over_api.output
    assert "say: hello store" in local("execution", "logs", done.id).output
    [listed] = json.loads(local("execution", "list", "--output", "json").output)
    assert listed["id"] == done.id and listed["state"]["current"] == "SUCCESS"
    assert listed["inputs"] == {"name": "store"} and listed["flowId"] == "hello"
    text = local("execution", "get", done.id)
    assert "company.team.hello" in text.output and "hello store" in text.output


def test_execution_get_prints_the_same_tree_on_the_store_and_over_the_api(local, cli,
                                                                          client, runtime):
    deploy(client, NESTED)
    done = runtime.wait(runtime.submit("company.team", "nested").id, timeout=30)
    on_store, over_api = local("execution", "get", done.id), cli("execution", "get", done.id)
    assert on_store.exit_code == over_api.exit_code == 0, on_store.output
    assert on_store.output == over_api.output
    assert re.search(r"^each +│.*\n  inner x +│.*\n  inner y +│.*\nlast +│", on_store.output,
                     re.MULTILINE), on_store.output


def test_execution_run_and_kill_on_the_store(local, client, runtime):
    deploy(client)
    started = local("execution", "run", "company.team", "hello", "-i", "name=cli")
    assert started.exit_code == 0, started.output
    execution_id, state = started.output.split()
    assert state == "CREATED"  # published to the broker, which no executor here consumes
    assert runtime.get(execution_id).inputs == {"name": "cli"}
    assert local("execution", "kill", execution_id).output == \
        f"kill requested for {execution_id}\n"
    missing = local("execution", "kill", "nope")
    assert missing.exit_code == 1 and "Execution 'nope' not found" in missing.output
    undeployed = local("execution", "run", "company.team", "absent")
    assert undeployed.exit_code == 1 and "not deployed" in undeployed.output


def test_execution_run_wait_timeout_on_the_store_is_one_line(local, client):
    """The store's wait ran out (nothing consumes the broker here): an error line naming
    the execution and its state (click's "Error:", as every store-mode error), exit code 1;
    no TimeoutError traceback."""
    deploy(client)
    waited = local("execution", "run", "company.team", "hello", "--wait", "--timeout", "0.5")
    assert waited.exit_code == 1
    assert re.fullmatch(r"Error: execution \w+ still CREATED\n", waited.output), waited.output


def test_kill_is_refused_alike_on_the_store_and_over_the_api(local, cli, client, runtime):
    """One kill operation (podium/application/control.py) behind both modes."""
    deploy(client)
    done = runtime.wait(runtime.submit("company.team", "hello").id, timeout=30)
    for execution_id in (done.id, "nope"):
        on_store = local("execution", "kill", execution_id)
        over_api = cli("execution", "kill", execution_id)
        assert on_store.exit_code == over_api.exit_code == 1
        assert on_store.output == over_api.output
    assert "already finished (SUCCESS)" in local("execution", "kill", done.id).output

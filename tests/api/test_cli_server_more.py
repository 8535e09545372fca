"""`podium execution resume|restart|replay|set-state|files|download` and `podium trigger
...` with --server against a live API, and `podium trigger` against the store."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from click.testing import CliRunner

from podium.cli import main
from podium.common.storage.namespace_files import list_files
from podium.common.store import TriggerState, ensure_trigger, get_trigger, save_trigger
from tests.api.conftest import deploy
from tests.api.test_cli_server import FILE_FLOW
from tests.api.test_executions import FAILING
from tests.api.test_triggers import KEY, SCHEDULED
from tests.waiting import wait_for

PAUSING = """\
id: pausing
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: resumed
"""


def _settled(runtime, execution_id: str, before: int):
    """The execution once the executor has applied a control message (its version moved
    past `before`) and it is terminated or paused again."""
    def settled():
        current = runtime.get(execution_id)
        return current if current.version > before and (
            current.state.is_terminated or current.state.value == "PAUSED") else None

    return wait_for(settled, 10, f"{execution_id} to settle after the control message")


def _run(client, flow_id: str) -> dict:
    return client.post(f"/api/v1/executions/company.team/{flow_id}",
                       params={"wait": True}).json()


def test_execution_control_over_the_api(cli, client, runtime):
    deploy(client, FAILING)
    deploy(client, PAUSING)
    failed = _run(client, "failing")
    assert failed["state"]["current"] == "FAILED"
    before = runtime.get(failed["id"]).version
    restarted = cli("execution", "restart", failed["id"])
    assert restarted.output == f"restart requested for {failed['id']}\n"
    _settled(runtime, failed["id"], before)
    replayed = cli("execution", "replay", failed["id"])
    assert replayed.exit_code == 0 and replayed.output.strip() != failed["id"]
    assert runtime.wait(replayed.output.strip(), timeout=10).state.value == "FAILED"

    run = runtime.task_runs(failed["id"])[-1]
    before = runtime.get(failed["id"]).version
    forced = cli("execution", "set-state", failed["id"], run.id, "success")
    assert forced.output == f"task run {run.id} set to SUCCESS in {failed['id']}\n"
    assert _settled(runtime, failed["id"], before).state.value in ("SUCCESS", "WARNING")
    refused = cli("execution", "set-state", failed["id"], "nope", "FAILED")
    assert refused.exit_code == 1 and refused.output.startswith("error: ")

    paused = _run(client, "pausing")
    assert paused["state"]["current"] == "PAUSED"
    before = runtime.get(paused["id"]).version
    assert cli("execution", "resume", paused["id"]).exit_code == 0
    assert _settled(runtime, paused["id"], before).state.value == "SUCCESS"
    again = cli("execution", "resume", paused["id"])
    assert again.exit_code == 1 and "not paused" in again.output


def test_execution_files_and_download(cli, client, tmp_path):
    deploy(client, FILE_FLOW)
    done = client.post("/api/v1/executions/company.team/files", params={"wait": True},
                       files={"doc": ("doc.txt", b"file body")}).json()
    listed = cli("execution", "files", done["id"])
    assert listed.exit_code == 0
    uri, size = listed.output.split()
    assert uri.startswith("kestra:///company/team/files/executions/") and size == "9"
    as_json = json.loads(cli("execution", "files", done["id"], "--output", "json").output)
    assert as_json[0]["uri"] == uri and as_json[0]["size"] == 9
    assert cli("execution", "download", uri).output == "file body"
    target = tmp_path / "out"
    target.mkdir()
    assert cli("execution", "download", uri, "-o", str(target)).exit_code == 0
    assert (target / uri.rsplit("/", 1)[-1]).read_bytes() == b"file body"
    elsewhere = cli("execution", "download", "kestra:///company/team/_files/x.txt")
    assert elsewhere.exit_code == 1 and "not a file of an execution" in elsewhere.output
    assert cli("execution", "files", "nope").exit_code == 1


def _trigger_row(client, runtime) -> None:
    deploy(client, SCHEDULED)
    with runtime.db.begin() as conn:
        ensure_trigger(conn, TriggerState(*KEY, fingerprint="f",
                                          next_date=datetime(2030, 1, 1, tzinfo=timezone.utc)))


def _trigger_commands(invoke, runtime) -> None:
    name = "company.team.ticking/every-second"
    assert invoke("trigger", "list").output == \
        f"{name}  enabled  next 2030-01-01T00:00:00Z\n"
    assert invoke("trigger", "disable", *KEY).output.startswith(f"{name}  disabled")
    with runtime.db.read() as conn:
        assert get_trigger(conn, KEY).disabled
    assert invoke("trigger", "enable", *KEY).output.startswith(f"{name}  enabled")
    started = invoke("trigger", "backfill", *KEY, "--start", "2025-01-01T00:00:00",
                     "--end", "2025-01-01T00:00:03Z", "-l", "why=rerun")
    assert started.exit_code == 0, started.output
    assert "backfill 2025-01-01T00:00:00Z..2025-01-01T00:00:03Z" in started.output
    twice = invoke("trigger", "backfill", *KEY, "--start", "2025-01-01T00:00:00")
    assert twice.exit_code == 1 and "already in progress" in twice.output
    assert "(paused)" in invoke("trigger", "backfill", *KEY, "--pause").output
    assert "(paused)" not in invoke("trigger", "backfill", *KEY, "--unpause").output
    with runtime.db.read() as conn:
        assert get_trigger(conn, KEY).backfill["labels"] == {"why": "rerun"}
    assert "backfill" not in invoke("trigger", "backfill", *KEY, "--delete").output
    none = invoke("trigger", "backfill", *KEY, "--delete")
    assert none.exit_code == 1 and "No backfill found" in none.output
    assert invoke("trigger", "unlock", *KEY).exit_code == 1  # not locked
    missing = invoke("trigger", "disable", "company.team", "ticking", "nope")
    assert missing.exit_code == 1 and "not found" in missing.output
    listed = json.loads(invoke("trigger", "list", "company", "--output", "json").output)
    assert [t["triggerId"] for t in listed] == ["every-second"]
    assert invoke("trigger", "list", "other").output == ""


def test_trigger_commands_over_the_api(cli, client, runtime):
    _trigger_row(client, runtime)
    _trigger_commands(cli, runtime)


def test_trigger_commands_on_the_store(client, runtime, tmp_path, monkeypatch):
    monkeypatch.delenv("PODIUM_SERVER", raising=False)
    _trigger_row(client, runtime)
    runner = CliRunner()
    data_dir = str(tmp_path / "data")  # the embedded runtime's folder (conftest)

    def invoke(*args: str):
        return runner.invoke(main, [*args, "--data-dir", data_dir], catch_exceptions=False)
    _trigger_commands(invoke, runtime)


def test_trigger_list_names_only_an_execution_that_has_not_ended(cli, client, runtime):
    """The scheduler forgets a trigger's ended execution only at its next evaluation (and
    never when none runs): the list must not say the trigger still waits for it."""
    _trigger_row(client, runtime)
    deploy(client)
    deploy(client, PAUSING)
    ended, paused = _run(client, "hello")["id"], _run(client, "pausing")["id"]
    assert runtime.get(paused).state.value == "PAUSED"
    name = "company.team.ticking/every-second"
    for execution_id, shown in ((ended, ""), (paused, f"  waiting for {paused}")):
        with runtime.db.begin() as conn:
            save_trigger(conn, get_trigger(conn, KEY).but(execution_id=execution_id))
        assert cli("trigger", "list").output == \
            f"{name}  enabled  next 2030-01-01T00:00:00Z{shown}\n"
        listed = json.loads(cli("trigger", "list", "--output", "json").output)
        assert listed[0]["executionId"] == (execution_id if shown else None)
        assert cli("trigger", "disable", *KEY).output.endswith(f"next 2030-01-01T00:00:00Z{shown}\n")
        cli("trigger", "enable", *KEY)


def test_namespace_files_over_the_api(cli, runtime, tmp_path):
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("alpha")
    (source / "sub" / "b.py").write_text("print('b')")
    result = cli("namespace", "files", "upload", "company.team", str(source), "/proj")
    assert result.exit_code == 0, result.output
    listed = cli("namespace", "files", "list", "company.team", "--output", "json")
    assert json.loads(listed.output) == [{"path": "/proj/a.txt", "size": 5},
                                         {"path": "/proj/sub/b.py", "size": 10}]
    skipped = cli("namespace", "files", "upload", "company.team", str(source), "/proj",
                  "--conflict", "skip")
    assert skipped.output.count("(exists: skipped)") == 2
    out = tmp_path / "out"
    fetched = cli("namespace", "files", "download", "company.team", "/proj", "-o", str(out))
    assert fetched.exit_code == 0, fetched.output
    assert (out / "proj" / "sub" / "b.py").read_text() == "print('b')"
    gone = cli("namespace", "files", "delete", "company.team", "/proj/sub")
    assert gone.output.strip() == "/proj/sub/b.py deleted"
    assert [f.path for f in list_files(runtime.storage, "company.team", None)] == ["proj/a.txt"]
    refused = cli("namespace", "files", "list", "company.team", "../etc")
    assert refused.exit_code != 0


NEEDS_KEY = """\
id: needs-key
namespace: company.team
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: first
  - id: config
    type: io.kestra.plugin.core.kv.Get
    key: greeting
    errorOnMissing: true
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.config.value }} after the restart"
"""


def test_restart_wait_follows_the_restarted_attempt_to_its_end(cli, client):
    """--wait does not return the FAILED state the execution is restarted from: it waits
    for the executor's new attempt, prints its tree, and exits as that attempt ended."""
    deploy(client, NEEDS_KEY)
    failed = _run(client, "needs-key")
    assert failed["state"]["current"] == "FAILED"
    still_failing = cli("execution", "restart", failed["id"], "--wait", "--timeout", "20")
    assert still_failing.exit_code == 1, still_failing.output
    assert "FAILED" in still_failing.output.splitlines()[1]
    client.put("/api/v1/namespaces/company.team/kv/greeting", content='"Hello"',
               headers={"Content-Type": "application/json"}).raise_for_status()

    fixed = cli("execution", "restart", failed["id"], "--wait", "--timeout", "20")
    assert fixed.exit_code == 0, fixed.output
    lines = fixed.output.splitlines()
    assert lines[0] == f"restart requested for {failed['id']}"
    assert f"execution {failed['id']}: SUCCESS" in lines[1]
    assert "Hello after the restart" in fixed.output
    document = client.get(f"/api/v1/executions/{failed['id']}").json()
    assert document["metadata"]["attemptNumber"] == 3
    runs = {run["taskId"]: run for run in document["taskRunList"]}
    assert len(runs["first"]["attempts"]) == 1  # what had succeeded is kept

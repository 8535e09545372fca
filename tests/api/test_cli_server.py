"""`podium flow|execution|kv ... --server URL`: the CLI as a client of a live API, printing
what it prints against the store."""

from __future__ import annotations

import json

from click.testing import CliRunner

from podium.cli import main
from tests.api.conftest import HELLO, PASSWORD, USER

FILE_FLOW = """\
id: files
namespace: company.team
inputs:
  - id: doc
    type: FILE
tasks:
  - id: read
    type: io.kestra.plugin.core.log.Log
    message: "{{ read(inputs.doc) }}"
"""


def test_flow_validate_and_deploy(cli, tmp_path):
    good = tmp_path / "hello.yaml"
    good.write_text(HELLO)
    bad = tmp_path / "bad.yaml"
    bad.write_text(HELLO.replace("tasks:", "taskz:"))
    checked = cli("flow", "validate", str(good), str(bad))
    assert checked.exit_code == 1
    assert f"ok       {good}  (company.team.hello)" in checked.output
    assert f"invalid  {bad}:" in checked.output and "1 valid, 1 invalid" in checked.output
    as_json = json.loads(cli("flow", "validate", str(good), "--output", "json").output)
    assert as_json == [{"file": str(good), "valid": True, "namespace": "company.team",
                        "id": "hello", "problems": []}]

    first = cli("flow", "deploy", str(good))
    assert first.exit_code == 0
    assert first.output == f"company.team.hello revision 1 (created)  {good}\n"
    assert cli("flow", "deploy", str(good)).output == \
        f"company.team.hello revision 1 (unchanged)  {good}\n"
    good.write_text(HELLO.replace("hello {{", "hi {{"))
    assert "revision 2 (created)" in cli("flow", "deploy", str(good)).output
    refused = cli("flow", "deploy", str(bad))
    assert refused.exit_code == 1


def test_execution_run_get_list_logs_kill(cli, tmp_path):
    (tmp_path / "hello.yaml").write_text(HELLO)
    (tmp_path / "files.yaml").write_text(FILE_FLOW)
    assert cli("flow", "deploy", str(tmp_path)).exit_code == 0

    short = cli("execution", "run", "company.team", "hello", "-i", "name=cli")
    assert short.exit_code == 0
    execution_id, state = short.output.split()
    assert state in ("CREATED", "RUNNING", "SUCCESS")

    waited = cli("execution", "run", "company.team", "hello", "-i", "name=cli", "-l", "k=v",
                 "--wait", "--output", "json")
    assert waited.exit_code == 0, waited.output
    body = json.loads(waited.output)
    assert body["state"]["current"] == "SUCCESS" and {"key": "k", "value": "v"} in body["labels"]
    assert "url" not in body

    doc = tmp_path / "doc.txt"
    doc.write_text("from a file")
    text = cli("execution", "run", "company.team", "files", "-i", f"doc=@{doc}", "--wait")
    assert text.exit_code == 0, text.output
    assert "SUCCESS" in text.output and "from a file" in text.output

    got = cli("execution", "get", body["id"])
    assert "company.team.hello" in got.output and "hello cli" in got.output
    listed = cli("execution", "list", "--flow-id", "hello")
    assert len(listed.output.splitlines()) == 2 and body["id"] in listed.output
    logs = cli("execution", "logs", body["id"])
    assert "say: hello cli" in logs.output
    assert cli("execution", "logs", body["id"], "--level", "ERROR").output == ""
    finished = cli("execution", "kill", body["id"])
    assert finished.exit_code == 1 and "already finished" in finished.output
    missing = cli("execution", "run", "company.team", "nope")
    assert missing.exit_code == 1 and "not deployed" in missing.output


def test_kv_commands(cli):
    assert cli("kv", "set", "company.team", "n", "42").output == \
        "company.team/n set (NUMBER)\n"
    assert cli("kv", "set", "company.team", "forced", "42", "--type", "string").output == \
        "company.team/forced set (STRING)\n"
    assert cli("kv", "set", "company.team", "text", "hello world", "--ttl", "PT1H"
               ).exit_code == 0
    assert cli("kv", "get", "company.team", "n").output == "42\n"
    assert cli("kv", "get", "company.team", "text").output == "hello world\n"
    forced = json.loads(cli("kv", "get", "company.team", "forced", "--output", "json").output)
    assert forced["type"] == "STRING" and forced["value"] == "42"
    assert set(forced) == {"namespace", "key", "type", "value", "created", "updated",
                           "expires"}
    listing = cli("kv", "list", "company.team").output.splitlines()
    assert [line.split()[:2] for line in listing] == \
        [["forced", "STRING"], ["n", "NUMBER"], ["text", "STRING"]]
    assert "expires" in listing[2]
    no_overwrite = cli("kv", "set", "company.team", "n", "1", "--no-overwrite")
    assert no_overwrite.exit_code == 1 and "already exists" in no_overwrite.output
    bad = cli("kv", "set", "company.team", "k", "abc", "--type", "NUMBER")
    assert bad.exit_code == 1 and "Invalid NUMBER value" in bad.output
    assert cli("kv", "delete", "company.team", "n").output == "company.team/n deleted\n"
    gone = cli("kv", "delete", "company.team", "n")
    assert gone.exit_code == 1 and "no key 'n'" in gone.output
    assert cli("kv", "get", "company.team", "n").exit_code == 1


def test_basic_auth_and_refusal(live, monkeypatch):
    monkeypatch.delenv("PODIUM_SERVER_TOKEN", raising=False)
    runner = CliRunner()
    ok = runner.invoke(main, ["kv", "list", "company.team", "--server", live,
                              "--user", USER, "--password", PASSWORD])
    assert ok.exit_code == 0, ok.output
    refused = runner.invoke(main, ["kv", "list", "company.team", "--server", live,
                                   "--token", "wrong"])
    assert refused.exit_code == 1 and "Unauthorized" in refused.output

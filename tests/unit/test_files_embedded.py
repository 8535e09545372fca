"""Files through a whole flow in the embedded mode (SQLite, in-process transport, local
storage under the data directory): FILE inputs, a script's inputFiles / outputFiles, read(),
failed submissions, onResume files and the `podium execution files|download` commands."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from podium.cli import main
from podium.cli.run_command import with_files
from podium.common.errors import InputError
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage.uploads import Upload
from podium.runtime import Runtime
from tests.waiting import wait_for

FLOW = """
id: files_flow
namespace: company.team
inputs:
  - id: data
    type: FILE
  - id: extra
    type: FILE
    required: false
tasks:
  - id: upper
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      in.txt: "{{ inputs.data }}"
    outputFiles: ["*.out"]
    commands:
      - tr a-z A-Z < in.txt > result.out
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.upper.outputFiles['result.out']) | trim }}"
outputs:
  - id: shown
    type: STRING
    value: "{{ outputs.show.value }}"
"""


@pytest.fixture
def runtime(tmp_path):
    runtime = Runtime.embedded(tmp_path / "data", workers=2, environ={})
    runtime.deploy(parse_flow(FLOW))
    yield runtime
    runtime.close()


def test_a_file_input_flows_through_a_script_and_read(runtime, tmp_path):
    local = tmp_path / "in.txt"
    local.write_text("hello\n")
    execution = runtime.submit("company.team", "files_flow", {"data": local})
    assert execution.inputs["data"] == (f"kestra:///company/team/files-flow/executions/"
                                        f"{execution.id}/inputs/data/in.txt")
    final = runtime.wait(execution.id, timeout=20)
    assert final.state is State.SUCCESS, runtime.logs(execution.id)
    assert final.outputs == {"shown": "HELLO"}
    uris = [entry.uri for entry in runtime.files(execution.id)]
    assert uris[0] == execution.inputs["data"] and uris[1].endswith("-result.out")


def test_a_failed_upload_creates_nothing(runtime, tmp_path):
    local = tmp_path / "in.txt"
    local.write_text("x")
    with pytest.raises(InputError, match="extra"):
        runtime.submit("company.team", "files_flow",
                       {"data": local, "extra": tmp_path / "missing.txt"})
    assert runtime.storage.list("kestra:///company") == []
    with runtime.db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM executions").scalar() == 0


def test_files_are_removed_when_the_execution_is_not_committed(runtime, monkeypatch):
    import podium.common.submission as submission

    def broken(conn, execution, messages):
        raise RuntimeError("database gone")

    monkeypatch.setattr(submission, "insert_execution_with_messages", broken)
    with pytest.raises(RuntimeError):
        runtime.submit("company.team", "files_flow", {"data": Upload("a.txt", data=b"a")})
    assert runtime.storage.list("kestra:///company") == []


def test_a_string_is_never_read_as_a_local_path(runtime):
    with pytest.raises(InputError, match="takes an uploaded file"):
        runtime.submit("company.team", "files_flow", {"data": "/etc/passwd"})


def test_resume_with_a_file(runtime):
    runtime.deploy(parse_flow("""
id: paused
namespace: company.team
tasks:
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: doc
        type: FILE
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.pause.onResume.doc) }}"
"""))
    execution = runtime.submit("company.team", "paused")
    assert runtime.wait(execution.id, timeout=20).state is State.PAUSED
    runtime.resume(execution.id, {"doc": Upload("doc.txt", data=b"resumed")})
    def resumed():
        current = runtime.wait(execution.id, timeout=20)
        return current if current.state is not State.PAUSED else None

    final = wait_for(resumed, 20, "the end after the resume", poll=0.02)
    assert final.state is State.SUCCESS, runtime.logs(execution.id)
    last = [run for run in runtime.task_runs(execution.id) if run.task_id == "last"][0]
    assert last.outputs == {"value": "resumed"}


def test_cli_run_files_and_download(tmp_path):
    (tmp_path / "flow.yaml").write_text(FLOW)
    (tmp_path / "in.txt").write_text("cli\n")
    data = str(tmp_path / "data")
    cli = CliRunner()
    ran = cli.invoke(main, ["run", str(tmp_path / "flow.yaml"), "--input",
                            f"data=@{tmp_path / 'in.txt'}", "--data-dir", data,
                            "--output", "json"])
    assert ran.exit_code == 0, ran.output
    execution_id = json.loads(ran.output)["id"]
    listed = cli.invoke(main, ["execution", "files", execution_id, "--data-dir", data])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].endswith("/inputs/data/in.txt  4") and len(lines) == 2
    result_uri = lines[1].split()[0]
    shown = cli.invoke(main, ["execution", "download", result_uri, "--data-dir", data])
    assert shown.exit_code == 0 and shown.output == "CLI\n"
    saved = cli.invoke(main, ["execution", "download", result_uri, "--data-dir", data,
                              "-o", str(tmp_path / "copy.txt")])
    assert saved.exit_code == 0 and (tmp_path / "copy.txt").read_text() == "CLI\n"
    refused = cli.invoke(main, ["execution", "download", "kestra:///company/../etc",
                                "--data-dir", data])
    assert refused.exit_code == 1 and "'..' path segment" in refused.output


def test_cli_refuses_a_missing_local_file(tmp_path):
    (tmp_path / "flow.yaml").write_text(FLOW)
    ran = CliRunner().invoke(main, ["run", str(tmp_path / "flow.yaml"), "--input",
                                    f"data=@{tmp_path / 'absent.txt'}"])
    assert ran.exit_code == 2 and "no file at" in ran.output


def test_at_paths_only_mean_files_for_file_inputs(tmp_path):
    flow = parse_flow(FLOW).flow
    local = tmp_path / "x.csv"
    local.write_text("x")
    given = with_files(flow, {"data": f"@{local}", "other": "@handle"})
    assert given == {"data": local, "other": "@handle"}

"""Storage tasks and namespace files through whole flows in the embedded mode (SQLite,
in-process transport, local storage under the data directory), and the
`podium namespace files` commands on the same data directory."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from podium.cli import main
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage.uploads import Upload
from podium.runtime import Runtime

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")

SPLIT_CONCAT = """
id: split_concat
namespace: company.team
inputs:
  - id: data
    type: FILE
tasks:
  - id: split
    type: io.kestra.plugin.core.storage.Split
    from: "{{ inputs.data }}"
    rows: 2
  - id: concat
    type: io.kestra.core.tasks.storages.Concat
    files: "{{ outputs.split.uris }}"
    extension: .csv
  - id: size
    type: io.kestra.plugin.core.storage.Size
    uri: "{{ outputs.concat.uri }}"
  - id: purge
    type: io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles
outputs:
  - id: parts
    type: INT
    value: "{{ outputs.split.uris | length }}"
  - id: size
    type: INT
    value: "{{ outputs.size.size }}"
"""

NAMESPACE_FILES = """
id: ns_files
namespace: company.team
tasks:
  - id: script
    type: io.kestra.plugin.scripts.python.Commands
    namespaceFiles:
      enabled: true
      include: ["**.py", "/conf/**"]
    outputFiles: [out.txt]
    commands:
      - python scripts/report.py conf/settings.txt
  - id: upload
    type: io.kestra.plugin.core.namespace.UploadFiles
    namespace: "{{ flow.namespace }}"
    filesMap:
      results/out.txt: "{{ outputs.script.outputFiles['out.txt'] }}"
  - id: read
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read('results/out.txt') | trim }}"
"""

REPORT = """import sys
print(open(sys.argv[1]).read().strip().upper())
open("out.txt", "w").write("report done\\n")
"""


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def runtime(data_dir):
    runtime = Runtime.embedded(data_dir, workers=2, environ={})
    yield runtime
    runtime.close()


@pytest.fixture
def cli(data_dir):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["namespace", "files", *args, "--data-dir", str(data_dir)])
    return invoke


def test_split_concat_size_then_purge(runtime):
    runtime.deploy(parse_flow(SPLIT_CONCAT))
    content = b"".join(f"row {i}\n".encode() for i in range(7))
    execution = runtime.submit("company.team", "split_concat",
                               {"data": Upload("rows.csv", data=content)})
    final = runtime.wait(execution.id, timeout=20)
    assert final.state is State.SUCCESS, runtime.logs(execution.id)
    assert final.outputs == {"parts": 4, "size": len(content)}
    assert runtime.files(execution.id) == []  # purged, the input included


def test_a_script_reads_namespace_files_uploaded_by_the_cli(runtime, cli, tmp_path):
    source = tmp_path / "project"
    (source / "scripts").mkdir(parents=True)
    (source / "conf").mkdir()
    (source / "scripts" / "report.py").write_text(REPORT)
    (source / "conf" / "settings.txt").write_text("hello namespace\n")
    uploaded = cli("upload", "company.team", str(source))
    assert uploaded.exit_code == 0, uploaded.output
    runtime.deploy(parse_flow(NAMESPACE_FILES))
    execution = runtime.submit("company.team", "ns_files")
    final = runtime.wait(execution.id, timeout=30)
    assert final.state is State.SUCCESS, runtime.logs(execution.id)
    messages = [entry.message for entry in runtime.logs(execution.id)]
    assert "HELLO NAMESPACE" in messages
    runs = {run.task_id: run for run in runtime.task_runs(execution.id)}
    assert runs["read"].outputs == {"value": "report done"}
    listed = cli("list", "company.team")
    assert listed.output.splitlines() == ["/conf/settings.txt  16", "/results/out.txt  12",
                                          "/scripts/report.py  " + str(len(REPORT))]


def test_cli_upload_download_delete(cli, tmp_path):
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("a")
    (source / "sub" / "b.sql").write_text("select 1")
    assert cli("upload", "company.team", str(source), "/app").exit_code == 0
    again = cli("upload", "company.team", str(source), "app", "--conflict", "skip")
    assert again.exit_code == 0 and again.output.count("(exists: skipped)") == 2
    refused = cli("upload", "company.team", str(source / "a.txt"), "/app", "--conflict",
                  "error")
    assert refused.exit_code == 1 and "already exists" in refused.output
    listing = json.loads(cli("list", "company.team", "--output", "json").output)
    assert [entry["path"] for entry in listing] == ["/app/a.txt", "/app/sub/b.sql"]

    out = tmp_path / "out"
    fetched = cli("download", "company.team", "/app/sub", "-o", str(out))
    assert fetched.exit_code == 0, fetched.output
    assert (out / "app" / "sub" / "b.sql").read_text() == "select 1"
    one = cli("download", "company.team", "app/a.txt", "-o", str(out))
    assert one.exit_code == 0 and (out / "app" / "a.txt").read_text() == "a"

    deleted = cli("delete", "company.team", "/app/sub")
    assert deleted.exit_code == 0 and deleted.output == "/app/sub/b.sql deleted\n"
    assert cli("delete", "company.team", "/app/sub").exit_code == 1
    mirrored = cli("upload", "company.team", str(source / "sub"), "/app", "--delete")
    assert mirrored.exit_code == 0, mirrored.output
    assert [e["path"] for e in json.loads(cli("list", "company.team", "--output",
                                              "json").output)] == ["/app/b.sql"]


@pytest.mark.parametrize("args", [
    ("list", "company.team", "../other"),
    ("download", "company.team", "a/../../x"),
    ("delete", "company.team", "%2e%2e/x"),
    ("upload", "company.team", ".", "/a/../.."),
])
def test_cli_refuses_traversal(cli, args):
    result = cli(*args)
    assert result.exit_code == 1 and "Unsafe storage path" in result.output


def test_cli_refuses_a_bad_namespace(cli):
    result = cli("list", "Not_A_Namespace!")
    assert result.exit_code == 2 and "is not a namespace" in result.output

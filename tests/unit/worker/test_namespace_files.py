"""Namespace files on a worker: UploadFiles, DownloadFiles, DeleteFiles, and
`namespaceFiles` of script tasks and WorkingDirectory, on local storage."""

from __future__ import annotations

import sys

import pytest

from podium.common.models.state import State
from podium.common.storage import LocalStorage, input_file_uri, namespace_file_uri
from podium.common.storage import namespace_files as nsfiles
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task

NS = "io.kestra.plugin.core.namespace."
SH = "io.kestra.plugin.scripts.shell.Commands"
PY = "io.kestra.plugin.scripts.python.Commands"
WD = "io.kestra.plugin.core.flow.WorkingDirectory"
INPUT = input_file_uri("company.team", "flow", "exec1", "data", "in.txt")
OTHER = input_file_uri("company.team", "flow", "exec2", "data", "in.txt")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")


@pytest.fixture
def storage(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        for path, content in {"scripts/etl.py": b"print('etl ran')\n", "q.sql": b"select 1",
                              "ignore/4.txt": b"4", "data/in.txt": b"from namespace"}.items():
            nsfiles.put_file(storage, "company.team", path, content)
        nsfiles.put_file(storage, "shared", "lib/util.py", b"VALUE = 42\n")
        storage.put(INPUT, b"an input\n")
        storage.put(OTHER, b"not yours\n")
        yield storage


def run(storage, type_, **props):
    ctx, logs = make_ctx(storage=storage)
    return run_attempt(make_task(type_, **props), ctx), logs


def names(storage, namespace="company.team") -> list[str]:
    return [f.path for f in nsfiles.list_files(storage, namespace)]


# ---------------------------------------------------------------- the tasks
def test_download_files_into_the_task_outputs(storage):
    outcome, _ = run(storage, NS + "DownloadFiles", namespace="company.team",
                     files=["**.py", "q.sql"], destination="copies/")
    assert outcome.state is State.SUCCESS, outcome.error
    files = outcome.outputs["files"]
    assert sorted(files) == ["/q.sql", "/scripts/etl.py"]
    assert files["/scripts/etl.py"].endswith("/tasks/t1/tr1/copies/scripts/etl.py")
    assert storage.read_bytes(files["/q.sql"]) == b"select 1"
    assert outcome.metrics == [{"name": "downloaded", "type": "counter", "value": 2,
                                "tags": {}}]


def test_download_from_another_namespace(storage):
    outcome, _ = run(storage, NS + "DownloadFiles", namespace="shared", files="**")
    assert list(outcome.outputs["files"]) == ["/lib/util.py"]


def test_delete_files(storage):
    outcome, _ = run(storage, NS + "DeleteFiles", namespace="company.team",
                     files=["/ignore/**", "q.sql"])
    assert outcome.state is State.SUCCESS, outcome.error
    assert sorted(outcome.outputs["files"]) == ["/ignore/4.txt", "/q.sql"]
    assert names(storage) == ["data/in.txt", "scripts/etl.py"]
    assert outcome.metrics[0]["value"] == 2


def test_upload_a_files_map_with_conflicts(storage):
    outcome, _ = run(storage, NS + "UploadFiles", namespace="{{ flow.namespace }}",
                     filesMap={"/path/file.txt": INPUT}, destination="/folder")
    assert outcome.state is State.SUCCESS, outcome.error
    uri = namespace_file_uri("company.team", "folder/path/file.txt")
    assert outcome.outputs == {"files": {"/folder/path/file.txt": uri}}
    assert storage.read_bytes(uri) == b"an input\n"
    storage.put(uri, b"changed")
    skipped, _ = run(storage, NS + "UploadFiles", namespace="company.team",
                     filesMap={"/path/file.txt": INPUT}, destination="/folder", conflict="SKIP")
    assert skipped.outputs == {"files": {}} and storage.read_bytes(uri) == b"changed"
    refused, _ = run(storage, NS + "UploadFiles", namespace="company.team",
                     filesMap={"/path/file.txt": INPUT}, destination="/folder",
                     conflict="ERROR")
    assert refused.state is State.FAILED and "conflict is set to ERROR" in refused.error


def test_upload_a_files_map_skips_missing_files_and_refuses_foreign_ones(storage):
    missing = input_file_uri("company.team", "flow", "exec1", "data", "gone.txt")
    outcome, logs = run(storage, NS + "UploadFiles", namespace="company.team",
                        filesMap={"gone.txt": missing})
    assert outcome.state is State.SUCCESS and outcome.outputs == {"files": {}}
    assert any("does not exist" in m for m in logs.messages("WARN"))
    foreign, _ = run(storage, NS + "UploadFiles", namespace="company.team",
                     filesMap={"stolen.txt": OTHER})
    assert foreign.state is State.FAILED and "belongs neither" in foreign.error
    assert "stolen.txt" not in names(storage)


def test_upload_working_directory_files_from_a_working_directory(storage):
    task = make_task(WD, tasks=[
        {"id": "make", "type": SH, "commands": ["mkdir -p dbt/models out",
                                                "echo m > dbt/models/a.sql",
                                                "echo x > out/skip.txt"]},
        {"id": "upload", "type": NS + "UploadFiles", "namespace": "company.team",
         "files": ["glob:**/dbt/**"], "destination": "/projects"},
    ])
    ctx, _ = make_ctx(storage=storage)
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.SUCCESS, outcome.error
    assert "projects/dbt/models/a.sql" in names(storage)
    assert not any("skip.txt" in name for name in names(storage))


@pytest.mark.parametrize("props, message", [
    ({"filesMap": {"../../escape.txt": INPUT}}, "'..' path segment"),
    ({"filesMap": {"a.txt": INPUT}, "destination": "/a/../.."}, "'..' path segment"),
    ({"filesMap": {"a.txt": "/etc/passwd"}}, "kestra:// URIs"),
    ({"filesMap": {"a.txt": INPUT}, "namespace": "../etc"}, "Invalid namespace"),
    ({}, "files or filesMap is required"),
])
def test_upload_refuses_traversal(storage, props, message):
    outcome, _ = run(storage, NS + "UploadFiles", **{"namespace": "company.team", **props})
    assert outcome.state is State.FAILED and message in outcome.error
    assert storage.list("kestra:///company/escape.txt") == []


def test_download_refuses_a_traversing_destination(storage):
    outcome, _ = run(storage, NS + "DownloadFiles", namespace="company.team", files="q.sql",
                     destination="../../other")
    assert outcome.state is State.FAILED and "'..' path segment" in outcome.error


# ---------------------------------------------------------------- namespaceFiles
def test_a_script_reads_its_namespace_files(storage):
    outcome, logs = run(storage, PY, namespaceFiles={"enabled": True, "exclude": ["/ignore/**"]},
                        commands=["python scripts/etl.py", "cat q.sql", "test ! -e ignore/4.txt"])
    assert outcome.state is State.SUCCESS, (outcome.error, logs.pairs())
    assert "etl ran" in logs.messages("INFO") and "select 1" in logs.messages("INFO")


def test_input_files_replace_namespace_files(storage):
    outcome, logs = run(storage, SH, namespaceFiles={"include": ["/data/**"]},
                        inputFiles={"data/in.txt": "from inputFiles"},
                        commands=["cat data/in.txt", "test ! -e q.sql"])
    assert outcome.state is State.SUCCESS, (outcome.error, logs.pairs())
    assert logs.messages("INFO") == ["from inputFiles"]


def test_disabled_or_absent_namespace_files_copy_nothing(storage):
    for props in ({"namespaceFiles": {"enabled": False}}, {}):
        outcome, logs = run(storage, SH, commands=["test ! -e q.sql"], **props)
        assert outcome.state is State.SUCCESS, (outcome.error, logs.pairs())


def test_several_namespaces_with_a_folder_each(storage):
    outcome, logs = run(storage, SH, namespaceFiles={
        "namespaces": ["company.team", "shared"], "folderPerNamespace": True,
        "include": ["**.py"]},
        commands=["cat shared/lib/util.py", "test -e company.team/scripts/etl.py"])
    assert outcome.state is State.SUCCESS, (outcome.error, logs.pairs())
    assert logs.messages("INFO") == ["VALUE = 42"]


def test_if_exists_between_namespaces(storage):
    nsfiles.put_file(storage, "shared", "q.sql", b"select 2")
    spec = {"namespaces": ["company.team", "shared"], "include": ["q.sql"]}
    overwritten, logs = run(storage, SH, namespaceFiles=spec, commands=["cat q.sql"])
    assert logs.messages("INFO") == ["select 2"]
    kept, logs = run(storage, SH, namespaceFiles={**spec, "ifExists": "WARN"},
                     commands=["cat q.sql"])
    assert logs.messages("INFO") == ["select 1"] and logs.messages("WARN")
    failed, _ = run(storage, SH, namespaceFiles={**spec, "ifExists": "FAIL"},
                    commands=["cat q.sql"])
    assert failed.state is State.FAILED and "already exists" in failed.error


def test_a_working_directory_gets_namespace_files(storage):
    task = make_task(WD, namespaceFiles={"include": ["etl.py"]}, tasks=[
        {"id": "run", "type": PY, "commands": ["python scripts/etl.py"]},
    ])
    ctx, logs = make_ctx(storage=storage)
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.SUCCESS, outcome.error
    assert not any("namespaceFiles" in m for m in logs.messages("WARN"))

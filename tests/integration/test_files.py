"""Files through real executor and worker processes: a FILE input uploaded by this process,
handed to a script task through inputFiles, an outputFile the worker stores, a later task
that read()s it, a subflow reading its parent's file; on a local directory every process
shares, and on S3 (moto's server on loopback, or PODIUM_TEST_S3_URL)."""

from __future__ import annotations

import secrets

import pytest

from podium.common.errors import InputError
from podium.common.models.state import State
from podium.common.storage.namespace_files import put_file
from podium.common.storage.uploads import Upload
from tests.integration.conftest import deploy, finish, runs_by_task, start_runtime, stop_runtime

pytestmark = pytest.mark.service

FLOW = """
id: files
namespace: it.files
inputs:
  - id: data
    type: FILE
tasks:
  - id: upper
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      in.txt: "{{ inputs.data }}"
    outputFiles:
      - "*.out"
    commands:
      - tr a-z A-Z < in.txt > result.out
  - id: check
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.upper.outputFiles['result.out']) | trim }}"
  - id: child
    type: io.kestra.plugin.core.flow.Subflow
    namespace: it.files
    flowId: reader
    inputs:
      uri: "{{ outputs.upper.outputFiles['result.out'] }}"
outputs:
  - id: result
    type: FILE
    value: "{{ outputs.upper.outputFiles['result.out'] }}"
"""

READER = """
id: reader
namespace: it.files
inputs:
  - id: uri
    type: STRING
tasks:
  - id: read
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.uri) | trim }}"
outputs:
  - id: text
    type: STRING
    value: "{{ outputs.read.value }}"
"""

INTRUDER = """
id: intruder
namespace: it.files
inputs:
  - id: uri
    type: STRING
tasks:
  - id: steal
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.uri) }}"
"""

ESCAPE = """
id: escape
namespace: it.files
tasks:
  - id: out
    type: io.kestra.plugin.scripts.shell.Commands
    outputFiles: ["../*"]
    commands: ["true"]
"""


def _deploy_all(runtime) -> None:
    for source in (FLOW, READER, INTRUDER, ESCAPE):
        deploy(runtime, source)


@pytest.fixture(scope="module")
def host_dir(tmp_path_factory):
    """A host directory the workers may read through file:// URIs."""
    host = tmp_path_factory.mktemp("host-files")
    (host / "local.sh").write_text("echo from the host\n")
    return host


@pytest.fixture(scope="module")
def runtime(deployment, host_dir):
    runtime, _ = start_runtime(deployment, "files:", executors=1, workers=1,
                               PODIUM_LOCAL_FILES__ALLOWED_PATHS=str(host_dir))
    _deploy_all(runtime)
    yield runtime
    stop_runtime(deployment, runtime)


def run_files_flow(runtime, content: bytes):
    execution = runtime.submit("it.files", "files", {"data": Upload("in.txt", data=content)})
    final = finish(runtime, execution.id)
    assert final.state is State.SUCCESS, runtime.logs(execution.id)
    return final, runs_by_task(runtime.task_runs(execution.id))


def check_files_flow(runtime, content: bytes) -> None:
    final, runs = run_files_flow(runtime, content)
    expected = content.decode().strip().upper()
    assert runs["check"][0].outputs == {"value": expected}
    assert runs["child"][0].outputs["outputs"] == {"text": expected}  # the parent's file
    result = runs["upper"][0].outputs["outputFiles"]["result.out"]
    assert final.outputs == {"result": result}
    assert runtime.storage.read_bytes(result) == content.upper()  # what the worker stored
    assert [entry.uri for entry in runtime.files(final.id)] == [final.inputs["data"], result]


def test_a_file_input_goes_through_a_script_and_read(runtime):
    check_files_flow(runtime, b"hello distributed\n")


def test_another_execution_cannot_read_the_file(runtime):
    final, _ = run_files_flow(runtime, b"private\n")
    execution = runtime.submit("it.files", "intruder", {"uri": final.inputs["data"]})
    assert finish(runtime, execution.id).state is State.FAILED
    [steal] = runtime.task_runs(execution.id)
    logs = " ".join(entry.message for entry in runtime.logs(execution.id))
    assert "belongs neither to the current execution" in logs and steal.outputs is None


def test_traversal_is_refused(runtime):
    with pytest.raises(InputError, match="file name"):
        runtime.submit("it.files", "files", {"data": Upload("../../etc/x", data=b"x")})
    execution = runtime.submit("it.files", "escape")
    assert finish(runtime, execution.id).state is State.FAILED
    logs = " ".join(entry.message for entry in runtime.logs(execution.id))
    assert "Invalid outputFiles pattern '../*'" in logs


URIS_AND_LOG_FILE = """
id: uris
namespace: it.files
inputs:
  - id: greeting
    type: FILE
    defaults: nsfile:///greeting.txt
  - id: host_dir
    type: STRING
tasks:
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    logToFile: true
    inputFiles:
      greeting.txt: "{{ inputs.greeting }}"
      local.sh: "file://{{ inputs.host_dir }}/local.sh"
    commands:
      - cat greeting.txt
      - sh local.sh
  - id: read
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.greeting) | trim }}"
"""


def test_nsfile_and_file_uris_and_log_to_file_in_worker_processes(runtime, host_dir):
    """A FILE input defaulting to a namespace file, an allowed host file, and a task whose
    logs the worker process stores as a file, whose URI the executor records."""
    put_file(runtime.storage, "it.files", "greeting.txt", b"hello from the namespace\n")
    deploy(runtime, URIS_AND_LOG_FILE)
    execution = runtime.submit("it.files", "uris", {"host_dir": str(host_dir)})
    final = finish(runtime, execution.id)
    assert final.state is State.SUCCESS, runtime.logs(execution.id)
    runs = runs_by_task(runtime.task_runs(execution.id))
    assert runs["read"][0].outputs == {"value": "hello from the namespace"}
    [attempt] = runs["script"][0].attempts
    lines = runtime.storage.read_bytes(attempt.log_file).decode().splitlines()
    assert lines[0].endswith(" hello from the namespace") and " INFO " in lines[0]
    assert lines[1].endswith(" from the host")
    assert not any(entry.task_id == "script" for entry in runtime.logs(execution.id))


STORAGE_TASKS = """
id: storage_tasks
namespace: it.files
inputs:
  - id: data
    type: FILE
tasks:
  - id: split
    type: io.kestra.plugin.core.storage.Split
    from: "{{ inputs.data }}"
    rows: 1
  - id: concat
    type: io.kestra.plugin.core.storage.Concat
    files: "{{ outputs.split.uris }}"
    separator: "|"
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    namespaceFiles:
      enabled: true
    commands:
      - cat greeting.txt
      - cat {{ outputs.concat.uri }}
  - id: size
    type: io.kestra.plugin.core.storage.Size
    uri: "{{ outputs.concat.uri }}"
"""


def test_storage_tasks_and_namespace_files_on_workers(runtime):
    """Split / Concat / Size and a script's namespaceFiles in worker processes; the
    namespace file is put by this process into the storage they share."""
    check_storage_tasks(runtime)


def check_storage_tasks(runtime) -> None:
    put_file(runtime.storage, "it.files", "greeting.txt", b"hello from the namespace\n")
    deploy(runtime, STORAGE_TASKS)
    execution = runtime.submit("it.files", "storage_tasks",
                               {"data": Upload("rows.txt", data=b"a\nb\nc\n")})
    final = finish(runtime, execution.id)
    assert final.state is State.SUCCESS, runtime.logs(execution.id)
    runs = runs_by_task(runtime.task_runs(execution.id))
    assert len(runs["split"][0].outputs["uris"]) == 3
    assert runs["size"][0].outputs == {"size": 9}
    messages = [entry.message for entry in runtime.logs(execution.id)]
    assert "hello from the namespace" in messages and "a" in messages


def test_on_s3(deployment, s3_endpoint):
    """The same flow with every process on S3: the upload, the worker's files and read()."""
    endpoint = s3_endpoint
    env = {"PODIUM_STORAGE__KIND": "s3", "PODIUM_STORAGE__S3__BUCKET": endpoint.bucket,
           "PODIUM_STORAGE__S3__ENDPOINT_URL": endpoint.url,
           "PODIUM_STORAGE__S3__REGION": "us-east-1", "PODIUM_STORAGE__S3__PATH_STYLE": "true",
           "PODIUM_STORAGE__S3__PREFIX": f"it-{secrets.token_hex(4)}"}
    if endpoint.access_key_id:
        env["PODIUM_STORAGE__S3__ACCESS_KEY_ID"] = endpoint.access_key_id
        env["PODIUM_STORAGE__S3__SECRET_ACCESS_KEY"] = endpoint.secret_access_key or ""
    runtime, _ = start_runtime(deployment, "files-s3:", executors=1, workers=1, **env)
    try:
        assert type(runtime.storage).__name__ == "S3Storage"
        _deploy_all(runtime)
        check_files_flow(runtime, b"hello s3\n")
        check_storage_tasks(runtime)
    finally:
        stop_runtime(deployment, runtime)

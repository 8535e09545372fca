"""nsfile:// and file:// URIs through the embedded runtime: FILE input defaults, inputFiles,
read(); file:// refused unless PODIUM_LOCAL_FILES__ALLOWED_PATHS allows the directory."""

from __future__ import annotations

import os

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage import namespace_file_uri
from podium.runtime import Runtime

# The flow of Kestra's docs ("Namespace files as default FILE-type inputs").
FILE_INPUT = """
id: file_input
namespace: demo
inputs:
  - id: myfile
    type: FILE
    defaults: nsfile:///hello.txt
tasks:
  - id: print_file_content
    type: io.kestra.plugin.core.log.Log
    message: "{{ read(inputs.myfile) }}"
"""

PROTOCOL = """
id: protocol
namespace: company.team
inputs:
  - id: host_dir
    type: STRING
tasks:
  - id: namespace_file
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      hello.sh: nsfile:///scripts/hello.sh
      parent.sh: nsfile://company/scripts/parent.sh
    commands:
      - sh hello.sh
      - sh parent.sh
  - id: local_file
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      local.sh: "file://{{ inputs.host_dir }}/local.sh"
    commands:
      - sh local.sh
  - id: read_local
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read('file://' ~ inputs.host_dir ~ '/local.sh') | trim }}"
"""


def test_a_file_input_defaults_to_a_namespace_file(tmp_path):
    with Runtime.embedded(tmp_path) as rt:
        rt.storage.put(namespace_file_uri("demo", "hello.txt"), b"Hello from a namespace file")
        rt.deploy(parse_flow(FILE_INPUT))
        done = rt.wait(rt.submit("demo", "file_input").id, 20)
        logs = [entry.message for entry in rt.logs(done.id)]
    assert done.state is State.SUCCESS
    assert done.inputs["myfile"] == "nsfile:///hello.txt"
    assert "Hello from a namespace file" in logs


def host_scripts(tmp_path):
    host = tmp_path / "host"
    host.mkdir()
    (host / "local.sh").write_text("echo from the host\n")
    return host


def put_scripts(rt):
    rt.storage.put(namespace_file_uri("company.team", "scripts/hello.sh"), b"echo own ns\n")
    rt.storage.put(namespace_file_uri("company", "scripts/parent.sh"), b"echo parent ns\n")


def test_input_files_and_read_take_nsfile_and_allowed_file_uris(tmp_path):
    host = host_scripts(tmp_path)
    environ = {**os.environ, "PODIUM_LOCAL_FILES__ALLOWED_PATHS": str(host)}
    with Runtime.embedded(tmp_path / "data", environ=environ) as rt:
        put_scripts(rt)
        rt.deploy(parse_flow(PROTOCOL))
        done = rt.wait(rt.submit("company.team", "protocol", {"host_dir": str(host)}).id, 30)
        runs = {run.task_id: run for run in rt.task_runs(done.id)}
        logs = [(entry.task_id, entry.message) for entry in rt.logs(done.id)]
    assert done.state is State.SUCCESS, logs
    assert ("namespace_file", "own ns") in logs and ("namespace_file", "parent ns") in logs
    assert ("local_file", "from the host") in logs
    assert runs["read_local"].outputs == {"value": "echo from the host"}


def test_file_uris_are_refused_by_default_with_the_setting_named(tmp_path):
    host = host_scripts(tmp_path)
    environ = {k: v for k, v in os.environ.items() if k != "PODIUM_LOCAL_FILES__ALLOWED_PATHS"}
    with Runtime.embedded(tmp_path / "data", environ=environ) as rt:
        put_scripts(rt)
        rt.deploy(parse_flow(PROTOCOL))
        done = rt.wait(rt.submit("company.team", "protocol", {"host_dir": str(host)}).id, 30)
        runs = {run.task_id: run for run in rt.task_runs(done.id)}
        errors = [entry.message for entry in rt.logs(done.id) if entry.level == "ERROR"]
    assert done.state is State.FAILED
    assert runs["namespace_file"].state is State.SUCCESS
    assert runs["local_file"].state is State.FAILED
    assert any("file:// URIs are refused" in e and "PODIUM_LOCAL_FILES__ALLOWED_PATHS" in e
               for e in errors)

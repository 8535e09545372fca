"""`podium run FLOW.yaml --flows DIR --namespace-files [NS=]DIR` through the CLI: the
subflows of a project and its namespace files loaded into the embedded store first; a
missing subflow is an error naming it, before anything runs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from click.testing import CliRunner

from podium.cli import main

PARENT = """
id: parent
namespace: company.team
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: child
    inputs:
      who: ada
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "child said {{ outputs.call.outputs.greeting }}"
"""

CHILD = """
id: child
namespace: company.team
inputs:
  - id: who
    type: STRING
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.other
    flowId: grandchild
outputs:
  - id: greeting
    type: STRING
    value: "{{ read('greeting.txt') | trim }} {{ inputs.who }} / {{ outputs.call.outputs.word }}"
"""

GRANDCHILD = """
id: grandchild
namespace: company.other
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ read('lib/word.txt') }}"
outputs:
  - id: word
    type: STRING
    value: "{{ read('lib/word.txt') | trim }}"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def project(tmp_path: Path) -> Path:
    """parent.yaml at the root; its subflows in nested folders (.yml and .yaml); the
    namespace files of both namespaces; a hidden folder holding a YAML that is no flow."""
    write(tmp_path / "flows" / "team" / "child.yml", CHILD)
    write(tmp_path / "flows" / "other" / "deep" / "grandchild.yaml", GRANDCHILD)
    write(tmp_path / "flows" / ".github" / "workflows" / "ci.yml", "on: push\njobs: {}\n")
    write(tmp_path / "files" / "greeting.txt", "hello\n")
    write(tmp_path / "other-files" / "lib" / "word.txt", "bye\n")
    return write(tmp_path / "parent.yaml", PARENT)


def run(*args: str):
    return CliRunner().invoke(main, ["run", *map(str, args)])


def test_subflows_and_namespace_files_of_a_project_run_embedded(tmp_path):
    parent = project(tmp_path)
    ran = run(parent, "--flows", tmp_path / "flows", "--namespace-files", tmp_path / "files",
              "--namespace-files", f"company.other={tmp_path / 'other-files'}",
              "--output", "json")
    assert ran.exit_code == 0, ran.output
    execution = json.loads(ran.stdout)
    assert execution["state"]["current"] == "SUCCESS"
    call = next(run for run in execution["taskRunList"] if run["taskId"] == "call")
    assert call["outputs"]["outputs"] == {"greeting": "hello ada / bye"}


def test_a_missing_subflow_is_an_error_naming_it_before_anything_runs(tmp_path):
    parent = project(tmp_path)
    ran = run(parent)
    assert ran.exit_code == 1
    assert ran.stderr.strip() == (
        "error: subflow company.team.child not found: task 'call' of flow "
        "company.team.parent calls it (namespace 'company.team', flow id 'child'); give "
        "the folder holding it with --flows DIR")
    assert "Traceback" not in ran.output and "execution" not in ran.stdout


def test_a_subflow_missing_deeper_down_is_named_too(tmp_path):
    parent = project(tmp_path)
    (tmp_path / "flows" / "other" / "deep" / "grandchild.yaml").unlink()
    ran = run(parent, "--flows", tmp_path / "flows")
    assert ran.exit_code == 1
    assert "subflow company.other.grandchild not found: task 'call' of flow " \
           "company.team.child calls it" in ran.stderr


def test_the_flow_run_may_sit_in_the_folder_it_loads(tmp_path):
    project(tmp_path)
    inside = write(tmp_path / "flows" / "parent.yaml", PARENT)
    ran = run(inside, "--flows", tmp_path / "flows", "--namespace-files", tmp_path / "files",
              "--namespace-files", f"company.other={tmp_path / 'other-files'}")
    assert ran.exit_code == 0, ran.output
    assert "child said hello ada / bye" in ran.stdout


def test_a_failing_subflow_shows_its_own_logs(tmp_path):
    parent = project(tmp_path)  # no namespace files: the child cannot read greeting.txt
    ran = run(parent, "--flows", tmp_path / "flows")
    assert ran.exit_code == 1
    assert "company.team.child execution" in ran.stdout
    assert "kestra:///company/team/_files/greeting.txt" in ran.stdout


def test_invalid_and_duplicate_flows_in_the_folder_are_refused_naming_them(tmp_path):
    parent = project(tmp_path)
    broken = write(tmp_path / "flows" / "broken.yaml",
                   "id: broken\nnamespace: company.team\ntasks:\n  - id: x\n    type: nope\n")
    twin = write(tmp_path / "flows" / "twin.yaml", CHILD)
    ran = run(parent, "--flows", tmp_path / "flows")
    assert ran.exit_code == 1
    assert f"{broken}" in ran.stderr and "line 5" in ran.stderr and "nope" in ran.stderr
    assert "flow company.team.child is defined twice" in ran.stderr
    assert str(twin) in ran.stderr
    assert "Traceback" not in ran.output


def test_namespace_files_must_be_a_folder(tmp_path):
    parent = project(tmp_path)
    ran = run(parent, "--namespace-files", tmp_path / "nowhere")
    assert ran.exit_code == 1
    assert f"--namespace-files {tmp_path / 'nowhere'}: " in ran.stderr
    assert "is not a folder" in ran.stderr

"""git.PushFlows and git.PushNamespaceFiles: Podium's flows and namespace files committed
and pushed into a real (bare, local) repository."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage.namespace_files import put_file
from tests.plugins.git.conftest import git
from tests.plugins.git.flows import messages, rows, run

PUSH = """
id: push
namespace: system
inputs:
  - id: url
    type: STRING
tasks:
  - id: push
    type: io.kestra.plugin.git.PushFlows
    url: "{{ inputs.url }}"
    branch: %s
    sourceNamespace: dev
    targetNamespace: prod
    includeChildNamespaces: true
    gitDirectory: _flows
    commitMessage: "flows of {{ flow.namespace }}"
    authorName: Ada
    authorEmail: ada@example.com
    dryRun: %s
"""


def deploy(runtime, flow_id: str, namespace: str = "dev", message: str = "hi") -> None:
    runtime.deploy(parse_flow(f"id: {flow_id}\nnamespace: {namespace}\ntasks:\n  - id: log\n"
                              f"    type: io.kestra.plugin.core.log.Log\n"
                              f"    message: {message}\n"))


def test_push_flows_commits_and_pushes(runtime, remote):
    remote.commit({"README.md": "repo\n", "_flows/gone.yml": "id: gone\n"})
    deploy(runtime, "a")
    deploy(runtime, "b", "dev.team")
    deploy(runtime, "elsewhere", "other")
    final, runs = run(runtime, PUSH % ("main", "false"), {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    outputs = runs["push"].outputs
    assert remote.log() == ["flows of system", "seed"]
    assert git("--git-dir", str(remote.bare), "log", "-1", "--format=%an <%ae>",
               "main").strip() == "Ada <ada@example.com>"
    assert outputs["commitId"] == git("--git-dir", str(remote.bare), "rev-parse",
                                      "main").strip()
    assert outputs["commitURL"] == remote.url.removesuffix(".git") + "/commit/" + \
        outputs["commitId"]
    assert sorted(remote.files()) == ["README.md", "_flows/a.yml", "_flows/team/b.yml"]
    assert "namespace: prod.team\n" in remote.show("_flows/team/b.yml")
    assert rows(runtime, outputs["flows"]) == [
        {"file": "_flows/a.yml", "additions": "+6", "deletions": "-0", "changes": "0"},
        {"file": "_flows/gone.yml", "additions": "+0", "deletions": "-1", "changes": "0"},
        {"file": "_flows/team/b.yml", "additions": "+6", "deletions": "-0", "changes": "0"}]

    final, runs = run(runtime, PUSH % ("main", "false"), {"url": remote.url})  # no change
    assert final.state is State.SUCCESS
    assert runs["push"].outputs["commitId"] is None
    assert remote.log() == ["flows of system", "seed"]
    assert "No changes to commit. Skipping push." in messages(runtime, final.id)


def test_push_flows_dry_run_pushes_nothing(runtime, remote):
    remote.commit({"README.md": "repo\n"})
    deploy(runtime, "a")
    final, runs = run(runtime, PUSH % ("main", "true"), {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert runs["push"].outputs["commitId"] is None
    assert remote.log() == ["seed"]
    assert rows(runtime, runs["push"].outputs["flows"]) == [
        {"file": "_flows/a.yml", "additions": "+6", "deletions": "-0", "changes": "0"}]


def test_push_flows_creates_the_branch_and_fills_an_empty_repository(runtime, remote):
    deploy(runtime, "a")
    final, runs = run(runtime, PUSH % ("feature", "false"), {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert remote.log("feature") == ["flows of system"]
    assert remote.files("feature") == ["_flows/a.yml"]
    assert "Branch feature does not exist, creating it" in messages(runtime, final.id)


def test_push_flows_glob_selects_flows(runtime, remote):
    remote.commit({"_flows/keep.yml": "kept: not matched by the glob\n"})
    deploy(runtime, "etl_one")
    deploy(runtime, "report")
    source = (PUSH % ("main", "false")) + "    flows: \"{etl_*,other}\"\n"
    final, _ = run(runtime, source, {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert sorted(remote.files()) == ["_flows/etl_one.yml", "_flows/keep.yml"]


PUSH_FILES = """
id: push_files
namespace: company.team
inputs:
  - id: url
    type: STRING
tasks:
  - id: push
    type: io.kestra.plugin.git.PushNamespaceFiles
    url: "{{ inputs.url }}"
    files: ["**.sql", "scripts/*.py"]
    gitDirectory: _files
    dryRun: %s
"""


def test_push_namespace_files(runtime, remote):
    remote.commit({"_files/stale.sql": "select 0\n", "_files/notes.txt": "kept\n"})
    put_file(runtime.storage, "company.team", "query.sql", b"select 1\n")
    put_file(runtime.storage, "company.team", "scripts/etl.py", b"print(1)\n")
    put_file(runtime.storage, "company.team", "data.csv", b"a,b\n")
    final, runs = run(runtime, PUSH_FILES % "true", {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert remote.log() == ["seed"]
    dry = rows(runtime, runs["push"].outputs["files"])

    final, runs = run(runtime, PUSH_FILES % "false", {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert remote.log() == ["Add files from company.team namespace", "seed"]
    assert sorted(remote.files()) == ["_files/notes.txt", "_files/query.sql",
                                      "_files/scripts/etl.py"]
    assert remote.show("_files/scripts/etl.py") == "print(1)\n"
    assert rows(runtime, runs["push"].outputs["files"]) == dry == [
        {"file": "_files/query.sql", "additions": "+1", "deletions": "-0", "changes": "0"},
        {"file": "_files/scripts/etl.py", "additions": "+1", "deletions": "-0",
         "changes": "0"},
        {"file": "_files/stale.sql", "additions": "+0", "deletions": "-1", "changes": "0"}]


def test_push_namespace_files_error_on_missing(runtime, remote):
    source = (PUSH_FILES % "false") + "    errorOnMissing: true\n"
    final, _ = run(runtime, source, {"url": remote.url})
    assert final.state is State.FAILED
    assert "No Namespace Files matched the provided 'files' parameter to commit." in \
        messages(runtime, final.id)

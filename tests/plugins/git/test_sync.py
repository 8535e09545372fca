"""git.SyncFlows and git.SyncNamespaceFiles: a repository's flows and files deployed into
Podium through whole flows on the embedded runtime."""

from __future__ import annotations

from podium.common.models.state import State
from podium.common.storage.namespace_files import list_files, put_file
from podium.common.store import get_flow, list_flows
from tests.plugins.git.conftest import git
from tests.plugins.git.flows import messages, rows, run

SYNC = """
id: sync
namespace: system
inputs:
  - id: url
    type: STRING
tasks:
  - id: sync
    type: io.kestra.plugin.git.SyncFlows
    url: "{{ inputs.url }}"
    branch: main
    targetNamespace: prod
    gitDirectory: flows
    includeChildNamespaces: true
    delete: true
    dryRun: %s
"""


def flow(flow_id: str, message: str = "hi") -> str:
    return (f"id: {flow_id}\nnamespace: dev\ntasks:\n  - id: log\n"
            f"    type: io.kestra.plugin.core.log.Log\n    message: {message}\n")


def deployed(runtime, namespace: str = "prod") -> dict[tuple[str, str], int]:
    with runtime.db.read() as conn:
        return {(f.namespace, f.id): f.revision for f in list_flows(conn, namespace)}


def test_sync_flows_deploys_updates_and_deletes(runtime, remote):
    remote.commit({"flows/a.yml": flow("a"), "flows/team/b.yaml": flow("b"),
                   "flows/README.md": "not a flow", "other/c.yml": flow("c")})
    final, runs = run(runtime, SYNC % "false", {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert deployed(runtime) == {("prod", "a"): 1, ("prod.team", "b"): 1}
    with runtime.db.read() as conn:
        assert "namespace: prod.team\n" in get_flow(conn, "prod.team", "b").source
    assert rows(runtime, runs["sync"].outputs["flows"]) == [
        {"gitPath": "flows/a.yml", "syncState": "ADDED", "flowId": "a", "namespace": "prod",
         "revision": 1},
        {"gitPath": "flows/team/b.yaml", "syncState": "ADDED", "flowId": "b",
         "namespace": "prod.team", "revision": 1}]

    remote.commit({"flows/a.yml": flow("a", "changed"), "flows/team/b.yaml": None})
    final, runs = run(runtime, SYNC % "false", {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert deployed(runtime) == {("prod", "a"): 2}
    assert rows(runtime, runs["sync"].outputs["flows"]) == [
        {"syncState": "DELETED", "flowId": "b", "namespace": "prod.team", "revision": 1},
        {"gitPath": "flows/a.yml", "syncState": "UPDATED", "flowId": "a", "namespace": "prod",
         "revision": 2}]

    final, runs = run(runtime, SYNC % "false", {"url": remote.url})  # nothing changed
    assert [r["syncState"] for r in rows(runtime, runs["sync"].outputs["flows"])] == \
        ["UNCHANGED"]
    assert deployed(runtime) == {("prod", "a"): 2}


def test_sync_flows_dry_run_changes_nothing(runtime, remote):
    remote.commit({"flows/a.yml": flow("a"), "flows/b.yml": flow("b")})
    run(runtime, SYNC % "false", {"url": remote.url})
    remote.commit({"flows/a.yml": flow("a", "changed"), "flows/b.yml": None,
                   "flows/c.yml": flow("c")})
    final, runs = run(runtime, SYNC % "true", {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert deployed(runtime) == {("prod", "a"): 1, ("prod", "b"): 1}
    assert [(r["syncState"], r["flowId"], r["revision"])
            for r in rows(runtime, runs["sync"].outputs["flows"])] == [
        ("DELETED", "b", 1), ("UPDATED", "a", 2), ("ADDED", "c", 1)]


def test_a_bad_flow_in_git_is_reported_with_its_file_and_nothing_is_deployed(runtime, remote):
    bad = "id: broken\nnamespace: dev\ntasks:\n  - id: x\n    type: io.kestra.plugin.core.log.Nope\n"
    remote.commit({"flows/a.yml": flow("a"), "flows/broken.yml": bad,
                   "flows/syntax.yml": "id: [unclosed\n"})
    final, runs = run(runtime, SYNC % "false", {"url": remote.url})
    assert final.state is State.FAILED
    error = next(m for m in messages(runtime, final.id) if "Invalid flow imported" in m)
    assert "flows/broken.yml" in error and "io.kestra.plugin.core.log.Nope" in error
    assert "flows/syntax.yml" in error
    assert "Traceback" not in error
    assert deployed(runtime) == {}


def test_invalid_flows_can_be_skipped(runtime, remote):
    remote.commit({"flows/a.yml": flow("a"), "flows/broken.yml": "id: broken\n"})
    source = (SYNC % "false") + "    ignoreInvalidFlows: true\n"
    final, _ = run(runtime, source, {"url": remote.url})
    assert final.state is State.SUCCESS
    assert deployed(runtime) == {("prod", "a"): 1}
    assert any("Invalid flow imported from Git (flows/broken.yml)" in m
               for m in messages(runtime, final.id))


def test_delete_keeps_the_flow_running_the_sync(runtime, remote):
    remote.commit({"flows/a.yml": flow("a")})
    source = (SYNC % "false").replace("namespace: system", "namespace: prod")
    final, _ = run(runtime, source, {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert deployed(runtime) == {("prod", "a"): 1, ("prod", "sync"): 1}


def test_a_missing_git_directory_fails_unless_told_otherwise(runtime, remote):
    remote.commit({"elsewhere/a.yml": flow("a")})
    final, _ = run(runtime, SYNC % "false", {"url": remote.url})
    assert final.state is State.FAILED
    assert any("The directory 'flows' was not found in the git repository" in m
               for m in messages(runtime, final.id))


SYNC_FILES = """
id: sync_files
namespace: company.team
inputs:
  - id: url
    type: STRING
tasks:
  - id: sync
    type: io.kestra.plugin.git.SyncNamespaceFiles
    url: "{{ inputs.url }}"
    gitDirectory: _files
    delete: true
    dryRun: %s
"""


def namespace_files(runtime, namespace: str = "company.team") -> dict[str, bytes]:
    found = {}
    for file in list_files(runtime.storage, namespace):
        with runtime.storage.get(file.uri) as stream:
            found[file.path] = stream.read()
    return found


def test_sync_namespace_files(runtime, remote):
    put_file(runtime.storage, "company.team", "old.sql", b"select 0")
    put_file(runtime.storage, "company.team", "scripts/same.py", b"print(1)\n")
    remote.commit({"_files/scripts/same.py": "print(1)\n", "_files/query.sql": "select 1",
                   "_files/.gitkeep": "", "_files/old.sql": "select 2", "flows/x.yml": "x"})
    final, runs = run(runtime, SYNC_FILES % "true", {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    dry = rows(runtime, runs["sync"].outputs["files"])
    assert namespace_files(runtime) == {"old.sql": b"select 0", "scripts/same.py": b"print(1)\n"}

    final, runs = run(runtime, SYNC_FILES % "false", {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert rows(runtime, runs["sync"].outputs["files"]) == dry == [
        {"gitPath": "_files/old.sql", "syncState": "OVERWRITTEN", "kestraPath": "/old.sql"},
        {"gitPath": "_files/query.sql", "syncState": "ADDED", "kestraPath": "/query.sql"},
        {"gitPath": "_files/scripts/same.py", "syncState": "UNCHANGED",
         "kestraPath": "/scripts/same.py"}]
    assert namespace_files(runtime) == {"old.sql": b"select 2", "query.sql": b"select 1",
                                        "scripts/same.py": b"print(1)\n"}

    remote.commit({"_files/query.sql": None})
    final, runs = run(runtime, SYNC_FILES % "false", {"url": remote.url})
    assert rows(runtime, runs["sync"].outputs["files"])[0] == \
        {"syncState": "DELETED", "kestraPath": "/query.sql"}
    assert set(namespace_files(runtime)) == {"old.sql", "scripts/same.py"}


def test_a_flow_cannot_escape_the_target_namespace(runtime, remote):
    # A quoted key is not the `namespace: ` line Kestra rewrites: the flow keeps its own
    # namespace, which is not the target's, and is refused.
    escaping = flow("a").replace("namespace: dev", "'namespace': system")
    remote.commit({"flows/a.yml": escaping})
    final, _ = run(runtime, SYNC % "false", {"url": remote.url})
    assert final.state is State.FAILED
    assert any("flows/a.yml: the flow's namespace is 'system', not 'prod'" in m
               for m in messages(runtime, final.id)), messages(runtime, final.id)
    assert deployed(runtime, "system") == {("system", "sync"): 1}


def test_links_and_folders_leaving_the_clone_are_not_read(runtime, remote, tmp_path):
    secret = tmp_path / "worker-secret.txt"
    secret.write_text("worker only")
    remote.commit({"_files/ok.txt": "ok"})
    (remote.work / "_files" / "leak.txt").symlink_to(secret)
    (remote.work / "_files" / "dir").symlink_to(tmp_path, target_is_directory=True)
    git("add", "_files", cwd=remote.work)
    remote.commit({}, "links")
    final, _ = run(runtime, SYNC_FILES % "false", {"url": remote.url})
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert namespace_files(runtime) == {"ok.txt": b"ok"}

    escaping = (SYNC_FILES % "false").replace("gitDirectory: _files", "gitDirectory: ../..")
    final, _ = run(runtime, escaping.replace("id: sync_files", "id: sync_up"),
                   {"url": remote.url})
    assert final.state is State.FAILED
    assert "gitDirectory '../..' is outside the repository" in \
        messages(runtime, final.id)

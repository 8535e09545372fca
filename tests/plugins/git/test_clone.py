"""git.Clone in a WorkingDirectory: the next task reads the cloned files."""

from __future__ import annotations

import socket
import time

from podium.common.models.state import State
from tests.plugins.git.conftest import git
from tests.plugins.git.flows import messages, run

CLONE = """
id: clone
namespace: company.team
inputs:
  - id: url
    type: STRING
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: clone
        type: io.kestra.plugin.git.Clone
        url: "{{ inputs.url }}"
        branch: main
        directory: repo
      - id: cat
        type: io.kestra.plugin.scripts.shell.Commands
        taskRunner:
          type: io.kestra.plugin.core.runner.Process
        commands:
          - cat repo/data/hello.txt
          - git -C repo log --format=%s
"""


def test_clone_then_a_shell_task_reads_the_cloned_file(runtime, remote):
    remote.commit({"data/hello.txt": "hello from git\n"}, "first")
    remote.commit({"data/other.txt": "x\n"}, "second")
    final, runs = run(runtime, CLONE, {"url": remote.url})
    logs = messages(runtime, final.id)
    assert final.state is State.SUCCESS, logs
    assert runs["clone"].outputs["directory"].endswith("/repo")
    assert "hello from git" in logs
    assert "second" in logs and "first" not in logs  # depth 1 by default


AT_COMMIT = """
id: at_commit
namespace: company.team
inputs:
  - id: url
    type: STRING
  - id: sha
    type: STRING
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      already.txt: "a file written before the clone"
    tasks:
      - id: clone
        type: io.kestra.plugin.git.Clone
        url: "{{ inputs.url }}"
        commit: "{{ inputs.sha }}"
      - id: cat
        type: io.kestra.plugin.scripts.shell.Commands
        taskRunner:
          type: io.kestra.plugin.core.runner.Process
        commands:
          - cat hello.txt already.txt
"""


def test_clone_a_commit_into_a_non_empty_directory(runtime, remote):
    first = remote.commit({"hello.txt": "version one\n"}, "first")
    remote.commit({"hello.txt": "version two\n"}, "second")
    final, _ = run(runtime, AT_COMMIT, {"url": remote.url, "sha": first})
    logs = messages(runtime, final.id)
    assert final.state is State.SUCCESS, logs
    assert "version one" in logs and "version two" not in logs
    assert "a file written before the clone" in logs


def test_a_missing_repository_fails_with_gits_message(runtime, tmp_path):
    final, runs = run(runtime, CLONE, {"url": (tmp_path / "nowhere.git").as_uri()})
    assert final.state is State.FAILED
    assert any("git clone failed" in m and "nowhere.git" in m
               for m in messages(runtime, final.id)), messages(runtime, final.id)


HANGING = """
id: hanging
namespace: company.team
inputs:
  - id: url
    type: STRING
tasks:
  - id: clone
    type: io.kestra.plugin.git.Clone
    url: "{{ inputs.url }}"
    timeout: PT1S
"""


def test_the_task_timeout_stops_a_hanging_git(runtime):
    # A server that accepts connections and never answers: git would wait for minutes.
    with socket.create_server(("127.0.0.1", 0)) as server:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/repo.git"
        started = time.monotonic()
        final, runs = run(runtime, HANGING, {"url": url})
        elapsed = time.monotonic() - started
    assert final.state is State.FAILED
    assert elapsed < 20, elapsed
    assert any("timeout" in m.lower() or "timed out" in m.lower()
               for m in messages(runtime, final.id)), messages(runtime, final.id)


AT_TAG = """
id: at_tag
namespace: company.team
inputs:
  - id: url
    type: STRING
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: clone
        type: io.kestra.plugin.git.Clone
        url: "{{ inputs.url }}"
        tag: v1
        gitConfig:
          core.fileMode: false
      - id: cat
        type: io.kestra.plugin.scripts.shell.Commands
        taskRunner:
          type: io.kestra.plugin.core.runner.Process
        commands:
          - cat hello.txt
          - git config core.fileMode
"""


def test_clone_a_tag_with_git_config(runtime, remote):
    remote.commit({"hello.txt": "tagged\n"}, "first")
    git("tag", "-a", "v1", "-m", "release", cwd=remote.work)
    git("push", "--quiet", "origin", "v1", cwd=remote.work)
    remote.commit({"hello.txt": "later\n"}, "second")
    final, _ = run(runtime, AT_TAG, {"url": remote.url})
    logs = messages(runtime, final.id)
    assert final.state is State.SUCCESS, logs
    assert "tagged" in logs and "later" not in logs
    assert "false" in logs


def test_a_reference_git_could_read_as_an_option_is_refused(runtime, remote):
    remote.commit({"hello.txt": "x\n"})
    final, _ = run(runtime, AT_TAG.replace("tag: v1", "tag: --upload-pack=touch"),
                   {"url": remote.url})
    assert final.state is State.FAILED
    assert "tag '--upload-pack=touch' is not a valid git reference" in \
        messages(runtime, final.id)

"""Credentials: split from URLs, handed to git by a credential helper, never in a clone's
config, an argument list or a log line. The HTTP tests talk to git's smart HTTP backend
behind basic authentication on loopback (tests/plugins/git/http_server.py)."""

from __future__ import annotations

import base64

import pytest

from podium.common.errors import TaskFailure
from podium.common.models.state import State
from podium.runtime import Runtime
from podium_git._git import MASK, Credentials, Git, commit_url, http_url, split_url
from tests.plugins.git.conftest import git
from tests.plugins.git.flows import messages, run
from tests.plugins.git.http_server import GitHttpServer

TOKEN = "ghp_s3cretT0ken"


def test_split_url_moves_user_info_into_the_credentials():
    url, creds = split_url(f"https://bob:{TOKEN}@github.com/acme/repo.git", Credentials())
    assert url == "https://github.com/acme/repo.git"
    assert (creds.username, creds.password) == ("bob", TOKEN)
    url, creds = split_url("https://x%40y:p%3Aw@host/r", Credentials(password="given"))
    assert (url, creds.username, creds.password) == ("https://host/r", "x@y", "given")
    ssh = "git@github.com:acme/repo.git"
    assert split_url(ssh, Credentials()) == (ssh, Credentials())
    assert split_url("file:///tmp/r.git", Credentials())[0] == "file:///tmp/r.git"


def test_http_and_commit_urls_as_kestra_builds_them():
    assert http_url("git@github.com:acme/repo.git") == "https://github.com/acme/repo.git"
    assert http_url("git@ssh.dev.azure.com:v3/org/project/repo") == \
        "https://dev.azure.com/org/project/_git/repo"
    assert http_url(f"https://bob:{TOKEN}@github.com/acme/repo") == \
        "https://github.com/acme/repo"
    assert commit_url("https://github.com/acme/repo.git", "main", "abc") == \
        "https://github.com/acme/repo/commit/abc"
    assert commit_url("https://bitbucket.org/acme/repo", "main", "abc") == \
        "https://bitbucket.org/acme/repo/commits/abc"
    assert commit_url("git@ssh.dev.azure.com:v3/org/p/repo", "dev", "abc") == \
        "https://dev.azure.com/org/p/_git/repo/commit/abc?refName=refs%2Fheads%2Fdev"


def test_git_runs_with_a_scrubbed_environment_and_masks_its_output(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "worker-secret")
    runner = Git(Credentials("bob", TOKEN))
    try:
        env = runner.run("-c", "alias.env=!env", "env")
        assert "worker-secret" not in env and "AWS_SECRET_ACCESS_KEY" not in env
        assert f"PODIUM_GIT_PASSWORD={TOKEN}" in env  # only the git process has it
        assert "GIT_TERMINAL_PROMPT=0" in env
        with pytest.raises(TaskFailure) as failure:
            runner.run("-c", f"alias.fail=!echo {TOKEN} >&2; exit 3", "fail")
        assert TOKEN not in failure.value.message and MASK in failure.value.message
    finally:
        runner.close()


@pytest.fixture
def http_remote(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    git("init", "--quiet", "--bare", "--initial-branch=main", str(root / "repo.git"))
    git("--git-dir", str(root / "repo.git"), "config", "http.receivepack", "true")
    seed = tmp_path / "seed"
    git("clone", "--quiet", str(root / "repo.git"), str(seed))
    (seed / "hello.txt").write_text("hello over http\n")
    git("add", "hello.txt", cwd=seed)
    git("commit", "--quiet", "-m", "seed", cwd=seed)
    git("push", "--quiet", "origin", "HEAD:main", cwd=seed)
    server = GitHttpServer(root, "bob", TOKEN)
    yield server, root / "repo.git"
    server.close()


CLONE = """
id: clone_http
namespace: company.team
inputs:
  - id: url
    type: STRING
  - id: password
    type: STRING
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: clone
        type: io.kestra.plugin.git.Clone
        url: "{{ inputs.url }}"
        username: bob
        password: "{{ inputs.password }}"
        directory: repo
      - id: show
        type: io.kestra.plugin.scripts.shell.Commands
        taskRunner:
          type: io.kestra.plugin.core.runner.Process
        commands:
          - cat repo/hello.txt
          - git -C repo config --list --local
"""


def test_clone_over_http_with_a_token_keeps_it_out_of_config_and_logs(runtime, http_remote):
    server, _ = http_remote
    final, _ = run(runtime, CLONE, {"url": server.url("repo.git"), "password": TOKEN})
    logs = messages(runtime, final.id)
    assert final.state is State.SUCCESS, logs
    assert "hello over http" in logs
    assert f"remote.origin.url={server.url('repo.git')}" in logs
    assert not any(TOKEN in line for line in logs)


def test_a_token_in_the_url_is_used_and_not_kept(runtime, http_remote):
    server, _ = http_remote
    url = server.url("repo.git").replace("http://", f"http://bob:{TOKEN}@")
    final, _ = run(runtime, CLONE.replace("password: \"{{ inputs.password }}\"", ""),
                   {"url": url, "password": ""})
    logs = messages(runtime, final.id)
    assert final.state is State.SUCCESS, logs
    assert not any(TOKEN in line for line in logs)


def test_a_wrong_token_fails_without_prompting(runtime, http_remote):
    server, _ = http_remote
    final, _ = run(runtime, CLONE, {"url": server.url("repo.git"), "password": "wrong"})
    logs = messages(runtime, final.id)
    assert final.state is State.FAILED
    assert any("git clone failed" in m and "Authentication failed" in m for m in logs), logs
    assert server.refused >= 1


PUSH = """id: push_http
namespace: dev
inputs:
  - id: url
    type: STRING
tasks:
  - id: push
    type: io.kestra.plugin.git.PushFlows
    url: "{{ inputs.url }}"
    username: bob
    password: "{{ secret('GIT_TOKEN') }}"
"""


def test_push_flows_over_http_with_a_token(tmp_path, http_remote):
    server, bare = http_remote
    secret = base64.b64encode(TOKEN.encode()).decode()
    runtime = Runtime.embedded(tmp_path / "data", workers=1,
                               environ={"SECRET_GIT_TOKEN": secret})
    try:
        final, runs = run(runtime, PUSH, {"url": server.url("repo.git")})
        logs = messages(runtime, final.id)
    finally:
        runtime.close()
    assert final.state is State.SUCCESS, logs
    assert git("--git-dir", str(bare), "log", "--format=%s", "main").splitlines() == \
        ["Add flows from dev namespace", "seed"]
    assert git("--git-dir", str(bare), "show", "main:_flows/push_http.yml").startswith(
        "id: push_http")
    assert runs["push"].outputs["commitURL"].startswith(server.url("repo/commit/"))
    assert not any(TOKEN in line for line in logs)
    assert server.refused >= 1  # git asked for credentials, then sent the token

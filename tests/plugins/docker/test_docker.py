"""docker.Build and docker.Run against a real Docker daemon (conftest): the image built
with its tags, labels, build args and context files, run with no network; inputFiles in,
outputFiles and `::{...}::` vars out; exit codes, a timeout that removes the container, and
the error when no daemon answers."""

from __future__ import annotations

import json

import pytest

from podium.common.models.state import State
from tests.plugins.notifications.flows import messages, run

docker = pytest.mark.docker


def flow(tasks: str, flow_id: str = "docker") -> str:
    return f"id: {flow_id}\nnamespace: company.team\ntasks:\n{tasks}"


@docker
def test_build_from_scratch_with_context_files_args_and_labels(runtime, docker_host,
                                                               docker_api):
    tasks = f"""\
  - id: build
    type: io.kestra.plugin.docker.cli.Build
    host: {docker_host}
    inputFiles:
      greeting.txt: "hello from {{{{ flow.id }}}}"
    dockerfile: |
      FROM scratch
      ARG FLAVOR
      LABEL flavor=$FLAVOR
      COPY greeting.txt /greeting.txt
    tags:
      - podium-test/built:one
      - podium-test/built:two
    buildArgs:
      FLAVOR: "{{{{ flow.namespace }}}}"
    labels:
      unit-test: "true"
"""
    final, runs = run(runtime, flow(tasks))
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    image_id = runs["build"].outputs["imageId"]
    assert image_id.startswith("sha256:")
    image = docker_api.get(f"/images/{image_id}/json").json()
    assert sorted(image["RepoTags"]) == ["podium-test/built:one", "podium-test/built:two"]
    assert image["Config"]["Labels"] == {"flavor": "company.team", "unit-test": "true"}
    exported = docker_api.get("/images/podium-test/built:one/get").content
    assert b"hello from docker" in exported
    assert any(": COPY greeting.txt /greeting.txt" in line
               for line in messages(runtime, final.id))


@docker
def test_build_then_run_the_built_image(runtime, docker_host, base_image):
    tasks = f"""\
  - id: build
    type: io.kestra.plugin.docker.Build
    host: {docker_host}
    pull: false
    dockerfile: |
      FROM {base_image}
      ARG WHO
      RUN ["/bin/busybox", "sh", "-c", "echo built-by-$WHO > /built.txt"]
    tags: [podium-test/with-run:latest]
    buildArgs:
      WHO: podium
  - id: run
    type: io.kestra.plugin.docker.Run
    host: {docker_host}
    containerImage: "{{{{ outputs.build.imageId }}}}"
    pullPolicy: NEVER
    networkMode: none
    commands: ["/bin/busybox", "cat", "/built.txt"]
"""
    final, runs = run(runtime, flow(tasks))
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert "built-by-podium" in messages(runtime, final.id)
    assert runs["run"].outputs["exitCode"] == 0


SCRIPT = (r"""echo "hello $NAME"; echo '::{"outputs":{"count":3,"who":"'$NAME'"}}::'; """
          r"""/bin/busybox tr a-z A-Z < in.txt > out.txt; mkdir -p sub; echo deep > sub/d.txt; """
          r"""echo oops >&2; pwd""")


@docker
def test_run_with_input_and_output_files_and_vars(runtime, docker_host, docker_api,
                                                  base_image):
    tasks = f"""\
  - id: run
    type: io.kestra.plugin.docker.cli.Run
    host: {docker_host}
    containerImage: {base_image}
    networkMode: none
    env:
      NAME: "{{{{ flow.id }}}}"
    inputFiles:
      in.txt: "lower case"
    outputFiles:
      - out.txt
      - "sub/*.txt"
    commands:
      - /bin/busybox
      - sh
      - -c
      - {json.dumps(SCRIPT)}
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "read={{{{ read(outputs.run.outputFiles['out.txt']) }}}}"
"""
    final, runs = run(runtime, flow(tasks))
    lines = messages(runtime, final.id)
    assert final.state is State.SUCCESS, lines
    outputs = runs["run"].outputs
    assert outputs["exitCode"] == 0
    assert outputs["vars"] == {"count": 3, "who": "docker"}
    assert sorted(outputs["outputFiles"]) == ["out.txt", "sub/d.txt"]
    assert "read=LOWER CASE" in lines
    assert "hello docker" in lines and "oops" in lines
    # the container works in the worker's working directory path, not in /
    assert [line for line in lines if line.startswith("/") and len(line) > 1]
    container = outputs["taskRunner"]["containerId"]
    assert docker_api.get(f"/containers/{container}/json").status_code == 404  # removed


@docker
def test_a_failing_command_fails_the_task_with_its_exit_code(runtime, docker_host,
                                                             base_image):
    tasks = f"""\
  - id: run
    type: io.kestra.plugin.docker.Run
    host: {docker_host}
    containerImage: {base_image}
    networkMode: none
    commands: ["/bin/busybox", "sh", "-c", "echo about to fail; exit 3"]
"""
    final, runs = run(runtime, flow(tasks))
    assert final.state is State.FAILED
    lines = messages(runtime, final.id)
    assert "about to fail" in lines
    assert any("Command failed with exit code 3" in line for line in lines)
    assert runs["run"].outputs["exitCode"] == 3


@docker
def test_timeout_kills_and_removes_the_container(runtime, docker_host, docker_api,
                                                 base_image):
    tasks = f"""\
  - id: run
    type: io.kestra.plugin.docker.Run
    host: {docker_host}
    timeout: PT2S
    containerImage: {base_image}
    networkMode: none
    commands: ["/bin/busybox", "sleep", "60"]
"""
    final, _ = run(runtime, flow(tasks))
    assert final.state is State.FAILED
    left = docker_api.get("/containers/json", params={
        "all": "1", "filters": json.dumps({"label": ["io.podium.task=docker.Run"]})}).json()
    assert [c for c in left if base_image in c["Image"]] == []


@docker
def test_missing_image_with_pull_never(runtime, docker_host):
    tasks = f"""\
  - id: run
    type: io.kestra.plugin.docker.Run
    host: {docker_host}
    containerImage: podium-test/absent:nope
    pullPolicy: NEVER
"""
    final, _ = run(runtime, flow(tasks))
    assert final.state is State.FAILED
    assert any("Docker daemon: POST /containers/create: 404" in line and
               "podium-test/absent:nope" in line for line in messages(runtime, final.id))


def test_unreachable_daemon_is_named(runtime, tmp_path):
    tasks = f"""\
  - id: run
    type: io.kestra.plugin.docker.Run
    host: unix://{tmp_path}/absent.sock
    containerImage: alpine:latest
  - id: volumes
    type: io.kestra.plugin.docker.Run
    containerImage: alpine:latest
    volumes: ["/etc:/host-etc"]
"""
    final, runs = run(runtime, flow(tasks).replace("  - id: volumes",
                                                   "  - id: volumes\n    allowFailure: true")
                      .replace("  - id: run\n", "  - id: run\n    allowFailure: true\n"))
    lines = messages(runtime, final.id)
    assert any(f"Docker daemon not reachable at unix://{tmp_path}/absent.sock" in line
               and "is the Docker daemon running" in line for line in lines), lines
    assert any(line.startswith("volumes: mounting the worker's folders") for line in lines)
    assert runs["run"].state is State.WARNING and runs["volumes"].state is State.WARNING


@docker
def test_build_context_honours_dockerignore(runtime, docker_host, docker_api):
    tasks = f"""\
  - id: build
    type: io.kestra.plugin.docker.cli.Build
    host: {docker_host}
    inputFiles:
      .dockerignore: |
        *.secret
        logs/
      app.txt: "shipped-content"
      token.secret: "ignored-content"
      logs/run.txt: "ignored-log"
      Dockerfile: |
        FROM scratch
        COPY . /ctx/
    dockerfile: Dockerfile
    tags: [podium-test/ignored:latest]
"""
    final, runs = run(runtime, flow(tasks))
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    exported = docker_api.get("/images/podium-test/ignored:latest/get").content
    assert b"shipped-content" in exported
    assert b"ignored-content" not in exported and b"ignored-log" not in exported


@docker
def test_push_failure_is_reported_and_the_password_masked(runtime, docker_host):
    # a registry on a closed loopback port: the daemon's own push error reaches the task
    tasks = f"""\
  - id: build
    type: io.kestra.plugin.docker.cli.Build
    host: {docker_host}
    dockerfile: "FROM scratch\\nLABEL a=b\\n"
    tags: [127.0.0.1:1/podium-test/pushed:1]
    push: true
    credentials:
      registry: http://127.0.0.1:1
      username: robot
      password: pa55-s3cret
"""
    final, _ = run(runtime, flow(tasks))
    lines = messages(runtime, final.id)
    assert final.state is State.FAILED
    assert any(line.startswith("Docker push of 127.0.0.1:1/podium-test/pushed:1 failed")
               for line in lines), lines
    assert all("pa55-s3cret" not in line for line in lines)

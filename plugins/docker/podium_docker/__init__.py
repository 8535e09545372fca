"""Podium's Docker plugin: Kestra's `io.kestra.plugin.docker.cli.Build` and `Run` (and
their older names `io.kestra.plugin.docker.Build` / `Run`), over the Docker Engine API
(podium_docker/engine.py)."""

from podium.sdk import Plugin
from podium_docker.build import Build
from podium_docker.run import Run

plugin = Plugin(
    name="docker",
    title="Docker",
    description="Build (and push) images and run containers with a Docker daemon.",
    tasks=(Build, Run),
)

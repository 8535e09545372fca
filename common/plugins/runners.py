"""Task runner types: where a script task's commands run (`taskRunner:` of script tasks)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from podium.common.plugins.base import TaskRunner
from podium.common.plugins.fields import DurationStr, Dyn, Expr, StrictModel


class Process(TaskRunner):
    """Runs the commands as a local process of the worker."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.runner.Process"


class DockerCredentials(StrictModel):
    registry: str | None = None
    username: str | None = None
    password: str | None = None
    registry_token: str | None = None
    identity_token: str | None = None
    auth: str | None = None


class DockerCpu(StrictModel):
    cpus: Dyn[float] | None = None


class DockerMemory(StrictModel):
    memory: str | None = None
    memory_swap: str | None = None
    memory_swappiness: str | None = None
    memory_reservation: str | None = None
    kernel_memory: str | None = None
    oom_kill_disable: bool | None = None


class Docker(TaskRunner):
    """Runs the commands in a Docker container (Kestra's default runner for scripts)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.runner.docker.Docker"

    host: str | None = None
    config: str | dict[str, Any] | None = None  # a config.json as text or as a map
    credentials: DockerCredentials | None = None
    image: str | None = None  # the task's containerImage when unset
    user: str | None = None
    entry_point: list[str] | Expr | None = None
    extra_hosts: list[str] | Expr | None = None
    network_mode: str | None = None
    volumes: list[str] | Expr | None = None
    pull_policy: Literal["IF_NOT_PRESENT", "ALWAYS", "NEVER"] | Expr = "ALWAYS"
    device_requests: list[dict[str, Any]] | None = None
    cpu: DockerCpu | None = None
    memory: DockerMemory | None = None
    shm_size: str | None = None
    privileged: Dyn[bool] | None = None
    file_handling_strategy: Literal["MOUNT", "VOLUME"] | Expr = "VOLUME"
    delete: Dyn[bool] = True  # remove the container once it has ended
    # Newer Kestra versions of the runner.
    wait: Dyn[bool] = True
    kill_grace_period: DurationStr | None = None
    resume: Dyn[bool] | None = None

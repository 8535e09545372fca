"""io.kestra.plugin.docker.cli.Run (alias io.kestra.plugin.docker.Run)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from podium.sdk import Dyn, Expr, RunContext, StrictModel, Task, TaskFailure
from podium.sdk.scripts import (
    InputFiles,
    NamespaceFiles,
    OutputFiles,
    log_consumer,
    stage_files,
    upload_output_files,
)
from podium_docker.common import (
    DockerProperties,
    byte_size,
    registry_host_for_prefix,
    rendered_list,
    rendered_map,
)
from podium_docker.container import run_container
from podium_docker.engine import connect
from podium_docker.examples import RUN


class Cpu(StrictModel):
    cpus: Dyn[float] | None = None


class Memory(StrictModel):
    memory: str | None = None
    memory_swap: str | None = None
    memory_swappiness: str | None = None
    memory_reservation: str | None = None
    kernel_memory: str | None = None
    oom_kill_disable: Dyn[bool] | None = None


class DeviceRequest(StrictModel):
    driver: str | None = None
    count: Dyn[int] | None = None
    device_ids: list[str] | None = None
    capabilities: list[list[str]] | None = None
    options: dict[str, str] | None = None


class Run(DockerProperties, Task):
    """Runs `containerImage` with the Docker daemon: `commands` as the container's command
    (empty: the image's CMD), `entryPoint`, `env`, `user`, `networkMode`, `extraHosts`,
    `portBindings`, `cpu`, `memory`, `shmSize`, `privileged`, `deviceRequests`. The
    working directory (with `namespaceFiles` and `inputFiles`) is copied into the container
    at the same path, which is its working directory (`{{ workingDir }}`); after the run,
    the files matching `outputFiles` are copied back and stored. The image is pulled per
    `pullPolicy` (default IF_NOT_PRESENT). Output lines are logged and
    `::{"outputs": ...}::` lines read, as script tasks'. Outputs `exitCode`, `vars`,
    `outputFiles`, `taskRunner.containerId`. With `wait: false` the container is started
    and left running. `volumes` are refused: bind mounts of the worker's files are off."""

    TYPE: ClassVar[str] = "io.kestra.plugin.docker.cli.Run"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.docker.Run",)
    EXAMPLES = RUN

    container_image: str
    user: str | None = None
    entry_point: list[str] | Expr | None = None
    extra_hosts: list[str] | Expr | None = None
    network_mode: str | None = None
    port_bindings: list[str] | Expr | None = None
    volumes: list[str] | Expr | None = None
    pull_policy: Literal["IF_NOT_PRESENT", "ALWAYS", "NEVER"] | Expr = "IF_NOT_PRESENT"
    device_requests: list[DeviceRequest] | None = None
    cpu: Cpu | None = None
    memory: Memory | None = None
    shm_size: str | None = None
    privileged: Dyn[bool] | None = None
    env: dict[str, Any] | Expr | None = None
    warning_on_std_err: Dyn[bool] | None = None  # deprecated in Kestra, ignored
    namespace_files: NamespaceFiles | None = None
    input_files: InputFiles | None = None
    output_files: OutputFiles | None = None
    commands: list[str] | Expr = []
    wait: Dyn[bool] = True

    def run(self, ctx: RunContext) -> dict[str, Any]:
        workdir = str(ctx.working_dir.resolve())
        extra = {"workingDir": workdir}
        image = str(ctx.render(self.container_image)).strip()
        if not image:
            raise TaskFailure("containerImage must not be empty")
        registry = registry_host_for_prefix(
            str(ctx.render(self.credentials.registry)) if self.credentials and
            self.credentials.registry else None)
        if registry and not image.startswith(registry):
            image = f"{registry}/{image}"
        if rendered_list(ctx, self.volumes, "volumes"):
            raise TaskFailure("volumes: mounting the worker's folders into a container is "
                              "disabled (Kestra's volume-enabled is off by default); use "
                              "inputFiles and outputFiles")
        stage_files(ctx, self.namespace_files, self.input_files, extra)
        spec = self._create_spec(ctx, image, workdir)
        consumer = log_consumer(ctx)
        with connect(ctx, self.host) as engine:
            result = run_container(
                ctx, engine, image, spec, pull_policy=str(self.pull_policy),
                credentials=self.rendered_credentials(ctx, image),
                wait=bool(self.wait), on_line=consumer,
                copy_back=self.output_files is not None)
        outputs: dict[str, Any] = {"exitCode": result.exit_code,
                                   "vars": dict(getattr(consumer, "vars", {})),
                                   "taskRunner": {"containerId": result.container_id}}
        if self.output_files is not None:
            outputs["outputFiles"] = upload_output_files(ctx, self.output_files, extra)
        if result.exit_code != 0:
            raise TaskFailure(f"Command failed with exit code {result.exit_code}", outputs)
        return outputs

    def _create_spec(self, ctx: RunContext, image: str, workdir: str) -> dict[str, Any]:
        commands = rendered_list(ctx, self.commands, "commands")
        entry = rendered_list(ctx, self.entry_point, "entryPoint")
        env = rendered_map(ctx, self.env, "env")
        host: dict[str, Any] = {}
        if self.network_mode:
            host["NetworkMode"] = str(ctx.render(self.network_mode))
        hosts = rendered_list(ctx, self.extra_hosts, "extraHosts")
        if hosts:
            host["ExtraHosts"] = hosts
        exposed, bindings = port_bindings(rendered_list(ctx, self.port_bindings,
                                                        "portBindings"))
        if bindings:
            host["PortBindings"] = bindings
        if self.privileged is not None:
            host["Privileged"] = bool(self.privileged)
        shm = byte_size(ctx.render(self.shm_size) if self.shm_size else None, "shmSize")
        if shm:
            host["ShmSize"] = shm
        host.update(self._limits(ctx))
        spec: dict[str, Any] = {"Image": image, "WorkingDir": workdir,
                                "Env": [f"{k}={v}" for k, v in env.items()],
                                "Labels": {"io.podium.task": "docker.Run"},
                                "HostConfig": host}
        if commands:
            spec["Cmd"] = commands
        if entry:
            spec["Entrypoint"] = entry
        if self.user:
            spec["User"] = str(ctx.render(self.user))
        if exposed:
            spec["ExposedPorts"] = exposed
        return spec

    def _limits(self, ctx: RunContext) -> dict[str, Any]:
        limits: dict[str, Any] = {}
        if self.cpu and self.cpu.cpus:
            limits["NanoCpus"] = int(float(self.cpu.cpus) * 1e9)
        if self.memory:
            for prop, key in (("memory", "Memory"), ("memory_swap", "MemorySwap"),
                              ("memory_reservation", "MemoryReservation"),
                              ("kernel_memory", "KernelMemory")):
                value = getattr(self.memory, prop)
                size = byte_size(ctx.render(value) if value else None, f"memory.{prop}")
                if size:
                    limits[key] = size
            if self.memory.memory_swappiness:
                limits["MemorySwappiness"] = int(ctx.render(self.memory.memory_swappiness))
            if self.memory.oom_kill_disable is not None:
                limits["OomKillDisable"] = bool(self.memory.oom_kill_disable)
        if self.device_requests:
            limits["DeviceRequests"] = [
                {"Driver": d.driver or "", "Count": int(d.count) if d.count is not None else 0,
                 "DeviceIDs": d.device_ids, "Capabilities": d.capabilities,
                 "Options": d.options} for d in self.device_requests]
        return limits


def port_bindings(entries: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`[ip:]hostPort:containerPort[/protocol]` (docker run -p) -> ExposedPorts and
    HostConfig.PortBindings."""
    exposed: dict[str, Any] = {}
    bindings: dict[str, list[dict[str, str]]] = {}
    for entry in entries:
        spec, _, protocol = entry.partition("/")
        parts = spec.rsplit(":", 2)
        if len(parts) == 1 or not parts[-1].isdigit():
            raise TaskFailure(f"portBindings: '{entry}' is not ip:hostPort:containerPort")
        key = f"{parts[-1]}/{protocol or 'tcp'}"
        exposed[key] = {}
        binding = {"HostPort": parts[-2]}
        if len(parts) == 3:
            binding["HostIp"] = parts[0]
        bindings.setdefault(key, []).append(binding)
    return exposed, bindings

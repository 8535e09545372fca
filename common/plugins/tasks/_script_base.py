"""What every script task shares (Kestra's AbstractExecScript, script/ module of
kestra-io/kestra): a private module, so scripts.py (shell, Python, Node.js) and
script_languages.py (the other languages) both build on it without importing each other.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import AfterValidator, Field
from typing_extensions import Annotated

from podium.common.plugins.base import AnyTaskRunner, Task
from podium.common.plugins.fields import Duration, Dyn, Expr, ScalarStr, StrictModel
from podium.common.plugins.tasks._files import InputFiles, NamespaceFiles, OutputFiles

Commands_ = Annotated[list[str], Field(min_length=1)] | Expr


class DockerOptions(StrictModel):
    """The deprecated `docker:` block, used only with `runner: DOCKER`."""

    # No image needed here: the task's containerImage fills it in.
    image: str | None = None
    host: str | None = None
    config: str | dict[str, Any] | None = None
    credentials: dict[str, Any] | None = None
    user: str | None = None
    entry_point: list[str] | None = None
    extra_hosts: list[str] | None = None
    network_mode: str | None = None
    volumes: list[str] | None = None
    pull_policy: Literal["IF_NOT_PRESENT", "ALWAYS", "NEVER"] = "ALWAYS"
    device_requests: list[dict[str, Any]] | None = None
    cpu: dict[str, Any] | None = None
    memory: dict[str, Any] | None = None
    shm_size: str | None = None
    # Deprecated setters Jackson also accepts as property names.
    docker_host: str | None = None
    docker_config: str | None = None


_SIZE = re.compile(r"\s*(\d+)\s*(|B|K|KB|KiB|M|MB|MiB|G|GB|GiB)\s*", re.IGNORECASE)
_SIZE_FACTORS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_byte_size(text: str) -> int:
    """'256MiB', '256MB', '1g', '4096' -> bytes (K, M, G are powers of 1024, as for
    setrlimit; 'MB' is read as MiB). Raises ValueError."""
    match = _SIZE.fullmatch(str(text))
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"'{text}' is not a size such as 256MiB, 1GiB or 4096 (bytes)")
    return int(match.group(1)) * _SIZE_FACTORS[match.group(2)[:1].lower()]


def _size(text: str) -> str:
    parse_byte_size(text)
    return text


ByteSize = Annotated[str, AfterValidator(_size)]


class ScriptLimits(StrictModel):
    """Podium's `limits` of a script task's processes (Kestra has none): `cpu` a duration
    of CPU time (PT2S), `memory` and `fileSize` sizes (256MiB). Each is a limit per process
    (setrlimit, worker/script_limits.py) and overrides the worker's default."""

    cpu: Duration | None = None
    memory: ByteSize | None = None
    file_size: ByteSize | None = None


class _ExecScript(Task):
    """Properties every script task shares (Kestra's AbstractExecScript)."""

    DEFAULT_IMAGE: ClassVar[str] = "ubuntu"
    # The line put before the commands with `failFast` (PowerShell has its own).
    EXIT_ON_ERROR: ClassVar[str] = "set -e"

    # Where to run: a task runner (Kestra's default is Docker), or the deprecated `runner`.
    task_runner: AnyTaskRunner | None = None
    runner: Literal["PROCESS", "DOCKER"] | None = None  # deprecated
    docker: DockerOptions | None = None  # deprecated
    container_image: str | None = None  # None = DEFAULT_IMAGE of the task type
    interpreter: Annotated[list[str], Field(min_length=1)] | Expr = ["/bin/sh", "-c"]
    before_commands: list[str] | Expr | None = None
    env: dict[str, ScalarStr] | Expr | None = None
    # Deprecated since Kestra 0.23 and ignored: stderr output no longer changes the state
    # (the exit code alone decides). Still accepted so older flows validate.
    warning_on_std_err: Dyn[bool] | None = None
    fail_fast: Dyn[bool] = True  # stop at the first failing command
    # Kestra spells it targetOS, which the camelCase alias generator would make targetOs.
    target_os: Literal["LINUX", "WINDOWS", "AUTO"] | Expr = Field("AUTO", alias="targetOS")
    namespace_files: NamespaceFiles | None = None
    input_files: InputFiles | None = None
    output_files: OutputFiles | None = None
    output_directory: bool | None = None  # deprecated: use outputFiles
    # CPU, memory and file-size limits of its processes (a Podium property).
    limits: ScriptLimits | None = None
    # The execution's variables as a JSON file for the script (Kestra 1.x).
    execution_context: Dyn[bool] = False

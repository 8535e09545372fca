"""io.kestra.plugin.scripts.{shell,python,node}.*: script tasks.

Their properties come from Kestra's AbstractExecScript (_script_base.py) and the shell /
python / node tasks of kestra-io/plugin-scripts.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field
from typing_extensions import Annotated

from podium.common.plugins.fields import Dyn, Expr
from podium.common.plugins.tasks._script_base import (  # noqa: F401
    Commands_,
    DockerOptions,
    _ExecScript,  # (also imported from here)
)


class _PythonScript(_ExecScript):
    """Python tasks; newer Kestra also installs `dependencies` itself."""

    DEFAULT_IMAGE: ClassVar[str] = "python:3.13-slim"  # Kestra 0.23+

    dependencies: list[str] | Expr | None = None
    python_version: str | None = None
    dependency_cache_enabled: Dyn[bool] = True
    package_manager: Literal["UV", "PIP"] | Expr = "UV"
    # Kestra downloads uv when the worker lacks it; Podium ships uv and never downloads it,
    # so these are accepted and have no effect.
    uv_auto_install_enabled: Dyn[bool] = True
    uv_installer_version: str | None = None
    uv_installer_sha256: str | None = None


class ShellCommands(_ExecScript):
    """Runs a list of shell commands."""

    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.shell.Commands"

    commands: Commands_


class ShellScript(_ExecScript):
    """Runs an inline shell script."""

    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.shell.Script"

    script: Annotated[str, Field(min_length=1)]


class PythonCommands(_PythonScript):
    """Runs a list of commands in a Python environment."""

    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.python.Commands"

    commands: Commands_


class PythonScript(_PythonScript):
    """Runs an inline Python script."""

    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.python.Script"

    script: Annotated[str, Field(min_length=1)]


class _NodeScript(_ExecScript):
    """Node.js tasks: packages come from `beforeCommands: npm install ...` (Kestra has no
    `dependencies` property on them)."""

    DEFAULT_IMAGE: ClassVar[str] = "node"


class NodeCommands(_NodeScript):
    """Runs a list of commands with Node.js available."""

    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.node.Commands"

    commands: Commands_


class NodeScript(_NodeScript):
    """Runs an inline Node.js script."""

    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.node.Script"

    script: Annotated[str, Field(min_length=1)]

"""io.kestra.plugin.dbt.cli.Setup (deprecated in Kestra, for DbtCLI)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any, ClassVar

import yaml

from podium.sdk import Dyn, Example, Expr, RunContext, TaskFailure
from podium.sdk.scripts import ScriptTask, run_commands
from podium_dbt import examples


class Setup(ScriptTask):
    """Deprecated: use io.kestra.plugin.dbt.cli.DbtCLI.

    As Kestra's task: makes the working directory a Python virtual environment
    (`<pythonPath> -m venv --system-site-packages`), installs `requirements` into it with
    its pip (`./bin/pip`, which needs the package index), and writes `profiles` (a YAML
    string, or a map written as YAML) to `.profile/profiles.yml`, so that the tasks after
    it in the same WorkingDirectory find `./bin/dbt`. `inputFiles` are written first.

    Outputs: `exitCode`, `vars` (and `outputFiles` when asked for)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.dbt.cli.Setup"
    DEPRECATED: ClassVar[bool] = True
    DEFAULT_IMAGE: ClassVar[str] = "python"
    EXAMPLES: ClassVar[tuple[Example, ...]] = examples.SETUP

    profiles: dict[str, Any] | str
    python_path: str = "python"
    requirements: list[str] | Expr
    exit_on_failed: Dyn[bool] = True  # deprecated in Kestra for failFast; read, no effect
    docker_options: dict[str, Any] | None = None  # deprecated in Kestra; read, not used

    def run(self, ctx: RunContext) -> Any:
        run = run_commands(self, ctx, lambda extra: self._commands(ctx, extra),
                           env={"PYTHONUNBUFFERED": "true", "PIP_ROOT_USER_ACTION": "ignore"})
        if run.failure is not None:
            raise TaskFailure(run.failure, run.outputs)
        return run.outputs

    def _commands(self, ctx: RunContext, extra: dict[str, Any]) -> list[str]:
        work = Path(extra["workingDir"])
        profile_dir = work / ".profile"
        profile_dir.mkdir(exist_ok=True)
        (profile_dir / "profiles.yml").write_text(self._profiles(ctx, extra), encoding="utf-8")
        requirements = self._requirements(ctx, extra)
        python = str(ctx.render(self.python_path, extra))
        commands = [f"{python} -m venv --system-site-packages {shlex.quote(str(work))} "
                    "> /dev/null"]
        if requirements:
            commands += ["./bin/pip install pip --upgrade > /dev/null",
                         "./bin/pip install " + " ".join(requirements) + " > /dev/null"]
        return commands

    def _profiles(self, ctx: RunContext, extra: dict[str, Any]) -> str:
        if isinstance(self.profiles, str):
            return str(ctx.render(self.profiles, extra))
        return yaml.safe_dump(ctx.render_value(self.profiles, extra), sort_keys=False)

    def _requirements(self, ctx: RunContext, extra: dict[str, Any]) -> list[str]:
        if isinstance(self.requirements, list):
            return [str(ctx.render(item, extra)) for item in self.requirements]
        value = ctx.render_typed(self.requirements, extra)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = [value]
        if not isinstance(value, list):
            raise TaskFailure("`requirements` must render to a list of requirements")
        return [str(item) for item in value]

"""io.kestra.plugin.terraform.cli.TerraformCLI."""

from __future__ import annotations

import re
from typing import Any, Callable, ClassVar

from pydantic import Field
from typing_extensions import Annotated

from podium.sdk import Example, Expr, RunContext, TaskFailure
from podium.sdk.scripts import ScriptTask, render_commands, run_commands
from podium_terraform import examples

NOT_FOUND = ("terraform was not found on the worker: install Terraform "
             "(https://developer.hashicorp.com/terraform/install) in the worker's image, or "
             "put it on the task's PATH (env or beforeCommands)")
# What sh, dash and bash say when a command names a program they cannot find.
_SHELL_NOT_FOUND = re.compile(r"\bterraform: (?:command )?not found\s*$")
# Terraform asks checkpoint.hashicorp.com for newer versions on each run, unless told not to.
NO_CHECKPOINT = {"CHECKPOINT_DISABLE": "1"}


class TerraformCLI(ScriptTask):
    """Run Terraform commands (`terraform init`, `plan`, `apply -auto-approve`...) in the
    task's working directory, with `beforeCommands` first (typically `terraform init`),
    as Kestra's task: `/bin/sh -c`, stopping at the first failing command (`failFast`).

    Podium runs the commands as local processes of the worker, like the core script tasks
    (`taskRunner`, `docker` and `containerImage` are read and not used): the `terraform` on
    the task's PATH (the worker's by default); without one the task fails saying how to
    install it. Terraform's version check (checkpoint) is off unless `env` sets
    CHECKPOINT_DISABLE. State stays in the working directory unless a backend is
    configured or `outputFiles` keeps it.

    Outputs: `exitCode`, `vars`, `outputFiles`."""

    TYPE: ClassVar[str] = "io.kestra.plugin.terraform.cli.TerraformCLI"
    DEFAULT_IMAGE: ClassVar[str] = "hashicorp/terraform"
    EXAMPLES: ClassVar[tuple[Example, ...]] = examples.TERRAFORM_CLI

    commands: Annotated[list[str], Field(min_length=1)] | Expr

    def run(self, ctx: RunContext) -> Any:
        lines = _Lines(ctx.log)
        own = isinstance(self.env, dict) and "CHECKPOINT_DISABLE" in self.env
        run = run_commands(self, ctx, lambda extra: render_commands(ctx, self.commands,
                                                                      extra),
                           on_line=lines, env={} if own else NO_CHECKPOINT)
        if run.failure is not None:
            raise TaskFailure(NOT_FOUND if lines.missing else run.failure, run.outputs)
        return run.outputs


class _Lines:
    """Logs the lines as the script tasks do (stdout INFO, stderr ERROR) and notes the
    shell's complaint that there is no terraform."""

    def __init__(self, log: Callable[[str, str], None]) -> None:
        self.log = log
        self.missing = False

    def __call__(self, text: str, is_stderr: bool) -> None:
        if is_stderr and _SHELL_NOT_FOUND.search(text):
            self.missing = True
            self.log("ERROR", f"{text} ({NOT_FOUND})")
            return
        self.log("ERROR" if is_stderr else "INFO", text)


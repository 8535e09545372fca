"""Script-task machinery for plugins whose task runs commands (e.g. ``dbt.cli.DbtCLI``).

Version 1.0 of this surface: a plugin task that runs a program derives ``ScriptTask`` (the
properties every Kestra script task has: ``beforeCommands``, ``env``, ``interpreter``,
``failFast``, ``namespaceFiles``, ``inputFiles``, ``outputFiles``, ``taskRunner``,
``containerImage``...) and calls ``run_commands`` from its ``run(ctx)``::

    class Tool(ScriptTask):
        TYPE: ClassVar[str] = "com.acme.Tool"
        commands: list[str]

        def run(self, ctx: RunContext) -> dict:
            run = run_commands(self, ctx, lambda extra: [ctx.render(c, extra)
                                                         for c in self.commands])
            if run.failure:
                raise TaskFailure(run.failure, run.outputs)
            return run.outputs

The commands run exactly as the core script tasks' (worker/runnables/scripts.py): a local
process of the worker under its limits and sandbox, in the attempt's working directory,
log lines streamed, ``::{"outputs": ...}::`` lines read, output files uploaded.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from podium.common.errors import TaskFailure
from podium.common.plugins.tasks._files import InputFiles, NamespaceFiles, OutputFiles
from podium.common.plugins.tasks._script_base import _ExecScript as ScriptTask

if TYPE_CHECKING:
    from podium.common.plugins.run_context import RunContext
    from podium.worker.runnables.scripts import CommandsRun


def run_commands(task: ScriptTask, ctx: RunContext,
                 main_commands: Callable[[dict[str, Any]], list[str]], *,
                 on_line: Callable[[str, bool], None] | None = None,
                 env: Mapping[str, str] | None = None,
                 output_dir: bool = False, path_append: Sequence[str] = ()) -> CommandsRun:
    """Run `task`'s commands (see worker.runnables.scripts.run_commands for the contract).

    `main_commands(extra)` is called once the namespace and input files are in place and
    returns the commands to run after `beforeCommands`; `extra` holds the run's template
    variables (workingDir, outputDir). `path_append`: folders added at the end of the
    process's PATH (e.g. where a program installed beside the worker is). Returns a ``CommandsRun``: ``exit_code``,
    ``outputs`` (exitCode, vars, outputFiles) and ``failure`` (the message when the exit
    code is not 0, else None)."""
    # Imported here, not at the top: the executor and scheduler import plugin modules to
    # validate flows and must not load the worker; only a worker calls this.
    from podium.worker.runnables.scripts import run_commands as run

    return run(task, ctx, main_commands, on_line=on_line, env=env,  # type: ignore[arg-type]
               output_dir=output_dir, path_append=path_append)





def warning(outputs: dict[str, Any]) -> Any:
    """What `run()` returns to end WARNING with `outputs` (Kestra's Output.finalState(), as
    DbtCLI's when dbt logged a warning)."""
    from podium.common.models.state import State
    from podium.worker.runnables.base import Outcome

    return Outcome(State.WARNING, outputs=outputs)
def stage_files(ctx: RunContext, namespace_files: NamespaceFiles | None,
                input_files: InputFiles | None, extra: dict[str, Any] | None = None) -> None:
    """Put a task's `namespaceFiles` then `inputFiles` into its working directory, as the
    script tasks do (for a task that runs its commands elsewhere: a container...)."""
    from podium.worker.runnables.files import render_file_map, write_input_files
    from podium.worker.runnables.namespace_files import copy_namespace_files

    copy_namespace_files(ctx, namespace_files)  # type: ignore[arg-type]
    write_input_files(ctx, render_file_map(ctx, input_files, "inputFiles", extra),  # type: ignore[arg-type]
                      "inputFiles")


def upload_output_files(ctx: RunContext, output_files: OutputFiles | None,
                        extra: dict[str, Any] | None = None) -> dict[str, str]:
    """The working directory's files matching `outputFiles` (globs, or an expression giving
    a list), uploaded: {relative path: kestra:// URI}, as the script tasks' outputFiles."""
    from podium.worker.runnables.files import render_patterns
    from podium.worker.runnables.files import upload_output_files as upload

    patterns = render_patterns(ctx, output_files, extra or {})  # type: ignore[arg-type]
    return upload(ctx, patterns)  # type: ignore[arg-type]


def log_consumer(ctx: RunContext,
                 on_line: Callable[[str, bool], None] | None = None) -> Callable[[str, bool], None]:
    """Kestra's log consumer of script output: call it with (line, is_stderr); a
    `::{"outputs": ...}::` line feeds `.vars` (the `vars` output), metrics and logs, the
    other lines are logged (stdout INFO, stderr ERROR) or given to `on_line`."""
    from podium.worker.runnables.scripts import LogConsumer

    return LogConsumer(ctx, other=on_line)  # type: ignore[arg-type]


def render_commands(ctx: RunContext, commands: list[str] | str,
                    extra: Mapping[str, Any] | None = None) -> list[str]:
    """A `commands` property as the program lines to run: a list renders item by item; an
    expression may render to a JSON list, else it is one command (Kestra's
    `Property<List<String>>`). TaskFailure when nothing is left to run."""
    if isinstance(commands, list):
        return [str(ctx.render(command, extra)) for command in commands]
    value = ctx.render_typed(commands, extra)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    if not isinstance(value, list) or not value:
        raise TaskFailure("`commands` must render to a non-empty list of commands")
    return [str(item) for item in value]


__all__ = ["InputFiles", "NamespaceFiles", "OutputFiles", "ScriptTask", "log_consumer",
           "render_commands", "run_commands", "stage_files", "upload_output_files", "warning"]

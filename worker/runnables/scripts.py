"""io.kestra.plugin.scripts.shell.{Commands,Script}, python.{Commands,Script},
node.{Commands,Script}, and the other languages of Kestra's scripts plugin (R, Julia, Ruby,
Perl, PHP, Go, PowerShell, Deno, Bun, Lua, Groovy, JBang, .NET: script_languages.py).

Run as local processes (Kestra's Process task runner); a Docker task runner, the deprecated
`runner: DOCKER` / `docker:` or a `containerImage` is ignored with a WARN line.

Kestra behaviour reproduced (AbstractExecScript, ScriptService, Process, PluginUtilsService):
- the process is `interpreter + [script]` (default `/bin/sh -c`), the script being
  beforeCommands then commands joined with newlines, preceded by `set -e` when `failFast`
  (the default; PowerShell's tasks: `$ErrorActionPreference = 'Stop'`);
- commands, beforeCommands, the script and env are templates, rendered with the extra
  variable `workingDir`; env also gets WORKING_DIR;
- a stdout or stderr line `::{"outputs": {...}, "logs": [...], "metrics": [...]}::` is not
  logged: outputs merge (shallowly) into the `vars` output, logs are logged at their level,
  metrics (counter, timer, gauge) are recorded. Other lines are logged, stdout at INFO and stderr at ERROR;
- outputs are `{"exitCode": N, "vars": {...}}`; a non-zero exit fails with
  "Command failed with exit code N" (outputs kept), exit code 0 succeeds: stderr output
  does not change the state (Kestra 0.23 dropped the WARNING it used to give; the
  `warningOnStdErr` property is deprecated and ignored).

Podium choices:
- the environment is NOT the worker's (worker/runnables/script_env.py): a few variables,
  PATH without the worker's own Python environment, then the task's `env`;
- Python tasks run in a virtual environment of their own, layered on a cached one holding
  their `dependencies` (worker/script_envs): `python`, `pip` and `from kestra import
  Kestra` work, `pip install` in beforeCommands changes only the attempt's layer;
  `pythonVersion` picks an installed interpreter (none is downloaded);
- Node tasks need `node` on the worker's PATH; npm's cache is shared, `npm install -g`
  stays in the attempt, `require("@kestra-io/libs")` works;
- the other languages need their program on the worker's PATH (`ruby`, `Rscript`, `go`,
  `pwsh`, ...), else the task fails naming it (worker/script_envs/runtimes.py);
- shell.Script writes the script to an executable file of the working directory and runs
  it (a shebang line is honoured, else the interpreter's shell runs it); python.Script runs
  `python <file>`, node.Script `node <file>`, the other languages' Script their program
  on a file with their extension (`ruby <file>.rb`, `go run <file>.go`);
- templated values are pasted into the shell text as they are, as in Kestra: pass inputs
  through `env` and read them as "$NAME", which the shell never re-parses as code.

`executionContext: true` writes the execution's variables to a JSON file of the working
directory for the script, removed after it (worker/runnables/execution_context.py).

Files (worker/runnables/files.py), as Kestra's FilesService and ScriptService:
- `namespaceFiles` (worker/runnables/namespace_files.py) are copied first, then
  `inputFiles` (name -> text, or a kestra:// URI downloaded) are written, before the run;
- a kestra:// URI inside commands or a script becomes the path of a local copy, so
  `cat {{ inputs.file }}` works;
- `outputFiles` globs, and every file under `{{ outputDir }}` / $OUTPUT_DIR (with the
  deprecated `outputDirectory: true` or the legacy `runner`), are uploaded after the run,
  failed or not, as the `outputFiles` output: {path in the directory: kestra:// URI}.
  Without either property there is no `outputFiles` output.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podium.common.models.state import State
from podium.common.plugins.runners import Process
from podium.common.plugins.tasks.script_languages import (
    LANGUAGE_TASKS,
    _LanguageCommands,
    _LanguageScript,
    _LanguageTask,
)
from podium.common.plugins.tasks.scripts import (
    NodeCommands,
    NodeScript,
    PythonCommands,
    PythonScript,
    ShellCommands,
    ShellScript,
    _ExecScript,
    _PythonScript,
)
from podium.worker.run_context import Killed, RunContext, TimedOut, normalize_level
from podium.worker.runnables.base import Outcome, TaskFailure, runs
from podium.worker.runnables.execution_context import (
    CONTEXT_FILE_ENV,
    remove_execution_context,
    write_execution_context,
)
from podium.worker.runnables.files import (
    localize_uris,
    render_file_map,
    render_patterns,
    upload_directory,
    upload_output_files,
    write_input_files,
)
from podium.worker.runnables.namespace_files import copy_namespace_files
from podium.worker.runnables.process import run_process
from podium.worker.runnables.script_env import script_environment
from podium.worker.runnables.script_languages import language_script_command, write_script
from podium.worker.runnables.script_sandbox import sandboxed_argv, task_limits
from podium.worker.script_envs import PythonRequest

_MARKER = re.compile(r"::(\{.*\})::")
# Kestra's metric entries: a counter adds up, a timer is seconds, a gauge (Kestra 1.x) is
# the last value set.
METRIC_TYPES = ("counter", "timer", "gauge")


# ---------------------------------------------------------------- the log consumer
class LogConsumer:
    """Kestra's DefaultLogConsumer: parses `::{...}::` lines, logs the others, counts."""

    def __init__(self, ctx: RunContext,
                 other: Callable[[str, bool], None] | None = None) -> None:
        self.ctx = ctx
        # What becomes of a line that is no `::{...}::` marker (default: logged).
        self.other = other
        self.vars: dict[str, Any] = {}
        self.stdout_count = 0
        self.stderr_count = 0
        self._lock = threading.Lock()

    def __call__(self, line: str, is_stderr: bool) -> None:
        with self._lock:
            if is_stderr:
                self.stderr_count += 1
            else:
                self.stdout_count += 1
        match = _MARKER.fullmatch(line)
        if match is None:
            if self.other is not None:
                self.other(line, is_stderr)
            else:
                self.ctx.log("ERROR" if is_stderr else "INFO", line)
            return
        try:
            command = json.loads(match.group(1))
            if not isinstance(command, dict):
                raise ValueError("expected a JSON object")
        except ValueError as exc:
            self.ctx.log("WARN", f"Invalid outputs '{exc}'")
            return
        self._outputs(command.get("outputs"))
        self._metrics(command.get("metrics"))
        self._logs(command.get("logs"))

    def _outputs(self, outputs: Any) -> None:
        if outputs is None:
            return
        if not isinstance(outputs, dict):
            self.ctx.log("WARN", "Invalid outputs 'outputs must be a JSON object'")
            return
        with self._lock:
            self.vars.update(outputs)

    def _metrics(self, metrics: Any) -> None:
        for entry in metrics if isinstance(metrics, list) else ([] if metrics is None else [metrics]):
            if (isinstance(entry, dict) and isinstance(entry.get("name"), str)
                    and entry.get("type") in METRIC_TYPES
                    and isinstance(entry.get("value"), (int, float))
                    and not isinstance(entry.get("value"), bool)):
                self.ctx.metric({"name": entry["name"], "type": entry["type"],
                                 "value": entry["value"], "tags": entry.get("tags") or {}})
            else:
                self.ctx.log("WARN", f"Invalid metric '{json.dumps(entry)}'")

    def _logs(self, logs: Any) -> None:
        for entry in logs if isinstance(logs, list) else ([] if logs is None else [logs]):
            try:
                level = normalize_level(entry["level"])
                message = entry["message"]
            except (TypeError, KeyError, ValueError):
                self.ctx.log("WARN", f"Invalid log '{json.dumps(entry)}'")
                continue
            self.ctx.log(level, message)


# ---------------------------------------------------------------- rendering the task
def _as_list(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        value = parsed if isinstance(parsed, list) else [value]
    if not isinstance(value, list):
        raise TaskFailure(f"`{what}` must be a list of strings")
    return ["" if item is None else str(item) for item in value]


def _render_list(ctx: RunContext, value: Any, what: str, extra: dict[str, Any]) -> list[str]:
    """A list of templates (each rendered), or one expression rendering to a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return _as_list(ctx.render_typed(value, extra), what)
    return [str(ctx.render(item, extra)) for item in value]


def _render_env(ctx: RunContext, env: Any, extra: dict[str, Any]) -> dict[str, str]:
    if env is None:
        return {}
    if isinstance(env, str):
        env = ctx.render_typed(env, extra)
        if isinstance(env, str):
            try:
                env = json.loads(env)
            except ValueError:
                raise TaskFailure("`env` must render to a map of names to values") from None
        if not isinstance(env, dict):
            raise TaskFailure("`env` must render to a map of names to values")
        items = {str(k): "" if v is None else str(v) for k, v in env.items()}
    else:
        items = {str(ctx.render(str(k), extra)): str(ctx.render(v, extra))
                 for k, v in env.items()}
    for name in items:
        if not name or "=" in name or "\0" in name:
            raise TaskFailure(f"Invalid environment variable name '{name}'")
    return items


def _warn_ignored(task: _ExecScript, ctx: RunContext) -> None:
    runner = task.task_runner
    image = task.container_image
    if runner is not None and not isinstance(runner, Process):
        image = getattr(runner, "image", None) or image
        ctx.log("WARN", f"Task runner '{runner.type}' is not available: the commands run as "
                        f"local processes of the worker (Process task runner)"
                        + (f"; image '{image}' is not used" if image else ""))
    elif task.runner == "DOCKER" or task.docker is not None:
        ctx.log("WARN", "The Docker runner is not available: the commands run as local "
                        "processes of the worker (Process task runner)")
    elif image is not None and runner is None:
        ctx.log("WARN", f"containerImage '{image}' is not used: the commands run as local "
                        "processes of the worker (Process task runner)")


def _python_request(task: _ExecScript, ctx: RunContext, extra: dict[str, Any]
                    ) -> PythonRequest | None:
    """What a Python task asks of its environment, rendered (None for other tasks)."""
    if not isinstance(task, _PythonScript):
        return None
    return PythonRequest.of(_render_list(ctx, task.dependencies, "dependencies", extra),
                            ctx.render(task.python_version, extra),
                            ctx.render(task.package_manager, extra),
                            ctx.render_bool(task.dependency_cache_enabled, extra))


def _main_commands(task: _ExecScript, ctx: RunContext, extra: dict[str, Any]) -> list[str]:
    if isinstance(task, (ShellCommands, PythonCommands, NodeCommands, _LanguageCommands)):
        return _render_list(ctx, task.commands, "commands", extra)
    script = localize_uris(ctx, str(ctx.render(task.script, extra)))  # type: ignore[attr-defined]
    if isinstance(task, _LanguageScript):
        return [language_script_command(task, ctx, script, extra)]
    if isinstance(task, PythonScript):
        return ["python " + shlex.quote(str(write_script(ctx, script, ".py")))]
    if isinstance(task, NodeScript):
        return ["node " + shlex.quote(str(write_script(ctx, script, ".js")))]
    return [shlex.quote(str(write_script(ctx, script, ".sh")))]


# ---------------------------------------------------------------- the runnable
def _output_dir(task: _ExecScript, ctx: RunContext, force: bool = False) -> Path | None:
    """`{{ outputDir }}`: on with the deprecated `outputDirectory: true`, or with the legacy
    `runner` property (Kestra's compatibility rule), or when the caller forces it (Kestra's
    dbt task does); its files become output files."""
    if not (force or task.output_directory
            or (task.output_directory is None and task.runner)):
        return None
    return Path(tempfile.mkdtemp(prefix="output-", dir=ctx.working_dir))


def _output_files(task: _ExecScript, ctx: RunContext, out_dir: Path | None,
                  extra: dict[str, Any]) -> dict[str, Any]:
    """`{"outputFiles": {name: uri}}` when the task asks for output files, else {}."""
    if task.output_files is None and out_dir is None:
        return {}
    found = upload_directory(ctx, out_dir) if out_dir is not None else {}
    found.update(upload_output_files(ctx, render_patterns(ctx, task.output_files, extra)))
    return {"outputFiles": found}


# Gives the task's main commands, once its files are in place: `extra` holds the template
# variables of the run (workingDir, outputDir).
MainCommands = Callable[[dict[str, Any]], list[str]]


def _prepare(task: _ExecScript, ctx: RunContext, extra: dict[str, Any],
             main_commands: MainCommands, overrides: Mapping[str, str],
             path_append: Sequence[str] = ()) -> tuple[list[str], dict[str, str]]:
    """Render the task into (argv, environment); namespace and input files are placed
    first, then `main_commands(extra)` gives the commands (it may write files too)."""
    interpreter = _render_list(ctx, task.interpreter, "interpreter", extra)
    if not interpreter:
        raise TaskFailure("`interpreter` must not be empty")
    before = _render_list(ctx, task.before_commands, "beforeCommands", extra)
    if isinstance(task, _LanguageTask):
        before = [*task.SETUP_COMMANDS, *before]
    task_env = _render_env(ctx, task.env, extra)
    if "outputDir" in extra:
        task_env.setdefault("OUTPUT_DIR", extra["outputDir"])
    env = script_environment(task, ctx, task_env, _python_request(task, ctx, extra))
    env.update(overrides)
    if path_append:  # last, so the task's own programs come first
        env["PATH"] = os.pathsep.join([env["PATH"], *path_append])
    copy_namespace_files(ctx, task.namespace_files)
    write_input_files(ctx, render_file_map(ctx, task.input_files, "inputFiles", extra),
                      "inputFiles")
    commands = main_commands(extra)
    fail_fast = ctx.render_bool(task.fail_fast, extra)
    lines = [localize_uris(ctx, line) for line in before + commands]
    return interpreter + ["\n".join(([task.EXIT_ON_ERROR] if fail_fast else []) + lines)], env


@dataclass
class CommandsRun:
    """What a script run ended with: its `outputs` (exitCode, vars, outputFiles when asked
    for) and, when the exit code is not 0, the failure message to raise."""

    exit_code: int
    outputs: dict[str, Any]
    failure: str | None


def run_commands(task: _ExecScript, ctx: RunContext, main_commands: MainCommands, *,
                 on_line: Callable[[str, bool], None] | None = None,
                 env: Mapping[str, str] | None = None,
                 output_dir: bool = False, path_append: Sequence[str] = ()) -> CommandsRun:
    """Run a script task's commands as a local process, as the core script tasks do (see
    the module's docstring): namespace and input files, interpreter, beforeCommands,
    failFast, env, limits and sandbox, `::{...}::` lines, output files.

    `on_line(line, is_stderr)` gets the lines that are not `::{...}::` markers (default:
    logged, stdout at INFO and stderr at ERROR); `env` overrides the process environment
    after the task's own; `path_append` folders are added at the end of PATH (the sandbox
    then shows their install prefix); `output_dir` forces `{{ outputDir }}` on. A non-zero
    exit is returned, not raised; a kill or the timeout raises."""
    _warn_ignored(task, ctx)
    extra = {"workingDir": str(ctx.working_dir)}
    out_dir = _output_dir(task, ctx, force=output_dir)
    if out_dir is not None:
        extra["outputDir"] = str(out_dir)
    argv, process_env = _prepare(task, ctx, extra, main_commands, env or {}, path_append)
    context_file = None
    if ctx.render_bool(task.execution_context, extra):
        context_file = write_execution_context(ctx)
        process_env[CONTEXT_FILE_ENV] = str(context_file)
    ctx.check_killed()

    consumer = LogConsumer(ctx, other=on_line)
    limits = task_limits(task.limits, ctx)
    try:
        result = run_process(sandboxed_argv(argv, ctx, process_env, limits),
                             cwd=ctx.working_dir, env=process_env, ctx=ctx, on_line=consumer)
    except OSError as exc:
        raise TaskFailure(f"Unable to start the process '{argv[0]}': "
                          f"{exc.strerror or exc}") from None
    finally:  # before output files are collected, and before a next task of the folder
        remove_execution_context(context_file)
    if result.stopped == "killed":
        raise Killed()
    if result.stopped == "timeout":
        raise TimedOut(ctx.timeout_message())
    # A process ended by signal N reports 128 + N, as a shell and Java's Process do.
    exit_code = result.exit_code if result.exit_code >= 0 else 128 - result.exit_code
    # Output files are kept on failure too (Kestra uploads them before reporting it).
    outputs = {"exitCode": exit_code, "vars": dict(consumer.vars),
               **_output_files(task, ctx, out_dir, extra)}
    failure = None
    if exit_code != 0:
        cause = limits.explain(exit_code)
        failure = f"Command failed with exit code {exit_code}" + (f" ({cause})" if cause else "")
    return CommandsRun(exit_code, outputs, failure)


@runs(ShellCommands, ShellScript, PythonCommands, PythonScript, NodeCommands, NodeScript,
      *LANGUAGE_TASKS)
def run_script(task: _ExecScript, ctx: RunContext) -> Outcome:
    run = run_commands(task, ctx, lambda extra: _main_commands(task, ctx, extra))
    if run.failure is not None:
        raise TaskFailure(run.failure, run.outputs)
    return Outcome(State.SUCCESS, outputs=run.outputs)

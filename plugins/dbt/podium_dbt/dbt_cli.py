"""io.kestra.plugin.dbt.cli.DbtCLI."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

from podium.sdk import Dyn, Example, Expr, RunContext, StrictModel, TaskFailure
from podium.sdk.kv import kv_get, kv_put
from podium.sdk.scripts import ScriptTask, render_commands, run_commands, warning
from podium_dbt import examples, locate, results
from podium_dbt.logs import DbtLogs

# Kestra's additions to the process environment; Podium also turns off dbt's anonymous
# usage events (a network call per run) unless the task's env says otherwise.
ENV = {"PYTHONUNBUFFERED": "true", "PIP_ROOT_USER_ACTION": "ignore"}
NO_TRACKING = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


class LogFormat(str, Enum):
    JSON = "JSON"
    TEXT = "TEXT"
    DEBUG = "DEBUG"
    NONE = "NONE"


class Engine(str, Enum):
    CORE = "CORE"
    FUSION = "FUSION"


class KvStoreManifest(StrictModel):
    key: str
    namespace: str


class DbtCLI(ScriptTask):
    """Run dbt commands (`dbt build`, `dbt deps`...) in the task's working directory.

    As Kestra's task: `profiles` is written as profiles.yml in the working directory
    (replacing one from namespaceFiles or inputFiles); each command starting with `dbt`
    gets `--project-dir <projectDir>` (when set), `--log-format <logFormat>` (unless
    NONE) and `--log-path logs`, unless it has them. dbt's JSON log lines become the
    task's log lines at their level (a warning ends the task WARNING). Afterwards, failed
    or not, `target/manifest.json` and (with `parseRunResults`) `target/run_results.json`
    are output files, each node's result is logged and its rows counted; `loadManifest` /
    `storeManifest` read and write the manifest in the namespace KV store.

    Podium runs the commands as local processes of the worker, like the core script tasks
    (`taskRunner` and `containerImage` are read and not used): the `dbt` on the task's PATH,
    else the one installed with the worker (`pip install 'podium-plugin-dbt[duckdb]'`).

    Outputs: `exitCode`, `vars`, `outputFiles` (with manifest.json and run_results.json)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.dbt.cli.DbtCLI"
    DEFAULT_IMAGE: ClassVar[str] = "ghcr.io/kestra-io/dbt"
    EXAMPLES: ClassVar[tuple[Example, ...]] = examples.DBT_CLI

    commands: list[str] | Expr
    profiles: str | None = None
    project_dir: str | None = None
    parse_run_results: Dyn[bool] = True
    store_manifest: KvStoreManifest | None = None
    load_manifest: KvStoreManifest | None = None
    log_format: LogFormat = LogFormat.JSON
    engine: Engine = Engine.CORE  # picks Kestra's image; no effect on a local process

    def run(self, ctx: RunContext) -> Any:
        logs = DbtLogs(ctx)
        work = Path(ctx.working_dir)  # type: ignore[arg-type]
        project_dir = ctx.render(self.project_dir) if self.project_dir else None
        project = (work / project_dir) if project_dir else work
        ctx.log("INFO", f"dbt project working directory: {project}")
        env = {**ENV, **({} if isinstance(self.env, dict) and any(
            k in self.env for k in NO_TRACKING) else NO_TRACKING)}
        run = run_commands(self, ctx, lambda extra: self._commands(ctx, extra, project,
                                                                   project_dir),
                           on_line=logs, env=env, output_dir=True,
                           path_append=locate.fallback_folders())
        outputs = run.outputs
        output_files = outputs.setdefault("outputFiles", {})
        results.collect(ctx, project / "target", ctx.render_bool(self.parse_run_results),
                        output_files)
        self._store_manifest(ctx, project / "target" / "manifest.json")
        if run.failure is not None:
            raise TaskFailure(run.failure, outputs)
        return warning(outputs) if logs.warning else outputs

    def _commands(self, ctx: RunContext, extra: dict[str, Any], project: Path,
                  project_dir: str | None) -> list[str]:
        """Called once namespace and input files are in place: profiles.yml and the loaded
        manifest are written over them, then the commands are rendered and completed."""
        if self.load_manifest is not None:
            self._load_manifest(ctx, project / "target" / "manifest.json")
        profiles = ctx.render(self.profiles, extra) if self.profiles else None
        if profiles:
            target = Path(extra["workingDir"]) / "profiles.yml"
            if target.exists():
                ctx.log("INFO", "A 'profiles.yml' file already exists in the task working "
                                "directory; it will be overridden.")
            target.write_text(profiles, encoding="utf-8")
        commands = [self._complete(command, project_dir)
                    for command in render_commands(ctx, self.commands, extra)]
        # The check only where dbt runs: commands may also be plain shell (ls, cat...).
        uses_dbt = any(command.startswith("dbt") for command in commands)
        return [locate.CHECK, *commands] if uses_dbt else commands

    def _complete(self, command: str, project_dir: str | None) -> str:
        if not command.startswith("dbt"):
            return command
        if project_dir and "--project-dir" not in command:
            command += f" --project-dir {project_dir}"
        if self.log_format is not LogFormat.NONE and "--log-format" not in command:
            command += f" --log-format {self.log_format.value.lower()}"
        if "--log-path" not in command:
            command += " --log-path logs"
        return command

    def _load_manifest(self, ctx: RunContext, target: Path) -> None:
        assert self.load_manifest is not None
        value = kv_get(ctx, ctx.render(self.load_manifest.namespace),
                       ctx.render(self.load_manifest.key))
        if value is None or (isinstance(value, str) and not value.strip()):
            ctx.log("WARN", "Property `loadManifest` has been used but no manifest has been "
                            "found in the KV Store.")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(value if isinstance(value, str) else json.dumps(value),
                          encoding="utf-8")

    def _store_manifest(self, ctx: RunContext, manifest: Path) -> None:
        if self.store_manifest is None or not manifest.is_file():
            return
        try:
            value = json.loads(manifest.read_text(encoding="utf-8"))
        except ValueError:
            return
        kv_put(ctx, ctx.render(self.store_manifest.namespace),
               ctx.render(self.store_manifest.key), value)


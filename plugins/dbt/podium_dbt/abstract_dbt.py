"""What Kestra's deprecated one-command dbt tasks share (AbstractDbt, AbstractRun):
`dbtPath`, `profiles`, `projectDir`, dbt flags, selection. The tasks are in legacy.py.

As Kestra: the command is `<dbtPath> --log-format json [--debug] [--fail-fast]
[--warn-error] <command> [--threads N] [--full-refresh] [--target T] [--selector S]
[--select ...] [--exclude ...] --project-dir <workingDir>/<projectDir>`; `profiles` is
written to `.profile/profiles.yml`. Podium differences, each because the command runs as a
local process and not in Kestra's dbt image: dbt is pointed at `.profile/` (DBT_PROFILES_DIR)
when that file exists and the task's env does not set it; a `dbtPath` that does not exist
on the worker (`./bin/dbt` without a Setup before it, `/usr/local/bin/dbt` of an image) is
replaced by `dbt` found as DbtCLI finds it, with a warning; `--selector` takes `selector`
(Kestra passes `target` there, a slip).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any, ClassVar

from podium.sdk import Dyn, Expr, RunContext, TaskFailure
from podium.sdk.scripts import ScriptTask, run_commands, warning
from podium_dbt import locate, results
from podium_dbt.logs import DbtLogs


class AbstractDbt(ScriptTask):
    """Base of the deprecated dbt tasks; not a type a flow names."""

    COMMAND: ClassVar[str] = ""
    DEPRECATED: ClassVar[bool] = True
    DEFAULT_IMAGE: ClassVar[str] = "ghcr.io/kestra-io/dbt"
    PARSES_RESULTS: ClassVar[bool] = True  # deps, freshness and list write none

    fail_fast: Dyn[bool] = False  # dbt's --fail-fast here (Kestra's AbstractDbt)
    warn_error: Dyn[bool] = False
    debug: Dyn[bool] = False
    project_dir: str | None = None
    dbt_path: str = "./bin/dbt"
    profiles: str | None = None
    parse_run_results: Dyn[bool] = True
    docker_options: dict[str, Any] | None = None  # deprecated in Kestra; read, not used
    # AbstractRun
    thread: Dyn[int] | None = None
    full_refresh: Dyn[bool] = False
    target: str | None = None
    selector: str | None = None
    select: list[str] | Expr | None = None
    exclude: list[str] | Expr | None = None

    def run(self, ctx: RunContext) -> Any:
        logs = DbtLogs(ctx)
        work = Path(ctx.working_dir)  # type: ignore[arg-type]
        project = work / ctx.render(self.project_dir) if self.project_dir else work
        run = run_commands(self, ctx, lambda extra: self._commands(ctx, extra, project),
                           on_line=logs, env={"PYTHONUNBUFFERED": "true",
                                              "PIP_ROOT_USER_ACTION": "ignore"},
                           output_dir=True, path_append=locate.fallback_folders())
        outputs = run.outputs
        if self.PARSES_RESULTS:
            results.collect(ctx, project / "target", ctx.render_bool(self.parse_run_results),
                            outputs.setdefault("outputFiles", {}))
        if run.failure is not None:
            raise TaskFailure(run.failure, outputs)
        return warning(outputs) if logs.warning else outputs

    def _commands(self, ctx: RunContext, extra: dict[str, Any], project: Path) -> list[str]:
        work = Path(extra["workingDir"])
        profiles = ctx.render(self.profiles, extra) if self.profiles else None
        if profiles:
            (work / ".profile").mkdir(exist_ok=True)
            (work / ".profile" / "profiles.yml").write_text(profiles, encoding="utf-8")
        lines = []
        if (work / ".profile" / "profiles.yml").is_file() and not (
                isinstance(self.env, dict) and "DBT_PROFILES_DIR" in self.env):
            lines.append(f"export DBT_PROFILES_DIR={shlex.quote(str(work / '.profile'))}")
        dbt = self._dbt(ctx, extra, work)
        if dbt == "dbt":
            lines.append(locate.CHECK)
        return [*lines, " ".join([dbt, "--log-format json", *self._flags(ctx, extra),
                                  self.COMMAND, *self._selection(ctx, extra),
                                  "--project-dir", shlex.quote(str(project))])]

    def _dbt(self, ctx: RunContext, extra: dict[str, Any], work: Path) -> str:
        path = str(ctx.render(self.dbt_path, extra))
        if (work / path).is_file() or (Path(path).is_absolute() and Path(path).is_file()):
            return shlex.quote(path)
        if "/" not in path:
            return shlex.quote(path)  # a name the shell looks up on PATH
        ctx.log("WARN", f"dbtPath '{path}' does not exist on the worker: running the dbt "
                        "found on the task's PATH or beside the worker")
        return "dbt"

    def _flags(self, ctx: RunContext, extra: dict[str, Any]) -> list[str]:
        flags = [("--debug", self.debug), ("--fail-fast", self.fail_fast),
                 ("--warn-error", self.warn_error)]
        return [flag for flag, value in flags if ctx.render_bool(value, extra)]

    def _selection(self, ctx: RunContext, extra: dict[str, Any]) -> list[str]:
        found = []
        if self.thread is not None:
            found.append(f"--threads {int(ctx.render_typed(self.thread, extra))}")
        if ctx.render_bool(self.full_refresh, extra):
            found.append("--full-refresh")
        for flag, value in (("--target", self.target), ("--selector", self.selector)):
            if value:
                found.append(f"{flag} {shlex.quote(str(ctx.render(value, extra)))}")
        for flag, values in (("--select", self.select), ("--exclude", self.exclude)):
            items = _render_list(ctx, values, extra)
            if items:
                found.append(flag + " " + " ".join(shlex.quote(item) for item in items))
        return found


def _render_list(ctx: RunContext, value: list[str] | str | None, extra: dict[str, Any]
                 ) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(ctx.render(item, extra)) for item in value]
    rendered = ctx.render_typed(value, extra)
    return [str(item) for item in rendered] if isinstance(rendered, list) else [str(rendered)]

"""`podium flow test PATH...`: run the flow test files under PATHs (podium/flowtest/)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from podium import wiring
from podium.common.settings import Settings
from podium.flowtest.project import discover
from podium.flowtest.report import case_line, succeeded, summary, write_junit
from podium.flowtest.runner import DEFAULT_TIMEOUT, RunOptions, case_runs, run_cases
from podium.flowtest.watch import watch


@click.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--junit", "junit_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the results as JUnit XML to this file.")
@click.option("--parallel", "-j", type=click.IntRange(min=1), default=2, show_default=True,
              help="How many test cases run at once (each in its own embedded runtime).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT,
              show_default=True, help="Seconds one case's execution may take.")
@click.option("--watch", "watching", is_flag=True,
              help="Run again whenever a YAML file under PATHs changes (Ctrl-C stops).")
def flow_test(paths: tuple[Path, ...], junit_file: Path | None, parallel: int, timeout: float,
              watching: bool) -> None:
    """Run the test files (YAML with `testCases`) under PATHs against the flows found there.

    Each case runs embedded (no server), fixtured tasks replaced by their fixtures. Exit
    code 0 when every case passes, 1 otherwise.
    """
    settings = Settings()
    wiring.worker_http(settings)  # PODIUM_HTTP__*: the hosts http tasks may reach
    options = RunOptions(parallel=parallel, timeout=timeout,
                         script_env_dir=settings.worker.script_env_dir)
    if not watching:
        passed, _ = run_once(paths, options, junit_file)
        sys.exit(0 if passed else 1)

    def run() -> list[Path]:
        return run_once(paths, options, junit_file)[1]

    def on_change(changes: list[Path]) -> None:
        click.echo(f"\nchanged: {', '.join(str(p) for p in changes[:5])}"
                   f"{' ...' if len(changes) > 5 else ''}; running again\n")

    try:
        watch(paths, run, on_change)
    except KeyboardInterrupt:
        sys.exit(0)


def run_once(paths: tuple[Path, ...], options: RunOptions,
             junit_file: Path | None) -> tuple[bool, list[Path]]:
    """Discover, run and report once: (every case passed, the files read)."""
    began = time.perf_counter()
    project = discover(paths)
    for problem in project.problems:
        click.echo(f"ERROR  {problem}", err=True)
    results = run_cases(list(case_runs(project.suites, project.flows)), options,
                        on_result=lambda result: click.echo(case_line(result)))
    click.echo(summary(results, project.problems, time.perf_counter() - began))
    if junit_file is not None:
        write_junit(junit_file, results, project.problems)
    return succeeded(results, project.problems), project.files

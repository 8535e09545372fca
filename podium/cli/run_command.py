"""`podium run FLOW.yaml`: run one flow file to completion on the embedded default, with
the other flows of its project (`--flows DIR`: the subflows it calls) and namespace files
(`--namespace-files [NAMESPACE=]DIR`) loaded first (podium/cli/run_project.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from podium import wiring
from podium.cli.namespace_commands import local_files
from podium.cli.output import follow_live, print_execution
from podium.cli.run_project import (
    ProjectError,
    ProjectFlow,
    load_flows,
    missing_subflows,
    namespace_file_sources,
)
from podium.common.errors import FlowValidationError, PodiumError
from podium.common.flow.loader import load_flow_file
from podium.common.flow.model import Flow
from podium.common.inputs import InputType
from podium.common.models.state import State
from podium.common.settings import Settings
from podium.common.storage import namespace_files as nsfiles
from podium.common.store.executions import list_children
from podium.local_server import find
from podium.runtime import Runtime

_CHILDREN_SHOWN = 3
_CHILD_DEPTH = 3


def parse_inputs(pairs: tuple[str, ...]) -> dict[str, str]:
    inputs = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"'{pair}' is not KEY=VALUE", param_hint="--input")
        key, value = pair.split("=", 1)
        inputs[key.strip()] = value
    return inputs


def with_files(flow: Flow, inputs: dict[str, Any]) -> dict[str, Any]:
    """`name=@path` for a FILE input of `flow` means the local file `path` (uploaded when
    the execution is created); other inputs keep their text, `@` included."""
    files = {decl.id for decl in flow.inputs or [] if InputType(decl.type) is InputType.FILE}
    result = dict(inputs)
    for key, value in inputs.items():
        if key in files and isinstance(value, str) and value.startswith("@"):
            path = Path(value[1:]).expanduser()
            if not path.is_file():
                raise click.BadParameter(f"{key}: no file at {path}", param_hint="--input")
            result[key] = path
    return result


@click.command()
@click.argument("flow_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input", "-i", "inputs", multiple=True, metavar="KEY=VALUE",
              help="An execution input; repeat for several. KEY=@PATH uploads a local file "
                   "to a FILE input.")
@click.option("--flows", "flow_dirs", multiple=True, metavar="DIR",
              type=click.Path(exists=True, path_type=Path),
              help="Deploy every flow (.yaml/.yml, recursively, hidden folders skipped) "
                   "under DIR first, e.g. the subflows FLOW_FILE calls; repeat for several.")
@click.option("--namespace-files", "ns_dirs", multiple=True, metavar="[NAMESPACE=]DIR",
              help="Upload the files under DIR as namespace files of FLOW_FILE's namespace "
                   "(or of NAMESPACE) first; repeat for several.")
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the SQLite database and logs here (default: PODIUM_DATA_DIR when "
                   "set, else a temporary folder).")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds.")
def run(flow_file: Path, inputs: tuple[str, ...], flow_dirs: tuple[Path, ...],
        ns_dirs: tuple[str, ...], output_format: str, data_dir: Path | None,
        timeout: float | None) -> None:
    """Run FLOW_FILE with no server (SQLite, in-process executor and workers).

    Exit code 0 when the execution ends SUCCESS or WARNING, 1 otherwise.
    """
    try:
        main = ProjectFlow(flow_file, load_flow_file(flow_file))
        others = load_flows(flow_dirs, main)
        sources = namespace_file_sources(ns_dirs, main.loaded.flow.namespace)
    except (FlowValidationError, ProjectError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    loaded = main.loaded
    settings = Settings()
    if data_dir is None and "data_dir" in settings.model_fields_set:
        data_dir = settings.data_dir  # PODIUM_DATA_DIR, as every other command reads it
    served = find(data_dir) if data_dir is not None else None
    if served is not None:  # two runtimes on one folder would each miss the other's work
        click.echo(f"error: podium server local (pid {served.pid}) serves {data_dir}: deploy "
                   "and run the flow there (`podium flow deploy`, `podium execution run "
                   "--wait`), or give `podium run` another --data-dir", err=True)
        sys.exit(1)
    wiring.worker_http(settings)  # PODIUM_HTTP__*: the hosts http tasks may reach
    # Script environments are kept across runs (worker.script_env_dir, ~/.podium by
    # default) even when the run's own folder is a temporary one.
    with Runtime.embedded(data_dir, script_env_dir=settings.worker.script_env_dir) as runtime:
        try:
            _prepare(runtime, main, others, sources)
            execution = runtime.submit(loaded.flow.namespace, loaded.flow.id,
                                       with_files(loaded.flow, parse_inputs(inputs)))
            execution = _wait(runtime, execution.id, timeout,
                              live=output_format == "text" and sys.stdout.isatty())
        except (PodiumError, OSError, TimeoutError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        task_runs = runtime.task_runs(execution.id)
        if output_format == "json":
            click.echo(json.dumps(execution.to_api(task_runs), indent=2, default=str))
        else:
            print_execution(execution, task_runs, runtime.logs(execution.id))
            _print_unsuccessful_children(runtime, execution.id)
    sys.exit(0 if execution.state in (State.SUCCESS, State.WARNING) else 1)


def _wait(runtime: Runtime, execution_id: str, timeout: float | None, live: bool):
    """The execution once it ended (or paused); on a terminal, its tree redrawn meanwhile."""
    if not live:
        return runtime.wait(execution_id, timeout=timeout)
    return follow_live(lambda: (runtime.get(execution_id), runtime.task_runs(execution_id)),
                       timeout)


def _prepare(runtime: Runtime, main: ProjectFlow, others: list[ProjectFlow],
             sources: list[tuple[str, Path]]) -> None:
    """Deploy the project's flows (the run flow last: its latest revision), refuse a run
    whose subflows are missing, then upload the namespace files."""
    for item in [*others, main]:
        runtime.deploy(item.loaded)
    flows = {item.key: item.loaded.flow for item in [*others, main]}
    missing = missing_subflows(main.loaded.flow, flows,
                               lambda namespace, flow_id: _deployed(runtime, namespace, flow_id))
    if missing:
        raise PodiumError("\n".join(missing))
    for namespace, folder in sources:
        for relative, path in local_files(folder):
            with open(path, "rb") as stream:
                nsfiles.put_file(runtime.storage, namespace, relative, stream)


def _print_unsuccessful_children(runtime: Runtime, execution_id: str, depth: int = 0) -> None:
    """The subflow executions that did not succeed, with their logs: where a failure of
    the run flow comes from. A few per parent, so a wide ForEachItem stays readable."""
    with runtime.db.read() as conn:
        children = [child for child in list_children(conn, execution_id)
                    if child.state not in (State.SUCCESS, State.SKIPPED)]
    for child in children[:_CHILDREN_SHOWN]:
        click.echo(f"\n{'  ' * depth}subflow execution of {execution_id}:")
        print_execution(child, runtime.task_runs(child.id), runtime.logs(child.id))
        if depth < _CHILD_DEPTH:
            _print_unsuccessful_children(runtime, child.id, depth + 1)
    if len(children) > _CHILDREN_SHOWN:
        click.echo(f"... and {len(children) - _CHILDREN_SHOWN} more subflow execution(s) "
                   f"that did not succeed")


def _deployed(runtime: Runtime, namespace: str, flow_id: str) -> bool:
    try:
        runtime.flow(namespace, flow_id)
    except PodiumError:
        return False
    return True

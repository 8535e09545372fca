"""`podium run FLOW.yaml`: run one flow file to completion on the embedded default."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from common.errors import FlowValidationError, PodiumError
from common.flow.loader import load_flow_file
from common.flow.model import Flow
from common.inputs import InputType
from common.models.state import State
from common.settings import Settings
from podium import wiring
from podium.cli.output import print_execution
from podium.runtime import Runtime


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
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the SQLite database and logs here (default: a temporary folder).")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds.")
def run(flow_file: Path, inputs: tuple[str, ...], output_format: str, data_dir: Path | None,
        timeout: float | None) -> None:
    """Run FLOW_FILE with no server (SQLite, in-process executor and workers).

    Exit code 0 when the execution ends SUCCESS or WARNING, 1 otherwise.
    """
    try:
        loaded = load_flow_file(flow_file)
    except FlowValidationError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    settings = Settings()
    wiring.worker_http(settings)  # PODIUM_HTTP__*: the hosts http tasks may reach
    # Script environments are kept across runs (worker.script_env_dir, ~/.podium by
    # default) even when the run's own folder is a temporary one.
    with Runtime.embedded(data_dir, script_env_dir=settings.worker.script_env_dir) as runtime:
        try:
            runtime.deploy(loaded)
            execution = runtime.submit(loaded.flow.namespace, loaded.flow.id,
                                       with_files(loaded.flow, parse_inputs(inputs)))
            execution = runtime.wait(execution.id, timeout=timeout)
        except (PodiumError, TimeoutError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        task_runs = runtime.task_runs(execution.id)
        if output_format == "json":
            click.echo(json.dumps(execution.to_api(task_runs), indent=2, default=str))
        else:
            print_execution(execution, task_runs, runtime.logs(execution.id))
    sys.exit(0 if execution.state in (State.SUCCESS, State.WARNING) else 1)

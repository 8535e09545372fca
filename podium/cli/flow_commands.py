"""`podium flow ...`: work with flow files, on the deployment or (--server) its API."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from podium.cli.backend import Backend
from podium.cli.backend_choice import backend_options
from podium.cli.flow_test_command import flow_test
from podium.common.errors import FlowValidationError
from podium.common.flow.files import flow_files
from podium.common.flow.loader import load_flow_file
from podium.common.flow.trigger_loops import loop_warnings


@click.group()
def flow() -> None:
    """Validate and deploy flows."""


@flow.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text",
              help="json prints one JSON document for machines.")
@backend_options
def validate(paths: tuple[Path, ...], output_format: str, backend: Backend) -> None:
    """Check flow files (or every .yaml/.yml file under folders). Exit 1 if any is invalid."""
    results = [backend.validate_flow(path) for path in flow_files(paths)]
    _add_loop_warnings(results)
    if output_format == "json":
        click.echo(json.dumps(results, indent=2))
    else:
        _print_text(results)
    sys.exit(0 if results and all(r["valid"] for r in results) else 1)


@flow.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@backend_options
def deploy(paths: tuple[Path, ...], backend: Backend) -> None:
    """Save flow files (or every flow under folders) to the deployment; prints revisions.

    Nothing is saved unless every file is valid.
    """
    files = flow_files(paths)
    try:
        loaded = [load_flow_file(path) for path in files]
    except FlowValidationError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    warnings = []
    for path, item in zip(files, loaded):
        deployed = backend.deploy_flow(item)
        status = "created" if deployed.created else "unchanged"
        click.echo(f"{item.flow.namespace}.{item.flow.id} revision {deployed.revision} "
                   f"({status})  {path}")
        warnings.append(deployed.warnings)
    # Loops are known once every flow is saved: their warnings come after the revisions.
    found = backend.loop_warnings([item.flow for item in loaded])
    for path, given, more in zip(files, warnings, found):
        for warning in [*given, *more]:
            click.echo(f"warning  {path}: {warning}")


def _add_loop_warnings(results: list[dict]) -> None:
    """Warn about Flow triggers of the files' flows starting each other in a loop (the
    server's own warnings, about its stored flows, are already in a remote result). A
    result has `warnings` only when there are some."""
    flows = {}
    for result in results:
        if result["valid"]:
            try:
                flows[result["file"]] = load_flow_file(Path(result["file"])).flow
            except FlowValidationError:  # valid on the server only: its warnings stand
                continue
    for result in results:
        if result["file"] in flows:
            others = [flow for file, flow in flows.items() if file != result["file"]]
            known = result.get("warnings", [])
            found = [w for w in loop_warnings(flows[result["file"]], others) if w not in known]
            if known or found:
                result["warnings"] = [*known, *found]


def _print_text(results: list[dict]) -> None:
    if not results:
        click.echo("no flow files found", err=True)
    for result in results:
        if result["valid"]:
            click.echo(f"ok       {result['file']}  ({result['namespace']}.{result['id']})")
            for warning in result.get("warnings", []):
                click.echo(f"warning  {result['file']}: {warning}")
            continue
        for problem in result["problems"]:
            where = f":{problem['line']}:{problem['column']}" if problem["line"] else ""
            field = f" {problem['path']}:" if problem["path"] else ""
            click.echo(f"invalid  {result['file']}{where}:{field} {problem['message']}")
    invalid = sum(not r["valid"] for r in results)
    click.echo(f"{len(results) - invalid} valid, {invalid} invalid")


flow.add_command(flow_test)  # `flow test`: its own module (podium/flowtest)

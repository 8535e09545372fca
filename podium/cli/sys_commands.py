"""`podium sys services`: the deployment's service processes, from their heartbeat rows
(the store of PODIUM_DATABASE__URL, or the API with --server)."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from podium.cli.backend import Backend
from podium.cli.backend_choice import backend_options
from podium.common.store.services import KINDS

STATE_STYLE = {"RUNNING": "green", "DRAINING": "yellow", "SILENT": "red", "DEAD": "red"}


@click.group("sys")
def sys_group() -> None:
    """Inspect the deployment."""


@sys_group.command("services")
@click.option("--kind", type=click.Choice(KINDS), default=None, help="Only this kind of service.")
@click.option("--all", "include_dead", is_flag=True,
              help="Also the services that ended without a clean stop: SILENT (no heartbeat "
              "past the timeout) or declared DEAD.")
@click.option("--output", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@backend_options
def services(kind: str | None, include_dead: bool, output: str, backend: Backend) -> None:
    """Live executors, workers, schedulers and webservers: heartbeat age, slots, and the
    attempts each worker runs."""
    rows = backend.services(kind, include_dead)
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    _print(rows)


def _print(rows: list[dict]) -> None:
    console = Console(highlight=False)
    if not rows:
        console.print("no service registered (none running, or none reached this store)")
        return
    table = Table(show_edge=False, pad_edge=False)
    for column in ("kind", "id", "state", "host", "pid", "heartbeat", "slots", "running"):
        table.add_column(column)
    for row in rows:
        style = STATE_STYLE.get(row["state"], "")
        concurrency = row["info"].get("concurrency")
        slots = f"{len(row['running'])}/{concurrency}" if row["kind"] == "worker" else \
            str(concurrency or "")
        table.add_row(row["kind"], row["id"], f"[{style}]{row['state']}[/]", row["hostname"],
                      str(row["pid"]), f"{row['heartbeatAgeSeconds']:.1f}s ago", slots,
                      ", ".join(f"{a['task_run_id']}#{a['attempt']}" for a in row["running"]))
    console.print(table)

"""`podium trigger list|enable|disable|unlock|backfill`: the scheduler's trigger rows
(podium/application/triggers.py), in the store the settings describe (`--data-dir`: an embedded run's
folder) or, with `--server`, through the API's /api/v1/triggers routes."""

from __future__ import annotations

import json
from datetime import datetime

import click

from podium.application import triggers as control
from podium.cli.backend import Backend
from podium.cli.backend_choice import backend_options
from podium.cli.file_commands import DATA_DIR
from podium.cli.run_command import parse_inputs

KEY_ARGUMENTS = [click.argument("namespace"), click.argument("flow_id"),
                 click.argument("trigger_id")]


def _key_arguments(command):
    for decorator in reversed(KEY_ARGUMENTS):
        command = decorator(command)
    return command


def _line(trigger: dict) -> str:
    name = f"{trigger['namespace']}.{trigger['flowId']}/{trigger['triggerId']}"
    status = "disabled" if trigger["disabled"] else "enabled"
    line = f"{name}  {status}  next {trigger['nextExecutionDate'] or '-'}"
    if trigger.get("executionId"):
        line += f"  waiting for {trigger['executionId']}"
    backfill = trigger.get("backfill")
    if backfill:
        line += (f"  backfill {backfill['start']}..{backfill['end'] or 'now'} at "
                 f"{backfill['currentDate']}" + (" (paused)" if backfill["paused"] else ""))
    return line


def _iso_date(_ctx, _param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return control.utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise click.BadParameter(f"'{value}' is not an ISO-8601 date-time") from None


@click.group()
def trigger() -> None:
    """The scheduler's triggers: list, enable, disable, unlock, backfill."""


@trigger.command("list")
@click.argument("namespace", required=False)
@click.argument("flow_id", required=False)
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@DATA_DIR
@backend_options
def list_command(namespace: str | None, flow_id: str | None, output_format: str,
                 backend: Backend) -> None:
    """Triggers (of NAMESPACE and its children, of FLOW_ID): state and next date."""
    found = backend.triggers(namespace, flow_id)
    if output_format == "json":
        click.echo(json.dumps(found, indent=2))
        return
    for item in found:
        click.echo(_line(item))


@trigger.command("enable")
@_key_arguments
@DATA_DIR
@backend_options
def enable(namespace: str, flow_id: str, trigger_id: str, backend: Backend) -> None:
    """Enable a trigger (it forgets the execution it waited for)."""
    click.echo(_line(backend.set_trigger_disabled((namespace, flow_id, trigger_id), False)))


@trigger.command("disable")
@_key_arguments
@DATA_DIR
@backend_options
def disable(namespace: str, flow_id: str, trigger_id: str, backend: Backend) -> None:
    """Disable a trigger: the scheduler leaves it alone until it is enabled."""
    click.echo(_line(backend.set_trigger_disabled((namespace, flow_id, trigger_id), True)))


@trigger.command("unlock")
@_key_arguments
@DATA_DIR
@backend_options
def unlock(namespace: str, flow_id: str, trigger_id: str, backend: Backend) -> None:
    """Stop waiting for the trigger's last execution (one that will never end)."""
    click.echo(_line(backend.unlock_trigger((namespace, flow_id, trigger_id))))


@trigger.command("backfill")
@_key_arguments
@click.option("--start", callback=_iso_date, default=None, metavar="ISO",
              help="First date to fire again (naive: UTC).")
@click.option("--end", callback=_iso_date, default=None, metavar="ISO",
              help="Last date (default: up to now).")
@click.option("--input", "-i", "inputs", multiple=True, metavar="KEY=VALUE")
@click.option("--label", "-l", "labels", multiple=True, metavar="KEY=VALUE")
@click.option("--pause", "action", flag_value="pause", help="Pause the backfill.")
@click.option("--unpause", "action", flag_value="unpause", help="Resume a paused backfill.")
@click.option("--delete", "action", flag_value="delete", help="Stop the backfill.")
@DATA_DIR
@backend_options
def backfill(namespace: str, flow_id: str, trigger_id: str, start: datetime | None,
             end: datetime | None, inputs, labels, action: str | None,
             backend: Backend) -> None:
    """Fire every date of the schedule between --start and --end again (executions
    labelled system.backfill), or --pause / --unpause / --delete the backfill."""
    key = (namespace, flow_id, trigger_id)
    if action is not None:
        changed = backend.backfill_action(key, action)
    elif start is None:
        raise click.UsageError("give --start (a new backfill), --pause, --unpause or --delete")
    else:
        changed = backend.start_backfill(key, start, end, parse_inputs(inputs),
                                         parse_inputs(labels))
    click.echo(_line(changed))

"""`podium trigger list|enable|disable|unlock|backfill`: the scheduler's trigger rows
(podium/triggers.py), in the store the settings describe (`--data-dir`: an embedded run's
folder) or, with `--server`, through the API's /api/v1/triggers routes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click

from common.errors import PodiumError
from common.settings import Settings
from common.store import Database
from podium import triggers as control
from podium import wiring
from podium.cli.file_commands import DATA_DIR
from podium.cli.remote import remote_options
from podium.cli.run_command import parse_inputs

KEY_ARGUMENTS = [click.argument("namespace"), click.argument("flow_id"),
                 click.argument("trigger_id")]


def _key_arguments(command):
    for decorator in reversed(KEY_ARGUMENTS):
        command = decorator(command)
    return command


@contextmanager
def _database(data_dir: Path | None) -> Iterator[Database]:
    """The store; a PodiumError ends the command with exit code 1 and its message."""
    database = wiring.database(Settings(data_dir=data_dir) if data_dir else Settings())
    try:
        yield database
    except PodiumError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        database.dispose()


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
@remote_options
def list_command(namespace: str | None, flow_id: str | None, output_format: str,
                 data_dir: Path | None, remote=None) -> None:
    """Triggers (of NAMESPACE and its children, of FLOW_ID): state and next date."""
    if remote:
        found = remote.triggers(namespace, flow_id)
    else:
        with _database(data_dir) as database:
            found = [control.trigger_json(row)
                     for row in control.find_triggers(database, namespace, flow_id)]
    if output_format == "json":
        click.echo(json.dumps(found, indent=2))
        return
    for item in found:
        click.echo(_line(item))


def _apply(remote, data_dir: Path | None, local, call_remote) -> None:
    """Run the change on the store (`local(database)`) or through the API, print the
    trigger as it now is."""
    if remote:
        changed = call_remote(remote)
    else:
        with _database(data_dir) as database:
            changed = control.trigger_json(local(database))
    click.echo(_line(changed))


@trigger.command("enable")
@_key_arguments
@DATA_DIR
@remote_options
def enable(namespace: str, flow_id: str, trigger_id: str, data_dir: Path | None,
           remote=None) -> None:
    """Enable a trigger (it forgets the execution it waited for)."""
    key = (namespace, flow_id, trigger_id)
    _apply(remote, data_dir, lambda db: control.set_disabled(db, key, False),
           lambda client: client.update_trigger(_body(key, disabled=False)))


@trigger.command("disable")
@_key_arguments
@DATA_DIR
@remote_options
def disable(namespace: str, flow_id: str, trigger_id: str, data_dir: Path | None,
            remote=None) -> None:
    """Disable a trigger: the scheduler leaves it alone until it is enabled."""
    key = (namespace, flow_id, trigger_id)
    _apply(remote, data_dir, lambda db: control.set_disabled(db, key, True),
           lambda client: client.update_trigger(_body(key, disabled=True)))


@trigger.command("unlock")
@_key_arguments
@DATA_DIR
@remote_options
def unlock(namespace: str, flow_id: str, trigger_id: str, data_dir: Path | None,
           remote=None) -> None:
    """Stop waiting for the trigger's last execution (one that will never end)."""
    key = (namespace, flow_id, trigger_id)
    _apply(remote, data_dir, lambda db: control.unlock(db, key),
           lambda client: client.unlock_trigger(key))


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
@remote_options
def backfill(namespace: str, flow_id: str, trigger_id: str, start: datetime | None,
             end: datetime | None, inputs, labels, action: str | None,
             data_dir: Path | None, remote=None) -> None:
    """Fire every date of the schedule between --start and --end again (executions
    labelled system.backfill), or --pause / --unpause / --delete the backfill."""
    key = (namespace, flow_id, trigger_id)
    if action is None and start is None:
        raise click.UsageError("give --start (a new backfill), --pause, --unpause or --delete")
    if action is not None:
        paths = {"pause": ("PUT", "/backfill/pause"), "unpause": ("PUT", "/backfill/unpause"),
                 "delete": ("POST", "/backfill/delete")}
        local = {"pause": lambda db: control.pause_backfill(db, key, True),
                 "unpause": lambda db: control.pause_backfill(db, key, False),
                 "delete": lambda db: control.delete_backfill(db, key)}[action]
        _apply(remote, data_dir, local,
               lambda client: client.trigger_action(*paths[action], key))
        return
    given_inputs, given_labels = parse_inputs(inputs), parse_inputs(labels)

    def call_remote(client):
        current = next((t for t in client.triggers(namespace, flow_id) if t["namespace"] ==
                        namespace and t["triggerId"] == trigger_id), None)
        if current and current["backfill"]:  # PUT would keep it silently
            raise PodiumError("A backfill is already in progress for this trigger; "
                              "delete it first")
        return client.update_trigger(_body(key, backfill={
            "start": start.isoformat(), "end": end.isoformat() if end else None,
            "inputs": given_inputs, "labels": [{"key": k, "value": v}
                                               for k, v in given_labels.items()]}))

    _apply(remote, data_dir, lambda db: control.start_backfill(
        db, key, start, end, inputs=given_inputs, labels=given_labels), call_remote)


def _body(key: tuple[str, str, str], **changes) -> dict:
    namespace, flow_id, trigger_id = key
    return {"namespace": namespace, "flowId": flow_id, "triggerId": trigger_id, **changes}

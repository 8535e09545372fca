"""`podium execution ...`: drive executions on a deployment (settings from PODIUM_*)."""

from __future__ import annotations

import json
import sys
import time

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from common.errors import PodiumError
from common.messages import KillExecution
from common.models.state import State
from common.settings import Settings
from common.store import fetch_logs, list_executions
from common.transport.base import EXECUTOR_QUEUE
from podium.cli import remote as api
from podium.cli.output import STATE_STYLE, print_execution
from podium.cli.remote import remote_options
from podium.cli.run_command import parse_inputs, with_files
from podium.runtime import Runtime


def _connect() -> Runtime:
    return Runtime.connect(Settings())


@click.group()
def execution() -> None:
    """Run, inspect, kill and resume executions on a deployment."""


@execution.command("run")
@click.argument("namespace")
@click.argument("flow_id")
@click.option("--input", "-i", "inputs", multiple=True, metavar="KEY=VALUE",
              help="An execution input; KEY=@PATH uploads a local file to a FILE input.")
@click.option("--label", "-l", "labels", multiple=True, metavar="KEY=VALUE")
@click.option("--wait/--no-wait", default=False, help="Follow the execution to its end.")
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--timeout", type=float, default=None)
@remote_options
def run_execution(namespace: str, flow_id: str, inputs, labels, wait: bool, output_format: str,
                  timeout: float | None, remote=None) -> None:
    """Start FLOW_ID of NAMESPACE. With --wait the exit code mirrors the final state."""
    if remote:
        return api.run_execution(remote, namespace, flow_id, parse_inputs(inputs),
                                 parse_inputs(labels), wait, output_format, timeout)
    with _connect() as runtime:
        try:
            given = with_files(runtime.flow(namespace, flow_id), parse_inputs(inputs))
            created = runtime.submit(namespace, flow_id, given, labels=parse_inputs(labels))
        except PodiumError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        if not wait:
            _emit(runtime, created.id, output_format, short=True)
            return
        final = _follow(runtime, created.id, timeout, live=output_format == "text"
                        and sys.stdout.isatty())
        _emit(runtime, final.id, output_format)
        sys.exit(0 if final.state in (State.SUCCESS, State.WARNING) else 1)


def _follow(runtime: Runtime, execution_id: str, timeout: float | None, live: bool):
    deadline = time.monotonic() + timeout if timeout else None
    if not live:
        return runtime.wait(execution_id, timeout=timeout, poll=0.2)
    with Live(console=Console(), refresh_per_second=8) as display:
        while True:
            current = runtime.get(execution_id)
            display.update(_progress(current, runtime.task_runs(execution_id)))
            if current.state.is_terminated or current.state is State.PAUSED:
                return current
            if deadline and time.monotonic() > deadline:
                raise click.ClickException(f"execution {execution_id} still {current.state.value}")
            time.sleep(0.2)


def _progress(current, task_runs) -> Table:
    table = Table(title=f"{current.namespace}.{current.flow_id} {current.id}: {current.state.value}")
    table.add_column("task")
    table.add_column("value")
    table.add_column("state")
    for run in task_runs:
        table.add_row(run.task_id, run.value or "",
                      f"[{STATE_STYLE.get(run.state.value, '')}]{run.state.value}[/]")
    return table


def _emit(runtime: Runtime, execution_id: str, output_format: str, short: bool = False) -> None:
    current = runtime.get(execution_id)
    if current is None:
        raise click.ClickException(f"execution {execution_id} not found")
    runs = runtime.task_runs(execution_id)
    if output_format == "json":
        click.echo(json.dumps(current.to_api(runs), indent=2, default=str))
    elif short:
        click.echo(f"{current.id} {current.state.value}")
    else:
        print_execution(current, runs, runtime.logs(execution_id))


@execution.command("get")
@click.argument("execution_id")
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@remote_options
def get(execution_id: str, output_format: str, remote=None) -> None:
    """Show one execution with its task runs, outputs and logs."""
    if remote:
        return api.emit(remote, execution_id, output_format)
    with _connect() as runtime:
        _emit(runtime, execution_id, output_format)


@execution.command("list")
@click.option("--namespace")
@click.option("--flow-id")
@click.option("--state", "states", multiple=True)
@click.option("--limit", type=int, default=20)
@remote_options
def list_command(namespace, flow_id, states, limit, remote=None) -> None:
    """Recent executions, newest first."""
    if remote:
        return api.list_executions(remote, namespace, flow_id, states, limit)
    with _connect() as runtime, runtime.db.read() as conn:
        found = list_executions(conn, namespace=namespace, flow_id=flow_id,
                                states=[State(s.upper()) for s in states] or None, limit=limit)
    for item in found:
        start = item.history.start_date
        click.echo(f"{item.id}  {item.namespace}.{item.flow_id}  {item.state.value:<9}  "
                   f"{start:%Y-%m-%d %H:%M:%S}")


@execution.command("logs")
@click.argument("execution_id")
@click.option("--follow", "-f", is_flag=True, help="Keep printing until the execution ends.")
@click.option("--level", default=None, help="Minimum level (TRACE..ERROR).")
@remote_options
def logs(execution_id: str, follow: bool, level: str | None, remote=None) -> None:
    """Print the logs of an execution."""
    if remote:
        return api.print_logs(remote, execution_id, follow, level)
    with _connect() as runtime:
        after = None
        while True:
            with runtime.db.read() as conn:
                batch = fetch_logs(conn, execution_id, min_level=level, after_id=after)
            for entry in batch:
                click.echo(f"{entry.timestamp:%H:%M:%S.%f} {entry.level:<5} "
                           f"{entry.task_id or 'execution'}: {entry.message}")
                after = entry.id
            current = runtime.get(execution_id)
            if not follow or current is None or current.state.is_terminated:
                return
            time.sleep(0.3)


@execution.command("kill")
@click.argument("execution_id")
@remote_options
def kill(execution_id: str, remote=None) -> None:
    """Kill a running execution: its running tasks are stopped on the workers."""
    if remote:
        return api.kill(remote, execution_id)
    with _connect() as runtime:
        if runtime.get(execution_id) is None:
            raise click.ClickException(f"execution {execution_id} not found")
        runtime.transport.publish(EXECUTOR_QUEUE, KillExecution(execution_id=execution_id).encode())
        click.echo(f"kill requested for {execution_id}")


@execution.command("resume")
@click.argument("execution_id")
@click.option("--input", "-i", "inputs", multiple=True, metavar="KEY=VALUE",
              help="An onResume input of the paused task; repeat for several.")
@remote_options
def resume(execution_id: str, inputs, remote=None) -> None:
    """Resume a PAUSED execution, giving the paused task's onResume inputs."""
    if remote:
        return api.resume(remote, execution_id, parse_inputs(inputs))
    with _connect() as runtime:
        try:
            runtime.resume(execution_id, parse_inputs(inputs) or None)
        except PodiumError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"resume requested for {execution_id}")


@execution.command("review")
@click.argument("execution_id")
@click.option("--approve", "decision", flag_value="APPROVED", help="Approve the request.")
@click.option("--deny", "decision", flag_value="DENIED", help="Deny the request.")
@click.option("--comment", "-c", default=None, help="The reviewer's comment.")
@click.option("--input", "-i", "inputs", multiple=True, metavar="KEY=VALUE",
              help="An input of the Approval's review; repeat for several.")
@click.option("--task-run", "task_run_id", default=None,
              help="The Approval task run to decide (default: the first one waiting).")
@remote_options
def review(execution_id: str, decision: str | None, comment: str | None, inputs,
           task_run_id: str | None, remote=None) -> None:
    """Approve or deny an Approval task a PAUSED execution waits on."""
    if decision is None:
        raise click.UsageError("give --approve or --deny")
    if remote:
        return api.review(remote, execution_id, decision, comment, parse_inputs(inputs),
                          task_run_id)
    with _connect() as runtime:
        try:
            decided = runtime.review(execution_id, decision, comment,
                                     parse_inputs(inputs) or None, task_run_id=task_run_id)
        except PodiumError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{decision.lower()}: task run {decided} of {execution_id}")


@execution.command("restart")
@click.argument("execution_id")
@remote_options
def restart(execution_id: str, remote=None) -> None:
    """Re-run the failed (or killed, paused) task runs of a terminated execution, in the
    same execution; successful task runs are kept."""
    if remote:
        return api.restart(remote, execution_id)
    with _connect() as runtime:
        try:
            runtime.restart(execution_id)
        except PodiumError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"restart requested for {execution_id}")


@execution.command("replay")
@click.argument("execution_id")
@click.option("--task-run", "task_run_id", default=None, metavar="TASK_RUN_ID",
              help="Replay from this task run: the task runs before it are copied.")
@remote_options
def replay(execution_id: str, task_run_id: str | None, remote=None) -> None:
    """Run a terminated execution again as a new execution; prints the new id."""
    if remote:
        return api.replay(remote, execution_id, task_run_id)
    with _connect() as runtime:
        try:
            click.echo(runtime.replay(execution_id, task_run_id))
        except PodiumError as exc:
            raise click.ClickException(str(exc)) from None


@execution.command("set-state")
@click.argument("execution_id")
@click.argument("task_run_id")
@click.argument("state", type=click.Choice(["SUCCESS", "FAILED", "WARNING"],
                                           case_sensitive=False))
@remote_options
def set_state(execution_id: str, task_run_id: str, state: str, remote=None) -> None:
    """Force a terminated task run to STATE; the execution then continues or ends
    accordingly."""
    if remote:
        return api.set_state(remote, execution_id, task_run_id, state.upper())
    with _connect() as runtime:
        try:
            runtime.set_state(execution_id, task_run_id, state.upper())
        except PodiumError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"task run {task_run_id} set to {state.upper()} in {execution_id}")

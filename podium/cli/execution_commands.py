"""`podium execution ...`: drive executions on a deployment (settings from PODIUM_*) or,
with --server, through its API (podium/cli/backend.py)."""

from __future__ import annotations

import json
import sys
import time

import click

from podium.cli.backend import Backend
from podium.cli.backend_choice import backend_options
from podium.cli.file_commands import download, files
from podium.cli.output import follow_live, print_execution
from podium.cli.run_command import parse_inputs, with_files
from podium.common.errors import PodiumError
from podium.common.models.execution import Execution
from podium.common.models.state import State


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
@backend_options
def run_execution(namespace: str, flow_id: str, inputs, labels, wait: bool, output_format: str,
                  timeout: float | None, backend: Backend) -> None:
    """Start FLOW_ID of NAMESPACE. With --wait the exit code mirrors the final state."""
    try:
        given = with_files(backend.flow(namespace, flow_id), parse_inputs(inputs))
        created = backend.submit(namespace, flow_id, given, parse_inputs(labels))
    except PodiumError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if not wait:
        _emit(backend, created, output_format, short=True)
        return
    final = _follow(backend, created, timeout, live=output_format == "text"
                    and sys.stdout.isatty())
    _emit(backend, final.id, output_format)
    sys.exit(0 if final.state in (State.SUCCESS, State.WARNING) else 1)


def _follow(backend: Backend, execution_id: str, timeout: float | None, live: bool):
    if not live:
        return backend.wait(execution_id, timeout)
    return follow_live(lambda: backend.execution(execution_id), timeout)


def _emit(backend: Backend, execution_id: str, output_format: str, short: bool = False) -> None:
    if output_format == "json":
        click.echo(json.dumps(backend.execution_document(execution_id), indent=2, default=str))
        return
    current, runs = backend.execution(execution_id)
    if short:
        click.echo(f"{current.id} {current.state.value}")
    else:
        print_execution(current, runs, backend.logs(execution_id))


@execution.command("get")
@click.argument("execution_id")
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text")
@backend_options
def get(execution_id: str, output_format: str, backend: Backend) -> None:
    """Show one execution with its task runs, outputs and logs."""
    _emit(backend, execution_id, output_format)


@execution.command("list")
@click.option("--namespace")
@click.option("--flow-id")
@click.option("--state", "states", multiple=True)
@click.option("--limit", type=int, default=20)
@click.option("--output", "output_format", type=click.Choice(["text", "json"]), default="text",
              help="json: the API's execution documents, without their task runs.")
@backend_options
def list_command(namespace, flow_id, states, limit, output_format: str,
                 backend: Backend) -> None:
    """Recent executions, newest first."""
    found = backend.list_executions(namespace, flow_id, [s.upper() for s in states], limit)
    if output_format == "json":
        click.echo(json.dumps([item.to_api() for item in found], indent=2, default=str))
        return
    for item in found:
        start = item.history.start_date
        click.echo(f"{item.id}  {item.namespace}.{item.flow_id}  {item.state.value:<9}  "
                   f"{start:%Y-%m-%d %H:%M:%S}")


@execution.command("logs")
@click.argument("execution_id")
@click.option("--follow", "-f", is_flag=True, help="Keep printing until the execution ends.")
@click.option("--level", default=None, help="Minimum level (TRACE..ERROR).")
@backend_options
def logs(execution_id: str, follow: bool, level: str | None, backend: Backend) -> None:
    """Print the logs of an execution."""
    after = None
    while True:
        for entry in backend.logs(execution_id, level, after):
            click.echo(f"{entry.timestamp:%H:%M:%S.%f} {entry.level:<5} "
                       f"{entry.task_id or 'execution'}: {entry.message}")
            after = entry.id
        state = backend.state(execution_id)
        if not follow or state is None or state.is_terminated:
            return
        time.sleep(0.3)


@execution.command("kill")
@click.argument("execution_id")
@backend_options
def kill(execution_id: str, backend: Backend) -> None:
    """Kill a running execution: its running tasks are stopped on the workers."""
    backend.kill(execution_id)
    click.echo(f"kill requested for {execution_id}")


@execution.command("resume")
@click.argument("execution_id")
@click.option("--input", "-i", "inputs", multiple=True, metavar="KEY=VALUE",
              help="An onResume input of the paused task; repeat for several.")
@backend_options
def resume(execution_id: str, inputs, backend: Backend) -> None:
    """Resume a PAUSED execution, giving the paused task's onResume inputs."""
    backend.resume(execution_id, parse_inputs(inputs))
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
@backend_options
def review(execution_id: str, decision: str | None, comment: str | None, inputs,
           task_run_id: str | None, backend: Backend) -> None:
    """Approve or deny an Approval task a PAUSED execution waits on."""
    if decision is None:
        raise click.UsageError("give --approve or --deny")
    decided = backend.review(execution_id, decision, comment, parse_inputs(inputs),
                             task_run_id)
    click.echo(f"{decision.lower()}: task run {decided} of {execution_id}")


@execution.command("restart")
@click.argument("execution_id")
@click.option("--wait/--no-wait", default=False,
              help="Follow the restarted execution to its end; the exit code mirrors its state.")
@click.option("--timeout", type=float, default=None, help="With --wait: give up after this "
              "many seconds.")
@backend_options
def restart(execution_id: str, wait: bool, timeout: float | None, backend: Backend) -> None:
    """Re-run the failed (or killed, paused) task runs of a terminated execution, in the
    same execution; successful task runs are kept."""
    attempt = backend.execution(execution_id)[0].attempt_number if wait else 0
    backend.restart(execution_id)
    click.echo(f"restart requested for {execution_id}")
    if not wait:
        return
    final = _wait_restarted(backend, execution_id, attempt, timeout)
    _emit(backend, final.id, "text")
    sys.exit(0 if final.state in (State.SUCCESS, State.WARNING) else 1)


def _wait_restarted(backend: Backend, execution_id: str, attempt: int,
                    timeout: float | None) -> Execution:
    """The execution once the executor has taken the restart (its attempt number passed
    `attempt`: until then it still shows the state it is restarted from) and it has ended
    (or paused) again."""
    deadline = time.monotonic() + timeout if timeout else None
    while backend.execution(execution_id)[0].attempt_number <= attempt:
        if deadline and time.monotonic() > deadline:
            raise PodiumError(f"execution {execution_id} not restarted after {timeout}s")
        time.sleep(0.2)
    return backend.wait(execution_id, max(deadline - time.monotonic(), 0.1) if deadline else None)


@execution.command("replay")
@click.argument("execution_id")
@click.option("--task-run", "task_run_id", default=None, metavar="TASK_RUN_ID",
              help="Replay from this task run: the task runs before it are copied.")
@backend_options
def replay(execution_id: str, task_run_id: str | None, backend: Backend) -> None:
    """Run a terminated execution again as a new execution; prints the new id."""
    click.echo(backend.replay(execution_id, task_run_id))


@execution.command("set-state")
@click.argument("execution_id")
@click.argument("task_run_id")
@click.argument("state", type=click.Choice(["SUCCESS", "FAILED", "WARNING"],
                                           case_sensitive=False))
@backend_options
def set_state(execution_id: str, task_run_id: str, state: str, backend: Backend) -> None:
    """Force a terminated task run to STATE; the execution then continues or ends
    accordingly."""
    backend.set_state(execution_id, task_run_id, state.upper())
    click.echo(f"task run {task_run_id} set to {state.upper()} in {execution_id}")


# `execution files` and `execution download` live in their own module.
execution.add_command(files)
execution.add_command(download)

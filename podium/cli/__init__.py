"""The `podium` command line. Each command group lives in its own module."""

from __future__ import annotations

import gc

import click

from podium.cli.completion_command import completion
from podium.cli.execution_commands import execution
from podium.cli.file_commands import download, files
from podium.cli.flow_commands import flow
from podium.cli.flow_test_command import flow_test
from podium.cli.kv_commands import kv
from podium.cli.namespace_commands import namespace
from podium.cli.plugin_commands import plugins
from podium.cli.run_command import run
from podium.cli.scheduler_command import scheduler
from podium.cli.service_commands import db, executor, server, worker
from podium.cli.sys_commands import sys_group
from podium.cli.trigger_commands import trigger
from podium.cli.webserver_command import webserver
from podium.common.errors import PodiumError


class PodiumGroup(click.Group):
    """The root group: a PodiumError no command reported itself (a port taken, a store
    not migrated, ...) ends the command with its one-line message, exit status 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except PodiumError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=PodiumGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="podium")
def main() -> None:
    """Podium: run Kestra-style YAML flows, embedded or on a distributed fleet."""


execution.add_command(files)
execution.add_command(download)
flow.add_command(flow_test)
main.add_command(flow)
main.add_command(run)
main.add_command(kv)
main.add_command(namespace)
main.add_command(trigger)
main.add_command(webserver)
main.add_command(sys_group)
main.add_command(plugins)
main.add_command(completion)
for _command in (db, executor, worker, scheduler, server, execution):
    main.add_command(_command)


def program() -> None:
    """The `podium` program (console script, `python -m podium.cli`): the CLI in a process
    of its own, never called in-process (tests call `main`)."""
    # What the imports built (modules, task schemas, Celery, SQLAlchemy) lives as long as
    # the process: keep it out of the garbage collector's full passes, which would scan it
    # at every one of them and again at exit (a service's shutdown spent seconds there).
    gc.freeze()
    main()

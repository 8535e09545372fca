"""The `podium` command line. Each command group lives in its own module."""

from __future__ import annotations

import gc
import importlib
import sys

import click

from podium.common.errors import PodiumError

# The commands, imported only when one is run: importing all of them loads the whole
# engine (SQLAlchemy, Celery, the worker, every task schema), seconds before `podium --help`
# could answer. name: (module, attribute, the one-line help `podium --help` shows, which
# tests/unit/test_cli_lazy.py checks against the command's own).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "completion": ("completion_command", "completion", "Print the completion script of SHELL..."),
    "db": ("service_commands", "db", "Manage the SQL store."),
    "execution": ("execution_commands", "execution",
                  "Run, inspect, kill and resume executions..."),
    "executor": ("service_commands", "executor", "Run the executor service: consumes the..."),
    "flow": ("flow_commands", "flow", "Validate and deploy flows."),
    "kv": ("kv_commands", "kv", "Read and write the namespace KV store."),
    "namespace": ("namespace_commands", "namespace", "Namespaces: their files."),
    "plugins": ("plugin_commands", "plugins", "Installed plugins and their types."),
    "run": ("run_command", "run", "Run FLOW_FILE with no server (SQLite,..."),
    "scheduler": ("scheduler_command", "scheduler", "Run the scheduler: fires Schedule /..."),
    "server": ("service_commands", "server", "Run several services in one process."),
    "sys": ("sys_commands", "sys_group", "Inspect the deployment."),
    "trigger": ("trigger_commands", "trigger", "The scheduler's triggers: list, enable,..."),
    "webserver": ("webserver_command", "webserver", "Serve the REST API (Kestra's /api/v1..."),
    "worker": ("service_commands", "worker", "Run a worker service: runs task attempts..."),
}


class PodiumGroup(click.Group):
    """The root group: a PodiumError no command reported itself (a port taken, a store
    not migrated, ...) ends the command with its one-line message, exit status 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command: click.Command = getattr(
            importlib.import_module(f"podium.cli.{module}"), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of commands from COMMANDS, without importing them."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, _, short) in sorted(COMMANDS.items())])

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except PodiumError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=PodiumGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="podium")
def main() -> None:
    """Podium: run Kestra-style YAML flows, embedded or on a distributed fleet."""



def program() -> None:
    """The `podium` program (console script, `python -m podium.cli`): the CLI in a process
    of its own, never called in-process (tests call `main`)."""
    # What the imports built (modules, task schemas, Celery, SQLAlchemy) lives as long as
    # the process: keep it out of the garbage collector's full passes, which would scan it
    # at every one of them and again at exit (a service's shutdown spent seconds there).
    # The command's module is imported first, so that what it loads is frozen too.
    name = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if name in COMMANDS:
        main.get_command(click.Context(main), name)
    gc.freeze()
    main()

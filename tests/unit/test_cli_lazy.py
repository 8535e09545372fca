"""The `podium` root command imports a command's module only when that command runs:
`podium --help` answers without loading the engine, and still lists every command with its
own one-line help."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from podium.cli import COMMANDS, main


def test_every_command_resolves_and_its_listed_help_is_its_own():
    ctx = click.Context(main)
    for name, (_, _, short) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.name in (name, "sys")
        assert command.get_short_help_str(limit=45) == short, name
    assert main.get_command(ctx, "nope") is None


def test_subcommands_kept_in_other_modules_are_still_there():
    ctx = click.Context(main)
    execution = main.get_command(ctx, "execution")
    flow = main.get_command(ctx, "flow")
    assert {"files", "download"} <= set(execution.list_commands(ctx))
    assert "test" in flow.list_commands(ctx)


def test_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:")[1]
    assert [line.split()[0] for line in listed.strip().splitlines()] == sorted(COMMANDS)


def test_help_loads_no_engine():
    probe = ("import sys\n"
             "from click.testing import CliRunner\n"
             "from podium.cli import main\n"
             "assert CliRunner().invoke(main, ['--help']).exit_code == 0\n"
             "heavy = ('sqlalchemy', 'celery', 'podium.worker', 'podium.executor', 'pydantic')\n"
             "print(sorted({m.split('.')[0] + ('.' + m.split('.')[1] if m.startswith('podium.')"
             " else '') for m in sys.modules if m.startswith(heavy)}))\n")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, check=True).stdout.strip()
    assert loaded == "[]"

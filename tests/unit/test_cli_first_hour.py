"""What a newcomer meets in their first hour with the CLI (issue 20): `podium run`'s tree of
task runs, its live view on a terminal, `podium completion`."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys

from click.testing import CliRunner
from rich.console import Console

from podium.cli import main
from podium.cli.output import follow_live
from podium.common.flow.loader import parse_flow
from podium.runtime import Runtime

NESTED = """
id: nested
namespace: company.team
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: start
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["x", "y"]
    tasks:
      - id: inner
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: done
"""

SLOW = """
id: slow
namespace: company.team
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT1S
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: awake
"""

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _table_rows(output: str) -> list[str]:
    """The rows of the task table: the lines between the header and the first blank or
    `logs` line, without the column separators' trailing spaces."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("task"))
    rows = []
    for line in lines[start + 2:]:  # the header and its rule
        if not line.strip() or line.startswith(("logs", "outputs")):
            break
        rows.append(line.rstrip())
    return rows


def test_run_prints_the_task_runs_as_kestras_tree(tmp_path):
    flow = tmp_path / "nested.yaml"
    flow.write_text(NESTED)
    result = CliRunner().invoke(main, ["run", str(flow)])
    assert result.exit_code == 0, result.output
    assert not ANSI.search(result.output), "not a terminal: plain text"
    tasks = [re.split(r"\s*│\s*|\s{2,}", row.strip())[0] for row in _table_rows(result.output)]
    # Each iteration's task run under its ForEach, indented, with its value; none empty.
    assert [t for t in tasks] == ["first", "each", "inner x", "inner y", "last"]
    rows = {row.strip().split()[0] + (" " + row.split()[1] if "inner" in row else ""): row
            for row in _table_rows(result.output)}
    indent = {name: len(row) - len(row.lstrip()) for name, row in rows.items()}
    assert indent["inner x"] == indent["inner y"] > indent["each"] == indent["first"]
    assert all("SUCCESS" in row for row in rows.values())


def test_the_live_view_redraws_the_tree_while_the_flow_runs(tmp_path):
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, highlight=False)
    with Runtime.embedded(tmp_path / "data") as runtime:
        runtime.deploy(parse_flow(SLOW))
        started = runtime.submit("company.team", "slow")
        final = follow_live(lambda: (runtime.get(started.id), runtime.task_runs(started.id)),
                            timeout=30, console=console)
    assert final.state.value == "SUCCESS"
    drawn = ANSI.sub("", screen.getvalue())
    assert re.search(r"slow execution \S+: RUNNING", drawn), drawn
    assert re.search(r"nap[\s│]+RUNNING", drawn), "the running task shown before it ended"
    assert re.search(r"slow execution \S+: SUCCESS", drawn)


def test_run_on_a_terminal_draws_the_live_view_then_the_summary(tmp_path):
    """`podium run` in a terminal of its own (a pty): the live view is drawn (rich hides
    the cursor while it redraws), then the plain summary."""
    flow = tmp_path / "slow.yaml"
    flow.write_text(SLOW)
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    process = subprocess.Popen([sys.executable, "-m", "podium.cli", "run", str(flow)],
                               stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal,
                               env=env)
    os.close(terminal)
    screen = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the pty is closed once the program exited
            break
        if not chunk:
            break
        screen += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0, screen.decode(errors="replace")
    text = screen.decode(errors="replace")
    assert "\x1b[?25l" in text, "no live view: the cursor was never hidden"
    assert re.search(r"slow execution \S+: RUNNING", ANSI.sub("", text)), text
    assert re.search(r"slow execution \S+: SUCCESS in", ANSI.sub("", text))


def test_completion_prints_clicks_script_for_each_shell():
    expected = {"bash": "complete -o nosort -F _podium_completion podium",
                "zsh": "#compdef podium", "fish": "complete --no-files --command podium"}
    for shell, marker in expected.items():
        result = CliRunner().invoke(main, ["completion", shell])
        assert result.exit_code == 0, result.output
        assert marker in result.output and "_PODIUM_COMPLETE" in result.output
    unknown = CliRunner().invoke(main, ["completion", "tcsh"])
    assert unknown.exit_code == 2 and "'tcsh' is not one of" in unknown.output


def test_the_completion_script_completes_commands():
    """What the shell's script asks `podium` (with _PODIUM_COMPLETE set) is answered."""
    result = CliRunner().invoke(main, [], prog_name="podium", env={
        "_PODIUM_COMPLETE": "bash_complete", "COMP_WORDS": "podium execu", "COMP_CWORD": "1"})
    assert result.exit_code == 0
    assert "plain,execution" in result.output.split()

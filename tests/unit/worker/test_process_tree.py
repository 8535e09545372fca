"""A script task's whole process tree dies with its worker, even a worker SIGKILLed.

A stand-in worker (a Python process running a shell task through run_attempt, the real
code path) starts a tree: a background job, a ticker writing to a file, a child that
starts a session of its own. SIGKILL the stand-in: every one of them must be gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.unit.worker.test_scripts import alive, run
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux processes")

REPO = Path(__file__).resolve().parents[3]

# Each process of the tree appends its pid to $DIR/pids; the ticker appends to $DIR/ticks.
TREE = [
    'echo $$ >> "$DIR/pids"',
    'sleep 300 & echo $! >> "$DIR/pids"',
    'setsid sh -c \'echo $$ >> "$DIR/pids"; exec sleep 300\' &',
    'sh -c \'echo $$ >> "$DIR/pids"; while :; do echo tick >> "$DIR/ticks"; sleep 0.05; done\''
    ' > /dev/null 2>&1 &',
    'sleep 300',
]
TREE_SIZE = 4

STAND_IN = textwrap.dedent("""
    import sys
    from tests.unit.worker.conftest import make_ctx, make_task
    from podium.worker.runnables import run_attempt
    from podium.worker.sandbox import Sandbox
    task = make_task("io.kestra.plugin.scripts.shell.Commands", env={"DIR": sys.argv[1]},
                     commands=sys.argv[2:])
    ctx, _ = make_ctx()
    # Host pids and $DIR on the host: unsandboxed (the sandboxed tree has its own test in
    # tests/security/test_script_sandbox.py).
    ctx.sandbox = Sandbox(mode="none")
    run_attempt(task, ctx, retry_left=False)
""")


def _pids(directory: Path) -> list[int]:
    try:
        return [int(line) for line in (directory / "pids").read_text().split()]
    except (OSError, ValueError):
        return []


def _kill_all(pids: list[int]) -> None:
    """Clean up after a failure: the recorded processes and the script's group."""
    for kill, pid in [(os.killpg, pid) for pid in pids[:1]] + [(os.kill, pid) for pid in pids]:
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass


def test_sigkilled_worker_takes_its_script_tree_with_it(tmp_path):
    worker = subprocess.Popen([sys.executable, "-c", STAND_IN, str(tmp_path), *TREE],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(_pids(tmp_path)) == TREE_SIZE and (tmp_path / "ticks").exists(),
                 30, "the script's process tree to start")
        pids = _pids(tmp_path)
        assert all(alive(pid) for pid in pids)
        worker.kill()
        worker.wait(10)
        wait_for(lambda: not any(alive(pid) for pid in pids), 10,
                 f"the tree {pids} to die with its worker")
        # Nothing left writes: the ticker is gone with the rest.
        size = (tmp_path / "ticks").stat().st_size
        assert not alive(pids[-1]) and (tmp_path / "ticks").stat().st_size == size
    finally:
        worker.kill()
        _kill_all(_pids(tmp_path))


def test_a_child_in_a_session_of_its_own_is_killed_with_the_attempt(tmp_path):
    """Stopping (timeout) and the end of the attempt also reach a child that left the group."""
    started = time.monotonic()
    outcome, _, _ = run("io.kestra.plugin.scripts.shell.Commands", env={"DIR": str(tmp_path)},
                        timeout="PT1S", commands=TREE)
    try:
        assert outcome.state.name == "FAILED"
        assert time.monotonic() - started < 15
        pids = _pids(tmp_path)
        assert len(pids) == TREE_SIZE
        wait_for(lambda: not any(alive(pid) for pid in pids), 10, f"the tree {pids} to die")
    finally:
        _kill_all(_pids(tmp_path))


def test_a_session_leaving_child_is_killed_when_the_command_ends(tmp_path):
    """(A background child that keeps the output open keeps the attempt running, as in
    Kestra: this one redirected it.)"""
    outcome, _, _ = run("io.kestra.plugin.scripts.shell.Commands", env={"DIR": str(tmp_path)},
                        commands=[TREE[2].replace("&", "> /dev/null 2>&1 &"),
                                  'while [ ! -s "$DIR/pids" ]; do sleep 0.01; done'])
    try:
        assert outcome.state.name == "SUCCESS"
        (pid,) = _pids(tmp_path)
        wait_for(lambda: not alive(pid), 10, "the setsid child to die")
    finally:
        _kill_all(_pids(tmp_path))


def test_launcher_reports_exit_codes_signals_and_start_errors(tmp_path):
    outcome, _, _ = run("io.kestra.plugin.scripts.shell.Commands", commands=["exit 3"])
    assert outcome.outputs["exitCode"] == 3
    outcome, _, _ = run("io.kestra.plugin.scripts.shell.Commands", commands=["kill -KILL $$"])
    assert outcome.outputs["exitCode"] == 128 + signal.SIGKILL
    outcome, _, _ = run("io.kestra.plugin.scripts.shell.Commands", commands=["kill -9 0"])
    assert outcome.state.name == "FAILED"
    outcome, _, _ = run("io.kestra.plugin.scripts.shell.Commands", interpreter=["/nonexistent"],
                        commands=["true"])
    assert "Unable to start the process '/nonexistent'" in str(outcome.error)

"""Run one local process in its own process group, streaming its output line by line.

Kestra's Process task runner, with two differences of a shared worker:
- stopping (kill or timeout) signals the whole process group: SIGTERM, then SIGKILL after
  ``KILL_GRACE_SECONDS``;
- once the main process has exited and its pipes are closed, whatever is left in its group
  (background jobs that redirected their output) is SIGKILLed, so an attempt leaves no
  process behind. A child that calls setsid() leaves the group and escapes this.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from worker.run_context import RunContext

KILL_GRACE_SECONDS = 5.0
POLL_SECONDS = 0.05
# A longer line is delivered in pieces of this size (bounded memory per line).
MAX_LINE_CHARS = 1 << 20


@dataclass
class ProcessResult:
    exit_code: int
    stopped: str | None  # None, "killed" or "timeout"


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _pump(stream, is_stderr: bool, on_line: Callable[[str, bool], None]) -> None:
    try:
        while True:
            line = stream.readline(MAX_LINE_CHARS)
            if not line:
                break
            if line.endswith("\n"):
                line = line[:-1]
            try:
                on_line(line, is_stderr)
            except Exception:  # noqa: BLE001 - keep draining, or the process blocks on a full pipe
                pass
    except Exception as exc:  # noqa: BLE001 - Kestra hands the read error to the consumer
        try:
            on_line(str(exc), True)
        except Exception:  # noqa: BLE001
            pass
    finally:
        try:
            stream.close()
        except OSError:
            pass


def _stop_reason(ctx: RunContext) -> str | None:
    if ctx.killed.is_set():
        return "killed"
    if ctx.timed_out():
        return "timeout"
    return None


def _terminate(proc: subprocess.Popen, grace: float) -> None:
    _signal_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(proc.pid, signal.SIGKILL)
    proc.wait()


def run_process(
    argv: Sequence[str],
    *,
    cwd: str | os.PathLike,
    env: Mapping[str, str],
    ctx: RunContext,
    on_line: Callable[[str, bool], None],
    grace: float | None = None,
) -> ProcessResult:
    """Run `argv`; `on_line(line, is_stderr)` gets each line as it is written.

    Returns when the process and its pipes are done, or soon after a kill / the deadline.
    Raises OSError when the process cannot start.
    """
    grace = KILL_GRACE_SECONDS if grace is None else grace
    proc = subprocess.Popen(
        list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        text=True, encoding="utf-8", errors="replace",
    )
    readers = [
        threading.Thread(target=_pump, args=(proc.stdout, False, on_line), daemon=True,
                         name=f"podium-stdout-{proc.pid}"),
        threading.Thread(target=_pump, args=(proc.stderr, True, on_line), daemon=True,
                         name=f"podium-stderr-{proc.pid}"),
    ]
    for reader in readers:
        reader.start()

    stopped: str | None = None
    try:
        while True:
            try:
                proc.wait(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            stopped = _stop_reason(ctx)
            if stopped:
                _terminate(proc, grace)
                break
        # The pipes stay open while a background child still holds them.
        for reader in readers:
            while reader.is_alive():
                reader.join(POLL_SECONDS)
                if stopped is None and reader.is_alive():
                    stopped = _stop_reason(ctx)
                    if stopped:
                        _terminate(proc, grace)
    finally:
        if proc.poll() is None:  # an unexpected error above: never leave it running
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
        _signal_group(proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 1.0
        for reader in readers:
            reader.join(max(deadline - time.monotonic(), 0.0))
    return ProcessResult(exit_code=proc.returncode, stopped=stopped)

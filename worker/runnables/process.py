"""Run one local process in its own process group, streaming its output line by line.

Kestra's Process task runner, with the differences of a shared worker:
- the process is started by a launcher (worker/runnables/launcher.py), its direct child
  and the subreaper of its tree, that kills the whole tree when the worker releases it or
  dies (even by SIGKILL): children never outlive their worker to run an attempt twice;
- stopping (kill or timeout) signals the whole process group: SIGTERM, then, after
  ``KILL_GRACE_SECONDS``, SIGKILL to every descendant;
- once the main process has exited and its pipes are closed, whatever is left below it
  (background jobs that redirected their output, children that started a session of
  their own) is SIGKILLed, so an attempt leaves no process behind.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from podium.worker.run_context import RunContext

KILL_GRACE_SECONDS = 5.0
POLL_SECONDS = 0.05
# A longer line is delivered in pieces of this size (bounded memory per line).
MAX_LINE_CHARS = 1 << 20
LAUNCHER = Path(__file__).with_name("launcher.py")


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


class Launched:
    """A command running under the launcher: its exit, and the release of its tree."""

    def __init__(self, proc: subprocess.Popen, control: socket.socket) -> None:
        self.proc = proc  # the launcher: its pid is the group's id, its pipes the command's
        self.control = control
        self.returncode: int | None = None  # the command's; negative: killed by that signal

    @property
    def pgid(self) -> int:
        return self.proc.pid

    def _read(self) -> bytes:
        try:
            return self.control.recv(64)
        except OSError:
            return b""

    def started(self) -> None:
        """Raises OSError when the command could not start (as Popen would)."""
        report = self._read()
        if report.startswith(b"error "):
            code = int(report[6:])
            raise OSError(code, os.strerror(code))
        if not report.startswith(b"started"):  # the launcher itself failed
            raise OSError(f"the process launcher ended ({self.proc.wait()})")

    def wait(self, timeout: float) -> int | None:
        """The command's exit code once it exited; None if it still runs after `timeout`."""
        if self.returncode is None and self.control.fileno() != -1:
            if select.select([self.control], [], [], timeout)[0]:
                report = self._read()
                if report.startswith(b"exit "):
                    self.returncode = os.waitstatus_to_exitcode(int(report[5:]))
                else:  # the launcher died (a script's `kill -9 0`): its end stands for it
                    self.returncode = self.proc.wait()
        return self.returncode

    def release(self) -> None:
        """SIGKILL whatever is left of the tree: the launcher sweeps it when its control
        socket closes; the group is signalled too in case the launcher died first."""
        if self.control.fileno() == -1:
            return  # released already
        self.control.close()
        self.proc.wait()
        if self.returncode is None:
            self.returncode = -signal.SIGKILL
        _signal_group(self.pgid, signal.SIGKILL)


def launch(argv: Sequence[str], *, cwd: str | os.PathLike, env: Mapping[str, str]
           ) -> Launched:
    """Start `argv` under the launcher, in a new session, stdout and stderr piped (text).

    The one place a task's process is started. Raises OSError when it cannot start."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(LAUNCHER), str(theirs.fileno()), *argv],
            cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, pass_fds=(theirs.fileno(),), start_new_session=True,
            text=True, encoding="utf-8", errors="replace",
        )
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    launched = Launched(proc, ours)
    try:
        launched.started()
    except BaseException:
        launched.release()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
        raise
    return launched


def _terminate(child: Launched, grace: float) -> None:
    _signal_group(child.pgid, signal.SIGTERM)
    child.wait(grace)
    child.release()


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
    child = launch(argv, cwd=cwd, env=env)
    proc = child.proc
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
        while child.wait(POLL_SECONDS) is None:
            stopped = _stop_reason(ctx)
            if stopped:
                _terminate(child, grace)
                break
        # The pipes stay open while a background child still holds them.
        for reader in readers:
            while reader.is_alive():
                reader.join(POLL_SECONDS)
                if stopped is None and reader.is_alive():
                    stopped = _stop_reason(ctx)
                    if stopped:
                        _terminate(child, grace)
    finally:  # also after an unexpected error above: never leave a process running
        child.release()
        deadline = time.monotonic() + 1.0
        for reader in readers:
            reader.join(max(deadline - time.monotonic(), 0.0))
    return ProcessResult(exit_code=child.returncode, stopped=stopped)

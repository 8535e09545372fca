"""The real `podium` program in a process of its own, as a newcomer runs it: a fresh HOME,
no PODIUM_* variable but those a test gives, output read as it comes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.waiting import wait_for


def clean_env(home: Path, **settings: str) -> dict[str, str]:
    """The environment without PODIUM_* variables, HOME at `home`, plus `settings`. The
    session's script-environment cache stays (building one is slow, and unrelated)."""
    env = {name: value for name, value in os.environ.items()
           if not name.upper().startswith("PODIUM_")}
    env["HOME"] = str(home)
    if os.environ.get("PODIUM_WORKER__SCRIPT_ENV_DIR"):
        env["PODIUM_WORKER__SCRIPT_ENV_DIR"] = os.environ["PODIUM_WORKER__SCRIPT_ENV_DIR"]
    env.update(settings)
    return env


def podium(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `podium ARGS...` to its end; stdout and stderr together in `.stdout`."""
    return subprocess.run([sys.executable, "-m", "podium.cli", *args], env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class Service:
    """`podium ARGS...` left running (a service); its output collected line by line."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "podium.cli", *args], env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def line_with(self, text: str, timeout: float = 60) -> str:
        """The first output line containing `text`, waiting for it."""
        def found() -> str | None:
            assert self.process.poll() is None or any(text in line for line in self.lines), \
                f"podium stopped ({self.process.returncode}):\n{self.output}"
            return next((line for line in self.lines if text in line), None)
        return wait_for(found, timeout, f"'{text}' in the output of podium")

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then its exit status once it and its output ended."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._reader.join(timeout=10)
        return code

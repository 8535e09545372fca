"""dbt for the dbt plugin's tests: a virtual environment of its own with dbt-duckdb and
dbt-postgres (the plugin's extras), made once and kept in a cache folder.

Not the project's .venv: dbt-core pins pathspec below 0.13, which the linters' mypy
refuses. The folder is PODIUM_TEST_DBT_VENV, else ~/.cache/podium-tests/dbt-<hash of the
requirements>; making it needs the package index (about 30 s). The tests that need it are
marked `service`: they may skip on a machine that cannot make it, never under CI=true.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REQUIREMENTS = ("dbt-core>=1.10,<1.12", "dbt-duckdb>=1.10,<1.12", "dbt-postgres>=1.10,<1.12")


def _folder() -> Path:
    if os.environ.get("PODIUM_TEST_DBT_VENV"):
        return Path(os.environ["PODIUM_TEST_DBT_VENV"])
    digest = hashlib.sha256(" ".join(REQUIREMENTS).encode()).hexdigest()[:12]
    return Path.home() / ".cache" / "podium-tests" / f"dbt-{digest}"


def _make(folder: Path) -> None:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True,
                   capture_output=True)
    subprocess.run([str(folder / "bin" / "pip"), "install", "--quiet", *REQUIREMENTS],
                   check=True, capture_output=True, text=True, timeout=900)
    (folder / "made").write_text(f"{time.monotonic() - started:.1f}s\n")


@pytest.fixture(scope="session")
def dbt_bin() -> Path:
    """The bin folder of a virtual environment where `dbt` (duckdb, postgres) runs."""
    folder = _folder()
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / (folder.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one maker at a time (parallel sessions)
        if not (folder / "made").exists():
            try:
                _make(folder)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                detail = getattr(exc, "stderr", "") or ""
                pytest.skip(f"could not install dbt in {folder}: {exc}\n{detail[-2000:]}")
    return folder / "bin"

"""CPU time by process, to say where a bulk workload's work goes (`bench.throughput`).

On a machine with fewer cores than busy processes, throughput is CPU divided among them:
the figure that explains a ratio is how many milliseconds of CPU each process spends per
unit of work (an execution, a task), the services' and the shared servers' (PostgreSQL's
backends, Redis) alike. Read from /proc, so Linux only; elsewhere the figures are absent.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
SHARED = {"postgres": ("postgres",), "redis": ("redis-server",)}


def process_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads), or None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


def _by_name(names: tuple[str, ...]) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def snapshot(roles: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds so far of each role: its processes, the shared servers, this client."""
    seconds = {role: sum(process_seconds(pid) or 0.0 for pid in pids)
               for role, pids in roles.items()}
    for role, names in SHARED.items():
        # PostgreSQL's backends come and go: a backend that exits between two snapshots
        # takes its time with it, so the services' pools (long-lived) are what is counted.
        seconds[role] = sum(process_seconds(pid) or 0.0 for pid in _by_name(names))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    seconds["client"] = usage.ru_utime + usage.ru_stime
    return seconds


def metered(once: Callable[[], dict[str, Any]], roles: Callable[[], dict[str, list[int]]],
            units: int) -> Callable[[], dict[str, Any]]:
    """`once`, with `cpu_<role>_ms` per unit added to its figures (and `cpu_total_ms`)."""
    if not Path("/proc/self/stat").exists():
        return once

    def measured() -> dict[str, Any]:
        before = snapshot(roles())
        figures = once()
        after = snapshot(roles())
        spent = {role: max(0.0, after[role] - before.get(role, 0.0)) * 1000 / units
                 for role in after}
        figures.update({f"cpu_{role}_ms": round(ms, 3) for role, ms in sorted(spent.items())})
        figures["cpu_total_ms"] = round(sum(spent.values()), 3)
        return figures

    return measured


def podium_roles(pids: dict[str, int]) -> dict[str, list[int]]:
    """`PodiumSide.pids()` ({"executor-0": pid, ...}) grouped by role."""
    roles: dict[str, list[int]] = {}
    for name, pid in pids.items():
        roles.setdefault(name.rsplit("-", 1)[0], []).append(pid)
    return roles

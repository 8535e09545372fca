"""`podium flow test --watch`: run again whenever a file under the paths changes.

Changes are found by polling (no platform file-event API): the (modification time, size)
of every YAML file under the paths, compared between rounds; a file added or removed is a
change too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from podium.common.flow.files import flow_files

Snapshot = dict[Path, tuple[int, int]]


def snapshot(paths: tuple[Path, ...], extra: list[Path] | None = None) -> Snapshot:
    """(mtime in ns, size) of every YAML file under `paths`, and of `extra` files (flows a
    test names by path, outside the paths)."""
    found: Snapshot = {}
    for path in [*flow_files(tuple(p for p in paths if p.exists())), *(extra or [])]:
        try:
            stat = path.stat()
        except OSError:  # removed meanwhile: absent from this snapshot, so a change
            continue
        found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed_files(before: Snapshot, after: Snapshot) -> list[Path]:
    """The files added, removed or modified between two snapshots, sorted."""
    return sorted(path for path in before.keys() | after.keys()
                  if before.get(path) != after.get(path))


def watch(paths: tuple[Path, ...], run: Callable[[], list[Path]],
          on_change: Callable[[list[Path]], None], *, poll: float = 0.5,
          keep_going: Callable[[], bool] = lambda: True) -> None:
    """Call `run` (which returns the extra files it read), then again after each change,
    while `keep_going()`; `on_change` is told which files changed first. The files are
    looked at before each run: an edit made while a run goes on makes another one."""
    last, extra = _run_from(snapshot(paths), run)
    while keep_going():
        time.sleep(poll)
        current = snapshot(paths, extra)
        changes = changed_files(last, current)
        if changes:
            on_change(changes)
            current, extra = _run_from(current, run)
        last = current


def _run_from(before: Snapshot, run: Callable[[], list[Path]]) -> tuple[Snapshot, list[Path]]:
    """Run; the snapshot to compare the next poll with: `before`, plus the extra files the
    run read that `before` did not know (as they are now)."""
    extra = run()
    return {**snapshot((), extra), **before}, extra

"""`podium flow test --watch` (podium/flowtest/watch.py): which files changed between two
polls, and the loop running again after a change."""

from __future__ import annotations

import os
import time

from podium.flowtest.watch import changed_files, snapshot, watch


def touch_later(path, text):
    """Write `text` with a modification time a second later than before: a change even on
    a file system whose clock is coarse."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def test_modified_added_and_removed_files_are_changes(tmp_path):
    (tmp_path / "a.yaml").write_text("a")
    (tmp_path / "b.yaml").write_text("b")
    (tmp_path / "notes.txt").write_text("ignored")
    before = snapshot((tmp_path,))
    assert changed_files(before, snapshot((tmp_path,))) == []
    touch_later(tmp_path / "a.yaml", "a2")
    (tmp_path / "b.yaml").unlink()
    (tmp_path / "c.yml").write_text("c")
    (tmp_path / "notes.txt").write_text("still ignored")
    assert changed_files(before, snapshot((tmp_path,))) == [
        tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yml"]


def test_an_extra_file_outside_the_paths_is_watched_too(tmp_path):
    inside, outside = tmp_path / "tests", tmp_path / "flow.yaml"
    inside.mkdir()
    outside.write_text("x")
    before = snapshot((inside,), [outside])
    touch_later(outside, "y")
    assert changed_files(before, snapshot((inside,), [outside])) == [outside]


def test_watch_runs_once_then_again_after_a_change(tmp_path):
    test_file = tmp_path / "t.yaml"
    test_file.write_text("one")
    runs, changes = [], []
    deadline = time.monotonic() + 20

    def run():
        runs.append(test_file.read_text())
        if len(runs) == 1:
            touch_later(test_file, "two")
        return []

    watch((tmp_path,), run, changes.append, poll=0.01,
          keep_going=lambda: len(runs) < 2 and time.monotonic() < deadline)
    assert runs == ["one", "two"]
    assert changes == [[test_file]]

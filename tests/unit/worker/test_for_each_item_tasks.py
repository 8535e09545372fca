"""ForEachItem's worker halves: the split (Kestra's StorageService.split) on local storage."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from podium.common.storage import LocalStorage, input_file_uri
from podium.worker.runnables import run_attempt
from podium.worker.runnables.base import TaskFailure
from podium.worker.runnables.for_each_item import parse_size, split_into_files
from tests.unit.worker.conftest import make_ctx, make_task

SPLIT = "io.kestra.plugin.core.flow.ForEachItem$ForEachItemSplit"
ITEMS = input_file_uri("company.team", "flow", "exec1", "file", "items.txt")


def lines(n: int):
    return (f"line {i}" for i in range(n))


def contents(paths) -> list[str]:
    return [path.read_text() for path in paths]


def test_split_by_rows_bytes_and_partitions(tmp_path):
    assert contents(split_into_files(lines(5), tmp_path, ".txt", "\n", rows=2)) == \
        ["line 0\nline 1\n", "line 2\nline 3\n", "line 4\n"]
    # a file is closed once it reached the size: 7 bytes a line, 14 bytes a file
    assert contents(split_into_files(lines(5), tmp_path, ".txt", "\n", max_bytes=14)) == \
        ["line 0\nline 1\n", "line 2\nline 3\n", "line 4\n"]
    assert contents(split_into_files(lines(5), tmp_path, ".txt", ";", partitions=3)) == \
        ["line 0;line 3;", "line 1;line 4;", "line 2;"]
    # empty partitions are dropped; an empty input gives no file
    assert len(split_into_files(lines(1), tmp_path, ".txt", "\n", partitions=4)) == 1
    assert split_into_files(lines(0), tmp_path, ".txt", "\n", rows=3) == []


def test_sizes_read_like_kestra():
    assert parse_size("10KB") == 10240 and parse_size("2 mb") == 2 * 1024 ** 2
    assert parse_size("512") == 512
    with pytest.raises(TaskFailure, match="Invalid size with value 'ten'"):
        parse_size("ten")


@pytest.fixture
def storage(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        storage.put(ITEMS, "".join(f"{i}\n" for i in range(7)).encode())
        yield storage


def test_the_split_task_stores_numbered_batches_and_a_listing(storage):
    ctx, _ = make_ctx(storage=storage)
    outcome = run_attempt(make_task(SPLIT, items=ITEMS, batch={"rows": 3}), ctx)
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs["batches"] == 3 and outcome.outputs["extension"] == ".txt"
    listing = storage.read_bytes(outcome.outputs["splits"]).decode().splitlines()
    assert [uri.rsplit("/", 1)[-1] for uri in listing] == ["1.txt", "2.txt", "3.txt"]
    assert [storage.read_bytes(uri) for uri in listing] == [b"0\n1\n2\n", b"3\n4\n5\n", b"6\n"]


def test_the_split_task_refuses_what_is_not_a_storage_uri(storage):
    ctx, _ = make_ctx(storage=storage)
    outcome = run_attempt(make_task(SPLIT, items="/etc/passwd"), ctx)
    assert outcome.state is State.FAILED
    assert "this is not an internal storage URI" in outcome.error

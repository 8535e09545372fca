"""GroupCommit: messages that queue up behind a group in progress are decided together,
each caller gets its own outcome, and a lone message never waits for company."""

from __future__ import annotations

import threading

import pytest

from podium.executor.group_commit import Entry, GroupCommit


def _until_waiting(group: GroupCommit, count: int) -> None:
    """Until `count` callers are queued behind the group in progress (polled: a queued
    caller then blocks, which nothing can signal to the test)."""
    for _ in range(1000):
        with group._changed:
            if len(group._waiting) == count:
                return
        threading.Event().wait(0.01)
    raise AssertionError(f"{count} callers never queued up")


def test_a_lone_message_is_decided_at_once_in_a_group_of_one() -> None:
    groups: list[list[str]] = []

    def decide(entries: list[Entry]) -> None:
        groups.append([entry.message for entry in entries])
        for entry in entries:
            entry.result = entry.message.upper()

    assert GroupCommit(decide).run("a") == "A"
    assert groups == [["a"]]


def test_messages_arriving_during_a_group_form_the_next_group() -> None:
    first_inside = threading.Event()
    release_first = threading.Event()
    groups: list[list[str]] = []

    def decide(entries: list[Entry]) -> None:
        names = [entry.message for entry in entries]
        groups.append(names)
        if names == ["first"]:
            first_inside.set()
            release_first.wait(10)
        for entry in entries:
            entry.result = f"done {entry.message}"

    group = GroupCommit(decide)
    results: dict[str, str] = {}

    def call(name: str) -> None:
        results[name] = group.run(name)

    first = threading.Thread(target=call, args=("first",))
    first.start()
    assert first_inside.wait(10)
    others = [threading.Thread(target=call, args=(f"m{i}",)) for i in range(5)]
    for thread in others:
        thread.start()
    _until_waiting(group, 5)  # each caller is queued before it waits
    release_first.set()
    for thread in [first, *others]:
        thread.join(10)
    assert groups[0] == ["first"]
    assert sorted(groups[1]) == [f"m{i}" for i in range(5)]
    assert results == {name: f"done {name}" for name in ["first", *(f"m{i}" for i in range(5))]}


def test_each_caller_gets_its_own_error() -> None:
    def decide(entries: list[Entry]) -> None:
        for entry in entries:
            if entry.message == "bad":
                entry.error = ValueError("bad message")
            else:
                entry.result = "ok"

    group = GroupCommit(decide)
    assert group.run("good") == "ok"
    with pytest.raises(ValueError, match="bad message"):
        group.run("bad")


def test_an_error_of_the_whole_group_reaches_every_caller_and_the_next_group_runs() -> None:
    calls = []

    def decide(entries: list[Entry]) -> None:
        calls.append(len(entries))
        if len(calls) == 1:
            raise RuntimeError("store down")
        for entry in entries:
            entry.result = "ok"

    group = GroupCommit(decide)
    with pytest.raises(RuntimeError, match="store down"):
        group.run("a")
    assert group.run("b") == "ok"


def test_a_group_takes_at_most_max_group_messages() -> None:
    sizes: list[int] = []
    gate = threading.Event()

    def decide(entries: list[Entry]) -> None:
        sizes.append(len(entries))
        if len(sizes) == 1:
            gate.wait(10)
        for entry in entries:
            entry.result = True

    group = GroupCommit(decide, max_group=3)
    threads = [threading.Thread(target=group.run, args=(i,)) for i in range(8)]
    threads[0].start()
    for _ in range(1000):
        if sizes:
            break
        threading.Event().wait(0.01)
    for thread in threads[1:]:
        thread.start()
    _until_waiting(group, 7)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert sizes[0] == 1 and max(sizes) <= 3 and sum(sizes) == 8

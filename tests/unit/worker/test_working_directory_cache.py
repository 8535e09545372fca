"""WorkingDirectory `cache`: files restored from the last run, saved after this one, `ttl`
(Kestra's WorkingDirectoryTest#cache and InternalStorage's cache files), on local storage."""

from __future__ import annotations

import io
import os
import sys
import time
import zipfile

import pytest

from podium.common.models.state import State
from podium.common.storage import LocalStorage, cache_uri
from podium.common.templating import RenderServices, build_context
from podium.worker.run_context import RunContext
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import LogSink, make_ctx, make_task

WD = "io.kestra.plugin.core.flow.WorkingDirectory"
SH = "io.kestra.plugin.scripts.shell.Commands"
LOCAL_FILES = "io.kestra.plugin.core.storage.LocalFiles"
FAIL = "io.kestra.plugin.core.execution.Fail"
ARCHIVE = cache_uri("company.team", "flow", "t1")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")

# The flow of Kestra's test (working-directory-cache.yml): `exists` shows what was restored.
KESTRA_TASKS = [
    {"id": "exists", "type": LOCAL_FILES, "outputs": ["hello.txt"]},
    {"id": "inputFiles", "type": LOCAL_FILES, "inputs": {"hello.txt": "HELLO WORLD"}},
]


@pytest.fixture
def storage(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        yield storage


def run(storage, tasks, cache, ctx=None):
    if ctx is None:
        ctx, logs = make_ctx(storage=storage)
    else:
        logs = ctx.on_log
    outcome = run_attempt(make_task(WD, tasks=tasks, cache=cache), ctx)
    return outcome, logs


def outputs_of(outcome, task_id):
    return next(c.outputs for c in outcome.children if c.task_id == task_id)


def archive_names(storage, uri=ARCHIVE):
    with zipfile.ZipFile(io.BytesIO(storage.read_bytes(uri))) as archive:
        return sorted(archive.namelist())


def test_the_second_run_starts_with_the_files_the_first_left(storage):
    cache = {"ttl": "PT5M", "patterns": ["*.txt"]}
    first, _ = run(storage, KESTRA_TASKS, cache)
    assert first.state is State.SUCCESS, first
    assert outputs_of(first, "exists") == {"uris": {}}
    assert archive_names(storage) == ["hello.txt"]

    second, _ = run(storage, KESTRA_TASKS, cache)
    assert second.state is State.SUCCESS, second
    restored = outputs_of(second, "exists")["uris"]
    assert list(restored) == ["hello.txt"]
    assert storage.read_bytes(restored["hello.txt"]) == b"HELLO WORLD"


def test_only_the_matching_files_are_cached_and_folders_keep_their_layout(storage):
    cache = {"patterns": ["deps/**"]}
    run(storage, [{"id": "make", "type": SH, "commands": [
        "mkdir -p deps/a/b && echo lib > deps/a/b/lib.txt && echo x > other.txt"]}], cache)
    assert archive_names(storage) == ["deps/a/b/lib.txt"]
    outcome, _ = run(storage, [{"id": "look", "type": SH, "commands": [
        "cat deps/a/b/lib.txt", "test ! -e other.txt"]}], cache)
    assert outcome.state is State.SUCCESS, outcome


def test_an_unchanged_cache_is_not_rewritten(storage, tmp_path):
    cache = {"patterns": ["*.txt"]}
    run(storage, [{"id": "make", "type": SH, "commands": ["echo v1 > a.txt"]}], cache)
    stored = tmp_path / "storage" / ARCHIVE.removeprefix("kestra:///")
    past = time.time() - 3600
    os.utime(stored, (past, past))
    outcome, _ = run(storage, [{"id": "read", "type": SH, "commands": ["cat a.txt"]}], cache)
    assert outcome.state is State.SUCCESS, outcome
    assert stored.stat().st_mtime == pytest.approx(past)  # kept: its ttl keeps counting
    run(storage, [{"id": "change", "type": SH, "commands": ["echo v2 > a.txt"]}], cache)
    assert stored.stat().st_mtime > past + 60


def test_an_archive_older_than_its_ttl_is_deleted_not_restored(storage, tmp_path):
    cache = {"ttl": "{{ 'PT' ~ 10 ~ 'M' }}", "patterns": ["*.txt"]}  # rendered at run time
    run(storage, [{"id": "make", "type": SH, "commands": ["echo old > a.txt"]}], cache)
    stored = tmp_path / "storage" / ARCHIVE.removeprefix("kestra:///")
    past = time.time() - 11 * 60
    os.utime(stored, (past, past))
    outcome, _ = run(storage, [{"id": "look", "type": SH, "commands": ["test ! -e a.txt"]}],
                     cache)
    assert outcome.state is State.SUCCESS, outcome
    assert not storage.exists(ARCHIVE)  # nothing matched this time: no new archive


def test_without_ttl_the_archive_never_expires(storage, tmp_path):
    cache = {"patterns": ["*.txt"]}
    run(storage, [{"id": "make", "type": SH, "commands": ["echo kept > a.txt"]}], cache)
    stored = tmp_path / "storage" / ARCHIVE.removeprefix("kestra:///")
    os.utime(stored, (0, 0))
    outcome, _ = run(storage, [{"id": "look", "type": SH, "commands": ["grep kept a.txt"]}],
                     cache)
    assert outcome.state is State.SUCCESS, outcome


def test_a_ttl_that_is_not_a_duration_fails_naming_it(storage):
    cache = {"ttl": "{{ 'soon' }}", "patterns": ["*.txt"]}
    run(storage, [{"id": "make", "type": SH, "commands": ["echo a > a.txt"]}], cache)
    outcome, _ = run(storage, [{"id": "make", "type": SH, "commands": ["true"]}], cache)
    assert outcome.state is State.FAILED
    assert "cache.ttl" in outcome.error and "soon" in outcome.error


def test_each_loop_value_has_its_own_cache(storage):
    cache = {"patterns": ["*.txt"]}

    def ctx_for(value):
        context = build_context(flow_id="flow", namespace="company.team", execution_id="e",
                                task_id="t1", taskrun_id=f"tr-{value}", taskrun_value=value,
                                environ={})
        return RunContext(context, RenderServices(), LogSink(), storage=storage)

    write = [{"id": "w", "type": SH, "commands": ["echo {{ taskrun.value }} > v.txt"]}]
    for value in ("a", "b"):
        run(storage, write, cache, ctx_for(value))
    check = [{"id": "c", "type": SH, "commands": ["grep -x {{ taskrun.value }} v.txt"]}]
    for value in ("a", "b"):
        outcome, _ = run(storage, check, cache, ctx_for(value))
        assert outcome.state is State.SUCCESS, (value, outcome)
    assert cache_uri("company.team", "flow", "t1", "a") != cache_uri("company.team", "flow",
                                                                      "t1", "b")


def test_the_cache_is_saved_even_when_a_child_failed(storage):
    # Kestra's Worker runs postExecuteTasks after the children whatever their state.
    cache = {"patterns": ["*.txt"]}
    outcome, _ = run(storage, [{"id": "make", "type": SH, "commands": ["echo a > a.txt"]},
                               {"id": "boom", "type": FAIL}], cache)
    assert outcome.state is State.FAILED
    assert archive_names(storage) == ["a.txt"]


def test_restored_executables_keep_their_mode(storage):
    cache = {"patterns": ["bin/**"]}
    run(storage, [{"id": "make", "type": SH, "commands": [
        "mkdir bin && printf '#!/bin/sh\\necho ran\\n' > bin/tool && chmod 755 bin/tool"]}],
        cache)
    outcome, _ = run(storage, [{"id": "use", "type": SH, "commands": ["./bin/tool"]}], cache)
    assert outcome.state is State.SUCCESS, outcome


def test_a_crafted_archive_cannot_write_outside_the_working_directory(storage, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escaped.txt", "no")
        archive.writestr("/etc/podium-escaped.txt", "no")
        archive.writestr("ok.txt", "yes")
    storage.put(ARCHIVE, buffer.getvalue())
    outcome, logs = run(storage, [{"id": "look", "type": SH, "commands": ["cat ok.txt"]}],
                        {"patterns": ["*.txt"]})
    assert outcome.state is State.SUCCESS, outcome
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not os.path.exists("/etc/podium-escaped.txt")
    errors = logs.messages("ERROR")
    assert len(errors) == 2 and all("Cache entry not restored" in e for e in errors)


def test_an_unreadable_archive_is_ignored_with_a_warning(storage):
    storage.put(ARCHIVE, b"not a zip file")
    outcome, logs = run(storage, [{"id": "make", "type": SH, "commands": ["echo a > a.txt"]}],
                        {"patterns": ["*.txt"]})
    assert outcome.state is State.SUCCESS, outcome
    assert any("cannot be read" in m for m in logs.messages("WARN"))
    assert archive_names(storage) == ["a.txt"]  # replaced by this run's


@pytest.mark.parametrize("pattern", ["../*.txt", "/etc/*", "a/./b"])
def test_patterns_leaving_the_working_directory_log_an_error_and_cache_nothing(storage,
                                                                               pattern):
    # Kestra accepts such a flow (and caches nothing): so do we, saying why at run time
    outcome, logs = run(storage, [{"id": "make", "type": SH, "commands": ["echo a > a.txt"]}],
                        {"patterns": [pattern]})
    assert outcome.state is State.SUCCESS, outcome
    [error] = logs.messages("ERROR")
    assert "Unable to save the WorkingDirectory cache" in error and pattern in error
    assert "cache.patterns" in error and not storage.exists(ARCHIVE)

"""io.kestra.plugin.core.storage.* tasks on local storage: Concat, Split, Size, Delete,
Reverse, PurgeCurrentExecutionFiles, DeduplicateItems, FilterItems; what they may reach,
and a ~50 MB Split -> Concat whose Python memory stays small."""

from __future__ import annotations

import tracemalloc

import pytest

from podium.common.models.state import State
from podium.common.storage import LocalStorage, input_file_uri, namespace_file_uri
from podium.worker.runnables import run_attempt
from podium.worker.runnables.line_files import reversed_lines
from tests.unit.worker.conftest import make_ctx, make_task

STORAGE = "io.kestra.plugin.core.storage."
LEGACY = "io.kestra.core.tasks.storages."
LINES = input_file_uri("company.team", "flow", "exec1", "data", "lines.csv")
ITEMS = input_file_uri("company.team", "flow", "exec1", "data", "items.ion")
OTHER = input_file_uri("company.team", "flow", "exec2", "data", "secret.txt")
NS_FILE = namespace_file_uri("company.team", "ref.txt")


@pytest.fixture
def storage(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        storage.put(LINES, b"a\nb\r\nc\nd\ne\n")
        storage.put(ITEMS, b'{id:1,v:"x",n:5}\n{id:2,v:"y",n:20}\n\n{id:1,v:"z",n:30}\n'
                           b'{id:3,v:"w",n:1}\n')
        storage.put(OTHER, b"not yours\n")
        storage.put(NS_FILE, b"shared\n")
        yield storage


def run(storage, name, **props):
    ctx, logs = make_ctx(storage=storage)
    outcome = run_attempt(make_task(STORAGE + name, **props), ctx)
    return outcome, logs


def ok(storage, name, **props) -> dict:
    outcome, _ = run(storage, name, **props)
    assert outcome.state is State.SUCCESS, outcome.error
    return outcome.outputs


def failed(storage, name, **props) -> str:
    outcome, _ = run(storage, name, **props)
    assert outcome.state is State.FAILED, outcome.outputs
    return outcome.error


# ---------------------------------------------------------------- Split and Concat
def test_split_by_rows_keeps_the_extension(storage):
    uris = ok(storage, "Split", **{"from": LINES, "rows": 2})["uris"]
    assert [uri.rsplit("/", 1)[-1] for uri in uris] == ["1.csv", "2.csv", "3.csv"]
    assert [storage.read_bytes(uri) for uri in uris] == [b"a\nb\n", b"c\nd\n", b"e\n"]
    assert all("/tasks/t1/tr1/" in uri for uri in uris)


def test_split_by_partitions_bytes_and_separator(storage):
    parts = ok(storage, "Split", **{"from": LINES, "partitions": 2, "separator": ";"})["uris"]
    assert [storage.read_bytes(uri) for uri in parts] == [b"a;c;e;", b"b;d;"]
    sized = ok(storage, "Split", **{"from": LINES, "bytes": "4"})["uris"]
    assert [storage.read_bytes(uri) for uri in sized] == [b"a\nb\n", b"c\nd\n", b"e\n"]
    by_expression = ok(storage, "Split", **{"from": LINES, "rows": "{{ 1 + 2 }}"})["uris"]
    assert len(by_expression) == 2


def test_split_needs_exactly_one_way_and_a_positive_count(storage):
    with pytest.raises(ValueError, match="exactly one of bytes, partitions or rows"):
        make_task(STORAGE + "Split", **{"from": LINES, "rows": 2, "partitions": 2})
    assert "must be at least 1" in failed(storage, "Split", **{"from": LINES, "rows": 0})
    assert "Invalid size with value 'lots'" in failed(storage, "Split",
                                                      **{"from": LINES, "bytes": "lots"})


def test_concat_a_list_or_a_json_string_with_separator_and_extension(storage):
    uris = ok(storage, "Split", **{"from": LINES, "rows": 3})["uris"]
    joined = ok(storage, "Concat", files=uris, separator="--\n", extension=".txt")["uri"]
    assert joined.endswith("/concat.txt")
    assert storage.read_bytes(joined) == b"a\nb\nc\n--\nd\ne\n--\n"
    ctx, _ = make_ctx(storage=storage)
    ctx.context["outputs"] = {"split": {"uris": uris}}
    outcome = run_attempt(make_task(STORAGE + "Concat", files="{{ outputs.split.uris }}"), ctx)
    assert outcome.state is State.SUCCESS, outcome.error
    assert storage.read_bytes(outcome.outputs["uri"]) == b"a\nb\nc\nd\ne\n"
    assert outcome.outputs["uri"].endswith("/concat.tmp")
    assert "JSON array" in failed(storage, "Concat", files="not json")


def test_legacy_names_run_the_same_tasks(storage):
    ctx, _ = make_ctx(storage=storage)
    outcome = run_attempt(make_task(LEGACY + "Size", uri=LINES), ctx)
    assert outcome.outputs == {"size": 11}


# ---------------------------------------------------------------- Size, Delete, Purge
def test_size_of_own_and_namespace_files(storage):
    assert ok(storage, "Size", uri=LINES) == {"size": 11}
    assert ok(storage, "Size", uri=NS_FILE) == {"size": 7}


def test_delete_and_error_on_missing(storage):
    assert ok(storage, "Delete", uri=LINES) == {"uri": LINES, "deleted": True}
    assert not storage.exists(LINES)
    assert ok(storage, "Delete", uri=LINES) == {"uri": LINES, "deleted": False}
    assert failed(storage, "Delete", uri=LINES, errorOnMissing=True) == \
        f"Unable to find file '{LINES}'"


def test_purge_deletes_only_this_execution(storage):
    produced = ok(storage, "Split", **{"from": LINES, "rows": 5})["uris"]
    uris = ok(storage, "PurgeCurrentExecutionFiles")["uris"]
    assert sorted(uris) == sorted([LINES, ITEMS, *produced])
    assert storage.list("kestra:///company/team/flow/executions/exec1") == []
    assert storage.exists(OTHER) and storage.exists(NS_FILE)
    assert ok(storage, "PurgeCurrentExecutionFiles") == {"uris": []}


@pytest.mark.parametrize("task, props", [
    ("Size", {"uri": OTHER}), ("Delete", {"uri": OTHER}), ("Concat", {"files": [OTHER]}),
    ("Split", {"from": OTHER, "rows": 1}), ("Reverse", {"from": OTHER}),
    ("FilterItems", {"from": OTHER, "filterCondition": "true"}),
    ("DeduplicateItems", {"from": OTHER, "expr": "{{ id }}"}),
])
def test_files_of_other_executions_are_out_of_reach(storage, task, props):
    assert "belongs neither to the current execution" in failed(storage, task, **props)
    assert storage.exists(OTHER)


@pytest.mark.parametrize("uri", [
    "kestra:///company/team/flow/executions/exec1/../exec2/data/secret.txt",
    "kestra:///company/team/flow/executions/exec1/inputs/%2e%2e/x",
    "/etc/passwd", "file:///etc/passwd",
])
def test_traversal_and_foreign_uris_are_refused(storage, uri):
    error = failed(storage, "Size", uri=uri)
    assert "Unsafe storage path" in error or "must be an internal storage URI" in error


def test_an_unsafe_extension_is_refused_before_copying(storage):
    assert "file name" in failed(storage, "Concat", files=[LINES], extension="/../../x")


# ---------------------------------------------------------------- Reverse
def test_reverse_lines_with_separator(storage):
    uri = ok(storage, "Reverse", **{"from": LINES})["uri"]
    assert uri.endswith("/reverse.csv")
    assert storage.read_bytes(uri) == b"e\nd\nc\nb\na\n"
    joined = ok(storage, "Reverse", **{"from": LINES, "separator": ","})["uri"]
    assert storage.read_bytes(joined) == b"e,d,c,b,a,"


def test_reverse_in_latin_1_and_refused_charsets(storage):
    latin = input_file_uri("company.team", "flow", "exec1", "data", "latin.txt")
    storage.put(latin, "é\nà\n".encode("latin-1"))
    uri = ok(storage, "Reverse", **{"from": latin, "charset": "ISO-8859-1"})["uri"]
    assert storage.read_bytes(uri) == "à\né\n".encode("latin-1")
    assert "Unsupported charset 'NOPE'" in failed(storage, "Reverse",
                                                  **{"from": LINES, "charset": "NOPE"})
    assert "line breaks must be single bytes" in failed(storage, "Reverse",
                                                        **{"from": LINES, "charset": "UTF-16"})


@pytest.mark.parametrize("content, lines", [
    (b"", []), (b"\n", [b""]), (b"a", [b"a"]), (b"a\n", [b"a"]), (b"a\n\nb", [b"b", b"", b"a"]),
    (b"x\r\ny\r\n", [b"y", b"x"]),
])
def test_reversed_lines_like_commons_io(tmp_path, content, lines):
    path = tmp_path / "f"
    path.write_bytes(content)
    assert list(reversed_lines(path)) == lines


def test_reversed_lines_across_blocks(tmp_path):
    lines = [(f"{i:06d}-" + "x" * (i % 300)).encode() for i in range(2000)]
    path = tmp_path / "f"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")  # ~300 KB: several 64 KB blocks
    assert list(reversed_lines(path)) == lines[::-1]


# ---------------------------------------------------------------- ION items
def test_deduplicate_keeps_the_last_item_of_each_key(storage):
    outputs = ok(storage, "DeduplicateItems", **{"from": ITEMS, "expr": "{{ id }}"})
    assert storage.read_bytes(outputs.pop("uri")) == \
        b'{id:2,v:"y",n:20}\n{id:1,v:"z",n:30}\n{id:3,v:"w",n:1}\n'
    assert outputs == {"numKeys": 3, "processedItemsTotal": 4, "droppedItemsTotal": 1}


def test_deduplicate_on_a_composite_key(storage):
    outputs = ok(storage, "DeduplicateItems",
                 **{"from": ITEMS, "expr": "{{ id }}-{{ n > 10 }}"})
    assert outputs["numKeys"] == 4 and outputs["droppedItemsTotal"] == 0


@pytest.mark.parametrize("filter_type, kept", [
    ("INCLUDE", [b'{id:2,v:"y",n:20}', b'{id:1,v:"z",n:30}']),
    ("EXCLUDE", [b'{id:1,v:"x",n:5}', b'{id:3,v:"w",n:1}']),
])
def test_filter_items(storage, filter_type, kept):
    outputs = ok(storage, "FilterItems", **{"from": ITEMS, "filterCondition": "{{ n > 10 }}",
                                            "filterType": filter_type})
    assert storage.read_bytes(outputs["uri"]).splitlines() == kept
    assert outputs["processedItemsTotal"] == 4 and outputs["droppedItemsTotal"] == 2


@pytest.mark.parametrize("behavior, kept", [("INCLUDE", 4), ("EXCLUDE", 0)])
def test_filter_errors_follow_error_or_null_behavior(storage, behavior, kept):
    # `missing` exists on one item only (which EXCLUDE drops): the others fail to render.
    storage.put(ITEMS, b'{id:1}\n{id:2}\n{id:3,missing:1}\n{id:4}\n{id:5}\n')
    outputs = ok(storage, "FilterItems", **{"from": ITEMS, "filterCondition": "{{ missing }}",
                                            "filterType": "EXCLUDE",
                                            "errorOrNullBehavior": behavior})
    assert outputs["processedItemsTotal"] - outputs["droppedItemsTotal"] == kept
    assert "Unable to find `missing`" in failed(storage, "FilterItems", **{
        "from": ITEMS, "filterCondition": "{{ missing }}"})


def test_items_must_be_ion_structs(storage):
    storage.put(ITEMS, b"{id:1}\n42\n")
    assert "line 2 is not an ION struct" in failed(storage, "FilterItems", **{
        "from": ITEMS, "filterCondition": "true"})
    storage.put(ITEMS, b"{id:1\n")
    assert "Invalid ION item at line 1" in failed(storage, "DeduplicateItems", **{
        "from": ITEMS, "expr": "{{ id }}"})


# ---------------------------------------------------------------- bounded memory
def test_a_50_mb_split_and_concat_stream(storage, tmp_path):
    big = input_file_uri("company.team", "flow", "exec1", "data", "big.txt")
    local = tmp_path / "big.txt"
    line = b"x" * 99 + b"\n"
    with open(local, "wb") as out:
        for _ in range(50):
            out.write(line * 10_485)  # just under 1 MiB at a time: ~50 MiB in all
    size = local.stat().st_size
    with open(local, "rb") as stream:
        storage.put(big, stream)
    local.unlink()

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        parts = ok(storage, "Split", **{"from": big, "bytes": "10MB"})["uris"]
        joined = ok(storage, "Concat", files=parts)["uri"]
        reversed_uri = ok(storage, "Reverse", **{"from": joined})["uri"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(parts) == 5
    assert ok(storage, "Size", uri=joined) == {"size": size}
    assert storage.size(reversed_uri) == size
    assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB file"

"""Which files an execution may read, and read()'s bounded text read (local disk in tmp)."""

from __future__ import annotations

import pytest

from podium.common.errors import (
    FileAccessError,
    FileTooLargeError,
    StorageError,
    StorageNotFoundError,
    UnsafePathError,
)
from podium.common.storage import LocalStorage, input_file_uri, namespace_file_uri, task_output_uri
from podium.common.storage.access import FileScope, file_size, read_text
from podium.common.storage.uploads import InputUploads, Upload

OWN = task_output_uri("company.team", "my_flow", "E1", "t", "TR1", "out.txt")
PARENT = input_file_uri("company", "parent", "P1", "data", "in.csv")
OTHER_EXECUTION = task_output_uri("company.team", "my_flow", "E2", "t", "TR1", "out.txt")
OTHER_NAMESPACE = task_output_uri("other", "my_flow", "E1", "t", "TR1", "out.txt")
NS_FILE = namespace_file_uri("company.team", "scripts/etl.py")


@pytest.fixture
def storage(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        yield storage


def scope(trigger=None) -> FileScope:
    context = {"flow": {"namespace": "company.team", "id": "my_flow"},
               "execution": {"id": "E1"}}
    if trigger is not None:
        context["trigger"] = trigger
    return FileScope.from_context(context)


def test_own_files_and_namespace_files_are_readable():
    assert scope().check(OWN) == OWN
    assert scope().check(NS_FILE) == NS_FILE


@pytest.mark.parametrize("uri", [OTHER_EXECUTION, OTHER_NAMESPACE, PARENT,
                                 namespace_file_uri("company", "x.txt")])
def test_other_files_are_refused(uri):
    with pytest.raises(FileAccessError, match="current execution"):
        scope().check(uri)


def test_the_triggering_execution_is_readable():
    parent = {"namespace": "company", "flowId": "parent", "executionId": "P1"}
    assert scope(parent).check(PARENT) == PARENT
    with pytest.raises(FileAccessError):
        scope({"id": "schedule", "type": "x", "date": "2024"}).check(PARENT)


@pytest.mark.parametrize("uri", [
    "kestra:///company/team/my-flow/executions/E1/../E2/x",
    "kestra:///company/team/my-flow/executions/E1/%2e%2e/E2/x",
    "kestra://company/team/my-flow/executions/E1/x",
    "file:///etc/passwd",
])
def test_malformed_or_traversing_uris_are_refused(uri):
    with pytest.raises(StorageError):
        scope().check(uri) if uri.startswith("kestra:") else scope().resolve(uri)


def test_a_prefix_of_another_execution_id_is_not_a_match():
    longer = task_output_uri("company.team", "my_flow", "E10", "t", "TR", "x")
    with pytest.raises(FileAccessError):
        scope().check(longer)


def test_without_an_execution_only_namespace_files_are_readable():
    bare = FileScope.from_context({"flow": {"namespace": "company.team", "id": "f"}})
    assert bare.check(NS_FILE) == NS_FILE
    with pytest.raises(FileAccessError):
        bare.check(OWN)


def test_read_text_of_a_uri_and_of_a_namespace_path(storage):
    storage.put(OWN, "héllo".encode())
    storage.put(NS_FILE, b"print(1)")
    assert read_text(storage, scope(), OWN) == "héllo"
    assert read_text(storage, scope(), "scripts/etl.py") == "print(1)"
    assert read_text(storage, scope(), "/scripts/etl.py") == "print(1)"


def test_read_text_refuses_traversal_in_namespace_paths(storage):
    with pytest.raises(UnsafePathError):
        read_text(storage, scope(), "../../other/_files/x")


def test_read_text_refuses_other_executions_before_reading(storage):
    storage.put(OTHER_EXECUTION, b"secret")
    with pytest.raises(FileAccessError):
        read_text(storage, scope(), OTHER_EXECUTION)


def test_read_text_is_capped(storage):
    storage.put(OWN, b"x" * 101)
    with pytest.raises(FileTooLargeError, match="101 bytes is over the 100"):
        read_text(storage, scope(), OWN, limit=100)
    assert read_text(storage, scope(), OWN, limit=101) == "x" * 101


def test_read_text_of_a_missing_file(storage):
    with pytest.raises(StorageNotFoundError):
        read_text(storage, scope(), OWN)


def test_file_size(storage):
    storage.put(OWN, b"12345")
    assert file_size(storage, scope(), OWN) == 5
    with pytest.raises(FileAccessError):
        file_size(storage, scope(), OTHER_EXECUTION)


# ------------------------------------------------------------------ uploads
def test_uploads_store_paths_bytes_and_uploads_under_the_execution(storage, tmp_path):
    local = tmp_path / "data.csv"
    local.write_text("a,b\n")
    uploads = InputUploads(storage)
    store = uploads.for_execution("company.team", "my_flow", "E1", {"raw": ".bin"})
    assert store("file", local) == input_file_uri("company.team", "my_flow", "E1", "file",
                                                  "data.csv")
    assert store("raw", b"\x00\x01").endswith("/inputs/raw/raw.bin")
    assert store("named", Upload("n.txt", data=b"n")).endswith("/inputs/named/n.txt")
    assert storage.read_bytes(uploads.stored[0]) == b"a,b\n"
    uploads.discard()
    assert storage.list("kestra:///company") == []


@pytest.mark.parametrize("value, message", [
    ("/etc/passwd", "takes an uploaded file, or a kestra://"),
    (Upload("../x", data=b""), "file name"),
    (Upload("a/b", data=b""), "file name"),
])
def test_uploads_refuse_strings_and_unsafe_names(storage, value, message):
    store = InputUploads(storage).for_execution("company.team", "my_flow", "E1")
    with pytest.raises(StorageError, match=message):
        store("file", value)


def test_uploading_a_missing_local_file_fails_clearly(storage, tmp_path):
    store = InputUploads(storage).for_execution("company.team", "my_flow", "E1")
    with pytest.raises(StorageError, match="cannot read"):
        store("file", tmp_path / "absent.csv")

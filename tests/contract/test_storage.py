"""The internal storage contract: one suite, run on local disk and on a real S3 server.

What the executor and workers rely on, whatever the backend: round trips of bytes and
streams, overwrites, not-found errors, listing under a prefix taken as a directory, deletes
and purges, large streamed uploads, unicode names, traversal refused, namespaces isolated.
"""

from __future__ import annotations

import hashlib
import io
import random
from datetime import timezone

import pytest

from podium.common.errors import StorageError, StorageNotFoundError, UnsafePathError
from podium.common.storage import Storage, namespace_file_uri, task_output_uri
from podium.common.storage.s3 import MIB, S3Storage
from podium.common.storage.uris import key_of

A = "kestra:///company/team/flow/executions/e1/tasks/t/r1/a.txt"


class ChunkSource(io.RawIOBase):
    """A non-seekable stream of `size` pseudo-random bytes that records their sha256 and
    refuses any read larger than `max_read`: proves a put never slurps the whole stream.
    Like a pipe, it returns at most `short` bytes per read."""

    def __init__(self, size: int, max_read: int = 16 * MIB, fail_after: int | None = None,
                 short: int = MIB):
        self.left, self.max_read, self.fail_after, self.short = size, max_read, fail_after, short
        self.random, self.sha256, self.sent = random.Random(size), hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        assert len(buffer) <= self.max_read, f"read of {len(buffer)} bytes at once"
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise OSError("source stream broke")
        data = self.random.randbytes(min(len(buffer), self.left, self.short))
        buffer[:len(data)] = data
        self.left -= len(data)
        self.sent += len(data)
        self.sha256.update(data)
        return len(data)

    def read(self, size: int = -1) -> bytes:
        assert size is not None and size >= 0, "whole-stream read"
        return super().read(size)


def digest(storage: Storage, uri: str) -> str:
    sha256 = hashlib.sha256()
    with storage.get(uri) as stream:
        while chunk := stream.read(256 * 1024):
            sha256.update(chunk)
    return sha256.hexdigest()


@pytest.mark.parametrize("make", [bytes, bytearray, memoryview, io.BytesIO],
                         ids=["bytes", "bytearray", "memoryview", "stream"])
def test_round_trip(storage, make):
    assert storage.put(A, make(b"hello")) == A
    with storage.get(A) as stream:
        assert stream.read() == b"hello"
    assert storage.read_bytes(A) == b"hello"


def test_put_reads_stream_from_its_position_and_leaves_it_open(storage):
    source = io.BytesIO(b"skip:kept")
    source.seek(5)
    storage.put(A, source)
    assert storage.read_bytes(A) == b"kept" and not source.closed


def test_empty_file(storage):
    storage.put(A, b"")
    assert (storage.exists(A), storage.size(A), storage.read_bytes(A)) == (True, 0, b"")


def test_overwrite_replaces_content(storage):
    storage.put(A, b"first version, longer")
    storage.put(A, b"second")
    assert storage.read_bytes(A) == b"second" and storage.size(A) == 6
    assert [e.uri for e in storage.list("kestra:///company")] == [A]


def test_failed_put_keeps_previous_content(storage):
    storage.put(A, b"old")
    with pytest.raises(OSError, match="source stream broke"):
        storage.put(A, ChunkSource(10 * MIB, fail_after=MIB))
    assert storage.read_bytes(A) == b"old"
    assert [e.uri for e in storage.list("kestra:///company")] == [A]


def test_missing_object(storage):
    missing = "kestra:///company/team/nothing.txt"
    with pytest.raises(StorageNotFoundError) as info:
        storage.get(missing)
    assert info.value.uri == missing and missing in str(info.value)
    with pytest.raises(StorageNotFoundError):
        storage.size(missing)
    with pytest.raises(StorageNotFoundError):
        storage.read_bytes(missing)
    assert storage.exists(missing) is False
    assert storage.delete(missing) is False


def test_exists_and_size(storage):
    storage.put(A, b"x" * 1234)
    assert storage.exists(A) and storage.size(A) == 1234
    # A "directory" is not a file, on any backend.
    assert not storage.exists("kestra:///company/team")
    with pytest.raises(StorageNotFoundError):
        storage.get("kestra:///company/team")


def test_list_under_prefix_and_not_above(storage):
    for key in ("a/b/x", "a/b/c/y", "a/bc/z", "a/top", "other/b/x"):
        storage.put(f"kestra:///{key}", key.encode())
    expected = ["kestra:///a/b/c/y", "kestra:///a/b/x"]
    assert [e.uri for e in storage.list("kestra:///a/b")] == expected
    assert [e.uri for e in storage.list("kestra:///a/b/")] == expected
    entry = storage.list("kestra:///a/b/c")[0]
    assert entry.size == len(b"a/b/c/y") and entry.modified.tzinfo is not None
    assert entry.modified.utcoffset() == timezone.utc.utcoffset(None)
    assert storage.list("kestra:///a/nothing") == []
    assert storage.list("kestra:///a/top") == []  # a file is not a directory


def test_delete_one(storage):
    sibling = A.replace("a.txt", "b.txt")
    storage.put(A, b"1")
    storage.put(sibling, b"2")
    assert storage.delete(A) is True
    assert storage.delete(A) is False
    assert not storage.exists(A) and storage.read_bytes(sibling) == b"2"


def test_delete_prefix(storage):
    execution = "kestra:///company/team/flow/executions/e1"
    for name in ("tasks/t/r1/a", "tasks/t/r2/b", "inputs/f/c.csv"):
        storage.put(f"{execution}/{name}", b"data")
    storage.put("kestra:///company/team/flow/executions/e10/kept", b"data")
    storage.put("kestra:///company/team/_files/kept.sql", b"data")
    assert storage.delete_prefix(execution) == 3
    assert storage.list(execution) == []
    assert storage.delete_prefix(execution) == 0
    assert [e.uri for e in storage.list("kestra:///company")] == [
        "kestra:///company/team/_files/kept.sql",
        "kestra:///company/team/flow/executions/e10/kept"]
    storage.put(f"{execution}/tasks/t/r3/again", b"1")  # the purged directory can be reused
    assert storage.exists(f"{execution}/tasks/t/r3/again")


def test_delete_prefix_more_than_one_batch(storage):
    # S3 deletes at most 1000 keys per call: 1001 files need two.
    for i in range(1001):
        storage.put(f"kestra:///many/f{i:04}", b"")
    assert storage.delete_prefix("kestra:///many") == 1001
    assert storage.list("kestra:///many") == []


def test_large_streamed_upload(storage):
    size = 20 * MIB + 12345  # not a multiple of the part size: a short last part
    source = ChunkSource(size, max_read=8 * MIB, short=64 * 1024)
    storage.put(A, source)
    assert storage.size(A) == size
    assert digest(storage, A) == source.sha256.hexdigest()
    if isinstance(storage, S3Storage):
        # A multipart ETag is "<md5 of the part md5s>-<part count>": 5 MiB parts here. The
        # client is private, but only S3 itself can tell how an object was uploaded.
        head = storage._client.head_object(Bucket=storage.bucket,
                                           Key=storage.object_key(key_of(A)))
        assert head["ETag"].strip('"').endswith("-5")


@pytest.mark.parametrize("name", ["résumé 2024.csv", "日本語/ファイル.txt", "emoji-🚀.json",
                                  "space and + plus & more=1.txt", "100% done.txt"])
def test_unicode_and_odd_names(storage, name):
    uri = namespace_file_uri("company.team", name)
    assert storage.put(uri, name.encode()) == uri
    assert storage.read_bytes(uri) == name.encode()
    assert [e.uri for e in storage.list("kestra:///company/team/_files")] == [uri]
    assert storage.delete(uri)


UNSAFE_URIS = [
    "kestra:///a/../b", "kestra:///../etc/passwd", "kestra:///a/..", "kestra:///a/./b",
    "kestra:////etc/passwd", "kestra:///a//b", "kestra:///a/b/", "kestra:///",
    "kestra:///a\\..\\b", "kestra:///a/b\x00c", "kestra:///a/b\nc",
    "kestra:///a/%2e%2e/b", "kestra:///a/%2E%2E/b", "kestra:///a/.%2e/b",
    "kestra:///a%2f..%2fb", "kestra:///a/%5c..%5cb", "kestra:///a/%00", "kestra:///a/%252e%252e/b",
    "/etc/passwd", "../a", "file:///etc/passwd", "kestra://host/a", "s3://bucket/a", "",
]


@pytest.mark.parametrize("uri", UNSAFE_URIS)
def test_unsafe_uris_refused_everywhere(storage, uri):
    storage.put("kestra:///a/b", b"safe")
    ops = [lambda: storage.put(uri, b"evil"), lambda: storage.get(uri),
           lambda: storage.exists(uri), lambda: storage.size(uri),
           lambda: storage.delete(uri)]
    if uri != "kestra:///a/b/":  # a trailing slash is fine for a prefix
        ops += [lambda: storage.list(uri), lambda: storage.delete_prefix(uri)]
    for op in ops:
        with pytest.raises(UnsafePathError) as info:
            op()
        assert info.value.name == uri
    assert [e.uri for e in storage.list("kestra:///a")] == ["kestra:///a/b"]


def test_namespace_isolation(storage):
    mine = namespace_file_uri("company.team", "query.sql")
    theirs = namespace_file_uri("company.teammate", "query.sql")
    output = task_output_uri("company.team", "flow", "e1", "t", "r1", "out.csv")
    storage.put(mine, b"1", namespace="company.team")
    storage.put(output, b"2", namespace="company.team")
    storage.put(theirs, b"3")  # no namespace: the caller is trusted (the executor)
    assert storage.read_bytes(mine, namespace="company.team") == b"1"
    assert storage.read_bytes(mine, namespace="company") == b"1"  # children, as in Kestra
    ops = [lambda: storage.get(theirs, namespace="company.team"),
           lambda: storage.put(theirs, b"x", namespace="company.team"),
           lambda: storage.exists(theirs, namespace="company.team"),
           lambda: storage.size(theirs, namespace="company.team"),
           lambda: storage.delete(theirs, namespace="company.team"),
           lambda: storage.list("kestra:///company", namespace="company.team"),
           lambda: storage.delete_prefix("kestra:///company", namespace="company.team")]
    for op in ops:
        with pytest.raises(UnsafePathError, match="outside namespace 'company.team'"):
            op()
    assert storage.read_bytes(theirs) == b"3"
    assert len(storage.list("kestra:///company/team", namespace="company.team")) == 2


def test_errors_share_one_root(storage):
    with pytest.raises(StorageError):
        storage.get("kestra:///missing")
    with pytest.raises(StorageError):
        storage.get("kestra:///../x")

"""Namespace files in storage and Kestra's path patterns (PathMatcherPredicate)."""

from __future__ import annotations

import pytest

from podium.common.errors import StorageError, UnsafePathError
from podium.common.storage import LocalStorage, namespace_file_uri
from podium.common.storage import namespace_files as nsfiles
from podium.common.storage.globs import include_exclude, path_predicate

PATHS = ["a.txt", "scripts/etl.py", "scripts/lib/util.py", "test/a/b/c/1.txt",
         "ignore/4.txt", "q.sql"]


def matched(predicate) -> list[str]:
    return [path for path in PATHS if predicate(path)]


@pytest.mark.parametrize("patterns, expected", [
    (["a.txt"], ["a.txt"]),  # a bare name matches at any depth...
    (["etl.py"], ["scripts/etl.py"]),
    (["*.py"], []),  # ...but `*` does not cross the leading slash, as in Kestra
    (["**.py"], ["scripts/etl.py", "scripts/lib/util.py"]),
    (["/scripts/*.py"], ["scripts/etl.py"]),
    (["/scripts/**"], ["scripts/etl.py", "scripts/lib/util.py"]),
    (["**/b/**"], ["test/a/b/c/1.txt"]),
    (["glob:**/{q.sql,a.txt}"], ["a.txt", "q.sql"]),
    ([r"regex:.*/\d\.txt"], ["test/a/b/c/1.txt", "ignore/4.txt"]),
])
def test_patterns_read_like_kestra(patterns, expected):
    assert matched(path_predicate(patterns)) == expected


def test_anchored_patterns_are_relative_to_the_directory():
    assert matched(path_predicate(["scripts/*.py"], anchored=True)) == ["scripts/etl.py"]
    assert matched(path_predicate(["*.txt"], anchored=True)) == ["a.txt"]
    assert matched(path_predicate(["glob:**/*.txt"], anchored=True)) == \
        ["a.txt", "test/a/b/c/1.txt", "ignore/4.txt"]


def test_include_and_exclude():
    assert matched(include_exclude(None, ["/ignore/**"])) == \
        [p for p in PATHS if not p.startswith("ignore/")]
    assert matched(include_exclude(["**.txt"], ["/ignore/**"])) == ["a.txt", "test/a/b/c/1.txt"]
    assert matched(include_exclude(None, None)) == PATHS


def test_an_invalid_regex_is_a_value_error():
    with pytest.raises(ValueError, match="invalid regex"):
        path_predicate(["regex:("])


@pytest.fixture
def storage(tmp_path):
    with LocalStorage(tmp_path) as storage:
        yield storage


def test_put_list_and_conflicts(storage):
    uri, written = nsfiles.put_file(storage, "company.team", "/scripts/etl.py", b"v1")
    assert (uri, written) == (namespace_file_uri("company.team", "scripts/etl.py"), True)
    assert nsfiles.put_file(storage, "company.team", "scripts/etl.py", b"v2", "SKIP")[1] is False
    assert storage.read_bytes(uri) == b"v1"
    with pytest.raises(StorageError, match="already exists .* conflict is set to ERROR"):
        nsfiles.put_file(storage, "company.team", "scripts/etl.py", b"v3", "ERROR")
    nsfiles.put_file(storage, "company.team", "scripts/etl.py", b"v4")
    assert storage.read_bytes(uri) == b"v4"
    nsfiles.put_file(storage, "company.team.child", "other.txt", b"child")
    nsfiles.put_file(storage, "company.team", "top.txt", b"top")
    files = nsfiles.list_files(storage, "company.team")
    assert [(f.path, f.size) for f in files] == [("scripts/etl.py", 2), ("top.txt", 3)]
    assert [f.path for f in nsfiles.list_files(storage, "company.team", "scripts")] == \
        ["scripts/etl.py"]
    assert [f.path for f in nsfiles.find_files(storage, "company.team",
                                               nsfiles.matching(["top.txt"]))] == ["top.txt"]


@pytest.mark.parametrize("path", ["../x", "a/../../x", "a//b", "./a", "a\\b", "%2e%2e/x",
                                  "a/\x00", ""])
def test_traversal_is_refused(storage, path):
    with pytest.raises(UnsafePathError):
        nsfiles.put_file(storage, "company.team", path, b"x")
    with pytest.raises(UnsafePathError):
        nsfiles.join("folder", path)


def test_folders():
    assert nsfiles.folder_path("/") is None and nsfiles.folder_path(None) is None
    assert nsfiles.folder_path("/a/b/") == "a/b"
    assert nsfiles.join("a/b", "c.txt") == "a/b/c.txt" and nsfiles.join(None, "/c") == "c"
    with pytest.raises(UnsafePathError):
        nsfiles.folder_path("/a/../..")

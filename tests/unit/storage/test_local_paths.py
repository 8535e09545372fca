"""file:// URIs within allowed paths, and nsfile:// URIs (common/storage/local_paths.py),
on real directories, symlinks included."""

from __future__ import annotations

import os

import pytest

from podium.common.errors import FileAccessError, UnsafePathError
from podium.common.storage import LocalStorage, namespace_file_uri
from podium.common.storage.access import FileScope, file_size, read_text
from podium.common.storage.local_paths import LocalFiles, is_file_uri, namespace_file_of


@pytest.fixture
def tree(tmp_path):
    """allowed/ (a.txt, sub/b.txt, link_out -> ../secret.txt, dir_out -> ../private)
    beside secret.txt and private/c.txt, which no file:// URI may reach."""
    allowed = tmp_path / "allowed"
    (allowed / "sub").mkdir(parents=True)
    (allowed / "a.txt").write_text("alpha")
    (allowed / "sub" / "b.txt").write_text("beta")
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "c.txt").write_text("hidden")
    os.symlink(tmp_path / "secret.txt", allowed / "link_out")
    os.symlink(tmp_path / "private", allowed / "dir_out")
    os.symlink(allowed / "a.txt", allowed / "link_in")
    return tmp_path


def uri(path) -> str:
    return f"file://{path}"


def test_file_uris_are_refused_by_default_naming_the_setting(tree):
    with pytest.raises(FileAccessError, match="PODIUM_LOCAL_FILES__ALLOWED_PATHS") as err:
        LocalFiles().open(uri(tree / "allowed" / "a.txt"))
    assert "no allowed path is configured" in str(err.value)


def test_files_inside_an_allowed_path_are_read(tree):
    files = LocalFiles.of([tree / "allowed"])
    with files.open(uri(tree / "allowed" / "sub" / "b.txt")) as stream:
        assert stream.read() == b"beta"
    assert files.size(uri(tree / "allowed" / "a.txt")) == 5
    with files.open(uri(tree / "allowed" / "link_in")) as stream:  # a link staying inside
        assert stream.read() == b"alpha"
    with files.open("file://localhost" + str(tree / "allowed" / "a.txt")) as stream:
        assert stream.read() == b"alpha"


@pytest.mark.parametrize("escape", [
    "allowed/../secret.txt", "allowed/sub/../../secret.txt", "allowed/%2e%2e/secret.txt",
    "allowed/link_out", "allowed/dir_out/c.txt", "secret.txt", "private/c.txt"])
def test_traversal_and_symlink_escapes_are_refused(tree, escape):
    files = LocalFiles.of([tree / "allowed"])
    with pytest.raises(FileAccessError, match="outside the allowed paths"):
        files.open(uri(tree) + "/" + escape)


def test_a_missing_file_a_directory_and_malformed_uris(tree):
    files = LocalFiles.of([tree / "allowed"])
    with pytest.raises(FileAccessError, match="no such file"):
        files.open(uri(tree / "allowed" / "nope.txt"))
    with pytest.raises(FileAccessError, match="not a regular file"):
        files.open(uri(tree / "allowed" / "sub"))
    for bad in ("file://host/etc/passwd", "file:relative.txt", "file:///a?x=1"):
        with pytest.raises(UnsafePathError):
            files.open(bad)


def test_an_allowed_path_given_through_a_symlink_still_allows_its_files(tree):
    os.symlink(tree / "allowed", tree / "via_link")
    files = LocalFiles.of([tree / "via_link"])
    with files.open(uri(tree / "allowed" / "a.txt")) as stream:
        assert stream.read() == b"alpha"


def test_nsfile_uris_name_namespace_files():
    assert namespace_file_of("nsfile:///scripts/etl.py", "company.team") == \
        namespace_file_uri("company.team", "scripts/etl.py")
    assert namespace_file_of("nsfile://company/scripts/etl.py", "company.team") == \
        namespace_file_uri("company", "scripts/etl.py")
    assert namespace_file_of("nsfile:///a%20b.txt", "ns") == namespace_file_uri("ns", "a b.txt")
    for bad in ("nsfile:///../x", "nsfile:///a/../../x", "nsfile:///", "nsfile://ns",
                "nsfile:///%2e%2e/x"):
        with pytest.raises(UnsafePathError):
            namespace_file_of(bad, "company.team")


def test_is_file_uri():
    assert all(is_file_uri(v) for v in ("kestra:///a", "nsfile:///a", "file:///a"))
    assert not any(is_file_uri(v) for v in ("a.txt", "/etc/passwd", "http://x", None, 3))


# ------------------------------------------------------------------ read() and fileSize()
@pytest.fixture
def storage(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        yield storage


SCOPE = FileScope.from_context({"flow": {"namespace": "company.team", "id": "f"},
                                "execution": {"id": "E1"}})


def test_read_text_and_file_size_of_nsfile_uris(storage):
    storage.put(namespace_file_uri("company.team", "q.sql"), b"select 1")
    storage.put(namespace_file_uri("company", "shared.sql"), b"select 2")
    assert read_text(storage, SCOPE, "nsfile:///q.sql") == "select 1"
    assert read_text(storage, SCOPE, "nsfile://company/shared.sql") == "select 2"
    assert file_size(storage, SCOPE, "nsfile:///q.sql") == 8


def test_read_text_and_file_size_of_file_uris(storage, tree):
    files = LocalFiles.of([tree / "allowed"])
    assert read_text(storage, SCOPE, uri(tree / "allowed" / "a.txt"), local_files=files) == \
        "alpha"
    assert file_size(storage, SCOPE, uri(tree / "allowed" / "a.txt"), local_files=files) == 5
    with pytest.raises(FileAccessError, match="PODIUM_LOCAL_FILES__ALLOWED_PATHS"):
        read_text(storage, SCOPE, uri(tree / "allowed" / "a.txt"))
    with pytest.raises(FileAccessError, match="outside the allowed paths"):
        read_text(storage, SCOPE, uri(tree / "secret.txt"), local_files=files)


def test_a_fifo_in_an_allowed_path_is_refused_without_blocking(tree):
    os.mkfifo(tree / "allowed" / "pipe")
    with pytest.raises(FileAccessError, match="not a regular file"):
        LocalFiles.of([tree / "allowed"]).open(uri(tree / "allowed" / "pipe"))

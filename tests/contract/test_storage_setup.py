"""Storage from settings, and what only the local backend can get wrong (symlinks, debris)."""

from __future__ import annotations

import os

import pytest

from podium.common.errors import StorageError, UnsafePathError
from podium.common.settings import Settings
from podium.common.storage import LocalStorage
from podium.common.storage.factory import storage_from_settings
from podium.common.storage.s3 import S3Storage


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """A developer's own PODIUM_* variables must not leak into these tests."""
    for name in list(os.environ):
        if name.upper().startswith("PODIUM_"):
            monkeypatch.delenv(name)


def test_default_is_local_under_data_dir(tmp_path):
    with storage_from_settings(Settings(data_dir=tmp_path).storage) as storage:
        assert isinstance(storage, LocalStorage)
        assert storage.root == (tmp_path / "storage").resolve()
        storage.put("kestra:///ns/f", b"1")
    assert (tmp_path / "storage" / "ns" / "f").read_bytes() == b"1"


def test_s3_needs_a_bucket(tmp_path):
    with pytest.raises(StorageError, match="PODIUM_STORAGE__S3__BUCKET"):
        storage_from_settings(Settings(data_dir=tmp_path, storage={"kind": "s3"}).storage)


@pytest.mark.service
def test_s3_from_environment(monkeypatch, s3_endpoint):
    for name, value in {"KIND": "s3", "S3__BUCKET": s3_endpoint.bucket,
                        "S3__ENDPOINT_URL": s3_endpoint.url, "S3__REGION": "us-east-1",
                        "S3__PATH_STYLE": "true", "S3__PREFIX": "/from-settings/",
                        "S3__ACCESS_KEY_ID": s3_endpoint.access_key_id or "",
                        "S3__SECRET_ACCESS_KEY": s3_endpoint.secret_access_key or "",
                        "S3__MULTIPART_THRESHOLD_MB": "16", "S3__MAX_ATTEMPTS": "2"}.items():
        monkeypatch.setenv(f"PODIUM_STORAGE__{name}", value)
    settings = Settings().storage
    assert "testing" not in repr(settings)  # keys are SecretStr: never in logs
    with storage_from_settings(settings) as storage:
        assert isinstance(storage, S3Storage) and storage.prefix == "from-settings"
        storage.put("kestra:///ns/f", b"via settings")
        assert storage.read_bytes("kestra:///ns/f") == b"via settings"
        assert storage.delete_prefix("kestra:///ns") == 1


def test_local_symlink_out_of_root_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    storage = LocalStorage(tmp_path / "root")
    (tmp_path / "root" / "ns").mkdir()
    (tmp_path / "root" / "ns" / "link").symlink_to(outside)
    for op in (lambda: storage.get("kestra:///ns/link/secret"),
               lambda: storage.put("kestra:///ns/link/new", b"x"),
               lambda: storage.delete_prefix("kestra:///ns/link")):
        with pytest.raises(UnsafePathError, match="outside the storage root"):
            op()
    assert storage.list("kestra:///ns") == []  # the link is not followed either
    assert sorted(os.listdir(outside)) == ["secret"]


def test_local_write_is_atomic_and_leaves_no_debris(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put("kestra:///a/b/f", b"1")
    storage.put("kestra:///a/b/f", b"2")
    assert os.listdir(tmp_path / "a" / "b") == ["f"]  # the temp file was renamed over f


def test_local_purge_removes_empty_directories(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put("kestra:///ns/flow/executions/e1/tasks/t/r/f", b"1")
    storage.put("kestra:///ns/other", b"1")
    assert storage.delete_prefix("kestra:///ns/flow/executions/e1") == 1
    assert sorted(os.listdir(tmp_path / "ns")) == ["other"]


def test_local_write_error_is_a_storage_error(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put("kestra:///a/file", b"1")
    with pytest.raises(StorageError, match="Cannot write kestra:///a/file/child"):
        storage.put("kestra:///a/file/child", b"2")  # a file where a directory should be

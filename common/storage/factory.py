"""Build the configured storage backend from settings (the composition root calls this)."""

from __future__ import annotations

from podium.common.errors import StorageError
from podium.common.settings import StorageSettings
from podium.common.storage.base import Storage
from podium.common.storage.local import LocalStorage
from podium.common.storage.s3 import MIB, S3Storage


def storage_from_settings(settings: StorageSettings) -> Storage:
    """`settings` is `Settings().storage`, whose local root is already derived from
    `data_dir`. Raises StorageError when the chosen backend lacks a required setting."""
    if settings.kind == "local":
        if settings.base_path is None:
            raise StorageError("Local storage needs PODIUM_STORAGE__BASE_PATH")
        return LocalStorage(settings.base_path)
    s3 = settings.s3
    if not s3.bucket:
        raise StorageError("S3 storage needs PODIUM_STORAGE__S3__BUCKET")
    return S3Storage(
        s3.bucket, endpoint_url=s3.endpoint_url, region=s3.region,
        access_key_id=s3.access_key_id.get_secret_value() if s3.access_key_id else None,
        secret_access_key=(s3.secret_access_key.get_secret_value()
                           if s3.secret_access_key else None),
        path_style=s3.path_style, prefix=s3.prefix, max_attempts=s3.max_attempts,
        multipart_threshold=s3.multipart_threshold_mb * MIB)

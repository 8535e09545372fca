"""Internal storage: the port (`Storage`), Kestra-compatible URIs, local and S3 backends.

`LocalStorage` is imported here; `S3Storage` lives in `common.storage.s3` (it loads boto3),
and `common.storage.factory.storage_from_settings` picks a backend from settings. Errors are
`common.errors.StorageError` and its subclasses. `common.storage.access` says which files an
execution may read (and `read()`'s bounded read); `common.storage.uploads` stores FILE inputs;
`common.storage.namespace_files` handles namespace files, matched with Kestra's path
patterns (`common.storage.globs`).
"""

from podium.common.storage.base import Data, Storage, StorageEntry
from podium.common.storage.local import LocalStorage
from podium.common.storage.uris import (
    URI_PREFIX,
    cache_uri,
    check_name,
    check_path,
    execution_prefix,
    input_file_uri,
    namespace_file_uri,
    namespace_files_prefix,
    namespace_path,
    slugify,
    task_output_uri,
    trigger_file_uri,
)

__all__ = [
    "URI_PREFIX", "Data", "LocalStorage", "Storage", "StorageEntry", "cache_uri", "check_name",
    "check_path", "execution_prefix", "input_file_uri", "namespace_file_uri", "namespace_files_prefix",
    "namespace_path", "slugify", "task_output_uri", "trigger_file_uri",
]

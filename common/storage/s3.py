"""S3 storage (AWS, MinIO, Ceph, any S3-compatible endpoint) through boto3.

The key of a URI becomes the object key, under an optional key prefix, so several
deployments can share one bucket. This module is the one place where botocore errors are
translated into Podium's storage errors.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timezone
from typing import Any, BinaryIO

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from podium.common.errors import StorageError, StorageNotFoundError, StorageUnavailableError
from podium.common.storage.base import CHUNK_SIZE, Storage, StorageEntry
from podium.common.storage.uris import check_path, uri_of

MIB = 1024 * 1024
# S3 refuses parts under 5 MiB (but the last), and a single PUT over 5 GiB.
MIN_PART_SIZE = 5 * MIB
# DeleteObjects takes at most this many keys per call.
DELETE_BATCH = 1000
# Error codes meaning "no such object". NoSuchBucket is deliberately absent: a missing bucket
# is a misconfiguration, not a missing file. HEAD responses have no body, hence "404".
_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}


@contextmanager
def _translate(action: str, uri: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in _NOT_FOUND:
            raise StorageNotFoundError(uri) from None
        detail = error.get("Message") or code
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        kind = StorageUnavailableError if status >= 500 else StorageError
        raise kind(f"S3 refused to {action} {uri}: {code}: {detail}") from exc
    except (BotoConnectionError, HTTPClientError) as exc:  # refused, reset, timed out
        raise StorageUnavailableError(f"S3 unreachable, failed to {action} {uri}: {exc}") \
            from exc
    except (BotoCoreError, S3UploadFailedError) as exc:
        raise StorageError(f"S3 failed to {action} {uri}: {exc}") from exc


class _Body(io.RawIOBase):
    """A GetObject body whose read errors (connection reset mid-download...) are ours."""

    def __init__(self, body: Any, uri: str) -> None:
        self._body, self._uri = body, uri

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with _translate("read", self._uri):
            data = self._body.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class _Source(io.RawIOBase):
    """The caller's stream, adapted for upload_fileobj.

    - Reads are filled up to the size asked until the stream ends: s3transfer takes a short
      first read for the end of the stream (and then reads the rest whole), and a short read
      for a whole part, which S3 refuses under 5 MiB. Pipes and sockets read short.
    - Never closed: s3transfer closes what it uploads, but the stream is the caller's.
    - Not seekable, so s3transfer reads it once, part by part.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view, filled = memoryview(buffer).cast("B"), 0
        while filled < len(view):
            data = self._stream.read(len(view) - filled)
            if not data:
                break
            view[filled:filled + len(data)] = data
            filled += len(data)
        return filled


class S3Storage(Storage):
    """Objects in `bucket`, keyed ``<prefix>/<key>``. Credentials: the given keys, else the
    usual AWS chain (environment, shared config, instance or pod role). Files of
    `multipart_threshold` bytes or more are uploaded in parts of `multipart_chunksize`
    bytes (default: the threshold, at least 5 MiB). `max_attempts` counts the first try."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None,
                 region: str | None = None, access_key_id: str | None = None,
                 secret_access_key: str | None = None, path_style: bool = False,
                 prefix: str = "", max_attempts: int = 5,
                 multipart_threshold: int = 8 * MIB,
                 multipart_chunksize: int | None = None) -> None:
        self.bucket = bucket
        self.prefix = check_path(prefix.strip("/"), "S3 key prefix") if prefix.strip("/") else ""
        config = Config(
            # "standard": exponential backoff with jitter on throttling, 5xx and resets.
            retries={"mode": "standard", "max_attempts": max_attempts},
            s3={"addressing_style": "path" if path_style else "auto"},
            connect_timeout=10, read_timeout=60,
        )
        # A session of our own: boto3's default session is shared and not thread-safe.
        self._client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config,
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key)
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=max(multipart_chunksize or multipart_threshold, MIN_PART_SIZE),
            max_concurrency=4)
        # Parts of a stream are buffered in memory: bound it to a few parts (default 10).
        self._transfer.max_in_memory_upload_chunks = 4

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def object_key(self, key: str) -> str:
        """The S3 object key holding storage key `key`."""
        return f"{self.prefix}/{key}" if self.prefix else key

    def close(self) -> None:
        self._client.close()

    def _write(self, key: str, stream: BinaryIO) -> None:
        # upload_fileobj reads the stream part by part and switches to a multipart upload
        # (aborted on failure) past the threshold, so a file is never held whole.
        with _translate("write", uri_of(key)):
            self._client.upload_fileobj(_Source(stream), self.bucket, self.object_key(key),
                                        Config=self._transfer)

    def _open(self, key: str) -> BinaryIO:
        uri = uri_of(key)
        with _translate("read", uri):
            body = self._client.get_object(Bucket=self.bucket, Key=self.object_key(key))["Body"]
        return io.BufferedReader(_Body(body, uri), buffer_size=CHUNK_SIZE)

    def _size(self, key: str) -> int | None:
        try:
            with _translate("stat", uri_of(key)):
                head = self._client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except StorageNotFoundError:
            return None
        return int(head["ContentLength"])

    def _delete(self, key: str) -> bool:
        # DeleteObject succeeds on a missing key, so ask first to report whether it existed.
        if self._size(key) is None:
            return False
        with _translate("delete", uri_of(key)):
            self._client.delete_object(Bucket=self.bucket, Key=self.object_key(key))
        return True

    def _list(self, prefix: str) -> list[StorageEntry]:
        return [StorageEntry(uri_of(key), int(item["Size"]),
                             item["LastModified"].astimezone(timezone.utc))
                for page in self._pages(prefix) for key, item in page]

    def _delete_prefix(self, prefix: str) -> int:
        count = 0
        # A page holds at most 1000 keys, DeleteObjects' limit: one call per page. Deleting
        # listed keys does not disturb the listing, which continues after the last key seen.
        for page in self._pages(prefix):
            objects = [{"Key": item["Key"]} for _, item in page]
            for start in range(0, len(objects), DELETE_BATCH):
                count += self._delete_batch(prefix, objects[start:start + DELETE_BATCH])
        return count

    def _delete_batch(self, prefix: str, objects: list[dict[str, str]]) -> int:
        with _translate("delete under", uri_of(prefix)):
            response = self._client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})
        errors = response.get("Errors", [])
        if errors:
            first = errors[0]
            raise StorageError(f"S3 failed to delete {len(errors)} object(s) under "
                               f"{uri_of(prefix)}, first {first.get('Key')}: "
                               f"{first.get('Code')}: {first.get('Message')}")
        return len(objects)

    def _pages(self, prefix: str) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        """Pages of (storage key, ListObjectsV2 item) under `prefix` taken as a directory."""
        skip = len(self.prefix) + 1 if self.prefix else 0
        paginator = self._client.get_paginator("list_objects_v2")
        with _translate("list", uri_of(prefix)):
            for page in paginator.paginate(Bucket=self.bucket,
                                           Prefix=self.object_key(prefix) + "/"):
                yield [(item["Key"][skip:], item) for item in page.get("Contents", [])]

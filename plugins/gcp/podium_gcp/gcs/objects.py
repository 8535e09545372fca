"""What the GCS types share: the Storage client (Kestra's AbstractGcs.connection), `gs://`
URIs as Kestra reads and writes them, Google's errors as TaskFailure, objects as Kestra's
output (models.Blob) and downloading one into internal storage.

URIs follow Kestra: in an output `uri` a space of the object name is written `+`
(`gs://b/my+file.csv`), and every `gs://` property reads `+` (and `%20`) back as a space,
so a listed object's `uri` can be given to Delete, Copy or Download unchanged.

Emulators: when the worker's environment has STORAGE_EMULATOR_HOST (as with Google's own
clients and fake-gcs-server), the client talks to that endpoint without credentials; a
given `serviceAccount` is still parsed and masked, so bad keys fail the same way.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from podium.sdk import RunContext, TaskFailure
from podium.sdk.triggers import PollContext
from podium_gcp.connection import GcpConnection

if TYPE_CHECKING:  # imported when a task runs (podium_gcp/connection.py says why)
    from google.api_core import exceptions as api_errors
    from google.cloud import storage
    from google.cloud.storage import Blob

# A task's RunContext, or the PollContext of the Trigger's evaluation in the scheduler.
Ctx = RunContext | PollContext
EMULATOR_ENV = "STORAGE_EMULATOR_HOST"
CHUNK = 1024 * 1024


def storage_client(task: GcpConnection, ctx: Ctx) -> storage.Client:
    """A Storage client with the task's credentials and project (or the emulator's)."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    emulator = os.environ.get(EMULATOR_ENV)
    if emulator:
        if task.service_account is not None:
            task.google_credentials(ctx)  # validates and masks the key all the same
        if "://" not in emulator:  # `localhost:4443`, as fake-gcs-server's docs write it
            emulator = f"http://{emulator}"
        project = text(ctx, task.project_id) or "podium-emulator"
        return storage.Client(project=project, credentials=AnonymousCredentials(),
                              client_options={"api_endpoint": emulator})
    identity = task.google_credentials(ctx)
    return storage.Client(project=identity.project, credentials=identity.credentials)


@contextlib.contextmanager
def gcs_errors(where: str) -> Iterator[None]:
    """Google's errors while `where` (e.g. "uploading to gs://b/k") as a TaskFailure."""
    import requests
    from google.api_core import exceptions as api_errors
    from google.auth.exceptions import GoogleAuthError

    try:
        yield
    except TaskFailure:
        raise
    except api_errors.GoogleAPICallError as exc:
        raise TaskFailure(f"Google Cloud Storage refused {where}: {_reason(exc)}") from None
    except GoogleAuthError as exc:
        raise TaskFailure(f"Google credentials failed while {where}: {exc}") from None
    except requests.RequestException as exc:
        raise TaskFailure(f"Google Cloud Storage unreachable while {where}: "
                          f"{type(exc).__name__}: {exc}") from None


def _reason(exc: api_errors.GoogleAPICallError) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return f"{exc.code} {message}".strip() if exc.code else message


def text(ctx: Ctx, value: Any) -> str | None:
    """A string property rendered (None when absent or empty)."""
    rendered = None if value is None else ctx.render(value)
    return None if rendered is None or str(rendered) == "" else str(rendered)


def required(ctx: Ctx, value: Any, name: str) -> str:
    rendered = text(ctx, value)
    if rendered is None:
        raise TaskFailure(f"`{name}` is required and rendered empty")
    return rendered


def parse_gs(value: str, name: str) -> tuple[str, str]:
    """`gs://bucket/path` as (bucket, object name), as Kestra reads it: `%xx` escapes and
    `+` become the characters they stand for."""
    match = re.fullmatch(r"gs://([^/]+)(?:/(.*))?", value.strip(), re.DOTALL)
    if not match:
        raise TaskFailure(f"`{name}` must be a gs://bucket/path URI, got '{value}'")
    return match.group(1), unquote(match.group(2) or "").replace("+", " ")


def gs_uri(bucket: str, name: str) -> str:
    """An object's URI as Kestra's Blob.uri writes it (spaces as `+`)."""
    return f"gs://{bucket}/{name.replace(' ', '+')}"


def check_killed(ctx: Ctx) -> None:
    """Stop when the task was killed; a trigger's poll (PollContext) has no kill switch."""
    check = getattr(ctx, "check_killed", None)
    if check is not None:
        check()


def counter(ctx: Ctx, name: str, value: float, **tags: str) -> None:
    """A counter metric of the task run (a trigger's poll records none)."""
    record = getattr(ctx, "metric", None)
    if record is not None:
        record({"name": name, "type": "counter", "value": value, "tags": tags})


def instant(value: datetime | str | None) -> str | None:
    """A timestamp as Kestra's Blob has it: Java's Instant of the epoch millis, written by
    Instant.toString() (UTC, `Z`, millis when set)."""
    if value is None:
        return None
    if isinstance(value, str):  # a raw RFC 3339 property of the resource
        value = datetime.fromisoformat(value)
    value = value.astimezone(timezone.utc)
    value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    base = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond == 0:
        return base + "Z"
    fraction = f"{value.microsecond:06d}"
    return f"{base}.{fraction[:3] if value.microsecond % 1000 == 0 else fraction}Z"


def non_empty(values: dict[str, Any]) -> dict[str, Any]:
    """Without None and empty collections or strings (as Kestra's outputs leave them out)."""
    return {k: v for k, v in values.items()
            if v is not None and not (isinstance(v, (str, dict, list)) and len(v) == 0)}


def blob_output(blob: Blob) -> dict[str, Any]:
    """An object as Kestra's models.Blob (`directory` is Lombok's name of `isDirectory`)."""
    p = blob._properties  # the JSON resource as GCS returned it
    retention = blob.retention_expiration_time
    return non_empty({
        "uri": gs_uri(blob.bucket.name, blob.name), "bucket": blob.bucket.name,
        "name": blob.name, "generatedId": p.get("id"), "selfLink": p.get("selfLink"),
        "cacheControl": blob.cache_control, "size": blob.size, "etag": blob.etag,
        "md5": blob.md5_hash, "crc32c": blob.crc32c, "customTime": instant(blob.custom_time),
        "mediaLink": blob.media_link, "metadata": blob.metadata,
        "metaGeneration": blob.metageneration, "deleteTime": instant(blob.time_deleted),
        "updateTime": instant(blob.updated), "createTime": instant(blob.time_created),
        "contentType": blob.content_type, "contentEncoding": blob.content_encoding,
        "contentDisposition": blob.content_disposition,
        "contentLanguage": blob.content_language,
        "timeStorageClassUpdated": instant(p.get("timeStorageClassUpdated")),
        "componentCount": blob.component_count, "directory": False,
        "kmsKeyName": blob.kms_key_name, "eventBasedHold": blob.event_based_hold,
        "temporaryHold": blob.temporary_hold,
        "retentionExpirationTime": int(retention.timestamp() * 1000) if retention else None})


def directory_output(bucket: str, prefix: str) -> dict[str, Any]:
    """A "directory" of a DIRECTORY listing (a common prefix), as Kestra's Java client
    reports it: a Blob with `directory: true` and size 0."""
    return {"uri": gs_uri(bucket, prefix), "bucket": bucket, "name": prefix, "size": 0,
            "directory": True}


def crc32c_b64(value: int) -> str:
    """GCS's CRC32C form: base64 of the 4-byte big-endian value."""
    return base64.b64encode(value.to_bytes(4, "big")).decode()


class Digests:
    """MD5 and CRC32C of a stream, as GCS reports them (base64)."""

    def __init__(self) -> None:
        import google_crc32c

        self._md5 = hashlib.md5(usedforsecurity=False)
        self._crc = google_crc32c.Checksum()

    def update(self, chunk: bytes) -> None:
        self._md5.update(chunk)
        self._crc.update(chunk)

    @property
    def md5(self) -> str:
        return base64.b64encode(self._md5.digest()).decode()

    @property
    def crc32c(self) -> str:
        return base64.b64encode(self._crc.digest()).decode()


class StoredNames:
    """File names for downloaded objects, unique within one task run (two objects may share
    a last segment: `a/data.csv`, `b/data.csv`)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def name_for(self, key: str) -> str:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", key.rstrip("/").rsplit("/", 1)[-1])
        base = base.lstrip(".") or "object"
        name, n = base, 1
        while name in self.used:
            n += 1
            name = f"{n}_{base}"
        self.used.add(name)
        return name


def download(ctx: Ctx, client: storage.Client, bucket: str, name: str, names: StoredNames,
             validate: bool = False) -> str:
    """The object streamed into the working directory, then into internal storage; its
    kestra:// URI. `validate` compares its CRC32C (else MD5) with what GCS stored."""
    where = f"downloading gs://{bucket}/{name}"
    with gcs_errors(where):
        blob = client.bucket(bucket).get_blob(name)
        if blob is None:
            raise TaskFailure(f"Unable to find blob on bucket '{bucket}' with path '{name}'")
        local = Path(ctx.working_dir) / names.name_for(name)
        digests = Digests()
        with blob.open("rb", chunk_size=CHUNK) as stream, open(local, "wb") as out:
            while chunk := stream.read(CHUNK):
                check_killed(ctx)
                digests.update(chunk)
                out.write(chunk)
    if validate:
        _validate(ctx, blob, digests, local)
    uri = ctx.put_file(local, local.name)
    local.unlink()
    return uri


def _validate(ctx: Ctx, blob: Blob, digests: Digests, local: Path) -> None:
    algorithm, expected, actual = (("CRC32C", blob.crc32c, digests.crc32c) if blob.crc32c
                                   else ("MD5", blob.md5_hash, digests.md5))
    where = f"gs://{blob.bucket.name}/{blob.name}"
    if expected is None:
        raise TaskFailure(f"Checksum validation requested but blob '{where}' has neither "
                          "CRC32C nor MD5 metadata.")
    if expected != actual:
        raise TaskFailure(f"Checksum mismatch for {where} ({algorithm}): expected={expected} "
                          f"actual={actual}")
    if blob.size is not None and local.stat().st_size != blob.size:
        raise TaskFailure(f"Downloaded size mismatch for {where}: expected={blob.size} "
                          f"actual={local.stat().st_size}")
    counter(ctx, "checksum.validated", 1, algorithm=algorithm)

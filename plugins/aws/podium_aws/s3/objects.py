"""What the S3 types share: the bucket properties (Kestra's AbstractS3Object), the listing
properties and the listing itself (ListInterface, S3Service.list), objects as Kestra's
output (models.S3Object), and storing a downloaded object in internal storage.

Outputs follow Kestra's serialisation (Jackson, empty values left out): an object is
``{key, etag, size, lastModified, owner?, uri?, checksumAlgorithm?, checksumValue?}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import Field

from podium.sdk import RunContext, StrictModel, TaskFailure
from podium.sdk.triggers import PollContext
from podium_aws.connection import AwsConnection, aws_errors

# S3 returns at most 1000 keys a page; `maxKeys` is the total across pages, as Kestra.
PAGE_MAX = 1000
CHUNK = 1024 * 1024
ListFilter = Literal["FILES", "DIRECTORY", "BOTH"]
# A task's RunContext, or the PollContext of the Trigger's evaluation in the scheduler.
Ctx = RunContext | PollContext


class S3Bucket(AwsConnection):
    """Kestra's AbstractS3Object: the connection plus `bucket` and `requestPayer`."""

    bucket: str
    request_payer: str | None = None


class ListOptions(StrictModel):
    """Kestra's ListInterface: which keys of `bucket` a listing returns."""

    prefix: str | None = None
    delimiter: str | None = None
    marker: str | None = None
    encoding_type: str | None = None
    max_keys: int = Field(1000, ge=1)
    expected_bucket_owner: str | None = None
    regexp: str | None = None
    filter: ListFilter = "BOTH"


def check_killed(ctx: Ctx) -> None:
    """Stop when the task was killed; a trigger's poll (PollContext) has no kill switch."""
    check = getattr(ctx, "check_killed", None)
    if check is not None:
        check()


def counter(ctx: Ctx, name: str, value: float) -> None:
    """A counter metric of the task run (a trigger's poll records none)."""
    record = getattr(ctx, "metric", None)
    if record is not None:
        record({"name": name, "type": "counter", "value": value})


def text(ctx: Ctx, value: Any, name: str) -> str | None:
    """A string property rendered (None when absent or empty). `name` is for messages."""
    rendered = None if value is None else ctx.render(value)
    return None if rendered is None or str(rendered) == "" else str(rendered)


def required(ctx: Ctx, value: Any, name: str) -> str:
    """A string property that must not render empty; TaskFailure naming it otherwise."""
    rendered = text(ctx, value, name)
    if rendered is None:
        raise TaskFailure(f"`{name}` is required and rendered empty")
    return rendered


def list_objects(ctx: Ctx, client: Any, task: Any,
                 filter_: ListFilter | None = None) -> list[dict[str, Any]]:
    """The objects (boto3's dicts) of `task.bucket` that `task`'s ListOptions select, in key
    order; `filter_` overrides the task's `filter`."""
    bucket = required(ctx, task.bucket, "bucket")
    request: dict[str, Any] = {"Bucket": bucket, "MaxKeys": min(task.max_keys, PAGE_MAX)}
    for name, param in (("prefix", "Prefix"), ("delimiter", "Delimiter"),
                        ("marker", "StartAfter"), ("encoding_type", "EncodingType"),
                        ("expected_bucket_owner", "ExpectedBucketOwner"),
                        ("request_payer", "RequestPayer")):
        value = text(ctx, getattr(task, name, None), name)
        if value is not None:
            request[param] = value
    pattern = _pattern(text(ctx, task.regexp, "regexp"))
    wanted = filter_ or task.filter
    found = []
    for item in _pages(client, request, task.max_keys):
        if _selected(item["Key"], pattern, wanted):
            found.append(item)
    return found


def _pages(client: Any, request: dict[str, Any], limit: int) -> Iterator[dict[str, Any]]:
    count = 0
    with aws_errors(f"listing the bucket {request['Bucket']}"):
        while True:
            page = client.list_objects_v2(**request)
            for item in page.get("Contents", []):
                if count >= limit:
                    return
                count += 1
                yield item
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            request = {**request, "ContinuationToken": token}


def _pattern(regexp: str | None) -> re.Pattern[str] | None:
    if regexp is None:
        return None
    try:
        return re.compile(regexp)
    except re.error as exc:
        raise TaskFailure(f"`regexp` '{regexp}' is not a valid regular expression: {exc}") from None


def _selected(key: str, pattern: re.Pattern[str] | None, wanted: ListFilter) -> bool:
    # Java's String.matches: the whole key must match.
    if pattern is not None and not pattern.fullmatch(key):
        return False
    is_dir = key.endswith("/")
    return wanted == "BOTH" or (wanted == "DIRECTORY") == is_dir


def object_output(item: dict[str, Any]) -> dict[str, Any]:
    """A listed object as Kestra's S3Object output."""
    owner = item.get("Owner")
    out = {"key": item["Key"], "etag": item.get("ETag"), "size": item.get("Size"),
           "lastModified": instant(item.get("LastModified")),
           "owner": {k: v for k, v in (("id", owner.get("ID")),
                                       ("displayName", owner.get("DisplayName"))) if v}
           if owner else None}
    return non_empty(out)


def instant(value: datetime | None) -> str | None:
    """A timestamp as Java's Instant.toString() writes it (UTC, `Z`, millis when set)."""
    if value is None:
        return None
    value = value.astimezone(timezone.utc)
    base = value.strftime("%Y-%m-%dT%H:%M:%S")
    micros = value.microsecond
    if micros == 0:
        return base + "Z"
    fraction = f"{micros:06d}"
    return f"{base}.{fraction[:3] if micros % 1000 == 0 else fraction}Z"


def non_empty(values: dict[str, Any]) -> dict[str, Any]:
    """Without None and empty collections or strings (Kestra's JsonInclude NON_EMPTY)."""
    return {k: v for k, v in values.items()
            if v is not None and not (isinstance(v, (str, dict, list)) and len(v) == 0)}


def checksum(response: dict[str, Any]) -> tuple[str | None, str | None]:
    """The first checksum S3 returned, as (algorithm, base64 value), as Kestra picks it."""
    for algorithm in ("SHA256", "SHA1", "CRC32", "CRC32C"):
        value = response.get(f"Checksum{algorithm}")
        if value:
            return algorithm, value
    return None, None


class StoredNames:
    """File names for downloaded objects, unique within one task run (two keys may share a
    last segment: `a/data.csv`, `b/data.csv`)."""

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


def download(ctx: Ctx, client: Any, request: dict[str, Any], names: StoredNames
             ) -> tuple[dict[str, Any], str]:
    """GetObject `request` streamed into the working directory, then into internal storage.
    Returns S3's response (without the body) and the kestra:// URI."""
    where = f"downloading s3://{request['Bucket']}/{request['Key']}"
    name = names.name_for(request["Key"])
    local = ctx.working_dir / name
    with aws_errors(where):
        response = client.get_object(**request)
        body = response.pop("Body")
        with open(local, "wb") as out:
            for chunk in body.iter_chunks(CHUNK):
                check_killed(ctx)
                out.write(chunk)
    uri = ctx.put_file(local, name)
    local.unlink()
    size = response.get("ContentLength") or 0
    counter(ctx, "file.size", size)
    if request.get("ChecksumMode") == "ENABLED" and checksum(response)[0] is None:
        ctx.log("WARN", f"Checksum validation requested for key '{request['Key']}' but the "
                        "object has no stored checksum; transfer was not verified.")
    return response, uri


def file_info(response: dict[str, Any], uri: str | None = None) -> dict[str, Any]:
    """Kestra's FileInfo / Download output of one GetObject response."""
    algorithm, value = checksum(response)
    return non_empty({
        "uri": uri, "contentLength": response.get("ContentLength"),
        "contentType": response.get("ContentType"), "metadata": response.get("Metadata"),
        "versionId": response.get("VersionId"), "etag": response.get("ETag"),
        "checksumAlgorithm": algorithm, "checksumValue": value})

"""Copying and deleting objects, shared by Copy, Delete and the `action: MOVE|DELETE` of
Downloads and the Trigger (Kestra's S3Service.performAction)."""

from __future__ import annotations

from typing import Any, Literal

from podium.sdk import StrictModel, TaskFailure
from podium_aws.connection import aws_errors
from podium_aws.s3.objects import Ctx, check_killed, non_empty, text

Action = Literal["MOVE", "DELETE", "NONE"]
Encryption = Literal["NONE", "AES256", "AWS_KMS"]


class CopyObject(StrictModel):
    """Kestra's Copy.CopyObject: a destination (also `moveTo`)."""

    bucket: str | None = None
    key: str | None = None
    server_side_encryption: Encryption | None = None
    kms_key_id: str | None = None


class CopyObjectFrom(CopyObject):
    """Kestra's Copy.CopyObjectFrom: the source, optionally one version of it."""

    version_id: str | None = None


def copy_object(ctx: Ctx, client: Any, source: tuple[str, str, str | None],
                target: tuple[str, str], to: CopyObject | None) -> dict[str, Any]:
    """Copy s3://source to s3://target (multipart for large objects); returns Kestra's Copy
    output {bucket, key, etag}."""
    bucket, key, version = source
    copy_source = {"Bucket": bucket, "Key": key, **({"VersionId": version} if version else {})}
    extra = _encryption(ctx, to)
    with aws_errors(f"copying s3://{bucket}/{key} to s3://{target[0]}/{target[1]}"):
        client.copy(copy_source, target[0], target[1], ExtraArgs=extra or None)
        head = client.head_object(Bucket=target[0], Key=target[1])
    return non_empty({"bucket": target[0], "key": target[1], "etag": head.get("ETag"),
                      "versionId": head.get("VersionId")})


def _encryption(ctx: Ctx, to: CopyObject | None) -> dict[str, str]:
    if to is None or to.server_side_encryption in (None, "NONE"):
        return {}
    if to.server_side_encryption == "AES256":
        return {"ServerSideEncryption": "AES256"}
    extra = {"ServerSideEncryption": "aws:kms"}
    kms = text(ctx, to.kms_key_id, "to.kmsKeyId")
    if kms:
        extra["SSEKMSKeyId"] = kms
    return extra


def delete_object(client: Any, bucket: str, key: str, **extra: Any) -> dict[str, Any]:
    """DeleteObject; returns Kestra's Delete output {versionId, deleteMarker, requestCharged}."""
    with aws_errors(f"deleting s3://{bucket}/{key}"):
        response = client.delete_object(Bucket=bucket, Key=key, **extra)
    return non_empty({"versionId": response.get("VersionId"),
                      "deleteMarker": response.get("DeleteMarker"),
                      "requestCharged": response.get("RequestCharged")})


def perform_action(ctx: Ctx, client: Any, bucket: str, keys: list[str],
                   action: Action | None, move_to: CopyObject | None) -> None:
    """After Downloads or a Trigger: MOVE each key to `moveTo` (its last segment under
    `moveTo.key`), DELETE it, or leave it (NONE, or no action)."""
    if action in (None, "NONE"):
        return
    if action == "DELETE":
        for key in keys:
            check_killed(ctx)
            delete_object(client, bucket, key)
        return
    if move_to is None or move_to.key is None:
        raise TaskFailure("`action: MOVE` needs `moveTo` with a `key` (and a `bucket`, "
                          "by default the source bucket)")
    target_bucket = text(ctx, move_to.bucket, "moveTo.bucket") or bucket
    prefix = (text(ctx, move_to.key, "moveTo.key") or "").rstrip("/")
    for key in keys:
        check_killed(ctx)
        target_key = f"{prefix}/{key.rstrip('/').rsplit('/', 1)[-1]}"
        copy_object(ctx, client, (bucket, key, None), (target_bucket, target_key), move_to)
        delete_object(client, bucket, key)

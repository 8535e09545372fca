"""io.kestra.plugin.aws.s3.Download: one object, or those a listing selects."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_aws.s3.objects import (
    ListOptions,
    S3Bucket,
    StoredNames,
    download,
    file_info,
    list_objects,
    required,
    text,
)

_CONNECTION = """
    accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
    region: "eu-central-1"
    bucket: "my-bucket"
    key: "path/to/file"
"""


class Download(S3Bucket, ListOptions, Task):
    """Download objects from S3 into internal storage.

    With `key` alone: that object (`versionId` for one version); outputs `uri`,
    `contentLength`, `contentType`, `metadata`, `etag`, `versionId`. With `prefix`,
    `delimiter` or `regexp`: the files a listing selects (at most `maxFiles`, default 25);
    outputs `files`, key -> {uri, contentLength, contentType, metadata, etag, versionId}.
    `validateChecksum: true` asks S3 for the stored checksum, which boto3 verifies while
    reading (`checksumAlgorithm`, `checksumValue` in the outputs).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.aws.s3.Download"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Download an object", code="""
id: aws_s3_download
namespace: company.team

tasks:
  - id: download
    type: io.kestra.plugin.aws.s3.Download""" + _CONNECTION),
        Example(title="Download a file and verify the stored S3 checksum during transfer",
                code="""
id: aws_s3_download_validate_checksum
namespace: company.team

tasks:
  - id: download
    type: io.kestra.plugin.aws.s3.Download""" + _CONNECTION + "    validateChecksum: true\n"),
    )

    key: str | None = None
    version_id: str | None = None
    max_files: int = Field(25, ge=1)
    validate_checksum: bool = False

    def run(self, ctx: RunContext) -> dict[str, Any]:
        bucket = required(ctx, self.bucket, "bucket")
        multiple = any(v is not None for v in (self.prefix, self.delimiter, self.regexp))
        if not multiple and self.key is None:
            raise TaskFailure("Invalid configuration: either specify 'key' for single file "
                              "download or at least one filtering parameter (prefix, "
                              "delimiter, regexp) for multiple files download")
        client, names = self.s3_client(ctx), StoredNames()
        if not multiple:
            key = required(ctx, self.key, "key")
            response, uri = download(ctx, client, self._request(ctx, bucket, key), names)
            return file_info(response, uri)
        items = list_objects(ctx, client, self, "FILES")[:self.max_files]
        if not items:
            ctx.log("WARN", "No objects found matching the filter criteria")
        files = {}
        for item in items:
            request = self._request(ctx, bucket, item["Key"], versioned=False)
            response, uri = download(ctx, client, request, names)
            files[item["Key"]] = file_info(response, uri)
        return {"files": files}

    def _request(self, ctx: RunContext, bucket: str, key: str, *,
                 versioned: bool = True) -> dict[str, Any]:
        request: dict[str, Any] = {"Bucket": bucket, "Key": key}
        names = [("request_payer", "RequestPayer"), ("expected_bucket_owner", "ExpectedBucketOwner")]
        if versioned:
            names.append(("version_id", "VersionId"))
        for name, param in names:
            value = text(ctx, getattr(self, name), name)
            if value is not None:
                request[param] = value
        if self.validate_checksum:
            request["ChecksumMode"] = "ENABLED"
        return request

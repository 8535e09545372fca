"""io.kestra.plugin.aws.s3.Upload: internal-storage files to S3."""

from __future__ import annotations

import json
import posixpath
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import Field

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_aws.connection import aws_errors
from podium_aws.s3.objects import S3Bucket, non_empty, required, text

# Kestra's enums, by constant name or by S3's own value.
_SSE = {"AES256": "AES256", "AWS_KMS": "aws:kms", "AWS_KMS_DSSE": "aws:kms:dsse",
        "aws:kms": "aws:kms", "aws:kms:dsse": "aws:kms:dsse"}
_CHECKSUMS = {"CRC32": "CRC32", "CRC32_C": "CRC32C", "CRC32C": "CRC32C", "SHA1": "SHA1",
              "SHA256": "SHA256", "CRC64_NVME": "CRC64NVME", "CRC64NVME": "CRC64NVME"}
# Upload property -> S3 PutObject parameter, for the plain text ones.
_TEXT_ARGS = (("request_payer", "RequestPayer"), ("cache_control", "CacheControl"),
              ("content_type", "ContentType"), ("content_encoding", "ContentEncoding"),
              ("content_disposition", "ContentDisposition"),
              ("content_language", "ContentLanguage"), ("acl", "ACL"),
              ("storage_class", "StorageClass"), ("expected_bucket_owner", "ExpectedBucketOwner"),
              ("object_lock_mode", "ObjectLockMode"),
              ("object_lock_legal_hold_status", "ObjectLockLegalHoldStatus"))


class Upload(S3Bucket, Task):
    """Upload files to S3.

    `from` is one internal-storage URI (`kestra://...`), a list of them, or a map of relative
    key -> URI (also as JSON text). One file goes to `key`; several go under `key` as a
    prefix, each at its file name (a list) or its map key. Outputs `bucket`, `key`, `etag`,
    `versionId`, and for several files `files` (key -> {etag, versionId, contentLength}).
    Metrics `file.count`, `file.size`. `contentLength` is read and not sent (boto3 sends the
    real length); `bucketKeyEnabled` is refused (boto3's managed upload cannot set it).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.aws.s3.Upload"
    EXAMPLES: ClassVar[tuple[Example, ...]] = ()  # set below the class

    from_: str | list[str] | dict[str, str] = Field(alias="from")
    key: str
    metadata: dict[str, str] | str | None = None
    cache_control: str | None = None
    content_type: str | None = None
    content_encoding: str | None = None
    content_disposition: str | None = None
    content_language: str | None = None
    content_length: int | None = None
    expires: str | None = None
    acl: str | None = None
    storage_class: str | None = None
    server_side_encryption: str | None = None
    bucket_key_enabled: bool | None = None
    checksum_algorithm: str | None = None
    expected_bucket_owner: str | None = None
    object_lock_mode: str | None = None
    object_lock_legal_hold_status: str | None = None
    object_lock_retain_until_date: str | None = None
    checksum: str | None = None
    tagging: dict[str, str] | str | None = None
    concurrent_uploads: int = Field(50, ge=1)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        bucket = required(ctx, self.bucket, "bucket")
        key = required(ctx, self.key, "key")
        files = self._files(ctx)
        if not files:
            raise TaskFailure("No files to upload: the 'from' property contains an empty "
                              "collection or array")
        extra = self._extra_args(ctx)
        client = self.s3_client(ctx)
        if len(files) == 1:
            uri = next(iter(files.values()))
            head, _ = self._upload(ctx, client, uri, bucket, key, extra)
            return non_empty({"bucket": bucket, "key": key, "etag": head.get("ETag"),
                              "versionId": head.get("VersionId")})
        infos = {}
        for relative, uri in files.items():
            ctx.check_killed()
            target = posixpath.join(key, relative)
            head, size = self._upload(ctx, client, uri, bucket, target, extra)
            infos[relative] = non_empty({"etag": head.get("ETag"),
                                         "versionId": head.get("VersionId"),
                                         "contentLength": size})
        return {"bucket": bucket, "key": key, "files": infos}

    def _files(self, ctx: RunContext) -> dict[str, str]:
        """relative key -> URI, from `from` as Kestra reads it."""
        value: Any = self.from_
        if isinstance(value, str):
            # A lone expression may give a list or a map itself; text may be JSON.
            value = ctx.render_typed(value)
        else:
            value = ctx.render_value(value)
        if isinstance(value, str):
            stripped = value.strip()
            if stripped.startswith(("[", "{")):
                try:
                    value = json.loads(stripped)
                except json.JSONDecodeError as exc:
                    raise TaskFailure(f"`from` looks like JSON but is not: {exc}") from None
            else:
                value = [stripped]
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        if isinstance(value, list):
            files: dict[str, str] = {}
            for uri in map(str, value):
                name = _file_name(uri)
                if name in files:  # both would go to the same key: one would be lost
                    raise TaskFailure(f"`from` has two files named '{name}' ({files[name]} and "
                                      f"{uri}): give a map of key -> URI instead")
                files[name] = uri
            return files
        raise TaskFailure("`from` must be a URI, a list of URIs or a map of key -> URI")

    def _extra_args(self, ctx: RunContext) -> dict[str, Any]:
        if self.bucket_key_enabled is not None:
            raise TaskFailure("`bucketKeyEnabled` is not supported by Podium's S3 Upload "
                              "(boto3's managed upload cannot set it): remove it")
        extra: dict[str, Any] = {}
        for name, param in _TEXT_ARGS:
            value = text(ctx, getattr(self, name), _camel(name))
            if value is not None:
                extra[param] = value
        if self.server_side_encryption is not None:
            extra["ServerSideEncryption"] = _choice(
                ctx, self.server_side_encryption, _SSE, "serverSideEncryption")
        for name, param in (("expires", "Expires"),
                            ("object_lock_retain_until_date", "ObjectLockRetainUntilDate")):
            value = text(ctx, getattr(self, name), _camel(name))
            if value is not None:
                extra[param] = _instant(value, _camel(name))
        for name, param in (("metadata", "Metadata"), ("tagging", "Tagging")):
            mapping = _mapping(ctx, getattr(self, name), name)
            if mapping is not None:
                extra[param] = (mapping if param == "Metadata" else
                                "&".join(f"{_quote(k)}={_quote(v)}" for k, v in mapping.items()))
        if self.checksum_algorithm is not None:
            algorithm = _choice(ctx, self.checksum_algorithm, _CHECKSUMS, "checksumAlgorithm")
            extra["ChecksumAlgorithm"] = algorithm
            value = text(ctx, self.checksum, "checksum")
            if value is not None:
                extra[f"Checksum{algorithm}"] = value
        return extra

    def _upload(self, ctx: RunContext, client: Any, uri: str, bucket: str, key: str,
                extra: dict[str, Any]) -> tuple[dict[str, Any], int]:
        ctx.log("DEBUG", f"Uploading to '{key}'")
        with ctx.open_file(uri) as stream, aws_errors(f"uploading {uri} to s3://{bucket}/{key}"):
            counted = _Counting(stream)
            client.upload_fileobj(counted, bucket, key, ExtraArgs=extra or None)
            head = client.head_object(Bucket=bucket, Key=key)
        ctx.metric({"name": "file.count", "type": "counter", "value": 1})
        ctx.metric({"name": "file.size", "type": "counter", "value": counted.size})
        return head, counted.size


class _Counting:
    """A read-only stream that counts what was read (the file's size, for the metric)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data: bytes = self.stream.read(n)
        self.size += len(data)
        return data


def _file_name(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _choice(ctx: RunContext, value: str, choices: dict[str, str], name: str) -> str:
    rendered = text(ctx, value, name) or ""
    if rendered not in choices:
        raise TaskFailure(f"`{name}` is '{rendered}'; expected one of "
                          f"{', '.join(sorted(set(choices)))}")
    return choices[rendered]


def _instant(value: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TaskFailure(f"`{name}` is '{value}', not an instant such as "
                          "2030-01-01T00:00:00Z") from None


def _mapping(ctx: RunContext, value: Any, name: str) -> dict[str, str] | None:
    if value is None:
        return None
    rendered = ctx.render_typed(value) if isinstance(value, str) else ctx.render_value(value)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except json.JSONDecodeError:
            pass
    if not isinstance(rendered, dict):
        raise TaskFailure(f"`{_camel(name)}` must be a map of strings")
    return {str(k): str(v) for k, v in rendered.items()}


def _quote(value: str) -> str:
    return quote(value, safe="")


_CONNECTION = """
    region: "{{ secret('AWS_DEFAULT_REGION') }}"
    accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
"""
_TWO_DOWNLOADS = """
inputs:
  - id: bucket
    type: STRING
    defaults: my-bucket

tasks:
  - id: download_file1
    type: io.kestra.plugin.core.http.Download
    uri: "https://wri-dataportal-prod.s3.amazonaws.com/manual/global_power_plant_database_v_1_3.zip"

  - id: download_file2
    type: io.kestra.plugin.core.http.Download
    uri: "https://wri-dataportal-prod.s3.amazonaws.com/manual/enhancing-adaptation-ambition-supplementary-materials.zip"
"""

# Kestra's @Example flows of s3.Upload.
Upload.EXAMPLES = (
    Example(title="Upload a FILE input to S3", code="""
id: aws_s3_upload
namespace: company.team

inputs:
  - id: bucket
    type: STRING
    defaults: my-bucket

  - id: myfile
    type: FILE

tasks:
  - id: upload
    type: io.kestra.plugin.aws.s3.Upload
    region: "{{ secret('AWS_DEFAULT_REGION') }}"
    accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
    from: "{{ inputs.myfile }}"
    bucket: "{{ inputs.bucket }}"
    key: "path/to/file"
"""),
    Example(title="Download a file and upload it to S3", code="""
id: upload_file_to_s3
namespace: company.team

inputs:
  - id: bucket
    type: STRING
    defaults: my-bucket

  - id: file_url
    type: STRING
    defaults: https://wri-dataportal-prod.s3.amazonaws.com/manual/global_power_plant_database_v_1_3.zip

tasks:
  - id: download_file
    type: io.kestra.plugin.core.http.Download
    uri: "{{ inputs.file_url }}"

  - id: upload_to_s3
    type: io.kestra.plugin.aws.s3.Upload
    from: "{{ outputs.download_file.uri }}"
    key: powerplant/global_power_plant_database.zip
    bucket: "{{ inputs.bucket }}"
""" + _CONNECTION),
    Example(title="Upload multiple files to S3 using a JSON array",
            code="id: upload_multiple_files_from_json_array\nnamespace: company.team\n"
            + _TWO_DOWNLOADS + """
  - id: upload_files_to_s3
    type: io.kestra.plugin.aws.s3.Upload
    from: |
      [
        "{{ outputs.download_file1.uri }}",
        "{{ outputs.download_file2.uri }}"
      ]
    key: "path/to/files"
    bucket: "{{ inputs.bucket }}"
""" + _CONNECTION),
    Example(title="Upload multiple files to S3 using a Collection",
            code="id: upload_multiple_files_to_s3\nnamespace: company.team\n"
            + _TWO_DOWNLOADS + """
  - id: upload_multiple_to_s3
    type: io.kestra.plugin.aws.s3.Upload
    from:
      - "{{ outputs.download_file1.uri }}"
      - "{{ outputs.download_file2.uri }}"
    key: "path/to/files"
    bucket: "{{ inputs.bucket }}"
""" + _CONNECTION),
    Example(title="Upload multiple files to S3 using a JSON map",
            code="id: upload_multiple_files_from_json_map\nnamespace: company.team\n"
            + _TWO_DOWNLOADS + """
  - id: upload_files_to_s3
    type: io.kestra.plugin.aws.s3.Upload
    from: |
      {
        "first_key": "{{ outputs.download_file1.uri }}",
        "second_key": "{{ outputs.download_file2.uri }}"
      }
    key: "path/to/files"
    bucket: "{{ inputs.bucket }}"
""" + _CONNECTION),
    Example(title="Upload multiple files to S3 using a Map",
            code="id: upload_multiple_files_to_s3_from_map\nnamespace: company.team\n"
            + _TWO_DOWNLOADS + """
  - id: upload_multiple_to_s3
    type: io.kestra.plugin.aws.s3.Upload
    from:
      firstKey: "{{ outputs.download_file1.uri }}"
      secondKey: "{{ outputs.download_file2.uri }}"
    key: "path/to/files"
    bucket: "{{ inputs.bucket }}"
""" + _CONNECTION),
)

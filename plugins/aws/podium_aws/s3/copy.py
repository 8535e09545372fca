"""io.kestra.plugin.aws.s3.Copy: one object to another place."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_aws.connection import AwsConnection
from podium_aws.s3.actions import CopyObject, CopyObjectFrom, copy_object, delete_object
from podium_aws.s3.objects import required, text


class Copy(AwsConnection, Task):
    """Copy an object between S3 locations.

    `from: {bucket, key, versionId?}` to `to: {bucket, key, serverSideEncryption?
    (NONE, AES256, AWS_KMS), kmsKeyId?}`; a destination bucket or key left out is the
    source's. Large objects are copied in parts. `delete: true` deletes the source after.
    Outputs `bucket`, `key`, `etag` of the copy.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.aws.s3.Copy"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(title="Copy an object", code="""
id: aws_s3_copy
namespace: company.team

tasks:
  - id: copy
    type: io.kestra.plugin.aws.s3.Copy
    accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
    region: "eu-central-1"
    from:
      bucket: "my-bucket"
      key: "path/to/file"
    to:
      bucket: "my-bucket2"
      key: "path/to/file2"
"""),)

    from_: CopyObjectFrom = Field(alias="from")
    to: CopyObject | None = None
    delete: bool = False

    def run(self, ctx: RunContext) -> dict[str, Any]:
        source = self.from_
        bucket = required(ctx, source.bucket, "from.bucket")
        key = required(ctx, source.key, "from.key")
        to = self.to or CopyObject()
        target = (text(ctx, to.bucket, "to.bucket") or bucket, text(ctx, to.key, "to.key") or key)
        if target == (bucket, key) and not to.server_side_encryption:
            raise TaskFailure("`to` is the source object itself: give another `to.bucket` or "
                              "`to.key`")
        client = self.s3_client(ctx)
        version = text(ctx, source.version_id, "from.versionId")
        output = copy_object(ctx, client, (bucket, key, version), target, self.to)
        if self.delete:
            delete_object(client, bucket, key)
        return {k: v for k, v in output.items() if k != "versionId"}

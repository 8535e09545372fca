"""io.kestra.plugin.aws.s3.CreateBucket."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task
from podium_aws.connection import AwsConnection, aws_errors
from podium_aws.s3.objects import non_empty, required, text

# CreateBucket property -> S3 parameter.
_GRANTS = (("grant_full_control", "GrantFullControl"), ("grant_read", "GrantRead"),
           ("grant_read_acp", "GrantReadACP"), ("grant_write", "GrantWrite"),
           ("grant_write_acp", "GrantWriteACP"), ("acl", "ACL"))


class CreateBucket(AwsConnection, Task):
    """Create an S3 bucket.

    `bucket` in the connection's `region` (outside us-east-1 the region is sent as the
    bucket's location constraint, which S3 requires); `acl`, the `grant*` ACL grants and
    `objectLockEnabledForBucket` as S3 takes them. Outputs `bucket` and `region` (the
    location S3 returns, e.g. `/my-bucket`).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.aws.s3.CreateBucket"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Create a new bucket with some options", code="""
id: aws_s3_create_bucket
namespace: company.team

inputs:
  - id: bucket
    type: STRING
    defaults: my-bucket

  - id: region
    type: STRING
    defaults: eu-central-1

tasks:
  - id: create_bucket
    type: io.kestra.plugin.aws.s3.CreateBucket
    accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
    region: "{{ inputs.region }}"
    bucket: "{{ inputs.bucket }}"
"""),)

    bucket: str
    grant_full_control: str | None = None
    grant_read: str | None = None
    grant_read_acp: str | None = Field(None, alias="grantReadACP")
    grant_write: str | None = None
    grant_write_acp: str | None = Field(None, alias="grantWriteACP")
    acl: str | None = None
    object_lock_enabled_for_bucket: bool | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        bucket = required(ctx, self.bucket, "bucket")
        request: dict[str, Any] = {"Bucket": bucket}
        for name, param in _GRANTS:
            value = text(ctx, getattr(self, name), name)
            if value is not None:
                request[param] = value
        if self.object_lock_enabled_for_bucket is not None:
            request["ObjectLockEnabledForBucket"] = self.object_lock_enabled_for_bucket
        region = text(ctx, self.region, "region")
        if region and region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with aws_errors(f"creating the bucket {bucket}"):
            response = self.s3_client(ctx).create_bucket(**request)
        return non_empty({"bucket": bucket, "region": response.get("Location")})

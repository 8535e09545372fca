"""io.kestra.plugin.aws.s3.Delete: one object."""

from __future__ import annotations

from typing import Any, ClassVar

from podium.sdk import Example, RunContext, Task
from podium_aws.s3.actions import delete_object
from podium_aws.s3.objects import S3Bucket, required, text


class Delete(S3Bucket, Task):
    """Delete a single S3 object.

    `key` in `bucket`; `bypassGovernanceRetention`, `mfa` and `requestPayer` are passed to
    DeleteObject. Outputs `versionId`, `deleteMarker`, `requestCharged` when S3 returns
    them. Deleting a key that does not exist succeeds, as in S3.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.aws.s3.Delete"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(title="Delete an object", code="""
id: aws_s3_delete
namespace: company.team

tasks:
  - id: delete
    type: io.kestra.plugin.aws.s3.Delete
    accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
    region: "eu-central-1"
    bucket: "my-bucket"
    key: "path/to/file"
"""),)

    key: str
    bypass_governance_retention: bool | None = None
    mfa: str | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.bypass_governance_retention is not None:
            extra["BypassGovernanceRetention"] = self.bypass_governance_retention
        for name, param in (("mfa", "MFA"), ("request_payer", "RequestPayer")):
            value = text(ctx, getattr(self, name), name)
            if value is not None:
                extra[param] = value
        return delete_object(self.s3_client(ctx), required(ctx, self.bucket, "bucket"),
                             required(ctx, self.key, "key"), **extra)

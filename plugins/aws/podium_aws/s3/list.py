"""io.kestra.plugin.aws.s3.List: the objects of a bucket."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task
from podium_aws.s3.objects import ListOptions, S3Bucket, list_objects, object_output, text


class List(S3Bucket, ListOptions, Task):
    """List objects in an S3 bucket.

    Keys starting with `prefix`, grouped by `delimiter`, after `marker`, whose whole key
    matches `regexp`, files (`filter: FILES`), directories (keys ending in `/`) or both;
    `maxKeys` (default 1000) bounds the listing across pages and `maxFiles` (default 25) the
    objects returned (a warning says when more were found). Outputs `objects`: each
    `{key, etag, size, lastModified}`. Metric `s3.objects.count`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.aws.s3.List"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(title="List objects", code="""
id: aws_s3_list
namespace: company.team

tasks:
  - id: list
    type: io.kestra.plugin.aws.s3.List
    accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
    region: "eu-central-1"
    bucket: "my-bucket"
    prefix: "sub-dir"
"""),)

    max_files: int = Field(25, ge=1)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        items = list_objects(ctx, self.s3_client(ctx), self)
        ctx.metric({"name": "s3.objects.count", "type": "counter", "value": len(items)})
        ctx.log("DEBUG", f"Found '{len(items)}' keys on {text(ctx, self.bucket, 'bucket')} "
                         f"with regexp='{self.regexp}', prefix={self.prefix}")
        if len(items) > self.max_files:
            ctx.log("WARN", f"Listing returned {len(items)} files but maxFiles limit is "
                            f"{self.max_files}. Only the first {self.max_files} files will be "
                            "returned. Increase the maxFiles property if you need more files.")
            items = items[:self.max_files]
        return {"objects": [object_output(item) for item in items]}

"""io.kestra.plugin.aws.s3.DeleteList: every object a listing selects."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_aws.s3.actions import delete_object
from podium_aws.s3.objects import ListOptions, S3Bucket, list_objects, required, text


class DeleteList(S3Bucket, ListOptions, Task):
    """Delete multiple S3 objects.

    Lists as `List` does (without `maxFiles`: every selected key, up to `maxKeys`) and
    deletes each, `concurrent` at a time when set (at least 2). `errorOnEmpty: true` fails
    the task when nothing matched. Outputs `count` and `size` (bytes); metrics
    `s3.objects.deleted.count` and `s3.objects.deleted.size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.aws.s3.DeleteList"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(title="Delete a prefix", code="""
id: aws_s3_delete_list
namespace: company.team

tasks:
  - id: delete_list
    type: io.kestra.plugin.aws.s3.DeleteList
    accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
    region: "eu-central-1"
    bucket: "my-bucket"
    prefix: "sub-dir"
"""),)

    concurrent: int | None = Field(None, ge=2)
    error_on_empty: bool = False

    def run(self, ctx: RunContext) -> dict[str, Any]:
        client = self.s3_client(ctx)
        bucket = required(ctx, self.bucket, "bucket")
        items = list_objects(ctx, client, self)

        def delete(item: dict[str, Any]) -> int:
            ctx.check_killed()
            ctx.log("DEBUG", f"Deleting '{item['Key']}'")
            delete_object(client, bucket, item["Key"])
            return int(item.get("Size") or 0)

        if self.concurrent:
            with ThreadPoolExecutor(self.concurrent) as pool:
                sizes = list(pool.map(delete, items))
        else:
            sizes = [delete(item) for item in items]
        count, size = len(sizes), sum(sizes)
        ctx.metric({"name": "s3.objects.deleted.count", "type": "counter", "value": count})
        ctx.metric({"name": "s3.objects.deleted.size", "type": "counter", "value": size})
        if self.error_on_empty and count == 0:
            raise TaskFailure(f"Unable to find any files to delete on {bucket} with "
                              f"regexp='{text(ctx, self.regexp, 'regexp')}', "
                              f"prefix='{text(ctx, self.prefix, 'prefix')}'")
        ctx.log("INFO", f"Deleted {count} keys for {size} bytes")
        return {"count": count, "size": size}

"""io.kestra.plugin.aws.s3.Downloads: the objects a listing selects, then MOVE/DELETE."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task
from podium_aws.s3.actions import Action, CopyObject, perform_action
from podium_aws.s3.objects import (
    ListOptions,
    S3Bucket,
    StoredNames,
    checksum,
    download,
    list_objects,
    non_empty,
    object_output,
    required,
)

_TASK = """
tasks:
  - id: downloads
    type: io.kestra.plugin.aws.s3.Downloads
    accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
    region: "eu-central-1"
    bucket: "my-bucket"
    prefix: "sub-dir"
"""


class Downloads(S3Bucket, ListOptions, Task):
    """Download multiple S3 objects into internal storage.

    Lists as `List` does (at most `maxFiles`, default 25), downloads each object, then acts
    on every listed key: `action: MOVE` copies it under `moveTo` (`{bucket, key}`: the
    object's last segment goes under `moveTo.key`) and deletes it, `DELETE` deletes it,
    `NONE` leaves it (also when `action` is absent). Outputs `objects` (the listed files,
    each with its `uri`) and `outputFiles` (key -> uri). Metrics `files.count`,
    `files.size.total`, `file.size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.aws.s3.Downloads"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Download every object under a prefix",
                code="\nid: aws_s3_downloads\nnamespace: company.team\n" + _TASK),
        Example(title="Download a prefix and verify the stored S3 checksum on each object",
                code="\nid: aws_s3_downloads_validate_checksum\nnamespace: company.team\n"
                + _TASK + "    validateChecksum: true\n"),
    )

    max_files: int = Field(25, ge=1)
    action: Action | None = None
    move_to: CopyObject | None = None
    validate_checksum: bool = False

    def run(self, ctx: RunContext) -> dict[str, Any]:
        bucket = required(ctx, self.bucket, "bucket")
        client, names = self.s3_client(ctx), StoredNames()
        items = list_objects(ctx, client, self)[:self.max_files]
        objects = []
        for item in items:
            if item["Key"].endswith("/"):
                continue  # a directory marker: nothing to download
            request: dict[str, Any] = {"Bucket": bucket, "Key": item["Key"]}
            if self.validate_checksum:
                request["ChecksumMode"] = "ENABLED"
            response, uri = download(ctx, client, request, names)
            algorithm, value = checksum(response)
            objects.append(non_empty({**object_output(item), "uri": uri,
                                      "checksumAlgorithm": algorithm, "checksumValue": value}))
        ctx.metric({"name": "files.count", "type": "counter", "value": len(objects)})
        ctx.metric({"name": "files.size.total", "type": "counter",
                    "value": sum(o.get("size", 0) for o in objects)})
        perform_action(ctx, client, bucket, [item["Key"] for item in items], self.action,
                       self.move_to)
        # `objects` is always there (Kestra's @JsonInclude), `outputFiles` only when not empty.
        return {"objects": objects,
                **non_empty({"outputFiles": {o["key"]: o["uri"] for o in objects}})}

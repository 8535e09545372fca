"""io.kestra.plugin.aws.s3.Trigger: start an execution when objects appear in a bucket."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from podium.sdk import DurationStr, Example
from podium.sdk.triggers import PollContext, PollingTrigger, check_object_state
from podium_aws.s3.actions import Action, CopyObject, perform_action
from podium_aws.s3.objects import (
    ListOptions,
    S3Bucket,
    StoredNames,
    download,
    list_objects,
    non_empty,
    object_output,
    required,
    text,
)


class Trigger(S3Bucket, ListOptions, PollingTrigger):
    """Trigger a flow when objects are in an S3 bucket.

    Every `interval` (default PT1M) the scheduler lists the bucket as `List` does (at most
    `maxFiles`, default 25). When something is there, each listed object is downloaded into
    internal storage (as a file of the execution it starts), then `action: MOVE` moves it
    under `moveTo` (`{bucket, key}`), `DELETE` deletes it, `NONE` leaves it: with NONE the
    flow must remove the objects itself or the next poll finds them again. The execution's
    `trigger.objects` lists them: `{key, etag, size, lastModified, uri, changeType}`.

    Kestra's per-object state (`on`, `stateKey`, `stateTtl`, which stops NONE re-firing on
    unchanged objects) is refused with NONE and with `on: UPDATE`: Podium has no trigger state
    store yet, so every object found is reported, with `changeType: CREATE`. With MOVE or
    DELETE it is accepted (each object fires once either way).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.aws.s3.Trigger"
    EXAMPLES: ClassVar[tuple[Example, ...]] = ()  # set below the class

    max_files: int = Field(25, ge=1)
    action: Action
    # Kestra's per-object state: accepted where it changes nothing (check_object_state)
    on: Literal["CREATE", "UPDATE", "CREATE_OR_UPDATE"] | None = None
    state_key: str | None = None
    state_ttl: DurationStr | None = None
    move_to: CopyObject | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_state(cls, data: Any) -> Any:
        check_object_state(data)
        return data

    @model_validator(mode="after")
    def _move_needs_target(self) -> "Trigger":
        if self.action == "MOVE" and (self.move_to is None or self.move_to.key is None):
            raise ValueError("action: MOVE needs `moveTo` with a `key` (and a `bucket`, by "
                             "default the watched one)")
        return self

    def evaluate(self, ctx: PollContext) -> dict[str, Any] | None:
        client = self.s3_client(ctx)
        items = list_objects(ctx, client, self)
        if not items:
            return None
        if len(items) > self.max_files:
            ctx.log("WARN", f"Listing returned {len(items)} files but maxFiles limit is "
                            f"{self.max_files}; the others are left for the next polls.")
            items = items[:self.max_files]
        bucket = required(ctx, self.bucket, "bucket")
        names, objects = StoredNames(), []
        for item in items:
            request = {"Bucket": bucket, "Key": item["Key"]}
            payer = text(ctx, self.request_payer, "requestPayer")
            if payer:
                request["RequestPayer"] = payer
            _, uri = download(ctx, client, request, names)
            objects.append(non_empty({**object_output(item), "uri": uri,
                                      "changeType": "CREATE"}))
        ctx.log("INFO", f"{len(objects)} objects found in s3://{bucket}")
        perform_action(ctx, client, bucket, [item["Key"] for item in items], self.action,
                       self.move_to)
        return {"objects": objects}


_WATCH = """
triggers:
  - id: watch
    type: io.kestra.plugin.aws.s3.Trigger
    interval: "PT5M"
    accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
    region: "eu-central-1"
    bucket: "my-bucket"
    prefix: "sub-dir"
"""

# Kestra's @Example flows of s3.Trigger.
Trigger.EXAMPLES = (
    Example(title="Wait for a list of files on a s3 bucket and iterate through the files",
            code="""
id: s3_listen
namespace: company.team

tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ trigger.objects | jq('.[].uri') }}"
    tasks:
      - id: return
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
""" + _WATCH + """    action: MOVE
    moveTo:
      key: archive
      bucket: "new-bucket"
"""),
    Example(title="Wait for a list of files on a s3 bucket and iterate through the files. "
                  "Delete files manually after processing to prevent infinite triggering",
            code="""
id: s3_listen
namespace: company.team

tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ trigger.objects | jq('.[].key') }}"
    tasks:
      - id: return
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"

      - id: delete
        type: io.kestra.plugin.aws.s3.Delete
        accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
        secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
        region: "eu-central-1"
        bucket: "my-bucket"
        key: "{{ taskrun.value }}"
""" + _WATCH + "    action: NONE\n"),
)

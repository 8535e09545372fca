"""io.kestra.plugin.gcp.gcs.Trigger: start an execution when objects appear under a
gs:// prefix."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from podium.sdk import DurationStr, Example
from podium.sdk.triggers import PollContext, PollingTrigger, check_object_state
from podium_gcp.connection import GcpConnection
from podium_gcp.gcs.actions import Action, check_move, perform_action
from podium_gcp.gcs.listing import ListOptions, at_most, list_blobs
from podium_gcp.gcs.objects import StoredNames, download, storage_client


class Trigger(GcpConnection, ListOptions, PollingTrigger):
    """Trigger a flow when objects are under a GCS prefix.

    Every `interval` (default PT1M) the scheduler lists `from` as List does (files only,
    `listingType`, `regExp`; at most `maxFiles`, default 25). When something is there,
    each object is downloaded into internal storage (a file of the execution it starts),
    then `action`: MOVE moves it to `moveDirectory`/<file name>, DELETE deletes it, NONE
    (default) leaves it, and the flow must remove it or the next poll finds it again. The
    execution's `trigger.blobs` lists them: Kestra's Blob fields, `uri` the kestra:// file,
    and `changeType`.

    Kestra's per-object state (`on`, `stateKey`, `stateTtl`, which stops NONE re-firing on
    unchanged objects) is refused with NONE and with `on: UPDATE`: Podium has no trigger state
    store yet, so every object found is reported, with `changeType: CREATE`. With MOVE or
    DELETE it is accepted (each object fires once either way).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.gcs.Trigger"
    EXAMPLES: ClassVar[tuple[Example, ...]] = ()  # set below the class

    action: Action = "NONE"
    move_directory: str | None = None
    max_files: int = Field(25, ge=1)
    # Kestra's per-object state: accepted where it changes nothing (check_object_state)
    on: Literal["CREATE", "UPDATE", "CREATE_OR_UPDATE"] | None = None
    state_key: str | None = None
    state_ttl: DurationStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_state(cls, data: Any) -> Any:
        check_object_state(data)
        return data

    @model_validator(mode="after")
    def _move_needs_target(self) -> "Trigger":
        check_move(self.action, self.move_directory)
        return self

    def evaluate(self, ctx: PollContext) -> dict[str, Any] | None:
        client = storage_client(self, ctx)
        listed = at_most(ctx, list_blobs(ctx, client, self, "FILES", limit=self.max_files + 1),
                         self.max_files, self.from_)
        if not listed:
            return None
        names, blobs = StoredNames(), []
        for blob in listed:
            uri = download(ctx, client, blob["bucket"], blob["name"], names)
            blobs.append({**blob, "uri": uri, "changeType": "CREATE"})
        ctx.log("INFO", f"{len(blobs)} objects found under {ctx.render(self.from_)}")
        perform_action(ctx, client, listed, self.action, self.move_directory)
        return {"blobs": blobs}


_EACH = """
id: gcs_listen
namespace: company.team

tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ trigger.blobs | jq('.[].uri') }}"
    tasks:
      - id: return
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
"""

# Kestra's @Example flows of gcs.Trigger.
Trigger.EXAMPLES = (
    Example(title="Wait for a list of files on a GCS bucket, and iterate through the files",
            code=_EACH + """
triggers:
  - id: watch
    type: io.kestra.plugin.gcp.gcs.Trigger
    interval: "PT5M"
    from: gs://my-bucket/kestra/listen/
    action: MOVE
    moveDirectory: gs://my-bucket/kestra/archive/
"""),
    Example(title="Wait for a list of files on a GCS bucket and iterate through the files. "
                  "Delete files manually after processing to prevent infinite triggering",
            code=_EACH + """
      - id: delete
        type: io.kestra.plugin.gcp.gcs.Delete
        uri: "{{ taskrun.value }}"

triggers:
  - id: watch
    type: io.kestra.plugin.gcp.gcs.Trigger
    interval: "PT5M"
    from: gs://my-bucket/kestra/listen/
    action: NONE
"""),
)

"""io.kestra.plugin.gcp.gcs.Downloads: every object a listing selects, into internal
storage, then moved, deleted or left."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from podium.sdk import Example, RunContext, Task
from podium_gcp.connection import GcpConnection
from podium_gcp.gcs.actions import Action, check_move, perform_action
from podium_gcp.gcs.listing import ListOptions, at_most, list_blobs
from podium_gcp.gcs.objects import StoredNames, download, storage_client


class Downloads(GcpConnection, ListOptions, Task):
    """Download multiple GCS objects.

    Lists `from` as List does (`listingType`, `regExp`, `allVersions`; files only; at most
    `maxFiles`, default 25) and downloads each into internal storage (`validateChecksum`
    as Download). Then `action`: NONE (default) leaves the objects, DELETE deletes them,
    MOVE moves each to `moveDirectory`/<file name>. Outputs `blobs` (Kestra's Blob, `uri`
    the kestra:// file) and `outputFiles`, object name -> kestra:// URI.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.gcs.Downloads"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Download a list of files and move it to an archive folders", code="""
id: gcp_gcs_downloads
namespace: company.team

tasks:
  - id: downloads
    type: io.kestra.plugin.gcp.gcs.Downloads
    from: gs://my-bucket/kestra/files/
    action: MOVE
    moveDirectory: gs://my-bucket/kestra/archive/
"""),
        Example(title="Download a list of files with end-to-end checksum validation", code="""
id: gcp_gcs_downloads_validated
namespace: company.team

tasks:
  - id: downloads
    type: io.kestra.plugin.gcp.gcs.Downloads
    from: gs://my-bucket/kestra/files/
    action: DELETE
    validateChecksum: true
"""),
    )

    action: Action = "NONE"
    move_directory: str | None = None
    max_files: int = Field(25, ge=1)
    validate_checksum: bool = False

    @model_validator(mode="after")
    def _move_needs_target(self) -> "Downloads":
        check_move(self.action, self.move_directory)
        return self

    def run(self, ctx: RunContext) -> dict[str, Any]:
        client = storage_client(self, ctx)
        listed = at_most(ctx, list_blobs(ctx, client, self, "FILES", limit=self.max_files + 1),
                         self.max_files, self.from_)
        names, blobs = StoredNames(), []
        for blob in listed:
            uri = download(ctx, client, blob["bucket"], blob["name"], names,
                           self.validate_checksum)
            blobs.append({**blob, "uri": uri})
        perform_action(ctx, client, listed, self.action, self.move_directory)
        return {"blobs": blobs, "outputFiles": {b["name"]: b["uri"] for b in blobs}}

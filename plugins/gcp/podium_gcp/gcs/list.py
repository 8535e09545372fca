"""io.kestra.plugin.gcp.gcs.List: the objects under a gs:// prefix."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task
from podium_gcp.connection import GcpConnection
from podium_gcp.gcs.listing import ListFilter, ListOptions, at_most, list_blobs
from podium_gcp.gcs.objects import storage_client


class List(GcpConnection, ListOptions, Task):
    """List GCS objects.

    The objects under `from` (gs://bucket/prefix): with `listingType: DIRECTORY` (default)
    its direct children, sub-prefixes reported as directories; with RECURSIVE all below.
    `filter` keeps FILES, DIRECTORY or BOTH (default), `regExp` objects whose whole gs://
    URI matches, `allVersions` every version. At most `maxFiles` (default 25; a warning
    says when more were found). Outputs `blobs`, each Kestra's Blob (`uri`, `bucket`,
    `name`, `size`, `etag`, `md5`, `crc32c`, `contentType`, `createTime`, `updateTime`,
    `directory`...); metric `size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.gcs.List"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(title="List files in a GCS bucket",
                                                       code="""
id: gcp_gcs_list
namespace: company.team

tasks:
  - id: list
    type: io.kestra.plugin.gcp.gcs.List
    from: "gs://my_bucket/dir/"
"""),)

    filter: ListFilter = "BOTH"
    max_files: int = Field(25, ge=1)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        blobs = list_blobs(ctx, storage_client(self, ctx), self, self.filter,
                           limit=self.max_files + 1)
        blobs = at_most(ctx, blobs, self.max_files, self.from_)
        ctx.metric({"name": "size", "type": "counter", "value": len(blobs)})
        ctx.log("DEBUG", f"Found '{len(blobs)}' blobs from '{ctx.render(self.from_)}'")
        return {"blobs": blobs}

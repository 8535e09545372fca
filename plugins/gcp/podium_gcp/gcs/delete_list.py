"""io.kestra.plugin.gcp.gcs.DeleteList: every object a listing selects."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_gcp.connection import GcpConnection
from podium_gcp.gcs.delete import delete_object
from podium_gcp.gcs.listing import ListOptions, list_blobs
from podium_gcp.gcs.objects import storage_client


class DeleteList(GcpConnection, ListOptions, Task):
    """Delete multiple GCS objects.

    Lists `from` as List does (`listingType`, `regExp`, `allVersions`; files only) and
    deletes each object, `concurrent` (at least 2) at a time when given. `errorOnEmpty:
    true` fails when nothing was deleted. Outputs `count` and `size` (bytes); metrics of the
    same names.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.gcs.DeleteList"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(title="Delete the objects under a prefix",
                                                       code="""
id: gcp_gcs_delete_list
namespace: company.team

tasks:
  - id: delete_list
    type: io.kestra.plugin.gcp.gcs.DeleteList
    from: "gs://my_bucket/dir/"
"""),)

    error_on_empty: bool = False
    concurrent: int | None = Field(None, ge=2)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        client = storage_client(self, ctx)
        blobs = list_blobs(ctx, client, self, "FILES")

        def delete(blob: dict[str, Any]) -> int:
            ctx.check_killed()
            ctx.log("DEBUG", f"Deleting '{blob['uri']}'")
            deleted = delete_object(ctx, client, blob["bucket"], blob["name"])
            return int(blob.get("size", 0)) if deleted else 0

        if self.concurrent:
            with ThreadPoolExecutor(self.concurrent) as pool:
                sizes = list(pool.map(delete, blobs))
        else:
            sizes = [delete(blob) for blob in blobs]
        # An object gone between listing and deleting counts with 0 bytes, as in Kestra.
        count, size = len(sizes), sum(sizes)
        ctx.metric({"name": "count", "type": "counter", "value": count})
        ctx.metric({"name": "size", "type": "counter", "value": size})
        if self.error_on_empty and count == 0:
            raise TaskFailure(f"Unable to find any files to delete on '{ctx.render(self.from_)}'")
        ctx.log("INFO", f"Deleted {count} files for {size} bytes")
        return {"count": count, "size": size}

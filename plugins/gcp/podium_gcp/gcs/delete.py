"""io.kestra.plugin.gcp.gcs.Delete: one GCS object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_gcp.connection import GcpConnection
from podium_gcp.gcs.objects import Ctx, gcs_errors, parse_gs, required, storage_client

if TYPE_CHECKING:  # imported when a task runs (podium_gcp/connection.py says why)
    from google.cloud import storage


class Delete(GcpConnection, Task):
    """Delete a GCS object.

    Deletes `uri` (gs://bucket/path). A missing object is not an error unless
    `errorOnMissing: true`. Outputs `uri` and `deleted` (whether an object was removed).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.gcs.Delete"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(title="Delete a GCS object", code="""
id: gcp_gcs_delete
namespace: company.team

tasks:
  - id: delete
    type: io.kestra.plugin.gcp.gcs.Delete
    uri: "gs://my_bucket/dir/file.csv"
"""),)

    uri: str
    error_on_missing: bool = False

    def run(self, ctx: RunContext) -> dict[str, Any]:
        rendered = required(ctx, self.uri, "uri")
        bucket, name = parse_gs(rendered, "uri")
        ctx.log("DEBUG", f"Delete '{rendered}'")
        deleted = delete_object(ctx, storage_client(self, ctx), bucket, name)
        if self.error_on_missing and not deleted:
            raise TaskFailure(f"Unable to find file '{rendered}'")
        return {"uri": rendered.strip().replace(" ", "%20"), "deleted": deleted}


def delete_object(ctx: Ctx, client: storage.Client, bucket: str, name: str) -> bool:
    """Whether the object existed (and is now deleted)."""
    from google.api_core.exceptions import NotFound

    with gcs_errors(f"deleting gs://{bucket}/{name}"):
        try:
            client.bucket(bucket).blob(name).delete()
        except NotFound:
            return False
    return True

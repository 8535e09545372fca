"""io.kestra.plugin.gcp.gcs.Copy: one GCS object to another path (or bucket)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_gcp.connection import GcpConnection
from podium_gcp.gcs.delete import delete_object
from podium_gcp.gcs.objects import Ctx, counter, gcs_errors, parse_gs, required, storage_client

if TYPE_CHECKING:  # imported when a task runs (podium_gcp/connection.py says why)
    from google.cloud import storage


class Copy(GcpConnection, Task):
    """Copy an object between GCS paths or buckets.

    Copies `from` to `to` (both gs://bucket/path); `delete: true` then deletes the source
    (a move). Outputs `uri`, the copy's gs:// URI; metric `file.size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.gcs.Copy"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(title="Move a file between bucket path",
                                                       code="""
id: gcp_gcs_copy
namespace: company.team

tasks:
  - id: copy
    type: io.kestra.plugin.gcp.gcs.Copy
    from: "gs://my_bucket/dir/file.csv"
    to: "gs://my_bucket/archive/file.csv"
    delete: true
"""),)

    from_: str = Field(alias="from")
    to: str
    delete: bool = False

    def run(self, ctx: RunContext) -> dict[str, Any]:
        source = required(ctx, self.from_, "from")
        target = required(ctx, self.to, "to")
        if source.strip() == target.strip():
            raise TaskFailure(f"Invalid copy to same path '{target}'")
        ctx.log("DEBUG", f"Moving from '{source}' to '{target}'")
        return {"uri": copy_object(ctx, storage_client(self, ctx), parse_gs(source, "from"),
                                   parse_gs(target, "to"), self.delete)}


def copy_object(ctx: Ctx, client: storage.Client, source: tuple[str, str],
                target: tuple[str, str], delete: bool) -> str:
    """Copies `source` to `target` (bucket, name pairs), deleting the source when `delete`;
    the copy's gs:// URI."""
    where = f"copying gs://{source[0]}/{source[1]} to gs://{target[0]}/{target[1]}"
    with gcs_errors(where):
        blob = client.bucket(source[0]).blob(source[1])
        copied = client.bucket(source[0]).copy_blob(blob, client.bucket(target[0]), target[1])
    counter(ctx, "file.size", copied.size or 0)
    if delete:
        delete_object(ctx, client, *source)
    return f"gs://{copied.bucket.name}/{copied.name}"

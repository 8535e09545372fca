"""io.kestra.plugin.gcp.gcs.Download: one GCS object into internal storage."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task
from podium_gcp.connection import GcpConnection
from podium_gcp.gcs.objects import StoredNames, download, parse_gs, required, storage_client


class Download(GcpConnection, Task):
    """Download a GCS object.

    Streams `from` (gs://bucket/path) into internal storage. `validateChecksum: true`
    (default false) recomputes its CRC32C (MD5 when GCS stored none) and fails on a
    mismatch (metric `checksum.validated`). Outputs `bucket`, `path` and `uri` (kestra://).
    A missing object fails the task.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.gcs.Download"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Download a GCS object", code="""
id: gcp_gcs_download
namespace: company.team

tasks:
  - id: download
    type: io.kestra.plugin.gcp.gcs.Download
    from: "gs://my_bucket/dir/file.csv"
"""),
        Example(title="Download with end-to-end checksum validation", code="""
id: gcp_gcs_download_validated
namespace: company.team

tasks:
  - id: download
    type: io.kestra.plugin.gcp.gcs.Download
    from: "gs://my_bucket/dir/file.csv"
    validateChecksum: true
"""),
    )

    from_: str = Field(alias="from")
    validate_checksum: bool = False

    def run(self, ctx: RunContext) -> dict[str, Any]:
        bucket, name = parse_gs(required(ctx, self.from_, "from"), "from")
        client = storage_client(self, ctx)
        uri = download(ctx, client, bucket, name, StoredNames(), self.validate_checksum)
        ctx.log("DEBUG", f"Download from 'gs://{bucket}/{name}'")
        return {"bucket": bucket, "path": name, "uri": uri}

"""io.kestra.plugin.gcp.gcs.Upload: a file of internal storage to a GCS object."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_gcp.connection import GcpConnection
from podium_gcp.gcs.objects import (
    CHUNK,
    Digests,
    counter,
    gcs_errors,
    parse_gs,
    required,
    storage_client,
    text,
)

_HEADERS = ("content_type", "content_encoding", "content_disposition", "cache_control")


class Upload(GcpConnection, Task):
    """Upload a file to GCS.

    Reads `from` (a kestra:// URI) and writes the object `to` (gs://bucket/path), with
    `contentType`, `contentEncoding`, `contentDisposition`, `cacheControl` when given.
    MD5 and CRC32C are computed while reading; `validateChecksum` (default true) compares
    them with what GCS stored, `expectedMd5` / `expectedCrc32c` (base64) with what the
    source should be. Outputs `uri` (gs://, spaces as %20), `md5`, `crc32c`; metric
    `file.size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.gcs.Upload"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Upload a FILE input to GCS", code="""
id: gcp_gcs_upload
namespace: company.team

inputs:
  - id: file
    type: FILE

tasks:
  - id: upload
    type: io.kestra.plugin.gcp.gcs.Upload
    from: "{{ inputs.file }}"
    to: "gs://my_bucket/dir/file.csv"
"""),
        Example(title="Download data and upload to Google Cloud Storage", code="""
id: load_to_cloud_storage
namespace: company.team

tasks:
  - id: data
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/csv/orders.csv

  - id: cloud_storage
    type: io.kestra.plugin.gcp.gcs.Upload
    from: "{{ outputs.data.uri }}"
    to: gs://kestra-demo/data.csv
"""),
    )

    from_: str = Field(alias="from")
    to: str
    content_type: str | None = None
    content_encoding: str | None = None
    content_disposition: str | None = None
    cache_control: str | None = None
    validate_checksum: bool = True
    expected_md5: str | None = None
    expected_crc32c: str | None = Field(None, alias="expectedCrc32c")  # not "Crc32C"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        source = required(ctx, self.from_, "from")
        bucket, name = parse_gs(required(ctx, self.to, "to"), "to")
        local, size, digests = self._read(ctx, source)
        self._expect(ctx, digests)
        client = storage_client(self, ctx)
        where = f"uploading to gs://{bucket}/{name}"
        with gcs_errors(where):
            blob = client.bucket(bucket).blob(name)
            for field in _HEADERS:
                value = text(ctx, getattr(self, field))
                if value is not None:
                    setattr(blob, field, value)
            ctx.log("DEBUG", f"Upload from '{source}' to 'gs://{bucket}/{name}'")
            blob.upload_from_filename(str(local), content_type=blob.content_type,
                                      checksum=None)
            if self.validate_checksum:
                blob.reload()
        local.unlink()
        if self.validate_checksum:
            _compare("MD5", digests.md5, blob.md5_hash)
            _compare("CRC32C", digests.crc32c, blob.crc32c)
        counter(ctx, "file.size", size)
        # Kestra's encode(): only spaces are escaped in this URI.
        return {"uri": f"gs://{bucket}/{name.replace(' ', '%20')}",
                "md5": digests.md5, "crc32c": digests.crc32c}

    @staticmethod
    def _read(ctx: RunContext, source: str) -> tuple[Path, int, Digests]:
        """The source copied into the working directory, hashing it on the way (the upload
        then reads a local, seekable file that Google's client can resume from)."""
        local = Path(ctx.working_dir) / "upload.part"
        digests, size = Digests(), 0
        with ctx.open_file(source) as stream, open(local, "wb") as out:
            while chunk := stream.read(CHUNK):
                ctx.check_killed()
                digests.update(chunk)
                out.write(chunk)
                size += len(chunk)
        return local, size, digests

    def _expect(self, ctx: RunContext, digests: Digests) -> None:
        for name, given, computed in (("MD5", self.expected_md5, digests.md5),
                                      ("CRC32C", self.expected_crc32c, digests.crc32c)):
            expected = text(ctx, given)
            if expected is not None and expected != computed:
                raise TaskFailure(f"Source {name} mismatch: expected={expected}, "
                                  f"computed={computed}")


def _compare(algorithm: str, client: str, server: str | None) -> None:
    if client != server:
        raise TaskFailure(f"{algorithm} mismatch between client and GCS: client={client}, "
                          f"gcs={server}")

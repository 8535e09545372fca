"""io.kestra.plugin.compress.ArchiveCompress."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, Expr, RunContext, Task, TaskFailure
from podium_compress import archives, codecs
from podium_compress.archives import ArchiveAlgorithm
from podium_compress.codecs import CompressionAlgorithm
from podium_compress.guard import safe_name


class ArchiveCompress(Task):
    """Create an archive from several files of the internal storage.

    `from` maps each entry name of the archive to a file URI (kestra://, nsfile://...);
    `algorithm` is the container (ZIP, JAR, TAR, AR, CPIO; ARJ and DUMP are read-only in
    Kestra and refused here), `compression` an optional compressor of the whole archive
    (GZIP, BZIP2, XZ, LZMA, DEFLATE, ZSTD), e.g. TAR + GZIP for a .tar.gz. Files are copied
    one at a time through the working directory, never held in memory. Entry names that
    are absolute or contain `..` are refused.

    Output: `uri`, the archive in the internal storage."""

    TYPE: ClassVar[str] = "io.kestra.plugin.compress.ArchiveCompress"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Compress an input file", code="""
id: archive_compress
namespace: company.team

inputs:
  - id: file
    type: FILE

tasks:
  - id: "archive_compress"
    type: "io.kestra.plugin.compress.ArchiveCompress"
    from:
      myfile.txt: "{{ inputs.file }}"
    algorithm: ZIP
"""),
        Example(title="Download two files, compress them together and upload to S3 bucket",
                code="""
id: archive_compress
namespace: company.team

tasks:
  - id: products_download
    type: io.kestra.plugin.core.http.Download
    uri: "http://huggingface.co/datasets/kestra/datasets/raw/main/csv/products.csv"

  - id: orders_download
    type: io.kestra.plugin.core.http.Download
    uri: "https://huggingface.co/datasets/kestra/datasets/raw/main/csv/orders.csv"

  - id: archive_compress
    type: "io.kestra.plugin.compress.ArchiveCompress"
    from:
      products.csv: "{{ outputs.products_download.uri }}"
      orders.csv: "{{ outputs.orders_download.uri }}"
    algorithm: TAR
    compression: GZIP

  - id: upload_compressed
    type: io.kestra.plugin.aws.s3.Upload
    bucket: "example"
    region: "{{ secret('AWS_REGION') }}"
    accessKeyId: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY_ID') }}"
    from: "{{ outputs.archive_compress.uri }}"
    key: "archive.gz"
"""),
    )

    from_: dict[str, str] | Expr = Field(alias="from")
    algorithm: ArchiveAlgorithm
    compression: CompressionAlgorithm | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        archives.require_supported(self.algorithm)
        if self.compression is not None:
            codecs.require_supported(self.compression)
        files = self._files(ctx)
        work = Path(ctx.working_dir)  # type: ignore[arg-type]
        name = "archive" + archives.EXTENSIONS[self.algorithm] + (
            codecs.EXTENSIONS[self.compression] if self.compression else "")
        target = work / name
        with open(target, "wb") as raw:
            if self.compression is None:
                self._write(ctx, raw, files, work)
            else:
                with codecs.open_writer(self.compression, raw) as compressed:
                    self._write(ctx, compressed, files, work)
        return {"uri": ctx.put_file(target, name)}

    def _files(self, ctx: RunContext) -> dict[str, str]:
        value = ctx.render_typed(self.from_) if isinstance(self.from_, str) else {
            ctx.render(key): ctx.render(uri) for key, uri in self.from_.items()}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        if not isinstance(value, dict) or not value:
            raise TaskFailure("`from` must be a non-empty map of entry names to file URIs")
        return {safe_name(str(key)): str(uri) for key, uri in value.items()}

    def _write(self, ctx: RunContext, out: Any, files: dict[str, str], work: Path) -> None:
        writer = archives.open_writer(self.algorithm, out)
        for entry, uri in files.items():
            ctx.check_killed()
            # A local copy first: TAR, AR and CPIO headers carry the size before the data.
            with tempfile.NamedTemporaryFile(dir=work, delete=True) as copy:
                with ctx.open_file(uri) as source:
                    while chunk := source.read(1 << 16):
                        copy.write(chunk)
                copy.flush()
                writer.add(entry, Path(copy.name))
        writer.close()

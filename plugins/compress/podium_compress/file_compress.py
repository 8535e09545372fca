"""io.kestra.plugin.compress.FileCompress."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task
from podium_compress import codecs
from podium_compress.codecs import CompressionAlgorithm


class FileCompress(Task):
    """Compress one file of the internal storage with `compression` (GZIP, BZIP2, XZ,
    LZMA, DEFLATE, ZSTD; the others are refused, naming these). Streamed.

    Output: `uri`, the compressed file (its source name plus the usual extension)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.compress.FileCompress"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Compress a file", code="""
id: file_compress
namespace: company.team

inputs:
  - id: file
    description: File to be compressed
    type: FILE

tasks:
  - id: compress
    type: io.kestra.plugin.compress.FileCompress
    from: "{{ inputs.file }}"
    compression: Z
"""),
    )

    from_: str = Field(alias="from")
    compression: CompressionAlgorithm

    def run(self, ctx: RunContext) -> dict[str, Any]:
        codecs.require_supported(self.compression)
        uri = ctx.render(self.from_)
        name = (PurePosixPath(uri).name or "file") + codecs.EXTENSIONS[self.compression]
        target = Path(ctx.working_dir) / name  # type: ignore[arg-type]
        with ctx.open_file(uri) as source, open(target, "wb") as raw:
            with codecs.open_writer(self.compression, raw) as out:
                while chunk := source.read(1 << 16):
                    ctx.check_killed()
                    out.write(chunk)
        return {"uri": ctx.put_file(target, name)}

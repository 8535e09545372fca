"""io.kestra.plugin.compress.FileDecompress."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_compress import codecs
from podium_compress.codecs import CompressionAlgorithm
from podium_compress.guard import DEFAULT_MAX_RATIO, DEFAULT_MAX_SIZE, Budget, Metered, parse_size


class FileDecompress(Task):
    """Decompress one file of the internal storage compressed with `compression` (GZIP,
    BZIP2, XZ, LZMA, DEFLATE, ZSTD). Streamed, and capped against decompression bombs as
    ArchiveDecompress is (`maxSize`, default 8GiB; `maxRatio`, default 200, past 64 MiB).

    Output: `uri`, the decompressed file (its source name without the extension)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.compress.FileDecompress"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Decompress a file", code="""
id: file_decompress
namespace: company.team

inputs:
  - id: file
    description: File to be decompressed
    type: FILE

tasks:
  - id: decompress
    type: io.kestra.plugin.compress.FileDecompress
    from: "{{ inputs.file }}"
    compression: Z
"""),
    )

    from_: str = Field(alias="from")
    compression: CompressionAlgorithm
    max_size: int | str = DEFAULT_MAX_SIZE
    max_ratio: int = Field(DEFAULT_MAX_RATIO, ge=1)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        codecs.require_supported(self.compression)
        uri = ctx.render(self.from_)
        source_name = PurePosixPath(uri).name or "file"
        extension = codecs.EXTENSIONS[self.compression]
        name = source_name[:-len(extension)] if source_name.endswith(extension) \
            and len(source_name) > len(extension) else source_name
        local = ctx.download(uri, ctx.working_dir / "compressed")  # type: ignore[operator]
        budget = Budget(parse_size(self.max_size, "maxSize"), self.max_ratio,
                        local.stat().st_size)
        try:
            with open(local, "rb") as raw, codecs.open_reader(self.compression, raw) as plain:
                return {"uri": ctx.put_stream(Metered(plain, budget), name)}  # type: ignore[arg-type]
        except codecs.DECODE_ERRORS as exc:
            raise TaskFailure(f"Unable to decompress the file as {self.compression.value}: "
                              f"{exc}") from None

"""io.kestra.plugin.compress.ArchiveDecompress."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium_compress import archives, codecs
from podium_compress.archives import ArchiveAlgorithm
from podium_compress.codecs import CompressionAlgorithm
from podium_compress.guard import (
    DEFAULT_MAX_RATIO,
    DEFAULT_MAX_SIZE,
    Budget,
    Metered,
    parse_size,
    safe_name,
)


class ArchiveDecompress(Task):
    """Extract the files of an archive of the internal storage.

    `algorithm` is the container (ZIP, JAR, TAR, AR, CPIO), `compression` the compressor
    around it if any (GZIP over TAR for a .tar.gz). Each regular file becomes a file of the
    internal storage; directories are implied, links and devices are skipped with a
    warning. Output `files`: entry name -> URI (stored under the entry's path, spaces
    turned into underscores, as Kestra does). Metrics `size` (bytes) and `count`.

    Safety (Podium): an entry whose path is absolute or has `..` fails the task (path
    traversal); the bytes extracted are capped by `maxSize` (default 8GiB) and by
    `maxRatio` times the archive's size once past 64 MiB (default 200), against
    decompression bombs. Everything streams: no file is held in memory."""

    TYPE: ClassVar[str] = "io.kestra.plugin.compress.ArchiveDecompress"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Decompress an archive", code="""
id: archive_decompress
namespace: company.team

inputs:
  - id: file
    description: Compressed file
    type: FILE

tasks:
  - id: archive_decompress
    type: io.kestra.plugin.compress.ArchiveDecompress
    from: "{{ inputs.file }}"
    algorithm: ZIP
    compression: GZIP
"""),
    )

    from_: str = Field(alias="from")
    algorithm: ArchiveAlgorithm
    compression: CompressionAlgorithm | None = None
    max_size: int | str = DEFAULT_MAX_SIZE
    max_ratio: int = Field(DEFAULT_MAX_RATIO, ge=1)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        archives.require_supported(self.algorithm)
        if self.compression is not None:
            codecs.require_supported(self.compression)
        work = Path(ctx.working_dir)  # type: ignore[arg-type]
        source = Path(tempfile.mkstemp(dir=work, prefix="archive-")[1])
        ctx.download(ctx.render(self.from_), source)
        budget = Budget(parse_size(self.max_size, "maxSize"), self.max_ratio,
                        source.stat().st_size)
        try:
            files = self._extract(ctx, source, budget, work)
        except (*codecs.DECODE_ERRORS, *archives.READ_ERRORS) as exc:
            raise TaskFailure(f"Unable to read the archive as {self._format()}: {exc}") from None
        ctx.metric({"name": "size", "type": "counter", "value": budget.total, "tags": {}})
        ctx.metric({"name": "count", "type": "counter", "value": len(files), "tags": {}})
        return {"files": files}

    def _format(self) -> str:
        return self.algorithm.value + (f" + {self.compression.value}" if self.compression else "")

    def _extract(self, ctx: RunContext, source: Path, budget: Budget, work: Path
                 ) -> dict[str, str]:
        with open(source, "rb") as raw:
            stream: BinaryIO = raw
            if self.compression is not None:
                stream = codecs.open_reader(self.compression, raw)
            if self.algorithm in archives.SEEKABLE:
                if self.compression is not None:  # a ZIP is read from a file it can seek
                    plain = work / "archive.plain"
                    with open(plain, "wb") as out:
                        _copy(Metered(stream, budget), out)
                    source, budget.total = plain, 0
                return self._store(ctx, archives.read_entries(self.algorithm, source), budget)
            return self._store(ctx, archives.read_entries(self.algorithm, stream), budget)

    def _store(self, ctx: RunContext, entries: Any, budget: Budget) -> dict[str, str]:
        files: dict[str, str] = {}
        for entry in entries:
            ctx.check_killed()
            path = safe_name(entry.name)  # refuses traversal, whatever the entry's kind
            if entry.kind == "other":
                ctx.log("WARN", f"Archive entry '{entry.name}' is not a regular file "
                                "(link or device): skipped")
            if entry.kind != "file":
                continue
            try:
                files[entry.name] = ctx.put_stream(Metered(entry.stream, budget),  # type: ignore[arg-type]
                                                   path.replace(" ", "_"))
            except ValueError as exc:
                raise TaskFailure(f"Archive entry '{entry.name}' cannot be stored: {exc}") from None
        return files


def _copy(src: Any, dst: Any) -> None:
    while chunk := src.read(1 << 16):
        dst.write(chunk)

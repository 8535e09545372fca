"""io.kestra.plugin.serdes.parquet.ParquetToIon: a Parquet file to ION, batch by batch."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any, ClassVar

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.ion import write_ion

from ._base import BUFFER, Conversion, finish
from .avro_to_ion import ion_value

if TYPE_CHECKING:  # imported when the task runs: podium_serdes/__init__.py says why
    import pyarrow.parquet as pq

BATCH_ROWS = 1024  # rows decoded at a time, at most
BATCH_BYTES = 256 * 1024  # ... and about this many bytes of data (wide rows: fewer)


class ParquetToIon(Conversion):
    """Convert a Parquet file to the Amazon ION format.

    The file is copied to the working directory (Parquet is read from its footer), then read
    a batch of rows at a time. Timestamps with a zone become ION timestamps, decimals ION
    decimals, dates and times text. Outputs `uri` and `size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.parquet.ParquetToIon"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.serdes.parquet.ParquetReader",)
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(
        title="Convert a parquet file to the Amazon ION format.", code="""\
id: parquet_to_ion
namespace: company.team
tasks:
  - id: http_download
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/parquet/products.parquet
  - id: to_ion
    type: io.kestra.plugin.serdes.parquet.ParquetToIon
    from: "{{ outputs.http_download.uri }}"
"""),)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        local = self.target(ctx, ".parquet")
        with self.source(ctx) as stream, open(local, "wb") as copy:
            shutil.copyfileobj(stream, copy, BUFFER)
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(local)
        except Exception as exc:  # pyarrow's errors for a file that is not Parquet
            raise TaskFailure(f"from: not a Parquet file: {exc}") from None
        path, count = self.target(ctx), 0
        with parquet, open(path, "w", encoding="utf-8", buffering=BUFFER, newline="\n") as out:
            # One thread: a batch at a time is decoded, nothing read ahead.
            for batch in parquet.iter_batches(batch_size=_batch_rows(parquet),
                                              use_threads=False):
                for row in batch.to_pylist():
                    write_ion(out, ion_value(row))
                    count += 1
                ctx.check_killed()
        local.unlink()
        return finish(ctx, path, count)


def _batch_rows(parquet: pq.ParquetFile) -> int:
    meta = parquet.metadata
    if not meta.num_rows:
        return BATCH_ROWS
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    return max(16, min(BATCH_ROWS, BATCH_BYTES * meta.num_rows // max(1, size)))

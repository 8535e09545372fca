"""io.kestra.plugin.serdes.parquet.IonToParquet: an ION file to Parquet, row group by row
group."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.ion import read_ion

from ._avro import AvroProperties, converted, load_schema
from ._base import Conversion, finish, killed_check
from ._examples import salaries_example

if TYPE_CHECKING:  # imported when the task runs: podium_serdes/__init__.py says why
    import pyarrow as pa
    import pyarrow.parquet as pq

CompressionCodec = Literal["UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD"]
Version = Literal["V1", "V2"]
BATCH_ROWS = 1024  # rows converted to Arrow at a time, at most
BATCH_BYTES = 256 * 1024  # ... and about this many bytes of Arrow data (wide rows: fewer)


class IonToParquet(Conversion, AvroProperties):
    """Convert an Ion file to the Parquet format.

    Columns are typed by an Avro `schema` (inferred from the first `numberOfRowsToScan`
    rows when none is given), with the same conversion properties as IonToAvro. Rows are
    converted in small batches and written out as row groups of about `rowGroupSize` bytes
    (Arrow's in-memory size), so memory stays bounded by the row group, not the file.
    `compressionCodec` (default `GZIP`), `parquetVersion` (`V1`, `V2`), `pageSize` and
    `dictionaryPageSize` as Kestra's. Outputs `uri` and `size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.parquet.IonToParquet"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.serdes.parquet.ParquetWriter",)
    SUFFIX: ClassVar[str] = ".parquet"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (salaries_example(
        "Read a CSV file, transform it and store the transformed data as a parquet file.",
        "ion_to_parquet", TYPE, extra="""\
    schema: |
      {
        "type": "record",
        "name": "Salary",
        "namespace": "com.example.salary",
        "fields": [
          {"name": "job_title", "type": "string"},
          {"name": "avg_salary", "type": "double"}
        ]
      }
"""),)

    compression_codec: CompressionCodec = "GZIP"
    parquet_version: Version = "V2"
    row_group_size: int = 128 * 1024 * 1024
    page_size: int = 1024 * 1024
    dictionary_page_size: int = 1024 * 1024

    def run(self, ctx: RunContext) -> dict[str, Any]:
        import pyarrow.parquet as pq

        from ._arrow import arrow_schema  # builds Arrow types: pyarrow, at run time only

        schema = load_schema(ctx, self, lambda: self.source(ctx))
        try:
            columns = arrow_schema(schema)
        except (ValueError, KeyError, TypeError) as exc:
            raise TaskFailure(f"schema: {exc}") from None
        path = self.target(ctx)
        options = {"compression": self.compression_codec.lower().replace("uncompressed", "none"),
                   "version": "1.0" if self.parquet_version == "V1" else "2.6",
                   "data_page_size": self.page_size,
                   "dictionary_pagesize_limit": self.dictionary_page_size,
                   "use_dictionary": True}
        with self.source(ctx) as stream, pq.ParquetWriter(path, columns, **options) as writer:
            groups = _RowGroups(writer, columns, self.row_group_size)
            for row in converted(ctx, self, schema, read_ion(stream), self.on_bad_lines):
                groups.add(row)
                killed_check(ctx, groups.count)
            groups.flush()
        return finish(ctx, path, groups.count)


class _RowGroups:
    """Rows to Arrow batches of BATCH_ROWS, batches to a row group once they hold
    `target` bytes."""

    def __init__(self, writer: pq.ParquetWriter, schema: pa.Schema, target: int) -> None:
        self.writer, self.schema, self.target = writer, schema, max(1, target)
        self.rows: list[dict[str, Any]] = []
        self.batches: list[pa.RecordBatch] = []
        self.size = 0
        self.count = 0
        self.batch_rows = 64  # until the first batch says how wide a row is

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= self.batch_rows:
            self._batch()

    def _batch(self) -> None:
        import pyarrow as pa

        if not self.rows:
            return
        try:
            batch = pa.RecordBatch.from_pylist(self.rows, schema=self.schema)
        except (pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
            raise TaskFailure(f"records up to {self.count}: cannot be written as Parquet: "
                              f"{exc}") from None
        self.batch_rows = max(16, min(BATCH_ROWS, BATCH_BYTES * len(self.rows)
                                      // max(1, batch.nbytes)))
        self.rows = []
        self.batches.append(batch)
        self.size += batch.nbytes
        if self.size >= self.target:
            self._group()

    def _group(self) -> None:
        import pyarrow as pa

        if self.batches:
            table = pa.Table.from_batches(self.batches, schema=self.schema)
            self.writer.write_table(table, row_group_size=table.num_rows)
        self.batches, self.size = [], 0

    def flush(self) -> None:
        self._batch()
        self._group()

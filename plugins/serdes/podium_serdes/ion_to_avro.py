"""io.kestra.plugin.serdes.avro.IonToAvro: an ION file to an Avro data file, streamed."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.ion import read_ion

from ._avro import AvroProperties, converted, load_schema
from ._base import Conversion, finish, killed_check


class IonToAvro(Conversion, AvroProperties):
    """Convert an ION file to the Avro format.

    The records are written with the Avro `schema` (JSON); without one, a schema is
    inferred from the first `numberOfRowsToScan` rows (all rows with `inferAllFields`).
    Text values are converted to the schema's types: numbers (with `decimalSeparator`),
    booleans (`trueValues`, `falseValues`), nulls (`nullValues`), dates, times and
    date-times (`dateFormat`, `timeFormat`, `datetimeFormat`, in `timeZoneId` when the text
    has no offset). `strictSchema` refuses fields the schema does not declare. `onBadLines`
    says whether a record that does not fit fails the task, is logged and skipped, or is
    skipped. Outputs `uri` and `size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.avro.IonToAvro"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.serdes.avro.AvroWriter",)
    SUFFIX: ClassVar[str] = ".avro"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(
        title="Convert a CSV dataset to the Avro format via ION.", code="""\
id: divvy_tripdata
namespace: company.team

variables:
  file_id: "{{ execution.startDate | dateAdd(-3, 'MONTHS') | date('yyyyMM') }}"

tasks:
  - id: get_zipfile
    type: io.kestra.plugin.core.http.Download
    uri: "https://divvy-tripdata.s3.amazonaws.com/{{ render(vars.file_id) }}-divvy-tripdata.zip"

  - id: unzip
    type: io.kestra.plugin.compress.ArchiveDecompress
    algorithm: ZIP
    from: "{{ outputs.get_zipfile.uri }}"

  - id: convert
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ outputs.unzip.files[render(vars.file_id) ~ '-divvy-tripdata.csv'] }}"

  - id: to_avro
    type: io.kestra.plugin.serdes.avro.IonToAvro
    from: "{{ outputs.convert.uri }}"
    datetimeFormat: "yyyy-MM-dd' 'HH:mm:ss"
    schema: |
      {
        "type": "record",
        "name": "Ride",
        "namespace": "com.example.bikeshare",
        "fields": [
          {"name": "ride_id", "type": "string"},
          {"name": "rideable_type", "type": "string"},
          {"name": "started_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
          {"name": "ended_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
          {"name": "start_station_name", "type": "string"},
          {"name": "start_station_id", "type": "string"},
          {"name": "end_station_name", "type": "string"},
          {"name": "end_station_id", "type": "string"},
          {"name": "start_lat", "type": "double"},
          {"name": "start_lng", "type": "double"},
          {
            "name": "end_lat",
            "type": ["null", "double"],
            "default": null
          },
          {
            "name": "end_lng",
            "type": ["null", "double"],
            "default": null
          },
          {"name": "member_casual", "type": "string"}
        ]
      }
"""),)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        import fastavro  # here, not at the top: podium_serdes/__init__.py says why

        schema = load_schema(ctx, self, lambda: self.source(ctx))
        try:
            parsed = fastavro.parse_schema(schema)
        except Exception as exc:  # fastavro's SchemaParseException and friends
            raise TaskFailure(f"schema: invalid Avro schema: {exc}") from None
        path, counter = self.target(ctx), _Counter(ctx)
        with self.source(ctx) as stream, open(path, "wb") as out:
            rows = converted(ctx, self, schema, read_ion(stream), self.on_bad_lines)
            try:
                fastavro.writer(out, parsed, counter.count(rows))
            except (ValueError, TypeError, AttributeError, KeyError) as exc:
                raise TaskFailure(f"record {counter.value + 1}: cannot be written with the "
                                  f"schema: {exc}") from None
        return finish(ctx, path, counter.value)


class _Counter:
    def __init__(self, ctx: RunContext) -> None:
        self.ctx, self.value = ctx, 0

    def count(self, rows: Iterator[Any]) -> Iterator[Any]:
        for row in rows:
            yield row
            self.value += 1
            killed_check(self.ctx, self.value)

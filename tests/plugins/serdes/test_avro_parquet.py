"""Avro and Parquet to and from ION, through flows on the embedded runtime: typed values
(timestamps, decimals, dates, blobs) survive the round trip."""

from __future__ import annotations

import io
from pathlib import Path

import fastavro
import pyarrow.parquet as pq

from podium.common.models.state import State

SCHEMA = """
      {
        "type": "record",
        "name": "Order",
        "fields": [
          {"name": "id", "type": "long"},
          {"name": "name", "type": "string"},
          {"name": "price", "type": {"type": "bytes", "logicalType": "decimal",
                                     "precision": 10, "scale": 2}},
          {"name": "ratio", "type": ["null", "double"], "default": null},
          {"name": "paid", "type": "boolean"},
          {"name": "day", "type": {"type": "int", "logicalType": "date"}},
          {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
          {"name": "raw", "type": ["null", "bytes"], "default": null}
        ]
      }"""

ION = (
    '{id:1,name:"Widget",price:12.50,ratio:0.5e0,paid:true,day:"2024-01-02",'
    'at:2024-01-02T03:04:05.123Z,raw:{{AAFoaQ==}}}\n'
    '{id:2,name:"Gadget",price:7.00,ratio:null,paid:false,day:"2024-02-29",'
    'at:2024-02-29T23:59:59Z,raw:null}\n'
)
# What comes back: the same values, timestamps at Kestra's millisecond precision.
BACK = ION.replace("at:2024-02-29T23:59:59Z", "at:2024-02-29T23:59:59.000Z")

FLOW = """
id: typed_round_trip
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: to_avro
    type: io.kestra.plugin.serdes.avro.IonToAvro
    from: "{{ inputs.file }}"
    schema: |SCHEMA
  - id: avro_back
    type: io.kestra.plugin.serdes.avro.AvroToIon
    from: "{{ outputs.to_avro.uri }}"
  - id: to_parquet
    type: io.kestra.plugin.serdes.parquet.IonToParquet
    from: "{{ inputs.file }}"
    compressionCodec: ZSTD
    parquetVersion: V1
    schema: |SCHEMA
  - id: parquet_back
    type: io.kestra.plugin.serdes.parquet.ParquetToIon
    from: "{{ outputs.to_parquet.uri }}"
""".replace("|SCHEMA", "|" + SCHEMA.replace("\n      ", "\n      "))


def test_typed_values_round_trip_through_avro_and_parquet(flows, tmp_path: Path) -> None:
    source = tmp_path / "in.ion"
    source.write_text(ION)
    run = flows.run(FLOW, {"file": source})
    assert run.state is State.SUCCESS, run.logs()
    assert run.read(run.outputs("avro_back")["uri"]).decode() == BACK
    assert run.read(run.outputs("parquet_back")["uri"]).decode() == BACK
    assert run.outputs("to_avro")["size"] == run.outputs("to_parquet")["size"] == 2

    records = list(fastavro.reader(io.BytesIO(run.read(run.outputs("to_avro")["uri"]))))
    assert records[0]["name"] == "Widget" and str(records[0]["price"]) == "12.50"
    parquet = pq.ParquetFile(io.BytesIO(run.read(run.outputs("to_parquet")["uri"])))
    assert parquet.metadata.format_version == "1.0"
    assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"


CSV_FLOW = """
id: csv_to_typed
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: to_ion
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ inputs.file }}"
  - id: to_avro
    type: io.kestra.plugin.serdes.avro.IonToAvro
    from: "{{ outputs.to_ion.uri }}"
    datetimeFormat: "yyyy-MM-dd' 'HH:mm:ss"
    decimalSeparator: ","
    schema: |
      {"type": "record", "name": "Ride", "fields": [
        {"name": "ride_id", "type": "string"},
        {"name": "started_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "lat", "type": "double"},
        {"name": "member", "type": "boolean"},
        {"name": "end_lat", "type": ["null", "double"], "default": null}]}
  - id: back
    type: io.kestra.plugin.serdes.avro.AvroToIon
    from: "{{ outputs.to_avro.uri }}"
  - id: inferred
    type: io.kestra.plugin.serdes.parquet.IonToParquet
    from: "{{ outputs.to_ion.uri }}"
  - id: inferred_back
    type: io.kestra.plugin.serdes.parquet.ParquetToIon
    from: "{{ outputs.inferred.uri }}"
"""


def test_csv_text_is_typed_by_the_avro_schema(flows, tmp_path: Path) -> None:
    source = tmp_path / "rides.csv"
    source.write_text("ride_id,started_at,lat,member,end_lat\n"
                      "A1,2024-03-01 08:15:00,\"41,88\",yes,\n"
                      "B2,2024-03-01 09:00:30,41.9,f,41.95\n")
    run = flows.run(CSV_FLOW, {"file": source})
    assert run.state is State.SUCCESS, run.logs()
    assert run.read(run.outputs("back")["uri"]).decode().splitlines() == [
        '{ride_id:"A1",started_at:2024-03-01T08:15:00.000Z,lat:41.88e0,member:true,'
        'end_lat:null}',
        '{ride_id:"B2",started_at:2024-03-01T09:00:30.000Z,lat:41.9e0,member:false,'
        'end_lat:41.95e0}']
    # Without a schema the columns are inferred from the rows: all text here, nullable,
    # and the empty text is one of the `nullValues`.
    assert run.read(run.outputs("inferred_back")["uri"]) == \
        run.read(run.outputs("to_ion")["uri"]).replace(b'end_lat:""', b"end_lat:null")


def test_a_record_that_does_not_fit_the_schema_fails_with_its_field(flows, tmp_path) -> None:
    source = tmp_path / "rides.csv"
    source.write_text("ride_id,started_at,lat,member,end_lat\nA1,yesterday,1,yes,\n")
    run = flows.run(CSV_FLOW, {"file": source})
    assert run.state is State.FAILED
    assert "record 1: field 'started_at'" in run.logs()

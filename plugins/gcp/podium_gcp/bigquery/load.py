"""io.kestra.plugin.gcp.bigquery.Load (from internal storage) and LoadFromGcs (from
Cloud Storage URIs): BigQuery load jobs with Kestra's AbstractLoad options."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from podium.sdk import Example, RunContext, StrictModel, Task, TaskFailure
from podium_gcp.bigquery.query import CreateDisposition, SchemaUpdateOption, WriteDisposition
from podium_gcp.bigquery.service import BigQueryConnection, required, table_reference, text

if TYPE_CHECKING:  # imported when a task runs (podium_gcp/connection.py says why)
    from google.cloud import bigquery

# Kestra's Format -> BigQuery's sourceFormat.
_FORMATS = {"CSV": "CSV", "JSON": "NEWLINE_DELIMITED_JSON", "AVRO": "AVRO",
            "PARQUET": "PARQUET", "ORC": "ORC"}


class CsvOptions(StrictModel):
    allow_jagged_rows: bool | None = None
    allow_quoted_new_lines: bool | None = None
    encoding: str | None = None
    field_delimiter: str | None = None
    quote: str | None = None
    skip_leading_rows: int | None = None


class AvroOptions(StrictModel):
    use_avro_logical_types: bool | None = None


class LoadProperties(BigQueryConnection):
    """Kestra's AbstractLoad."""

    destination_table: str | None = None
    clustering_fields: list[str] | None = None
    schema_update_options: list[SchemaUpdateOption] | None = None
    time_partitioning_field: str | None = None
    time_partitioning_type: Literal["DAY", "HOUR", "MONTH", "YEAR"] = "DAY"
    write_disposition: WriteDisposition | None = None
    autodetect: bool | None = None
    create_disposition: CreateDisposition | None = None
    ignore_unknown_values: bool | None = None
    max_bad_records: int | None = None
    schema_: dict[str, Any] | None = Field(None, alias="schema")
    format: Literal["CSV", "JSON", "AVRO", "PARQUET", "ORC"] | None = None
    csv_options: CsvOptions | None = None
    avro_options: AvroOptions | None = None

    def load_config(self, ctx: RunContext) -> bigquery.LoadJobConfig:
        from google.cloud import bigquery

        config = bigquery.LoadJobConfig()
        if self.format is None:
            raise TaskFailure("`format` is required: CSV, JSON, AVRO, PARQUET or ORC")
        config.source_format = _FORMATS[self.format]
        if self.format == "CSV":
            self._csv(config)
        if self.format == "AVRO" and self.avro_options and \
                self.avro_options.use_avro_logical_types is not None:
            config.use_avro_logical_types = self.avro_options.use_avro_logical_types
        if self.clustering_fields:
            config.clustering_fields = ctx.render_value(self.clustering_fields)
        if self.schema_update_options:
            config.schema_update_options = list(self.schema_update_options)
        if self.time_partitioning_field:
            config.time_partitioning = bigquery.TimePartitioning(
                type_=self.time_partitioning_type,
                field=text(ctx, self.time_partitioning_field))
        for name in ("write_disposition", "create_disposition", "autodetect",
                     "ignore_unknown_values", "max_bad_records"):
            if getattr(self, name) is not None:
                setattr(config, name, getattr(self, name))
        if self.schema_ is not None:
            config.schema = _schema(ctx.render_value(self.schema_))
        return config

    def _csv(self, config: bigquery.LoadJobConfig) -> None:
        options = self.csv_options or CsvOptions()
        for name in ("allow_jagged_rows", "allow_quoted_new_lines", "encoding",
                     "field_delimiter", "quote", "skip_leading_rows"):
            value = getattr(options, name)
            if value is not None:
                # BigQuery's name for the quote character is quote_character.
                setattr(config, "quote_character" if name == "quote" else name, value)

    def destination(self, ctx: RunContext) -> str:
        return table_reference(required(ctx, self.destination_table, "destinationTable"))


def _schema(schema: Any) -> list[bigquery.SchemaField]:
    if not isinstance(schema, dict) or "fields" not in schema:
        raise TaskFailure(f"`schema`: unable to deserialize schema, no 'fields' with data "
                          f"'{schema}'")
    return [_field(f) for f in schema["fields"]]


def _field(field: Any) -> bigquery.SchemaField:
    from google.cloud import bigquery

    if not isinstance(field, dict) or "name" not in field or "type" not in field:
        raise TaskFailure(f"`schema`: a field needs a `name` and a `type`, got {field!r}")
    subs = [_field(f) for f in field.get("fields") or []]
    return bigquery.SchemaField(field["name"], str(field["type"]).upper(),
                                mode=field.get("mode") or "NULLABLE",
                                description=field.get("description"), fields=subs)


def load_outputs(ctx: RunContext, job: Any) -> dict[str, Any]:
    """Kestra's AbstractLoad.Output: jobId, destinationTable (project.dataset.table), rows."""
    tags = {"project_id": job.project or "", "location": job.location or ""}
    for name, value in (("output.rows", job.output_rows), ("input.files", job.input_files),
                        ("input.bytes", job.input_file_bytes),
                        ("output.bytes", job.output_bytes)):
        if value is not None:
            ctx.metric({"name": name, "type": "counter", "value": value, "tags": tags})
    table = job.destination
    return {"jobId": job.job_id, "rows": job.output_rows,
            "destinationTable": f"{table.project}.{table.dataset_id}.{table.table_id}"}


_LOAD_DOC = """`format` (CSV, JSON as newline-delimited JSON, AVRO, PARQUET, ORC) with `csvOptions`
    (`fieldDelimiter`, `quote`, `skipLeadingRows`, `allowJaggedRows`, `allowQuotedNewLines`,
    `encoding`) or `avroOptions` (`useAvroLogicalTypes`); `schema` (`{fields: [{name, type,
    mode, description, fields}]}`) or `autodetect`; `writeDisposition`, `createDisposition`,
    `ignoreUnknownValues`, `maxBadRecords`, partitioning and clustering as Kestra's load
    tasks. Outputs `jobId`, `destinationTable` (`project.dataset.table`) and `rows`."""


class Load(LoadProperties, Task):
    __doc__ = f"""Load an internal storage file into BigQuery.

    Uploads the `from` file (a `kestra://` URI) into `destinationTable` through a load job.
    An empty file fails the task unless `failedOnEmpty: false` (then `rows` is 0). {_LOAD_DOC}
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.bigquery.Load"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Load a CSV file from an input file", code="""
id: gcp_bq_load
namespace: company.team

tasks:
  - id: load
    type: io.kestra.plugin.gcp.bigquery.Load
    from: "{{ inputs.file }}"
    destinationTable: "my-project.my_dataset.my_table"
    format: CSV
    csvOptions:
      fieldDelimiter: ";"
"""),)

    from_: str | None = Field(None, alias="from")
    failed_on_empty: bool = True

    def run(self, ctx: RunContext) -> dict[str, Any]:
        source = required(ctx, self.from_, "from")
        destination = self.destination(ctx)
        config = self.load_config(ctx)
        local = ctx.download(source, ctx.working_dir / "load.data")
        size = os.path.getsize(local)
        if size == 0:
            if self.failed_on_empty:
                raise TaskFailure("Can't load an empty file and this one don't contain any data")
            return {"rows": 0}
        client = self.bigquery_client(ctx)

        def create() -> Any:
            with open(local, "rb") as stream:
                return client.load_table_from_file(stream, destination, size=size,
                                                   job_config=config)
        job = self.run_job(ctx, create)
        return load_outputs(ctx, job)


class LoadFromGcs(LoadProperties, Task):
    __doc__ = f"""Load Cloud Storage files into BigQuery.

    Runs a load job from the `from` URIs (`gs://bucket/path`, one `*` wildcard each) into
    `destinationTable`. {_LOAD_DOC}
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.bigquery.LoadFromGcs"
    EXAMPLES: ClassVar[tuple[Example, ...]] = ()  # set below the class

    from_: list[str] | str | None = Field(None, alias="from")

    def run(self, ctx: RunContext) -> dict[str, Any]:
        uris = ctx.render_value(self.from_)
        if isinstance(uris, str):
            uris = [uris]
        if not uris or not all(isinstance(u, str) and u.startswith("gs://") for u in uris):
            raise TaskFailure(f"`from`: expected a list of gs:// URIs, got {uris!r}")
        destination = self.destination(ctx)
        config = self.load_config(ctx)
        client = self.bigquery_client(ctx)
        job = self.run_job(ctx, lambda: client.load_table_from_uri(uris, destination,
                                                                   job_config=config))
        return load_outputs(ctx, job)


# Kestra's @Example flows of bigquery.LoadFromGcs.
LoadFromGcs.EXAMPLES = (
    Example(title="Load an avro file from a gcs bucket", code="""
id: gcp_bq_load_from_gcs
namespace: company.team

tasks:
  - id: http_download
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/csv/orders.csv

  - id: csv_to_ion
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ outputs.http_download.uri }}"
    header: true

  - id: ion_to_avro
    type: io.kestra.plugin.serdes.avro.IonToAvro
    from: "{{ outputs.csv_to_ion.uri }}"
    schema: |
      {
        "type": "record",
        "name": "Order",
        "namespace": "com.example.order",
        "fields": [
          {"name": "order_id", "type": "int"},
          {"name": "customer_name", "type": "string"},
          {"name": "customer_email", "type": "string"},
          {"name": "product_id", "type": "int"},
          {"name": "price", "type": "double"},
          {"name": "quantity", "type": "int"},
          {"name": "total", "type": "double"}
        ]
      }

  - id: upload_to_gcs
    type: io.kestra.plugin.gcp.gcs.Upload
    from: "{{ outputs.ion_to_avro.uri }}"
    to: "gs://my-bucket/orders.avro"

  - id: load_from_gcs
    type: io.kestra.plugin.gcp.bigquery.LoadFromGcs
    from:
      - "{{ outputs.upload_to_gcs.uri }}"
    destinationTable: "my-project.my_dataset.my_table"
    format: AVRO
    avroOptions:
      useAvroLogicalTypes: true
"""),
    Example(title="Load a csv file with a defined schema", code="""
id: gcp_bq_load_files_test
namespace: company.team

tasks:
  - id: load_files_test
    type: io.kestra.plugin.gcp.bigquery.LoadFromGcs
    destinationTable: "myDataset.myTable"
    ignoreUnknownValues: true
    schema:
      fields:
        - name: colA
          type: STRING
        - name: colB
          type: NUMERIC
        - name: colC
          type: STRING
    format: CSV
    csvOptions:
      allowJaggedRows: true
      encoding: UTF-8
      fieldDelimiter: ","
    from:
      - gs://myBucket/myFile.csv
"""),
)

"""io.kestra.plugin.gcp.bigquery.CreateTable and DeleteTable."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field as PydanticField

from podium.sdk import Example, RunContext, StrictModel, Task, TaskFailure
from podium_gcp.bigquery.service import BigQueryConnection, bigquery_errors, required, seconds, text

if TYPE_CHECKING:  # imported when a task runs (podium_gcp/connection.py says why)
    from google.cloud import bigquery


class Field(StrictModel):
    """Kestra's models.Field (`type`: a StandardSQLTypeName, `mode`: NULLABLE, REQUIRED or
    REPEATED)."""

    name: str
    type: str
    sub_fields: list["Field"] | None = None
    mode: Literal["NULLABLE", "REQUIRED", "REPEATED"] | None = None
    description: str | None = None

    def to_schema(self) -> bigquery.SchemaField:
        from google.cloud import bigquery

        subs = [f.to_schema() for f in self.sub_fields or []]
        return bigquery.SchemaField(self.name, self.type.upper(), mode=self.mode or "NULLABLE",
                                    description=self.description, fields=subs)


class Schema(StrictModel):
    fields: list[Field] = []


class TimePartitioning(StrictModel):
    type: Literal["DAY", "HOUR", "MONTH", "YEAR"] = "DAY"
    field: str | None = None
    expiration_ms: int | None = None
    require_partition_filter: bool | None = None


class StandardTableDefinition(StrictModel):
    clustering: list[str] | None = None
    time_partitioning: TimePartitioning | None = None


class ViewDefinition(StrictModel):
    query: str


class TableDefinition(StrictModel):
    """Kestra's models.TableDefinition: a TABLE (with `schema` and
    `standardTableDefinition`) or a VIEW (`viewDefinition`)."""

    type: Literal["TABLE", "VIEW", "MATERIALIZED_VIEW", "EXTERNAL", "MODEL"]
    schema_: Schema | None = PydanticField(None, alias="schema")
    standard_table_definition: StandardTableDefinition | None = None
    view_definition: ViewDefinition | None = None


class EncryptionConfiguration(StrictModel):
    kms_key_name: str | None = None


class TableTask(BigQueryConnection):
    """Kestra's AbstractTable: `dataset` and `table` (in `projectId` when given)."""

    dataset: str
    table: str

    def table_id(self, ctx: RunContext, client: bigquery.Client) -> str:
        project = text(ctx, self.project_id) or client.project
        return (f"{project}.{required(ctx, self.dataset, 'dataset')}."
                f"{required(ctx, self.table, 'table')}")


class CreateTable(TableTask, Task):
    """Create a BigQuery table.

    Creates `table` in `dataset` from `tableDefinition`: `type: TABLE` with `schema.fields`
    (`name`, `type`, `mode`, `description`, `subFields`) and `standardTableDefinition`
    (`clustering`, `timePartitioning`), or `type: VIEW` with `viewDefinition.query`
    (materialized views, external tables and models are refused). Also `friendlyName`,
    `description`, `labels`, `requirePartitionFilter`, `encryptionConfiguration`
    (`kmsKeyName`) and `expirationDuration` (ISO-8601, from now). Outputs Kestra's table
    output: `projectId`, `datasetId`, `table`, `etag`, `generatedId`, `selfLink`,
    `friendlyName`, `description`, `creationTime`, `expirationTime`, `lastModifiedTime`,
    `numBytes`, `numRows`, `labels`, `requirePartitionFilter`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.bigquery.CreateTable"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Create a table", code="""
id: gcp_bq_create_table
namespace: company.team

tasks:
  - id: create_table
    type: io.kestra.plugin.gcp.bigquery.CreateTable
    projectId: my-project
    dataset: my-dataset
    table: my-table
    tableDefinition:
      type: TABLE
      schema:
        fields:
        - name: id
          type: INT64
        - name: name
          type: STRING
      standardTableDefinition:
        clustering:
        - id
        - name
    friendlyName: new_table
"""),)

    table_definition: TableDefinition | None = None
    friendly_name: str | None = None
    description: str | None = None
    labels: dict[str, str] | None = None
    require_partition_filter: bool | None = None
    encryption_configuration: EncryptionConfiguration | None = None
    expiration_duration: str | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        from google.cloud import bigquery

        client = self.bigquery_client(ctx)
        table = bigquery.Table(self.table_id(ctx, client))
        self._define(ctx, table)
        table.friendly_name = text(ctx, self.friendly_name)
        table.description = text(ctx, self.description)
        if self.labels is not None:
            table.labels = ctx.render_value(self.labels)
        if self.require_partition_filter is not None:
            table.require_partition_filter = self.require_partition_filter
        if self.encryption_configuration and self.encryption_configuration.kms_key_name:
            table.encryption_configuration = bigquery.EncryptionConfiguration(
                kms_key_name=ctx.render(self.encryption_configuration.kms_key_name))
        if self.expiration_duration:
            table.expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(
                seconds=seconds(ctx.render(self.expiration_duration)))
        ctx.log("DEBUG", f"Creating table '{table.full_table_id or table.table_id}'")
        with bigquery_errors("CreateTable"):
            created = client.create_table(table)
        return table_output(created)

    def _define(self, ctx: RunContext, table: bigquery.Table) -> None:
        from google.cloud import bigquery

        definition = self.table_definition
        if definition is None:
            return
        if definition.type not in ("TABLE", "VIEW"):
            raise TaskFailure(f"tableDefinition.type: {definition.type} is not supported by "
                              "Podium yet (TABLE and VIEW are)")
        if definition.schema_:
            table.schema = [f.to_schema() for f in definition.schema_.fields]
        if definition.type == "VIEW":
            if definition.view_definition is None:
                raise TaskFailure("tableDefinition: a VIEW needs `viewDefinition.query`")
            table.view_query = ctx.render(definition.view_definition.query)
        standard = definition.standard_table_definition
        if standard and standard.clustering:
            table.clustering_fields = ctx.render_value(standard.clustering)
        if standard and standard.time_partitioning:
            tp = standard.time_partitioning
            table.time_partitioning = bigquery.TimePartitioning(
                type_=tp.type, field=tp.field, expiration_ms=tp.expiration_ms)


def _instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def table_output(table: bigquery.Table) -> dict[str, Any]:
    return {"projectId": table.project, "datasetId": table.dataset_id, "table": table.table_id,
            "etag": table.etag, "generatedId": table.full_table_id,
            "selfLink": table.self_link, "friendlyName": table.friendly_name,
            "description": table.description, "creationTime": _instant(table.created),
            "expirationTime": _instant(table.expires),
            "lastModifiedTime": _instant(table.modified), "numBytes": table.num_bytes,
            "numRows": table.num_rows, "labels": table.labels or {},
            "requirePartitionFilter": table.require_partition_filter}


class DeleteTable(TableTask, Task):
    """Delete a BigQuery table or a partition of one (`table$20130908`).

    A missing table fails the task. Outputs `projectId`, `datasetId` and `table`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.bigquery.DeleteTable"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Delete a partition", code="""
id: gcp_bq_delete_table
namespace: company.team

tasks:
  - id: delete_table
    type: io.kestra.plugin.gcp.bigquery.DeleteTable
    projectId: my-project
    dataset: my-dataset
    table: my-table$20130908
"""),)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        from google.api_core.exceptions import NotFound

        client = self.bigquery_client(ctx)
        table_id = self.table_id(ctx, client)
        ctx.log("DEBUG", f"Deleting table '{table_id}'")
        with bigquery_errors("DeleteTable"):
            try:
                client.delete_table(table_id)
            except NotFound:
                raise TaskFailure(f"Couldn't find table '{table_id}'") from None
        project, dataset, table = table_id.split(".", 2)
        return {"projectId": project, "datasetId": dataset, "table": table}

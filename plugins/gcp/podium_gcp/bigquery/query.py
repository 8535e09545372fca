"""io.kestra.plugin.gcp.bigquery.Query: run a SQL query job."""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from podium.sdk import Example, RunContext, Task, TaskFailure
from podium.sdk.ion import write_ion
from podium_gcp.bigquery.rows import ion_row, json_row
from podium_gcp.bigquery.service import (
    BigQueryConnection,
    Context,
    bigquery_errors,
    job_labels,
    required,
    seconds,
    table_reference,
    text,
)

if TYPE_CHECKING:  # imported when a task runs (podium_gcp/connection.py says why)
    from google.cloud import bigquery

FetchType = Literal["NONE", "FETCH", "FETCH_ONE", "STORE"]
WriteDisposition = Literal["WRITE_TRUNCATE", "WRITE_TRUNCATE_DATA", "WRITE_APPEND",
                           "WRITE_EMPTY"]
CreateDisposition = Literal["CREATE_IF_NEEDED", "CREATE_NEVER"]
SchemaUpdateOption = Literal["ALLOW_FIELD_ADDITION", "ALLOW_FIELD_RELAXATION"]


class QueryProperties(BigQueryConnection):
    """Kestra's QueryInterface: the query and what is done with its rows."""

    sql: str | None = None
    legacy_sql: bool = False
    fetch_type: FetchType = "NONE"
    # Deprecated in Kestra, still read before `fetchType` (fetch, store, fetchOne).
    fetch: bool = False
    store: bool = False
    fetch_one: bool = False

    def effective_fetch_type(self) -> FetchType:
        if self.fetch:
            return "FETCH"
        if self.store:
            return "STORE"
        if self.fetch_one:
            return "FETCH_ONE"
        return self.fetch_type


class Query(QueryProperties, Task):
    """Execute a BigQuery SQL query.

    Runs `sql` (standard SQL; legacy with `legacySql: true`) as a query job, optionally
    writing its result to `destinationTable` (`project.dataset.table` or `dataset.table`)
    per `writeDisposition` / `createDisposition`, with the job options of Kestra's Query
    (partitioning, clustering, `defaultDataset`, `priority`, `maximumBytesBilled`,
    `jobTimeout`, `labels` on top of Kestra's flow/execution/task labels, `dryRun`...).
    `fetchType`: `FETCH` outputs `rows`, `FETCH_ONE` the first `row`, `STORE` a `uri` of an
    ION file of the rows; all three output `size`. Always outputs `jobId` and the
    `destinationTable` (`{project, dataset, table}`, BigQuery's temporary table when none
    was given). A failed job fails the task with BigQuery's message and reasons; reasons in
    `retryReasons` run the job again (`retryAuto`).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.bigquery.Query"
    EXAMPLES: ClassVar[tuple[Example, ...]] = ()  # set below the class

    destination_table: str | None = None
    write_disposition: WriteDisposition | None = None
    create_disposition: CreateDisposition | None = None
    job_timeout: str | None = None
    labels: dict[str, str] | None = None
    dry_run: bool = False
    clustering_fields: list[str] | None = None
    schema_update_options: list[SchemaUpdateOption] | None = None
    time_partitioning_field: str | None = None
    time_partitioning_type: Literal["DAY", "HOUR", "MONTH", "YEAR"] = "DAY"
    range_partitioning_field: str | None = None
    range_partitioning_start: int | None = None
    range_partitioning_end: int | None = None
    range_partitioning_interval: int | None = None
    default_dataset: str | None = None
    priority: Literal["INTERACTIVE", "BATCH"] = "INTERACTIVE"
    allow_large_results: bool | None = None
    use_query_cache: bool | None = None
    flatten_results: bool = True
    use_legacy_sql: bool = False
    maximum_billing_tier: int | None = None
    maximum_bytes_billed: int | None = None
    max_results: int | None = Field(None, ge=1)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        sql = required(ctx, self.sql, "sql")
        client = self.bigquery_client(ctx)
        config = self.job_config(ctx, client.project)
        ctx.log("DEBUG", f"Starting query: {sql}")
        job = self.run_job(ctx, lambda: client.query(sql, job_config=config))
        return query_outputs(ctx, self, job)

    def job_config(self, ctx: RunContext, project: str) -> bigquery.QueryJobConfig:
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(
            use_legacy_sql=self.legacy_sql or self.use_legacy_sql, priority=self.priority,
            flatten_results=self.flatten_results, dry_run=self.dry_run)
        destination = text(ctx, self.destination_table)
        if destination:  # `dataset.table` is in the client's project, as in Kestra
            name = table_reference(destination)
            config.destination = name if name.count(".") == 2 else f"{project}.{name}"
        config.write_disposition = self.write_disposition
        config.create_disposition = self.create_disposition
        if self.clustering_fields:
            config.clustering_fields = ctx.render_value(self.clustering_fields)
        if self.schema_update_options:
            config.schema_update_options = list(self.schema_update_options)
        if self.time_partitioning_field:
            config.time_partitioning = bigquery.TimePartitioning(
                type_=self.time_partitioning_type,
                field=text(ctx, self.time_partitioning_field))
        if self.range_partitioning_field:
            config.range_partitioning = bigquery.RangePartitioning(
                field=text(ctx, self.range_partitioning_field),
                range_=bigquery.PartitionRange(start=self.range_partitioning_start,
                                               end=self.range_partitioning_end,
                                               interval=self.range_partitioning_interval))
        default = text(ctx, self.default_dataset)
        if default:
            config.default_dataset = default if "." in default else f"{project}.{default}"
        for name in ("allow_large_results", "use_query_cache", "maximum_billing_tier",
                     "maximum_bytes_billed"):
            if getattr(self, name) is not None:
                setattr(config, name, getattr(self, name))
        if self.job_timeout:
            config.job_timeout_ms = int(_duration_seconds(ctx, self.job_timeout) * 1000)
        config.labels = {**job_labels(ctx), **(ctx.render_value(self.labels) or {})}
        return config


def _duration_seconds(ctx: RunContext, value: str) -> float:
    return seconds(ctx.render(value))


def query_outputs(ctx: Context, task: QueryProperties, job: Any) -> dict[str, Any]:
    """Kestra's Query.Output of a finished query job: jobId, rows/row/uri, size and the
    destination table."""
    outputs: dict[str, Any] = {"jobId": job.job_id}
    _metrics(ctx, job)
    fetch_type = task.effective_fetch_type()
    if fetch_type != "NONE" and not getattr(task, "dry_run", False):
        with bigquery_errors("BigQuery results"):
            result = job.result(max_results=getattr(task, "max_results", None))
            schema = list(result.schema or [])
            if fetch_type == "STORE":
                outputs.update(_store(ctx, result, schema))
            else:
                rows = [json_row(row, schema) for row in result]
                outputs["size"] = len(rows)
                if fetch_type == "FETCH":
                    outputs["rows"] = rows
                else:
                    outputs["row"] = rows[0] if rows else {}
    destination = job.destination
    if destination is not None:
        outputs["destinationTable"] = {"project": destination.project,
                                       "dataset": destination.dataset_id,
                                       "table": destination.table_id}
    return outputs


def _store(ctx: Context, result: Any, schema: list[Any]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".ion", dir=ctx.working_dir, delete=False,
                                     encoding="utf-8") as out:
        size = 0
        for row in result:
            write_ion(out, ion_row(row, schema))
            size += 1
    return {"uri": ctx.put_file(out.name), "size": size}


def _metrics(ctx: Context, job: Any) -> None:
    if not hasattr(ctx, "metric"):
        return  # a trigger's poll has no metrics
    tags = {"statement_type": job.statement_type or "", "project_id": job.project or "",
            "location": job.location or ""}
    for name, value in (("total.bytes.processed", job.total_bytes_processed),
                        ("total.bytes.billed", job.total_bytes_billed),
                        ("num.dml.affected.rows", job.num_dml_affected_rows),
                        ("total.slot.ms", job.slot_millis)):
        if value is not None:
            ctx.metric({"name": name, "type": "counter", "value": value, "tags": tags})
    if job.cache_hit is not None:
        ctx.metric({"name": "cache.hit", "type": "counter", "value": int(job.cache_hit),
                    "tags": tags})


def check_poll_fetch(task: QueryProperties) -> None:
    if task.effective_fetch_type() == "NONE":
        raise TaskFailure("fetchType: NONE never finds rows; use FETCH, FETCH_ONE or STORE")


# Kestra's @Example flows of bigquery.Query.
Query.EXAMPLES = (
    Example(title="Create a table with a custom query", code='''
id: gcp_bq_query
namespace: company.team

tasks:
  - id: query
    type: io.kestra.plugin.gcp.bigquery.Query
    destinationTable: "my-project.my_dataset.my_table"
    writeDisposition: WRITE_APPEND
    sql: |
      SELECT
        "hello" as string,
        NULL AS `nullable`,
        1 as int,
        1.25 AS float,
        DATE("2008-12-25") AS date,
        DATETIME "2008-12-25 15:30:00.123456" AS datetime,
        TIME(DATETIME "2008-12-25 15:30:00.123456") AS time,
        TIMESTAMP("2008-12-25 15:30:00.123456") AS timestamp,
        ST_GEOGPOINT(50.6833, 2.9) AS geopoint,
        ARRAY(SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) AS `array`,
        STRUCT(4 AS x, 0 AS y, ARRAY(SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) AS z) AS `struct`
'''),
    Example(title="Execute a query and fetch results sets on another task", code='''
id: gcp_bq_query
namespace: company.team

tasks:
  - id: fetch
    type: io.kestra.plugin.gcp.bigquery.Query
    fetchType: FETCH
    sql: |
      SELECT 1 as id, "John" as name
      UNION ALL
      SELECT 2 as id, "Doe" as name
  - id: use_fetched_data
    type: io.kestra.plugin.core.debug.Return
    format: |
      {% for row in outputs.fetch.rows %}
      id : {{ row.id }}, name: {{ row.name }}
      {% endfor %}
'''),
)

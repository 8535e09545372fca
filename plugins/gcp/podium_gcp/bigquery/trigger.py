"""io.kestra.plugin.gcp.bigquery.Trigger: start an execution when a query returns rows."""

from __future__ import annotations

from typing import Any, ClassVar

from podium.sdk import Example
from podium.sdk.triggers import PollContext, PollingTrigger
from podium_gcp.bigquery.query import QueryProperties, query_outputs
from podium_gcp.bigquery.service import required


class Trigger(QueryProperties, PollingTrigger):
    """Trigger a flow when a BigQuery query returns rows.

    Every `interval` (default PT1M) the scheduler runs `sql` as the Query task does; when
    it returns at least one row, an execution starts with the query's outputs as
    `trigger.*`: `rows` (`fetchType: FETCH`), `row` (`FETCH_ONE`) or `uri` (`STORE`, a file
    of the execution), with `size` and `jobId`. With `fetchType: NONE` (Kestra's default)
    no row is ever counted, so the trigger never fires: set a fetch type. The query should
    consume what it reports (or select only new rows), or each poll finds them again.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.gcp.bigquery.Trigger"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Wait for a sql query to return results and iterate through rows",
                code="""
id: bigquery_listen
namespace: company.team

tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ trigger.rows }}"
    tasks:
      - id: return
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"

triggers:
  - id: watch
    type: io.kestra.plugin.gcp.bigquery.Trigger
    interval: "PT5M"
    sql: "SELECT * FROM `myproject.mydataset.mytable`"
    fetchType: FETCH
"""),)

    def evaluate(self, ctx: PollContext) -> dict[str, Any] | None:
        from google.cloud import bigquery  # imported here: podium_gcp/connection.py says why

        sql = required(ctx, self.sql, "sql")
        client = self.bigquery_client(ctx)
        config = bigquery.QueryJobConfig(use_legacy_sql=self.legacy_sql)
        job = self.run_job(ctx, lambda: client.query(sql, job_config=config))
        outputs = query_outputs(ctx, self, job)
        size = outputs.get("size") or 0
        ctx.log("DEBUG", f"Found '{size}' rows from '{sql}'")
        return outputs if size else None

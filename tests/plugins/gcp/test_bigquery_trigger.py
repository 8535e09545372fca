"""io.kestra.plugin.gcp.bigquery.Trigger in the embedded runtime's scheduler, against the
local BigQuery server: rows returned by the query start one execution with `trigger.rows`;
once the flow has consumed them, the next polls start nothing."""

from __future__ import annotations

from sqlalchemy import select

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.settings import SchedulerSettings
from podium.common.store.schema import executions
from podium.runtime import Runtime
from tests.plugins.gcp.conftest import PROJECT
from tests.waiting import wait_for, wait_rounds


def flow(dataset: str) -> str:
    return f"""
id: bq_watch
namespace: company.team
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{{{ trigger.rows | jq('.[].name') }}}}"
    tasks:
      - id: say
        type: io.kestra.plugin.core.debug.Return
        format: "{{{{ taskrun.value }}}}"
  - id: consume
    type: io.kestra.plugin.gcp.bigquery.Query
    projectId: {PROJECT}
    sql: DELETE FROM `{dataset}.inbox` WHERE true
triggers:
  - id: watch
    type: io.kestra.plugin.gcp.bigquery.Trigger
    interval: PT1S
    projectId: {PROJECT}
    sql: SELECT * FROM `{PROJECT}.{dataset}.inbox` ORDER BY id
    fetchType: FETCH
"""


def started(rt) -> list:
    with rt.db.read() as conn:
        return conn.execute(select(executions.c.id, executions.c.trigger)
                            .where(executions.c.flow_id == "bq_watch")).all()


def test_rows_start_one_execution(tmp_path, bigquery, dataset):
    bigquery.sql(f'CREATE TABLE "{dataset}"."inbox" (id BIGINT, name VARCHAR)')
    bigquery.state.tables[(dataset, "inbox")] = {}
    settings = SchedulerSettings(timezone="UTC", recover_missed_schedules="NONE")
    rt = Runtime.embedded(tmp_path / "data", workers=2, environ={}, scheduler=settings)
    try:
        rt.deploy(parse_flow(flow(dataset)))
        wait_rounds(rt.scheduler, 2)  # polled an empty table: nothing started
        assert started(rt) == []
        bigquery.sql(f"""INSERT INTO "{dataset}"."inbox" VALUES (1, 'a'), (2, 'b')""")
        rows = wait_for(lambda: started(rt), timeout=30)
        execution_id, trigger = rows[0]
        assert trigger["variables"]["rows"] == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
        assert trigger["variables"]["size"] == 2
        final = rt.wait(execution_id, timeout=60)
        assert final.state is State.SUCCESS
        wait_rounds(rt.scheduler, 3)  # the rows were consumed: no second execution
        assert len(started(rt)) == 1
    finally:
        rt.close()

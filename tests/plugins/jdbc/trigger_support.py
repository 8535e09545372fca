"""What the JDBC trigger tests share: a flow watching a table `events(id, name, seen)` and
helpers to look at what the scheduler did (the runtime: conftest.py `scheduled`)."""

from __future__ import annotations

from podium.common.store.executions import list_executions
from podium.runtime import Runtime
from tests.waiting import wait_for

FLOW = """id: watch
namespace: tests.jdbc
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{{{ trigger.rows }}}}"
    tasks:
      - id: show
        type: io.kestra.plugin.core.debug.Return
        format: "{{{{ fromJson(taskrun.value).name }}}}"
triggers:
  - id: rows
    type: {type}
    interval: PT1S
{connection}
    sql: SELECT id, name FROM events WHERE seen = 0 ORDER BY id
    afterSQL: UPDATE events SET seen = 1 WHERE seen = 0
"""


def executions(rt: Runtime, flow_id: str = "watch") -> list:
    with rt.db.read() as conn:
        return list_executions(conn, "tests.jdbc", flow_id, limit=50)


def polled(rt: Runtime) -> int:
    return rt.scheduler.counters["polled"]


def wait_polls(rt: Runtime, more: int) -> None:
    target = polled(rt) + more
    wait_for(lambda: polled(rt) >= target, timeout=30, what=f"{more} more polls")

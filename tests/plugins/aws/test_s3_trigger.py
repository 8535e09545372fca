"""io.kestra.plugin.aws.s3.Trigger in the embedded runtime's scheduler, against moto's S3
server: objects appearing under the watched prefix start one execution whose
`trigger.objects` list them, their contents readable from internal storage, and are moved
out of the way (action: MOVE), so the next polls start nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from podium.common.flow.loader import parse_flow
from podium.common.settings import SchedulerSettings
from podium.common.store.schema import executions
from podium.runtime import Runtime
from tests.waiting import wait_for, wait_rounds

pytestmark = pytest.mark.service


@pytest.fixture
def scheduled(tmp_path):
    settings = SchedulerSettings(timezone="UTC", recover_missed_schedules="NONE")
    rt = Runtime.embedded(tmp_path / "data", workers=2, environ={}, scheduler=settings)
    yield rt
    rt.close()


def flow(server, bucket: str) -> str:
    return f"""
id: s3_watch
namespace: company.team
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{{{ trigger.objects | jq('.[].uri') }}}}"
    tasks:
      - id: read
        type: io.kestra.plugin.core.debug.Return
        format: "{{{{ read(taskrun.value) }}}}"
triggers:
  - id: watch
    type: io.kestra.plugin.aws.s3.Trigger
    interval: PT1S
{server.connection_yaml()}    bucket: {bucket}
    prefix: incoming/
    action: MOVE
    moveTo:
      key: archive
"""


def started(rt) -> list:
    with rt.db.read() as conn:
        return conn.execute(select(executions.c.id, executions.c.trigger)
                            .where(executions.c.flow_id == "s3_watch")).all()


def test_objects_start_an_execution_and_are_moved(scheduled, s3_server, s3, bucket):
    scheduled.deploy(parse_flow(flow(s3_server, bucket)))
    wait_rounds(scheduled.scheduler, 2)  # polled an empty prefix: nothing started
    assert started(scheduled) == []

    s3.put_object(Bucket=bucket, Key="incoming/a.csv", Body=b"1,2\n")
    s3.put_object(Bucket=bucket, Key="incoming/b.csv", Body=b"3,4\n")
    s3.put_object(Bucket=bucket, Key="elsewhere/c.csv", Body=b"5\n")
    [row] = wait_for(lambda: started(scheduled), timeout=30, what="a triggered execution")
    final = scheduled.wait(row.id, timeout=30)
    assert final.state.value == "SUCCESS", [e.message for e in scheduled.logs(row.id)]

    objects = row.trigger["variables"]["objects"]
    assert [(o["key"], o["size"], o["changeType"]) for o in objects] == [
        ("incoming/a.csv", 4, "CREATE"), ("incoming/b.csv", 4, "CREATE")]
    assert all(o["etag"] and o["lastModified"].endswith("Z") for o in objects)
    reads = sorted(run.outputs["value"] for run in scheduled.task_runs(row.id)
                   if run.task_id == "read")
    assert reads == ["1,2\n", "3,4\n"]

    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["archive/a.csv", "archive/b.csv", "elsewhere/c.csv"]
    wait_rounds(scheduled.scheduler, 3)  # the prefix is empty again: no second execution
    assert len(started(scheduled)) == 1


def test_kestras_state_properties_are_refused_clearly(s3_server, bucket):
    source = flow(s3_server, bucket).replace("    action: MOVE\n", "    action: NONE\n    on: CREATE\n")
    with pytest.raises(Exception) as failure:
        parse_flow(source)
    assert "per-object trigger state is not supported" in str(failure.value)


def test_kestras_state_properties_are_taken_where_each_object_fires_once_anyway(s3_server, bucket):
    source = flow(s3_server, bucket).replace("    action: MOVE\n",
                                             "    action: MOVE\n    on: CREATE_OR_UPDATE\n")
    assert parse_flow(source).flow.triggers[0].on == "CREATE_OR_UPDATE"
    with pytest.raises(Exception) as failure:
        parse_flow(source.replace("on: CREATE_OR_UPDATE", "on: UPDATE"))
    assert "per-object trigger state is not supported" in str(failure.value)

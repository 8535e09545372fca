"""io.kestra.plugin.gcp.gcs.Trigger in the embedded runtime's scheduler, against
gcp-storage-emulator: objects appearing under the watched prefix start one execution
whose `trigger.blobs` list them, their contents readable from internal storage, and are
moved out of the way (action: MOVE), so the next polls start nothing."""

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
def scheduled(tmp_path, gcs_emulator):
    settings = SchedulerSettings(timezone="UTC", recover_missed_schedules="NONE")
    rt = Runtime.embedded(tmp_path / "data", workers=2, environ={}, scheduler=settings)
    yield rt
    rt.close()


def flow(bucket: str) -> str:
    return f"""
id: gcs_watch
namespace: company.team
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{{{ trigger.blobs | jq('.[].uri') }}}}"
    tasks:
      - id: read
        type: io.kestra.plugin.core.debug.Return
        format: "{{{{ read(taskrun.value) }}}}"
triggers:
  - id: watch
    type: io.kestra.plugin.gcp.gcs.Trigger
    interval: PT1S
    from: gs://{bucket}/incoming/
    action: MOVE
    moveDirectory: gs://{bucket}/archive
"""


def started(rt) -> list:
    with rt.db.read() as conn:
        return conn.execute(select(executions.c.id, executions.c.trigger)
                            .where(executions.c.flow_id == "gcs_watch")).all()


def test_objects_start_an_execution_and_are_moved(scheduled, gcs, bucket):
    scheduled.deploy(parse_flow(flow(bucket)))
    wait_rounds(scheduled.scheduler, 2)  # polled an empty prefix: nothing started
    assert started(scheduled) == []

    target = gcs.bucket(bucket)
    target.blob("incoming/a.csv").upload_from_string(b"1,2\n")
    target.blob("incoming/b.csv").upload_from_string(b"3,4\n")
    target.blob("incoming/sub/c.csv").upload_from_string(b"5\n")  # DIRECTORY listing: not it
    target.blob("elsewhere/d.csv").upload_from_string(b"6\n")
    [row] = wait_for(lambda: started(scheduled), timeout=30, what="a triggered execution")
    final = scheduled.wait(row.id, timeout=30)
    assert final.state.value == "SUCCESS", [e.message for e in scheduled.logs(row.id)]

    blobs = row.trigger["variables"]["blobs"]
    assert [(b["name"], b["size"], b["changeType"]) for b in blobs] == [
        ("incoming/a.csv", 4, "CREATE"), ("incoming/b.csv", 4, "CREATE")]
    assert all(b["uri"].startswith("kestra://") and b["bucket"] == bucket and b["md5"]
               for b in blobs)
    reads = sorted(run.outputs["value"] for run in scheduled.task_runs(row.id)
                   if run.task_id == "read")
    assert reads == ["1,2\n", "3,4\n"]

    names = sorted(b.name for b in gcs.list_blobs(bucket))
    assert names == ["archive/a.csv", "archive/b.csv", "elsewhere/d.csv", "incoming/sub/c.csv"]
    wait_rounds(scheduled.scheduler, 3)  # nothing left directly under the prefix
    assert len(started(scheduled)) == 1


def test_kestras_state_properties_are_refused_clearly(bucket):
    source = flow(bucket).replace("    action: MOVE\n", "    action: NONE\n    on: CREATE\n")
    with pytest.raises(Exception) as failure:
        parse_flow(source)
    assert "per-object trigger state is not supported" in str(failure.value)


def test_kestras_state_properties_are_taken_where_each_object_fires_once_anyway(bucket):
    # A blueprint's MOVE trigger with `on: CREATE` (gcs-object-arrival-load-to-bigquery)
    source = flow(bucket).replace("    action: MOVE\n",
                                  "    action: MOVE\n    on: CREATE\n    stateTtl: PT1H\n")
    assert parse_flow(source).flow.triggers[0].on == "CREATE"
    with pytest.raises(Exception) as failure:
        parse_flow(source.replace("on: CREATE", "on: UPDATE"))
    assert "per-object trigger state is not supported" in str(failure.value)


def test_move_without_a_directory_is_refused_clearly(bucket):
    source = flow(bucket).replace(f"    moveDirectory: gs://{bucket}/archive\n", "")
    with pytest.raises(Exception) as failure:
        parse_flow(source)
    assert "action: MOVE needs `moveDirectory`" in str(failure.value)

"""What the admin pages' tests share: a runtime whose scheduler keeps trigger rows, a flow
with a Schedule trigger, and a way to wait for its row."""

from __future__ import annotations

from podium.application import flows
from podium.application import triggers as control
from podium.common.flow.loader import parse_flow
from podium.runtime import Runtime
from tests.waiting import wait_for

# Daily at 03:00 UTC: never due while a test runs, three dates in a three-day backfill.
NIGHTLY = """\
id: nightly
namespace: company.team
triggers:
  - id: every-night
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 3 * * *"
    timezone: UTC
tasks:
  - id: hi
    type: io.kestra.plugin.core.log.Log
    message: "night of {{ trigger.date }}"
"""
KEY = ("company.team", "nightly", "every-night")

# Stays PAUSED (not ended) until resumed: an execution a trigger can wait for.
WAITER = """\
id: waiter
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
"""


def scheduling_runtime(tmp_path) -> Runtime:
    return Runtime.embedded(tmp_path / "data", workers=2, environ={}, scheduler=True)


def deploy_nightly(runtime: Runtime) -> None:
    """Deploy the flow and wait for the scheduler's row of its trigger."""
    flows.deploy(runtime, parse_flow(NIGHTLY))
    wait_for(lambda: control.search_page(runtime, flow_id="nightly", limit=1)[1] == 1,
             what="the scheduler's row of the nightly trigger")

"""A fired timer stays stored until its TimerFired is handled, so a TimerFired lost with an
executor that died is sent again; a copy of one already handled changes nothing."""

from __future__ import annotations

from datetime import timedelta

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.store import list_timers
from podium.runtime import Runtime
from tests.waiting import wait_for

FLOW = """
id: nap
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    delay: PT0.2S
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: awake
"""


def test_a_lost_timer_message_fires_again_and_its_copies_are_ignored(tmp_path):
    with Runtime.embedded(tmp_path, workers=1) as runtime:
        runtime.executor.timers.refire = timedelta(seconds=1)
        publish, fired = runtime.transport.publish, []

        def lose_the_first_timer_message(queue, payload):
            if payload.get("kind") == "timer_fired":
                fired.append(payload)
                if len(fired) == 1:
                    return  # published as far as the executor knows; never delivered
            publish(queue, payload)

        runtime.transport.publish = lose_the_first_timer_message
        runtime.deploy(parse_flow(FLOW))
        execution = runtime.submit("company.team", "nap")
        # Not runtime.wait(): it returns at PAUSED.
        wait_for(lambda: runtime.get(execution.id).state.is_terminated, what="the pause to end")
        assert runtime.get(execution.id).state is State.SUCCESS
        assert [p["timer_id"] for p in fired] == [fired[0]["timer_id"]] * 2
        with runtime.db.read() as conn:
            assert list_timers(conn, execution.id) == []  # deleted by the handled one

        # A late copy of the handled TimerFired (the first one, had it only been slow).
        before = runtime.executor.counters["ignored"]
        runtime.executor.handle(fired[0])
        assert runtime.executor.counters["ignored"] == before + 1
        assert runtime.get(execution.id).state is State.SUCCESS

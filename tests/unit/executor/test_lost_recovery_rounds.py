"""When the executor looks for lost messages (executor/lost_recovery.py): after a consumer
died, after the database server restarted (twice: at once, and once the outbox sweeper has
republished what the server forgot it had sent), and on the safety-net period."""

from __future__ import annotations

from collections import Counter

from podium.common.outbox_relay import OutboxRelay
from podium.executor.lost_recovery import LostMessageRecovery


class CountedLooks(LostMessageRecovery):
    """The real round logic; the look itself (store and broker reads) only counted."""

    looks = 0

    def resend(self) -> int:
        self.looks += 1
        return 0


def recovery(settle_seconds: float) -> CountedLooks:
    relay = OutboxRelay(db=None, transport=None, grace_seconds=settle_seconds / 2)
    relay.sweep_every = settle_seconds / 4
    return CountedLooks(db=None, transport=None, relay=relay, flows=None, config=None,
                        counters=Counter())


def test_quiet_rounds_do_not_look():
    looks = recovery(settle_seconds=0.0)
    for _ in range(5):
        looks.after_liveness_round(False)
    assert looks.looks == 0


def test_a_dead_consumer_is_one_look():
    looks = recovery(settle_seconds=0.0)
    looks.after_liveness_round(True)
    looks.after_liveness_round(False)
    assert looks.looks == 1


def test_a_database_restart_is_looked_at_now_and_again_once_leftovers_are_resent():
    looks = recovery(settle_seconds=0.0)  # the sweeper has resent everything by the next round
    looks.after_liveness_round(False, store_restarted=True)
    assert looks.looks == 1
    looks.after_liveness_round(False)
    assert looks.looks == 2
    for _ in range(3):
        looks.after_liveness_round(False)
    assert looks.looks == 2


def test_the_second_look_waits_for_the_sweeper():
    looks = recovery(settle_seconds=3600.0)
    looks.after_liveness_round(False, store_restarted=True)
    for _ in range(3):
        looks.after_liveness_round(False)
    assert looks.looks == 1
    assert looks._recheck_at is not None


def test_a_failed_look_is_tried_again_at_the_next_round():
    class FailsOnce(CountedLooks):
        def resend(self) -> int:
            super().resend()
            if self.looks == 1:
                raise ConnectionError("broker gone")
            return 0

    relay = OutboxRelay(db=None, transport=None, grace_seconds=3600)
    looks = FailsOnce(db=None, transport=None, relay=relay, flows=None, config=None,
                      counters=Counter())
    try:
        looks.after_liveness_round(True)
    except ConnectionError:
        pass
    looks.after_liveness_round(False)
    assert looks.looks == 2

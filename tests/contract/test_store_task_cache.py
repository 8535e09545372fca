"""Contract of the taskCache rows on SQLite and PostgreSQL: written, replaced, scoped to
their flow."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from podium.common.store.task_cache import get_task_cache, put_task_cache

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
KEY = "a" * 64


def test_an_entry_round_trips_and_a_second_write_replaces_it(db):
    with db.begin() as conn:
        put_task_cache(conn, "n", "f", "t", KEY, {"value": [1, "x"]}, T0)
    with db.read() as conn:
        entry = get_task_cache(conn, "n", "f", KEY)
    assert (entry.task_id, entry.outputs, entry.created) == ("t", {"value": [1, "x"]}, T0)
    later = T0 + timedelta(hours=2)
    with db.begin() as conn:
        put_task_cache(conn, "n", "f", "t", KEY, None, later)
    with db.read() as conn:
        entry = get_task_cache(conn, "n", "f", KEY)
    assert (entry.outputs, entry.created) == (None, later)


def test_entries_are_scoped_to_their_flow(db):
    with db.begin() as conn:
        put_task_cache(conn, "n", "f", "t", KEY, {"v": 1}, T0)
        put_task_cache(conn, "n", "g", "t", KEY, {"v": 2}, T0)
    with db.read() as conn:
        assert get_task_cache(conn, "n", "f", KEY).outputs == {"v": 1}
        assert get_task_cache(conn, "m", "f", KEY) is None
        assert get_task_cache(conn, "n", "f", "b" * 64) is None
        assert get_task_cache(conn, "n", "g", KEY).outputs == {"v": 2}

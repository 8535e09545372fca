"""The executor's cache of loop value chunks (executor/loop_value_cache.py), on SQLite and
PostgreSQL: it answers as the store does, reads a chunk once, forgets an execution's chunks
when asked (a transaction that did not commit) and keeps only its size."""

from __future__ import annotations

from sqlalchemy import delete

from podium.common.store import insert_execution
from podium.common.store.loop_values import CHUNK_SIZE, load_loop_values, store_loop_values
from podium.common.store.schema import loop_values
from podium.executor.loop_value_cache import LoopValueCache
from tests.contract.test_store import execution

VALUES = [f"v{i}" for i in range(CHUNK_SIZE * 2 + 17)]


def stored(db, run_id: str = "loop-run"):
    ex = execution()
    with db.begin() as conn:
        insert_execution(conn, ex)
        store_loop_values(conn, ex.id, run_id, VALUES)
    return ex


def forget_in_store(db, run_id: str = "loop-run") -> None:
    with db.begin() as conn:
        conn.execute(delete(loop_values).where(loop_values.c.task_run_id == run_id))


def test_windows_are_the_stores(db):
    ex = stored(db)
    cache = LoopValueCache()
    with db.read() as conn:
        for start, stop in ((0, 3), (CHUNK_SIZE - 2, CHUNK_SIZE + 2), (5, 5),
                            (CHUNK_SIZE * 2 + 5, len(VALUES)), (0, len(VALUES))):
            assert cache.window(conn, ex.id, "loop-run", start, stop) == \
                load_loop_values(conn, "loop-run", start, stop)


def test_a_chunk_is_read_once_then_served_from_memory(db):
    ex = stored(db)
    cache = LoopValueCache()
    with db.read() as conn:
        first = cache.window(conn, ex.id, "loop-run", 10, 110)
    forget_in_store(db)  # what the cache holds is now only in the cache
    with db.read() as conn:
        assert cache.window(conn, ex.id, "loop-run", 50, 150) == first == (0, VALUES[:CHUNK_SIZE])
        assert cache.window(conn, ex.id, "loop-run", CHUNK_SIZE, CHUNK_SIZE + 1) == \
            (CHUNK_SIZE, [])  # never read before: asked of the store, which has none now


def test_an_execution_dropped_is_read_from_the_store_again(db):
    ex = stored(db)
    cache = LoopValueCache()
    with db.read() as conn:
        cache.window(conn, ex.id, "loop-run", 0, 10)
    cache.drop_execution("another-execution")
    forget_in_store(db)
    with db.read() as conn:
        assert cache.window(conn, ex.id, "loop-run", 0, 10) == (0, VALUES[:CHUNK_SIZE])
    cache.drop_execution(ex.id)
    with db.read() as conn:
        assert cache.window(conn, ex.id, "loop-run", 0, 10) == (0, [])


def test_only_the_most_recent_chunks_are_kept(db):
    ex = stored(db)
    cache = LoopValueCache(size=1)
    with db.read() as conn:
        cache.window(conn, ex.id, "loop-run", 0, 1)
        cache.window(conn, ex.id, "loop-run", CHUNK_SIZE, CHUNK_SIZE + 1)  # evicts chunk 0
    forget_in_store(db)
    with db.read() as conn:
        assert cache.window(conn, ex.id, "loop-run", CHUNK_SIZE, CHUNK_SIZE + 1) == \
            (CHUNK_SIZE, VALUES[CHUNK_SIZE:CHUNK_SIZE * 2])
        assert cache.window(conn, ex.id, "loop-run", 0, 1) == (0, [])

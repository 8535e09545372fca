"""A loop's values, stored once when the loop starts, in fixed-size chunks, so the executor
reads only the window of values it is about to start (its memory does not grow with the
number of values)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select

from podium.common.store.schema import loop_values

CHUNK_SIZE = 1000


def store_loop_values(conn: Connection, execution_id: str, task_run_id: str,
                      values: Sequence[str]) -> None:
    rows = [{"task_run_id": task_run_id, "chunk": number, "execution_id": execution_id,
             "values": list(values[start:start + CHUNK_SIZE])}
            for number, start in enumerate(range(0, len(values), CHUNK_SIZE))]
    if rows:
        conn.execute(insert(loop_values), rows)


def load_loop_values(conn: Connection, task_run_id: str, start: int,
                     stop: int) -> tuple[int, list[str]]:
    """Values [start, stop) or more: (index of the first value returned, values). The
    chunks covering the range are returned whole."""
    if stop <= start:
        return start, []
    first, last = chunks_of(start, stop)
    values: list[str] = []
    for chunk in load_loop_value_chunks(conn, task_run_id, first, last).values():
        values.extend(chunk)
    return first * CHUNK_SIZE, values


def chunks_of(start: int, stop: int) -> tuple[int, int]:
    """The first and last chunk numbers holding values [start, stop), stop > start."""
    return start // CHUNK_SIZE, (stop - 1) // CHUNK_SIZE


def load_loop_value_chunks(conn: Connection, task_run_id: str, first: int,
                           last: int) -> dict[int, list[str]]:
    """The stored chunks numbered first..last, in order (a chunk past the values is not
    there)."""
    query = select(loop_values.c.chunk, loop_values.c["values"]).where(
        loop_values.c.task_run_id == task_run_id, loop_values.c.chunk >= first,
        loop_values.c.chunk <= last).order_by(loop_values.c.chunk)
    return {chunk: values for chunk, values in conn.execute(query)}


def copy_loop_values(conn: Connection, source_run_id: str, copy_run_id: str,
                     execution_id: str) -> None:
    """Give a copied loop run (a replay) the values of the run it was copied from."""
    chunks = conn.execute(select(loop_values.c.chunk, loop_values.c["values"]).where(
        loop_values.c.task_run_id == source_run_id)).all()
    if chunks:
        conn.execute(insert(loop_values), [
            {"task_run_id": copy_run_id, "chunk": chunk, "execution_id": execution_id,
             "values": values} for chunk, values in chunks])

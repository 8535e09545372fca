"""Chunks of loop values kept between messages.

A loop's values are stored once, in chunks, when it starts, and never change. Each message
about a running loop needs the window of values it may start next (executor/engine/loops.py
`value_windows`): without this cache, a 1,000-item ForEach reads and decodes its whole
chunk again for every one of its results.

What a transaction read may have been written by that same transaction (a group can start a
loop and handle its first result together): if it does not commit, the caller drops the
execution's chunks (`drop_execution`), as it drops its task runs. Bounded (LRU by chunk).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from podium.common.store.loop_values import CHUNK_SIZE, chunks_of, load_loop_value_chunks


class LoopValueCache:
    def __init__(self, size: int = 32) -> None:
        self.size = size  # chunks of CHUNK_SIZE values
        self._chunks: OrderedDict[tuple[str, int], tuple[str, list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def window(self, conn, execution_id: str, run_id: str, start: int,
               stop: int) -> tuple[int, list[str]]:
        """`load_loop_values` through the cache: values [start, stop) or more, as (index of
        the first value returned, values)."""
        if stop <= start:
            return start, []
        first, last = chunks_of(start, stop)
        chunks = self._cached(run_id, first, last)
        if len(chunks) < last - first + 1:
            loaded = load_loop_value_chunks(conn, run_id, first, last)
            self._keep(execution_id, run_id, loaded)
            chunks = loaded
        values: list[str] = []
        for number in sorted(chunks):
            values.extend(chunks[number])
        return first * CHUNK_SIZE, values

    def drop_execution(self, execution_id: str) -> None:
        with self._lock:
            for key in [key for key, (owner, _) in self._chunks.items()
                        if owner == execution_id]:
                del self._chunks[key]

    def _cached(self, run_id: str, first: int, last: int) -> dict[int, list[str]]:
        found = {}
        with self._lock:
            for number in range(first, last + 1):
                entry = self._chunks.get((run_id, number))
                if entry is None:
                    break
                self._chunks.move_to_end((run_id, number))
                found[number] = entry[1]
        return found

    def _keep(self, execution_id: str, run_id: str, chunks: dict[int, list[str]]) -> None:
        with self._lock:
            for number, values in chunks.items():
                self._chunks[(run_id, number)] = (execution_id, values)
                self._chunks.move_to_end((run_id, number))
            while len(self._chunks) > self.size:
                self._chunks.popitem(last=False)

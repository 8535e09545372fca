"""Parsed flows by (database, namespace, id, revision). A revision never changes once saved,
so entries never go stale; the cache only bounds memory. Each executor service owns one
(its persisters and flow-trigger index read through it); the database stays part of the
key so that a cache handed to readers of another store can never mix their revisions."""

from __future__ import annotations

import threading
from collections import OrderedDict

from podium.common.errors import PodiumError
from podium.common.flow.loader import parse_flow
from podium.common.flow.model import Flow
from podium.common.store import get_flow


class FlowNotFound(PodiumError):
    pass


class FlowCache:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._flows: OrderedDict[tuple[str, str, str, int], Flow] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conn, namespace: str, flow_id: str, revision: int) -> Flow:
        key = (database_key(conn), namespace, flow_id, revision)
        with self._lock:
            if key in self._flows:
                self._flows.move_to_end(key)
                return self._flows[key]
        stored = get_flow(conn, namespace, flow_id, revision)
        if stored is None:
            raise FlowNotFound(f"flow {namespace}.{flow_id} revision {revision} not found")
        flow = parse_flow(stored.source, name=f"{namespace}.{flow_id}@{revision}").flow
        with self._lock:
            self._flows[key] = flow
            while len(self._flows) > self.size:
                self._flows.popitem(last=False)
        return flow


def database_key(conn) -> str:
    """Which database a connection reaches (its URL)."""
    engine = getattr(conn, "engine", None)
    return str(engine.url) if engine is not None else ""

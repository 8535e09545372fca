"""The deployment's service processes (their heartbeat rows) and the store's health."""

from __future__ import annotations

from podium.application.parts import Parts
from podium.common.store import list_services
from podium.common.store.services import KINDS, ServiceInstance

SERVICE_KINDS = KINDS


def services(parts: Parts, kind: str | None = None,
             include_dead: bool = False) -> list[ServiceInstance]:
    """Live services (RUNNING or DRAINING) by kind then start; `include_dead` adds those
    declared DEAD lately."""
    with parts.db.read() as conn:
        return list_services(conn, kind=kind, include_dead=include_dead)


def check_store(parts: Parts) -> None:
    """Raises when the store does not answer a trivial query."""
    with parts.db.read() as conn:
        conn.exec_driver_sql("SELECT 1")

"""/api/v1/services (ours): the service processes of the deployment, from their heartbeat
rows — executors, workers (with the attempts they run), schedulers and webservers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends

from api.context import runtime_of
from common.heartbeat import describe
from common.store import list_services
from common.store.services import KINDS
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/services", tags=["Services"])

Kind = Literal[KINDS]  # type: ignore[valid-type]


@router.get("")
def services(kind: Kind | None = None, all: bool = False,  # noqa: A002 - the query name
             runtime: Runtime = Depends(runtime_of)) -> list:
    """Live services (RUNNING or DRAINING); `all=true` adds those declared DEAD lately."""
    with runtime.db.read() as conn:
        rows = list_services(conn, kind=kind, include_dead=all)
    return [describe(row) for row in rows]

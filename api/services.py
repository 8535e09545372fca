"""/api/v1/services (ours): the service processes of the deployment, from their heartbeat
rows — executors, workers (with the attempts they run), schedulers and webservers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends

from podium.api.context import runtime_of
from podium.application import services as service_rows
from podium.common.heartbeat import describe
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/services", tags=["Services"])

Kind = Literal[service_rows.SERVICE_KINDS]  # type: ignore[valid-type]


@router.get("")
def services(kind: Kind | None = None, all: bool = False,  # noqa: A002 - the query name
             runtime: Runtime = Depends(runtime_of)) -> list:
    """Live services (RUNNING or DRAINING) with the attempts they still run; `all=true` adds
    those that ended: SILENT (no heartbeat past the timeout) or declared DEAD lately."""
    return [describe(row) for row in service_rows.services(runtime, kind=kind, include_dead=all)]

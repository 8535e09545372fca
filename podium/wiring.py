"""Building services from Settings: the only place that knows which backends exist."""

from __future__ import annotations

import os

from common.settings import Settings
from common.store import Database
from common.transport.base import Transport
from common.transport.celery_transport import CeleryTransport, make_celery_app
from executor.engine.context import EngineConfig


def database(settings: Settings) -> Database:
    return Database(settings.database.url)


def celery_transport(settings: Settings) -> CeleryTransport:
    return CeleryTransport(make_celery_app(settings))


def engine_config(settings: Settings) -> EngineConfig:
    return EngineConfig(environ=dict(os.environ), env_prefix=settings.env_vars_prefix,
                        globals_=dict(settings.variables_globals))


__all__ = ["database", "celery_transport", "engine_config", "Transport"]

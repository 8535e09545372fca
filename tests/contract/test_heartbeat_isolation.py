"""A service's heartbeat does not wait for the service's own connection pool: a busy
service (every pooled connection held by its handlers) must not look dead
(podium/lifecycle.py `start_heartbeat`)."""

from __future__ import annotations

import pytest

from podium.common.settings import Settings
from podium.common.store import Database, list_services, upgrade
from podium.lifecycle import start_heartbeat
from tests.waiting import wait_for

pytestmark = pytest.mark.service


def test_a_service_whose_handlers_hold_every_connection_still_beats(postgres_server):
    url = postgres_server.create_database()
    upgrade(url)
    service_db = Database(url, pool_size=1)  # one connection and one overflow
    held = [service_db.engine.connect() for _ in range(2)]  # the handlers hold both
    observer = Database(url)
    settings = Settings(database={"url": url},
                        worker={"heartbeat_seconds": 0.2, "heartbeat_timeout_seconds": 2})
    heartbeat = start_heartbeat(settings, "worker")
    try:
        first = heartbeat.instance.heartbeat_at

        def beat_again():
            with observer.read() as conn:
                (row,) = list_services(conn)
            return row.heartbeat_at > first

        wait_for(beat_again, 5, "a heartbeat while the service's pool is exhausted")
    finally:
        heartbeat.stop()
        for conn in held:
            conn.close()
        service_db.dispose()
        observer.dispose()

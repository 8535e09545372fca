"""`database.synchronous_commit`: PostgreSQL connections of a store built with it false do
not wait for the disk flush at commit; the default leaves the server's own setting."""

from __future__ import annotations

import pytest

from podium.common.settings import Settings
from podium.common.store import Database
from podium.wiring import database

pytestmark = pytest.mark.service


@pytest.fixture
def pg_url(postgres_server) -> str:
    return postgres_server.create_database()


def shown(db: Database, name: str) -> str:
    with db.read() as conn:
        return conn.exec_driver_sql(f"SHOW {name}").scalar_one()


def server_default(pg_url: str) -> str:
    with Database(pg_url) as plain:
        return shown(plain, "synchronous_commit")


def test_off_reaches_every_connection_beside_the_statement_timeout(pg_url):
    with Database(pg_url, statement_timeout=7, synchronous_commit=False) as db:
        assert shown(db, "synchronous_commit") == "off"
        assert shown(db, "statement_timeout") == "7s"
        with db.begin() as conn:  # a write transaction commits as usual
            conn.exec_driver_sql("CREATE TABLE durability_probe (id int)")
            conn.exec_driver_sql("INSERT INTO durability_probe VALUES (1)")
        with db.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM durability_probe").scalar() == 1


def test_the_setting_builds_the_services_store(pg_url, monkeypatch):
    monkeypatch.setenv("PODIUM_DATABASE__URL", pg_url)
    monkeypatch.setenv("PODIUM_DATABASE__SYNCHRONOUS_COMMIT", "false")
    relaxed = database(Settings())
    monkeypatch.setenv("PODIUM_DATABASE__SYNCHRONOUS_COMMIT", "true")
    default = database(Settings())
    try:
        assert shown(relaxed, "synchronous_commit") == "off"
        assert shown(default, "synchronous_commit") == server_default(pg_url)
    finally:
        relaxed.dispose()
        default.dispose()

"""Fixtures of the BigQuery tests: the local BigQuery server (bigquery_server.py: the REST
API's shape, SQL run by DuckDB; not Google) on a free loopback port, the plugin pointed at
it through BIGQUERY_EMULATOR_HOST, and an embedded runtime."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from podium.runtime import Runtime
from tests.plugins.gcp.bigquery_server import BigQueryServer

PROJECT = "podium-test"


@pytest.fixture(scope="session")
def bq_server() -> Iterator[BigQueryServer]:
    with BigQueryServer() as server:
        yield server


@pytest.fixture
def bigquery(bq_server: BigQueryServer, monkeypatch) -> BigQueryServer:
    """The server, with the plugin pointed at it and its request log emptied."""
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", bq_server.url)
    bq_server.requests.clear()
    return bq_server


@pytest.fixture
def dataset(bigquery: BigQueryServer) -> str:
    """A fresh dataset of the test's own."""
    name = f"ds_{secrets.token_hex(4)}"
    bigquery.sql(f'CREATE SCHEMA "{name}"')
    bigquery.state.datasets[name] = {
        "kind": "bigquery#dataset", "id": f"{PROJECT}:{name}", "location": "US",
        "datasetReference": {"projectId": PROJECT, "datasetId": name}}
    return name


@pytest.fixture
def runtime(tmp_path) -> Iterator[Runtime]:
    rt = Runtime.embedded(tmp_path / "data", workers=2, environ={})
    yield rt
    rt.close()

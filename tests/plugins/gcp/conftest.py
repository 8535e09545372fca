"""Fixtures of the Google Cloud tests.

BigQuery: the local BigQuery server (bigquery_server.py: the REST API's shape, SQL run by
DuckDB; not Google) on a free loopback port, the plugin pointed at it through
BIGQUERY_EMULATOR_HOST.

GCS: gcp-storage-emulator (a Python server speaking GCS's JSON and upload APIs) started as
a separate process on a free loopback port, reached the way a Podium worker reaches any GCS
emulator, through STORAGE_EMULATOR_HOST in the worker's environment; and a client the
tests use to set up and check buckets.

Both: an embedded runtime."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

from podium.runtime import Runtime
from tests.plugins.gcp.bigquery_server import BigQueryServer
from tests.support.servers import free_port
from tests.waiting import poll_until

PROJECT = "podium-test"
EMULATOR_ENV = "STORAGE_EMULATOR_HOST"


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


def _emulator_command() -> list[str]:
    script = Path(sys.executable).with_name("gcp-storage-emulator")
    found = str(script) if script.exists() else shutil.which("gcp-storage-emulator")
    if found is None:  # a test dependency: skip here, fail under CI=true
        pytest.skip("gcp-storage-emulator is not installed (pip install -e '.[test]')")
    return [found]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def gcs_emulator(tmp_path_factory) -> Iterator[str]:
    """The emulator's base URL (one process for the session; `gcs` points the workers at it)."""
    port = free_port()
    log = tmp_path_factory.mktemp("gcs-emulator") / "emulator.log"
    with open(log, "wb") as out:  # a file, not a pipe nobody reads
        process = subprocess.Popen(
            [*_emulator_command(), "start", "--host", "127.0.0.1", "--port", str(port), "-q",
             "--in-memory"], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        poll_until(lambda: process.poll() is not None or _listening(port), timeout=30)
        if process.poll() is not None:
            raise RuntimeError(f"gcp-storage-emulator exited: {log.read_text()!r}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture
def gcs(gcs_emulator: str, monkeypatch) -> storage.Client:
    """A client of the emulator, which STORAGE_EMULATOR_HOST points the test's workers at
    (the embedded runtime's workers run in this process and read it from here)."""
    monkeypatch.setenv(EMULATOR_ENV, gcs_emulator)
    return storage.Client(project="podium-tests", credentials=AnonymousCredentials(),
                          client_options={"api_endpoint": gcs_emulator})


@pytest.fixture
def bucket(gcs: storage.Client) -> str:
    """A fresh bucket of the test's own."""
    name = f"podium-{secrets.token_hex(5)}"
    gcs.create_bucket(name)
    return name


@pytest.fixture
def runtime(tmp_path) -> Iterator[Runtime]:
    rt = Runtime.embedded(tmp_path / "data", workers=2, environ={})
    yield rt
    rt.close()

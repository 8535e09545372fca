"""An attempt's uploads through an object storage outage, on a real S3 server (moto, or
PODIUM_TEST_S3_URL) reached through a TCP proxy that refuses connections and resets open
ones while blocked (tests/faults/proxy.py): a short outage only delays the attempt, a long
one fails it naming the storage, a kill ends the wait (worker/storage_retry.py)."""

from __future__ import annotations

import secrets
import sys
import threading
import time
from urllib.parse import urlsplit

import pytest

from podium.common.errors import StorageUnavailableError
from podium.common.models.state import State
from podium.common.storage.s3 import S3Storage
from podium.worker.runnables import run_attempt
from tests.faults.proxy import TcpProxy
from tests.unit.worker.conftest import make_ctx, make_task

pytestmark = [pytest.mark.service,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")]

SH = "io.kestra.plugin.scripts.shell.Commands"
URI = "kestra:///company/team/flow/executions/e1/tasks/t/r1/a.txt"


@pytest.fixture
def proxy(s3_endpoint):
    address = urlsplit(s3_endpoint.url)
    proxy = TcpProxy(address.port, host=address.hostname).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def storage(s3_endpoint, proxy):
    storage = S3Storage(s3_endpoint.bucket, endpoint_url=proxy.url, region="us-east-1",
                        access_key_id=s3_endpoint.access_key_id,
                        secret_access_key=s3_endpoint.secret_access_key, path_style=True,
                        prefix=f"outage-{secrets.token_hex(6)}", max_attempts=2)
    with storage:
        yield storage


def writer(**props):
    return make_task(SH, commands=["echo data > out.txt"], outputFiles=["out.txt"], **props)


def test_an_unreachable_endpoint_is_storage_unavailable(storage, proxy):
    storage.put(URI, b"before")  # a pooled connection, reset by the block
    proxy.block()
    with pytest.raises(StorageUnavailableError, match="S3 unreachable"):
        storage.put(URI, b"during")
    proxy.unblock()
    assert storage.read_bytes(URI) == b"before"


def test_an_upload_waits_out_a_short_outage(storage, proxy):
    proxy.block()
    threading.Timer(2.0, proxy.unblock).start()
    ctx, logs = make_ctx(storage=storage)
    outcome = run_attempt(writer(), ctx)
    assert outcome.state is State.SUCCESS, outcome.error
    uri = outcome.outputs["outputFiles"]["out.txt"]
    assert storage.read_bytes(uri) == b"data\n"
    assert any("Internal storage unavailable" in m for m in logs.messages("WARN"))


def test_an_outage_past_the_bound_fails_the_attempt_naming_the_storage(storage, proxy):
    proxy.block()
    ctx, _ = make_ctx(storage=storage)
    ctx.storage_outage_seconds = 2.0
    began = time.monotonic()
    outcome = run_attempt(writer(), ctx)
    assert outcome.state is State.FAILED
    assert "Internal storage unavailable: gave up on the upload" in outcome.error
    assert "S3 unreachable" in outcome.error
    assert time.monotonic() - began < 20


def test_a_kill_ends_the_wait(storage, proxy):
    proxy.block()
    ctx, _ = make_ctx(storage=storage)
    threading.Timer(1.0, ctx.killed.set).start()
    began = time.monotonic()
    outcome = run_attempt(writer(), ctx)
    assert outcome.state is State.KILLED
    assert time.monotonic() - began < 15

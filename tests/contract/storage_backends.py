"""Storage backends for the storage contract suite (fixtures, registered by conftest.py).

Every storage contract test runs on local disk (a fresh root under tmp) and on a REAL S3
server on loopback: moto's standalone server, started as a subprocess for the session and
stopped at its end, or the endpoint in PODIUM_TEST_S3_URL (MinIO...) when set, with keys from
PODIUM_TEST_S3_ACCESS_KEY_ID / PODIUM_TEST_S3_SECRET_ACCESS_KEY or the AWS chain. S3 tests
are marked `service`: they skip when no server can be had, and fail instead under CI=true.
Each S3 test gets its own key prefix in one session bucket, which also exercises `prefix`.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError

from podium.common.storage import LocalStorage, Storage
from podium.common.storage.s3 import MIB, S3Storage
from tests.support.servers import free_port
from tests.waiting import poll_until

S3_URL = os.environ.get("PODIUM_TEST_S3_URL")
BUCKET = os.environ.get("PODIUM_TEST_S3_BUCKET", "podium-test")
REGION = "us-east-1"
MOTO_KEYS = ("testing", "testing")  # moto accepts any keys; fixed ones bypass the AWS chain
# Small, so the contract's ~20 MB upload really goes through a multipart upload.
MULTIPART_THRESHOLD = 5 * MIB
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class S3Endpoint:
    url: str
    bucket: str
    access_key_id: str | None
    secret_access_key: str | None

    def storage(self, prefix: str = "") -> S3Storage:
        return S3Storage(self.bucket, endpoint_url=self.url, region=REGION,
                         access_key_id=self.access_key_id,
                         secret_access_key=self.secret_access_key, path_style=True,
                         prefix=prefix, max_attempts=3, multipart_threshold=MULTIPART_THRESHOLD)


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    if not poll_until(lambda: _answers(url, process), STARTUP_SECONDS, poll=0.2):
        raise RuntimeError(f"moto server not answering at {url} after {STARTUP_SECONDS} s")


def _answers(url: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"moto server exited with code {process.returncode}")
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
            return True
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def _moto_server() -> Iterator[str]:
    """moto's S3 server on a free loopback port, for the duration of the block."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                _wait_until_up(url, process)
            except RuntimeError as exc:
                log.seek(0)
                tail = log.read()[-2000:].decode(errors="replace")
                pytest.skip(f"S3 server unavailable: {exc}\n{tail}")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _create_bucket(endpoint: S3Endpoint) -> None:
    client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint.url, region_name=REGION,
        aws_access_key_id=endpoint.access_key_id,
        aws_secret_access_key=endpoint.secret_access_key)
    try:
        client.create_bucket(Bucket=endpoint.bucket)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    finally:
        client.close()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[S3Endpoint]:
    """A reachable S3 endpoint with the session bucket created."""
    with ExitStack() as stack:
        if S3_URL:
            url = S3_URL
            keys = (os.environ.get("PODIUM_TEST_S3_ACCESS_KEY_ID"),
                    os.environ.get("PODIUM_TEST_S3_SECRET_ACCESS_KEY"))
        else:
            url, keys = stack.enter_context(_moto_server()), MOTO_KEYS
        endpoint = S3Endpoint(url, BUCKET, *keys)
        try:
            _create_bucket(endpoint)
        except (BotoCoreError, ClientError) as exc:
            pytest.skip(f"S3 unusable at {url}: {exc}")
        yield endpoint


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.service)])
def storage(request: pytest.FixtureRequest, tmp_path) -> Iterator[Storage]:
    """An empty storage of each backend."""
    if request.param == "local":
        backend: Storage = LocalStorage(tmp_path / "storage")
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        backend = endpoint.storage(prefix=f"test-{secrets.token_hex(6)}")
    with backend:
        yield backend

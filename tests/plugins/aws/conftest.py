"""Fixtures of the AWS plugin's tests: moto's S3 server in this process on a free loopback
port (a real HTTP S3 endpoint that boto3 talks to), an embedded runtime, and a boto3 client
the tests use to set up and check the buckets."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from podium.runtime import Runtime
from tests.support.servers import free_port

REGION = "us-east-1"
KEYS = ("testing", "testing")  # moto accepts any keys; fixed ones bypass the AWS chain


@dataclass(frozen=True)
class S3Server:
    url: str

    def client(self) -> Any:
        return boto3.session.Session().client(
            "s3", endpoint_url=self.url, region_name=REGION,
            aws_access_key_id=KEYS[0], aws_secret_access_key=KEYS[1])

    def connection_yaml(self, indent: int = 4) -> str:
        """The connection properties of a task pointing at this server."""
        pad = " " * indent
        return (f'{pad}endpointOverride: "{self.url}"\n{pad}region: {REGION}\n'
                f'{pad}accessKeyId: {KEYS[0]}\n{pad}secretKeyId: {KEYS[1]}\n')


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # moto[server] missing: skip here, fail under CI=true
        pytest.skip(f"moto's server is not installed: {exc}")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture
def s3(s3_server: S3Server) -> Any:
    client = s3_server.client()
    yield client
    client.close()


@pytest.fixture
def bucket(s3: Any) -> str:
    """A fresh bucket of the test's own."""
    name = f"podium-{secrets.token_hex(5)}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def runtime(tmp_path) -> Iterator[Runtime]:
    rt = Runtime.embedded(tmp_path / "data", workers=2, environ={})
    yield rt
    rt.close()

"""The harness's own S3 endpoint: moto's server on a free loopback port, behind a TcpProxy
(tests/faults/proxy.py) so an outage can be injected while moto keeps its objects."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import boto3

from tests.faults.proxy import TcpProxy
from tests.support.servers import ServerUnavailable, free_port
from tests.waiting import poll_until

BUCKET = "podium-faults"
REGION = "us-east-1"
KEYS = ("testing", "testing")  # moto accepts any keys


class ObjectStorage:
    def __init__(self, folder: Path) -> None:
        self.folder = folder / "s3"
        self.folder.mkdir()
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.proxy: TcpProxy | None = None

    def start(self, timeout: float = 30.0) -> "ObjectStorage":
        log = open(self.folder / "moto.log", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait(timeout)
        self.proxy = TcpProxy(self.port).start()
        client = boto3.session.Session().client(
            "s3", endpoint_url=self.proxy.url, region_name=REGION,
            aws_access_key_id=KEYS[0], aws_secret_access_key=KEYS[1])
        client.create_bucket(Bucket=BUCKET)
        client.close()
        return self

    def _wait(self, timeout: float) -> None:
        if not poll_until(self._answers, timeout, poll=0.2):
            raise ServerUnavailable(f"moto server not answering after {timeout}s")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise ServerUnavailable(f"moto server exited with {self.process.returncode} "
                                    f"(is moto[server] installed?)")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/moto-api/", timeout=1):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def env(self) -> dict[str, str]:
        """The services' storage settings: S3 through the proxy."""
        return {
            "PODIUM_STORAGE__KIND": "s3",
            "PODIUM_STORAGE__S3__BUCKET": BUCKET,
            "PODIUM_STORAGE__S3__ENDPOINT_URL": self.proxy.url,
            "PODIUM_STORAGE__S3__REGION": REGION,
            "PODIUM_STORAGE__S3__PATH_STYLE": "true",
            "PODIUM_STORAGE__S3__ACCESS_KEY_ID": KEYS[0],
            "PODIUM_STORAGE__S3__SECRET_ACCESS_KEY": KEYS[1],
        }

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

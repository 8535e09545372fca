"""A real Docker daemon for the docker plugin's tests: `PODIUM_TEST_DOCKER_HOST`, else the
one .ci/services.sh starts (unix:///run/podium-docker.sock), else the system's. Nothing is
pulled (no registry is reachable): a `FROM scratch` image holding Debian's busybox-static
is built once and every test runs from it, with no network."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path

import httpx
import pytest

from podium.runtime import Runtime

BASE_IMAGE = "podium-test/busybox:1"
CANDIDATES = ("unix:///run/podium-docker.sock", "unix:///var/run/docker.sock")


def _client(host: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(uds=host.removeprefix("unix://")),
                        base_url="http://docker", timeout=120)


def _reachable(host: str) -> bool:
    try:
        with _client(host) as client:
            return client.get("/_ping").text == "OK"
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def docker_host() -> str:
    wanted = os.environ.get("PODIUM_TEST_DOCKER_HOST")
    for host in ([wanted] if wanted else CANDIDATES):
        if _reachable(host):
            return host
    pytest.skip("no Docker daemon (.ci/services.sh starts one at /run/podium-docker.sock)")


@pytest.fixture(scope="session")
def docker_api(docker_host):
    with _client(docker_host) as client:
        yield client


@pytest.fixture(scope="session")
def base_image(docker_api) -> str:
    busybox = Path(shutil.which("busybox") or "/bin/busybox")
    # A FROM scratch image has no dynamic loader: only the static build runs there.
    if not busybox.is_file() or b"ld-linux" in busybox.read_bytes()[:65536]:
        pytest.skip("busybox-static is not installed (apt-get install busybox-static)")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        dockerfile = b"FROM scratch\nCOPY busybox /bin/busybox\n"
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
        tar.add(busybox, arcname="busybox")
    answer = docker_api.post("/build", params={"t": BASE_IMAGE, "rm": "1"},
                             content=buffer.getvalue(),
                             headers={"Content-Type": "application/x-tar"})
    assert answer.status_code == 200 and '"error"' not in answer.text, answer.text
    return BASE_IMAGE


@pytest.fixture
def runtime(tmp_path):
    with Runtime.embedded(tmp_path / "data", workers=1, environ={}) as running:
        yield running

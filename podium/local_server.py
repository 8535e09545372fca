"""How a CLI command finds the runtime that serves an embedded data folder.

`podium server local` (and `podium webserver --embedded`) runs the executor and workers of
a data folder in its own process, over an in-process transport: what another process
sends them (a new execution, kill, resume) reaches them only through their API. So at
start they write `server.json` in the folder (their pid, the API's URL and a bearer
token made for this run; readable by its owner only) and remove it when they stop. A CLI
command on that folder calls that API while the process lives and the API answers
(podium/cli/backend_choice.py); with none, it reads the folder's store itself and refuses
what only a runtime can do.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr

from podium.common.errors import ServiceSetupError
from podium.common.settings import ApiSettings

FILE_NAME = "server.json"
LOCAL_USER = "admin"
# A live server answers its health route at once; a stale file must not make the CLI wait.
HEALTH_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class LocalServer:
    """The process serving a data folder; `url` None when it serves no API."""

    pid: int
    url: str | None
    token: str | None


@dataclass(frozen=True)
class LocalCredentials:
    """The API settings a local server runs with: the user's, plus a token for the CLI and,
    when the user configured no login, a user created for this run (`login`)."""

    api: ApiSettings
    token: str
    login: tuple[str, str] | None


def local_credentials(api: ApiSettings) -> LocalCredentials:
    token = secrets.token_urlsafe(32)
    update: dict = {"tokens": [*api.tokens, SecretStr(token)]}
    login = None
    if api.auth and not api.users and not api.tokens:
        login = (LOCAL_USER, secrets.token_urlsafe(12))
        update["users"] = {LOCAL_USER: SecretStr(login[1])}
    return LocalCredentials(api.model_copy(update=update), token, login)


def publish(data_dir: Path, url: str | None, token: str | None) -> Callable[[], None]:
    """Write the folder's `server.json`; returns what removes it (unless a later server
    wrote its own since)."""
    path = Path(data_dir) / FILE_NAME
    document = json.dumps({"pid": os.getpid(), "url": url, "token": token})
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(document)

    def withdraw() -> None:
        with contextlib.suppress(OSError):
            if path.read_text() == document:
                path.unlink()
    return withdraw


@contextlib.contextmanager
def announce(data_dir: Path, url: str | None, token: str | None) -> Iterator[None]:
    """`server.json` in the folder for as long as the block runs."""
    withdraw = publish(data_dir, url, token)
    try:
        yield
    finally:
        withdraw()


def find(data_dir: Path) -> LocalServer | None:
    """The live process serving `data_dir`, or None (no file, its process gone, or its API
    not answering)."""
    try:
        document = json.loads((Path(data_dir) / FILE_NAME).read_text())
        server = LocalServer(int(document["pid"]), document.get("url"), document.get("token"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(server.pid):
        return None
    if server.url is not None and not _answers(server.url):
        return None
    return server


def refuse_if_served(data_dir: Path) -> None:
    """ServiceSetupError when a live process already serves `data_dir`: a second runtime on
    one folder would run the same executions' messages in two executors."""
    served = find(data_dir)
    if served is not None:
        at = f" at {served.url}" if served.url else ""
        raise ServiceSetupError(f"a Podium runtime (pid {served.pid}) already serves "
                                f"{data_dir}{at}: use it, or stop it first")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/v1/health", timeout=HEALTH_TIMEOUT_SECONDS).is_success
    except httpx.HTTPError:
        return False

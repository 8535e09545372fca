"""A throwaway deployment on the local PostgreSQL and Redis: a fresh database, a unique
Redis key prefix and a local storage directory shared by its processes, removed afterwards. For tests, benchmarks and the conformance
runner's distributed mode; never for production."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from typing import Iterator

import psycopg
import redis

from podium.common.secrets import SecretCipher
from podium.common.settings import Settings

ADMIN_URL = os.environ.get("PODIUM_TEST_POSTGRES_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PODIUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def throwaway_deployment(extra_env: dict[str, str] | None = None
                         ) -> Iterator[tuple[Settings, dict[str, str]]]:
    """Yields (settings, env) describing a fresh deployment; drops it on exit."""
    name = f"podium_tmp_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    storage_dir = tempfile.mkdtemp(prefix=f"{name}-storage-")
    encryption_key = SecretCipher.generate_key()  # SECRET inputs, shared by its processes
    env = {"PODIUM_DATABASE__URL": database_url, "PODIUM_BROKER__URL": REDIS_URL,
           "PODIUM_BROKER__KEY_PREFIX": f"{name}:", "PODIUM_LOG_LEVEL": "WARNING",
           "PODIUM_STORAGE__BASE_PATH": storage_dir,
           "PODIUM_SECRETS__ENCRYPTION_KEY": encryption_key, **(extra_env or {})}
    settings = Settings(database={"url": database_url},
                        broker={"url": REDIS_URL, "key_prefix": f"{name}:"},
                        storage={"base_path": storage_dir},
                        secrets={"encryption_key": env["PODIUM_SECRETS__ENCRYPTION_KEY"]})
    try:
        yield settings, env
    finally:
        _drop(name)
        shutil.rmtree(storage_dir, ignore_errors=True)


def _drop(name: str) -> None:
    with psycopg.connect(_libpq(ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{name}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start:start + 500])

"""A namespace's KV store (common/kv.py holds its rules: types, expiry, keys)."""

from __future__ import annotations

from podium.application.parts import Parts
from podium.common.errors import NotFoundError
from podium.common.kv import KVEntry, KVStore, KVValue


def _store(parts: Parts) -> KVStore:
    return KVStore(parts.db)


def list_entries(parts: Parts, namespace: str) -> list[KVEntry]:
    """The namespace's live keys, sorted."""
    return _store(parts).list(namespace)


def get(parts: Parts, namespace: str, key: str) -> KVEntry:
    """The key's entry; NotFoundError when it is absent or expired."""
    entry = _store(parts).get(namespace, key)
    if entry is None:
        raise NotFoundError(f"No value found for key '{key}' in namespace '{namespace}'")
    return entry


def put(parts: Parts, namespace: str, key: str, value: KVValue, *, ttl: str | None = None,
        overwrite: bool = True) -> None:
    """Set the key; `ttl` an ISO-8601 duration; KVError when `overwrite` is False and the
    key exists."""
    _store(parts).put(namespace, key, value, ttl=ttl, overwrite=overwrite)


def delete(parts: Parts, namespace: str, key: str) -> bool:
    """True when a live key was deleted."""
    return _store(parts).delete(namespace, key)

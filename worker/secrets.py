"""What a worker gives each attempt for secrets and the KV store.

- ``render_services(namespace)``: RenderServices whose ``secret()`` asks the configured
  SecretProvider and whose ``kv()`` reads the namespace KV store; every secret rendered
  goes to the attempt's masker (``common/templating/library/functions.py``).
- ``reveal(message, masker)``: the attempt's render context with its SECRET inputs in clear
  (sealed values decrypted) and every SECRET input value handed to the masker, so it is
  masked in logs and errors even when it arrived as a clear default (outputs keep it, as
  in Kestra). Which inputs
  are SECRET comes from the flow revision, read once per revision and kept.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from podium.common.errors import PodiumError
from podium.common.flow.loader import parse_flow
from podium.common.kv import KVStore
from podium.common.messages import RunTask
from podium.common.secrets import (
    SecretCipher,
    SecretProvider,
    is_sealed,
    reveal_secret_inputs,
    secret_input_ids,
)
from podium.common.store import get_flow
from podium.common.templating import RenderServices

log = logging.getLogger(__name__)
CACHED_FLOWS = 1_000


class AttemptSecrets:
    def __init__(self, db: Any, *, secrets: SecretProvider | None = None,
                 cipher: SecretCipher | None = None) -> None:
        self.db = db
        self.kv = KVStore(db)
        self.secrets = secrets
        self.cipher = cipher
        self._secret_ids: dict[tuple[str, str, int], list[str]] = {}
        self._lock = threading.Lock()

    def render_services(self, namespace: str) -> RenderServices:
        secrets, kv = self.secrets, self.kv
        return RenderServices(
            secret=(lambda key, ns=None: secrets.get(ns or namespace, key))
            if secrets is not None else None,
            kv=kv.lookup_for(namespace))

    def reveal(self, message: RunTask, masker: Any) -> dict[str, Any]:
        """Raises SecretError when a sealed input cannot be decrypted here."""
        inputs = message.context.get("inputs")
        if not isinstance(inputs, dict) or not inputs:
            return dict(message.context)
        ids = self._ids(message)
        if not ids and not _any_sealed(inputs):
            return dict(message.context)
        return reveal_secret_inputs(message.context, ids, self.cipher, masker)

    def _ids(self, message: RunTask) -> list[str]:
        key = (message.namespace, message.flow_id, message.flow_revision)
        with self._lock:
            found = self._secret_ids.get(key)
        if found is not None:
            return found
        with self.db.read() as conn:
            stored = get_flow(conn, *key)
        try:
            found = secret_input_ids(parse_flow(stored.source).flow.inputs) if stored else []
        except PodiumError:  # the executor parsed this revision; a worker without a plugin
            log.warning("cannot read the inputs of %s.%s revision %s", *key, exc_info=True)
            found = []
        with self._lock:
            if len(self._secret_ids) >= CACHED_FLOWS:
                self._secret_ids.pop(next(iter(self._secret_ids)))
            self._secret_ids[key] = found
        return found


def _any_sealed(node: Any) -> bool:
    if is_sealed(node):
        return True
    if isinstance(node, dict):
        return any(_any_sealed(value) for value in node.values())
    if isinstance(node, list):
        return any(_any_sealed(item) for item in node)
    return False

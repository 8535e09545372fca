"""Secrets: where `secret('NAME')` values come from, and how SECRET inputs are kept.

- ``SecretProvider`` is the port: ``get(namespace, key) -> str | None``. Backends decide
  whether the namespace matters; the environment backend ignores it (as Kestra OSS does).
- ``EnvSecretProvider`` is Kestra OSS's convention: every environment variable
  ``SECRET_<KEY>`` holds a base64-encoded value (line breaks inside it are ignored, padding
  optional); ``secret('my_key')`` finds ``SECRET_MY_KEY`` (the key is upper-cased). A
  variable that is not valid base64 is reported when asked for. Only the ``SECRET_`` prefix
  is read: Kestra's ``ENV_`` prefix is a docker-compose helper that encodes ``ENV_X`` into
  ``SECRET_X`` before the server starts, not something the server reads.
- ``SecretCipher`` encrypts SECRET inputs at rest with Fernet (AES-128-CBC and
  HMAC-SHA256) under ``PODIUM_SECRETS__ENCRYPTION_KEY``; the embedded mode generates a key
  in its data directory when none is configured. A sealed value is stored in Kestra's
  shape ``{"type": "io.kestra.datatype:aes_encrypted", "value": <token>}``; the token
  itself is Fernet's, not Kestra's AES-GCM format.
- ``seal_secret_inputs`` (at submission) and ``reveal_secret_inputs`` (on the worker, which
  also hands every revealed value to the secret masker) move inputs between the two forms.

Nothing here reads ``os.environ`` by itself: the composition root passes the environment.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from cryptography.fernet import Fernet, InvalidToken

from podium.common.errors import SecretError

log = logging.getLogger(__name__)

ENV_PREFIX = "SECRET_"
ENCRYPTED_TYPE = "io.kestra.datatype:aes_encrypted"
KEY_FILE = "secrets.key"
NOT_CONFIGURED = ("Unable to use a `SECRET` input as encryption is not configured here "
                  "(PODIUM_SECRETS__ENCRYPTION_KEY)")
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]")  # Java's \R


class SecretProvider(Protocol):
    def get(self, namespace: str | None, key: str) -> str | None:
        """The secret's clear value, or None when there is none. Raises SecretError when
        the secret exists but cannot be read."""


class EnvSecretProvider:
    """Secrets from ``SECRET_<KEY>`` variables of the given environment, decoded once."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._values: dict[str, str] = {}
        self._broken: set[str] = set()
        for name, raw in environ.items():
            if not name.startswith(ENV_PREFIX) or len(name) == len(ENV_PREFIX):
                continue
            key = name[len(ENV_PREFIX):].upper()
            try:
                self._values[key] = decode_base64(raw)
            except ValueError:
                self._broken.add(key)
                log.error("Could not decode secret '%s': it must be base64-encoded", name)

    def get(self, namespace: str | None, key: str) -> str | None:
        wanted = key.upper()
        if wanted in self._broken:
            raise SecretError(f"The secret '{key}' is not base64-encoded: set "
                              f"{ENV_PREFIX}{wanted} to the base64 of its value")
        return self._values.get(wanted)


def decode_base64(raw: str) -> str:
    """Kestra's reading of a SECRET_ variable: line breaks removed, standard base64 with
    optional padding, UTF-8. Raises ValueError when it is not base64."""
    text = _LINE_BREAKS.sub("", raw).strip()
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(str(exc)) from None
    return data.decode("utf-8", errors="replace")


def encode_base64(value: str) -> str:
    """The value to put in a SECRET_ variable."""
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


# ------------------------------------------------------------------------------ encryption

class SecretCipher:
    """Encrypts and decrypts SECRET inputs with one Fernet key."""

    def __init__(self, key: str | bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError, binascii.Error):
            raise SecretError("The encryption key is not a Fernet key (32 url-safe "
                              "base64-encoded bytes); generate one with `python -c 'from "
                              "cryptography.fernet import Fernet; "
                              "print(Fernet.generate_key().decode())'`") from None

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, text: str) -> dict[str, str]:
        token = self._fernet.encrypt(text.encode("utf-8")).decode("ascii")
        return {"type": ENCRYPTED_TYPE, "value": token}

    def decrypt(self, sealed: Mapping[str, Any]) -> str:
        try:
            return self._fernet.decrypt(str(sealed["value"]).encode("ascii")).decode("utf-8")
        except (InvalidToken, KeyError, UnicodeError):
            raise SecretError("Cannot decrypt a SECRET value: it was encrypted with another "
                              "key than PODIUM_SECRETS__ENCRYPTION_KEY, or altered") from None


def is_sealed(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("type") == ENCRYPTED_TYPE \
        and isinstance(value.get("value"), str) and len(value) == 2


def key_file_cipher(folder: str | os.PathLike[str]) -> SecretCipher:
    """The cipher of an embedded data directory: its `secrets.key`, created (mode 0600)
    with a new key the first time."""
    path = Path(folder) / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return SecretCipher(path.read_text().strip())
    key = SecretCipher.generate_key()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return SecretCipher(key)


# ------------------------------------------------------------------------------ inputs

def secret_input_ids(declarations: Sequence[Any] | None) -> list[str]:
    """The ids of the SECRET inputs among flow input declarations."""
    ids = []
    for declaration in declarations or []:
        kind = getattr(declaration, "type", None)
        if str(getattr(kind, "value", kind)) == "SECRET":
            ident = getattr(declaration, "id", None) or getattr(declaration, "name", None)
            if ident:
                ids.append(ident)
    return ids


def seal_secret_inputs(declarations: Sequence[Any] | None, values: Mapping[str, Any],
                       cipher: SecretCipher | None) -> dict[str, Any]:
    """`values` (typed inputs, dotted ids nested) with each SECRET input's clear string
    replaced by its sealed form. Raises SecretError when there is one to seal and no
    cipher (Kestra refuses SECRET inputs when encryption is not configured)."""
    result = dict(values)
    for ident in secret_input_ids(declarations):
        parent = _parent(result, ident.split("."))
        leaf = ident.split(".")[-1]
        if parent is None or not isinstance(parent.get(leaf), str):
            continue
        if cipher is None:
            raise SecretError(NOT_CONFIGURED)
        parent[leaf] = cipher.encrypt(parent[leaf])
    return result


def reveal_secret_inputs(context: Mapping[str, Any], secret_ids: Sequence[str],
                         cipher: SecretCipher | None, masker: Any) -> dict[str, Any]:
    """The render context with every sealed value under `inputs` decrypted; each revealed
    value, and each clear value of a SECRET input (a default the executor filled in), is
    added to `masker`. Raises SecretError when a value cannot be decrypted."""
    inputs = context.get("inputs")
    if not isinstance(inputs, Mapping):
        return dict(context)

    def reveal(node: Any) -> Any:
        if is_sealed(node):
            if cipher is None:
                raise SecretError("A SECRET input is encrypted but this worker has no "
                                  "encryption key: set PODIUM_SECRETS__ENCRYPTION_KEY")
            clear = cipher.decrypt(node)
            masker.add(clear)
            return clear
        if isinstance(node, Mapping):
            return {key: reveal(value) for key, value in node.items()}
        if isinstance(node, list):
            return [reveal(item) for item in node]
        return node

    revealed = reveal(inputs)
    for ident in secret_ids:
        parent = _parent(revealed, ident.split("."))
        value = parent.get(ident.split(".")[-1]) if parent is not None else None
        if isinstance(value, str):
            masker.add(value)
    return {**context, "inputs": revealed}


def _parent(root: dict[str, Any], path: list[str]) -> dict[str, Any] | None:
    """The dict holding the last element of `path`, copying the dicts on the way so the
    caller may replace the leaf without touching shared data."""
    node = root
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            return None
        node[part] = child = dict(child)
        node = child
    return node

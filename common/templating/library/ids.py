"""Identifiers and random numbers: uuid, id, ksuid, nanoId, randomInt, randomPort.

Every random draw uses the `secrets` module: these values end up as file names, keys and
correlation ids, so they must not be predictable from one another.
"""

from __future__ import annotations

import secrets
import socket
import time
import uuid as _uuid
from typing import Any

from ._util import fail, is_missing, require_int, type_name

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
NANOID_ALPHABET = BASE62 + "-_"
NANOID_LENGTH = 21
NANOID_MAX_LENGTH = 1000  # Kestra's limit
KSUID_EPOCH = 1_400_000_000  # segmentio/ksuid: seconds, 2014-05-13T16:53:20Z
KSUID_LENGTH = 27


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def uuid() -> Any:
    """A time-ordered UUID (version 7, RFC 9562), as Kestra's generator makes them:
    48 bits of Unix milliseconds, then random bits."""
    millis = time.time_ns() // 1_000_000
    value = (millis & (2**48 - 1)) << 80 | secrets.randbits(80)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return str(_uuid.UUID(int=value))


def short_id() -> Any:
    """Kestra's IdUtils.create(): a random UUID in base62, 22 characters."""
    return _base62(_uuid.uuid4().int, 22)


def ksuid() -> Any:
    """A K-Sortable Unique IDentifier: 4 bytes of seconds since the KSUID epoch and 16
    random bytes, in base62 (27 characters); ids sort by creation second."""
    seconds = (int(time.time()) - KSUID_EPOCH) & 0xFFFFFFFF
    return _base62(seconds << 128 | secrets.randbits(128), KSUID_LENGTH)


def nano_id(length: Any = NANOID_LENGTH, alphabet: Any = NANOID_ALPHABET) -> Any:
    """`nanoId(length=21, alphabet=A-Za-z0-9_-)`: random characters of the alphabet."""
    length = NANOID_LENGTH if is_missing(length) else \
        require_int(length, "The 'nanoId()' function field 'length'", 0)
    if length > NANOID_MAX_LENGTH:
        fail(f"The 'nanoId()' function field 'length' must be lower than: {NANOID_MAX_LENGTH}")
    if is_missing(alphabet):
        alphabet = NANOID_ALPHABET
    if not isinstance(alphabet, str) or not alphabet:
        fail("The 'nanoId()' function field 'alphabet' must be a non-empty string")
    return "".join(secrets.choice(alphabet) for _ in range(length))


def random_int(lower: Any = None, upper: Any = None) -> Any:
    """`randomInt(lower, upper)`: an integer in [lower, upper) (lower when equal)."""
    if lower is None or upper is None:
        fail("The 'randomInt' function expects the arguments 'lower' and 'upper'.")
    for name, v in (("lower", lower), ("upper", upper)):
        if isinstance(v, bool) or not isinstance(v, int):
            fail(f"The 'randomInt' function expects an argument '{name}' with type integer, got {type_name(v)}")
    if upper < lower:
        fail("In 'randomInt' upper is less than lower")
    return lower if upper == lower else lower + secrets.randbelow(upper - lower)


def random_port() -> Any:
    """`randomPort()`: a TCP port free on this machine right now (the OS picks it)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("", 0))
            return probe.getsockname()[1]
    except OSError:
        fail("Unable to get random port")


FUNCTIONS = {"uuid": uuid, "id": short_id, "ksuid": ksuid, "nanoId": nano_id,
             "randomInt": random_int, "randomPort": random_port}

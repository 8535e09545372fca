"""Template functions: services-backed (secret, kv, read, fileURI, fileSize, errorLogs),
crypto (encrypt, decrypt), and Pebble's max, min, range. Ids and random numbers are in
ids.py, the calendar in calendar.py, the functions reading the render context in
runtime.py."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from typing import Any

import jinja2
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from podium.common.errors import PodiumError, TemplateError
from podium.common.templating.services import SERVICES_KEY
from podium.common.templating.taint import SecretText

from ._util import fail, is_missing, require_int, require_str, type_name

MAX_RANGE = 100_000


def _services(context: Any, name: str) -> Any:
    services = context.get(SERVICES_KEY)
    if services is None:
        fail(f"The '{name}' function is not available here (no services in this render)")
    return services


def _call(name: str, fn: Any, *args: Any) -> Any:
    """Call a service; report its failure as a TemplateError without Python internals."""
    if fn is None:
        fail(f"The '{name}' function is not available here")
    try:
        return fn(*args)
    except TemplateError:
        raise
    except PodiumError as e:
        raise TemplateError(e.message) from None
    except (KeyError, LookupError, FileNotFoundError):
        return _Missing
    except Exception:
        fail(f"The '{name}' function failed")


class _Missing:
    pass


def _flow_namespace(context: Any, name: str) -> Any:
    flow = context.get("flow")
    ns = flow.get("namespace") if isinstance(flow, dict) else None
    if not ns:
        fail(f"The '{name}' function needs the flow namespace, which is not known here")
    return ns


@jinja2.pass_context
def secret(context: Any, key: Any = None, namespace: Any = None, subkey: Any = None, full: Any = False) -> Any:
    """`secret(key, namespace, subkey, full)`: the secret value, registered with the masker.
    `namespace`: another namespace's secret (the flow's by default); `subkey`: one field of
    a secret holding a JSON object; `full`: `{value}` (Kestra adds a secret manager's
    metadata, which environment secrets do not have)."""
    if key is None:
        fail("The 'secret' function expects an argument 'key'.")
    key = require_str(key, "The 'secret' function argument 'key'")
    if full is True and not is_missing(subkey) and subkey != "":
        fail("The 'secret' function cannot be called with both 'subkey' and 'full' arguments.")
    services = _services(context, "secret")
    args = (key,) if is_missing(namespace) else \
        (key, require_str(namespace, "The 'secret' function argument 'namespace'"))
    value = _call("secret", services.secret, *args)
    if value is _Missing or value is None:
        fail(f"Cannot find secret for key '{key}'.")
    value = SecretText(value)  # what the template computes from it is secret too (taint.py)
    services.masker.add(value)
    if full is True:
        return {"value": value}
    if not is_missing(subkey) and subkey != "":
        value = SecretText(_sub_secret(
            value, require_str(subkey, "The 'secret' function argument 'subkey'"), key))
        services.masker.add(value)
    return value


def _sub_secret(value: str, subkey: str, key: str) -> str:
    """One field of a JSON secret: text for a scalar, JSON for an object or a list."""
    try:
        fields = json.loads(value)
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        fail(f"Failed to read secret sub-key '{subkey}' from secret '{key}'. Ensure the secret "
             "contains valid JSON value.")
    if subkey not in fields:
        fail(f"Cannot find secret sub-key '{subkey}' in secret '{key}'.")
    field = fields[subkey]
    if isinstance(field, (dict, list)):
        return json.dumps(field, separators=(",", ":"))
    if isinstance(field, bool):
        return "true" if field else "false"
    return "null" if field is None else str(field)


@jinja2.pass_context
def kv(context: Any, key: Any = None, namespace: Any = None, errorOnMissing: Any = True) -> Any:
    """`kv(key, namespace=flow namespace, errorOnMissing=true)`.

    As in Kestra since 0.22, a missing (or expired) key fails the render unless
    `errorOnMissing=false`, which gives null. Without `namespace`, the flow's namespace is
    searched first, then each parent namespace (`a.b.c`, `a.b`, `a`); an explicit
    `namespace` is searched alone."""
    if key is None:
        fail("The 'kv' function expects an argument 'key'.")
    key = require_str(key, "The 'kv' function argument 'key'")
    if namespace is None:
        searched = _namespace_and_parents(_flow_namespace(context, "kv"))
    else:
        searched = [require_str(namespace, "The 'kv' function argument 'namespace'")]
    if not isinstance(errorOnMissing, bool):
        fail("The 'kv' function argument 'errorOnMissing' must be a boolean")
    lookup = _services(context, "kv").kv
    for candidate in searched:
        value = _call("kv", lookup, candidate, key, errorOnMissing)
        if value is not _Missing:  # a key holding null is found: it reads as null
            return value
    if errorOnMissing:
        fail(f"The key '{key}' does not exist in the namespace '{searched[0]}'.")
    return None


def _namespace_and_parents(namespace: str) -> list[str]:
    parts = namespace.split(".")
    return [".".join(parts[:end]) for end in range(len(parts), 0, -1)]


@jinja2.pass_context
def read(context: Any, path: Any = None, namespace: Any = None) -> Any:
    """`read(path, namespace=flow namespace)`: a file as UTF-8 text: a kestra:// URI, a
    namespace file by path or nsfile:// URI, or a host file by file:// URI (allowed paths
    only)."""
    if is_missing(path):
        fail("The 'read' function expects an argument 'path' that is a path to a namespace file "
             "or an internal storage URI.")
    path = require_str(path, "The 'read' function argument 'path'")
    if namespace is not None:
        path = _in_namespace(path, require_str(namespace, "The 'read' function argument "
                                                          "'namespace'"))
    value = _call("read", _services(context, "read").read, path)
    if value is _Missing or value is None:
        fail(f"Unable to read the file '{path}': not found")
    return value


_URI_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _in_namespace(path: str, namespace: str) -> str:
    """`read(path, namespace=ns)`: the namespace file `path` of `ns`, as an nsfile:// URI
    (Kestra refuses a namespace both in the argument and in the URI)."""
    if path.startswith("nsfile://") and not path.startswith("nsfile:///"):
        fail("You cannot set a namespace both as the function argument and inside the URI")
    if path.startswith("nsfile:///"):
        return f"nsfile://{namespace}/{path[len('nsfile:///'):]}"
    if _URI_SCHEME.match(path):
        return path  # kestra:// and file:// URIs name their file whatever the namespace
    return f"nsfile://{namespace}/{path.lstrip('/')}"


def _reject_traversal(path: str) -> None:
    parts = path.replace("\\", "/").split("/")
    if ".." in parts:
        fail("Path must not contain '../'")


@jinja2.pass_context
def file_uri(context: Any, path: Any = None) -> Any:
    """`fileURI(path)`: kestra:///<namespace as path>/_files/<path>."""
    if is_missing(path):
        fail("The 'fileURI' function expects an argument 'path' that is a path to a namespace file.")
    path = require_str(path, "The 'fileURI' function argument 'path'")
    if path.startswith("/"):
        path = path[1:]
    _reject_traversal(path)
    ns = _flow_namespace(context, "fileURI")
    return f"kestra:///{ns.replace('.', '/')}/_files/{path}"


@jinja2.pass_context
def file_size(context: Any, path: Any = None) -> Any:
    """`fileSize(uri)`: size in bytes of a kestra://, nsfile:// or file:// file."""
    if is_missing(path):
        fail("The 'fileSize' function expects an argument 'path' that is a path to the internal storage URI.")
    if not isinstance(path, str) or not path.startswith(("kestra:///", "nsfile://", "file://")):
        fail(f"Unable to create the URI from the path {path}")
    if path.startswith("kestra:///"):
        _reject_traversal(path[len("kestra:///"):])
    value = _call("fileSize", _services(context, "fileSize").file_size, path)
    if value is _Missing or value is None:
        fail(f"Unable to read the file '{path}': not found")
    return value


@jinja2.pass_context
def error_logs(context: Any) -> Any:
    """`errorLogs()`: the ERROR logs of the execution, when the worker provides them."""
    hook = _services(context, "errorLogs").error_logs
    if hook is None:  # Kestra's words: outside an execution there are no logs to read
        fail("The 'errorLogs' function can only be used in the Worker as it access logs "
             "from the database.")
    value = _call("errorLogs", hook)
    return [] if value is _Missing or value is None else value


# ---------------------------------------------------------------- AES/GCM (EncryptionService)

def _key(key: Any) -> bytes:
    key = require_str(key, "The encryption 'key'")
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        fail("The encryption key must be base64 encoded")
    if len(raw) not in (16, 24, 32):
        fail("Invalid AES key length (must be 16, 24 or 32 bytes once base64-decoded)")
    return raw


def encrypt(key: Any = None, plaintext: Any = None) -> Any:
    """AES/GCM/NoPadding, 12-byte IV prepended, base64 (Kestra's EncryptionService)."""
    if key is None or plaintext is None:
        fail("The 'encrypt' function expects two arguments 'key' and 'plaintext'.")
    plaintext = require_str(plaintext, "The 'encrypt' plaintext")
    raw = _key(key)
    if plaintext == "":
        return plaintext
    iv = os.urandom(12)
    return base64.b64encode(iv + AESGCM(raw).encrypt(iv, plaintext.encode("utf-8"), None)).decode("ascii")


def decrypt(key: Any = None, encrypted: Any = None) -> Any:
    if key is None or encrypted is None:
        fail("The 'decrypt' function expects two arguments 'key' and 'encrypted'.")
    encrypted = require_str(encrypted, "The 'decrypt' value")
    raw = _key(key)
    if encrypted == "":
        return encrypted
    try:
        data = base64.b64decode(encrypted, validate=True)
        return AESGCM(raw).decrypt(data[:12], data[12:], None).decode("utf-8")
    except Exception:
        fail("Unable to decrypt the value (wrong key or corrupted data)")


# ---------------------------------------------------------------- Pebble's max, min, range

def _compare_all(name: Any, values: Any, pick: Any) -> Any:
    values = [v for v in values]
    if not values:
        return None
    best = values[0]
    for v in values[1:]:
        try:
            if pick(v, best):
                best = v
        except TypeError:
            fail(f"The '{name}' function cannot compare {type_name(v)} with {type_name(best)}")
    return best


def max_(*args: Any) -> Any:
    """Pebble `max(a, b, ...)`: the greatest argument."""
    return _compare_all("max", args, lambda a, b: a is not None and (b is None or a > b))


def min_(*args: Any) -> Any:
    """Pebble `min(a, b, ...)`: the smallest argument."""
    return _compare_all("min", args, lambda a, b: a is not None and (b is None or a < b))


def range_(start: Any = None, end: Any = None, increment: Any = 1) -> Any:
    """Pebble `range(start, end, increment=1)`: INCLUSIVE of end; numbers or single characters."""
    step = require_int(increment, "The increment of the range function")
    if step == 0:
        fail("The increment of the range function must be different than 0")
    if isinstance(start, str) and isinstance(end, str):
        if len(start) != 1 or len(end) != 1:
            fail("Arguments of range function must be of type Number or String with a length of 1")
        codes = range_(ord(start), ord(end), step)
        return [chr(c) for c in codes]
    if isinstance(start, bool) or isinstance(end, bool) or not all(
            isinstance(v, (int, float)) for v in (start, end)):
        fail("Arguments of range function must be of type Number or String with a length of 1")
    a, b = int(start), int(end)
    count = (b - a) // step + 1 if (b - a) * step >= 0 else 0
    if count > MAX_RANGE:
        fail(f"The range function would produce {count} items (max {MAX_RANGE})")
    return list(range(a, b + (1 if step > 0 else -1), step))


FUNCTIONS = {
    "secret": secret, "kv": kv, "read": read, "fileURI": file_uri, "fileSize": file_size,
    "errorLogs": error_logs, "encrypt": encrypt, "decrypt": decrypt,
    "max": max_, "min": min_, "range": range_,
}

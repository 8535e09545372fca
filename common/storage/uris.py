"""Internal storage URIs: Kestra's layout, and the one validation every path goes through.

A URI is ``kestra:///`` followed by a key of ``/``-separated segments, the same on every
backend (a relative file path on local disk, an object key on S3). Keys are kept literally:
no percent-decoding, so ``résumé.csv`` stays ``résumé.csv`` and a URI round-trips unchanged.
The layout is Kestra's (``StorageContext``):

- ``<ns path>/<flow>/executions/<execution>/tasks/<task>/<task run>/<file>``: task outputs
- ``<ns path>/<flow>/executions/<execution>/inputs/<input>/<file>``: FILE inputs
- ``<ns path>/<flow>/executions/<execution>/trigger/<trigger>/<file>``: files of the
  trigger that started the execution (a polling trigger's `logToFile`)
- ``<ns path>/_files/<path>``: namespace files
- ``<ns path>/<flow>/<task>/cache/[<hash of the task run value>/]cache.zip``: the archive
  of a WorkingDirectory's `cache`

where ``<ns path>`` is the namespace with dots turned into slashes, and flow and task ids are
slugified as Kestra does, so files land where a Kestra instance would put them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import unquote

from podium.common.control_characters import has_control_characters
from podium.common.errors import UnsafePathError

SCHEME = "kestra"
URI_PREFIX = "kestra:///"
# Limits of common filesystems (NAME_MAX) and of S3 keys, enforced for every backend so a
# URI that works on one backend works on all.
MAX_SEGMENT_BYTES = 255
MAX_KEY_BYTES = 1024



def _segment_problem(segment: str) -> str | None:
    """Why this one segment is refused, or None. Checked raw and percent-decoded."""
    forms = [segment]
    # Decode repeatedly: `%252e%252e` becomes `%2e%2e` then `..` in a careless consumer.
    while len(forms) < 4 and (decoded := unquote(forms[-1])) != forms[-1]:
        forms.append(decoded)
    for depth, form in enumerate(forms):
        encoded = " (percent-encoded)" if depth else ""
        if form in ("", ".", ".."):
            return f"{form or 'empty'!r} path segment{encoded}"
        if "/" in form or "\\" in form:
            return f"path separator inside a name{encoded}"
        if has_control_characters(form, name=True):
            return f"control character (NUL, newline...){encoded}"
    if len(segment.encode()) > MAX_SEGMENT_BYTES:
        return f"segment longer than {MAX_SEGMENT_BYTES} bytes"
    return None


def check_name(name: str, what: str = "name") -> str:
    """Return `name` if it is safe as ONE path segment (a file, input or id), else raise
    UnsafePathError naming it. `what` says which user-facing field it came from."""
    if not isinstance(name, str):
        raise UnsafePathError(repr(name), f"{what} must be a string")
    problem = "a single name cannot contain '/'" if "/" in name else _segment_problem(name)
    if problem:
        raise UnsafePathError(name, f"{what}: {problem}")
    return name


def check_path(path: str, what: str = "path") -> str:
    """Return `path` if it is a safe RELATIVE path of one or more segments, else raise.

    Refuses absolute paths, empty segments (``a//b``, trailing ``/``), ``.`` and ``..``,
    backslashes, control characters, their percent-encoded forms, and over-long keys.
    """
    if not isinstance(path, str):
        raise UnsafePathError(repr(path), f"{what} must be a string")
    if path.startswith("/"):
        raise UnsafePathError(path, f"{what}: absolute paths are refused")
    for segment in path.split("/"):
        if problem := _segment_problem(segment):
            raise UnsafePathError(path, f"{what}: {problem}")
    if len(path.encode()) > MAX_KEY_BYTES:
        raise UnsafePathError(path, f"{what}: longer than {MAX_KEY_BYTES} bytes")
    return path


def key_of(uri: str, *, prefix: bool = False) -> str:
    """The validated key of a ``kestra:///`` URI. With `prefix`, a trailing ``/`` is allowed."""
    if not isinstance(uri, str) or not uri.startswith(URI_PREFIX):
        raise UnsafePathError(str(uri), f"internal storage URIs start with {URI_PREFIX}")
    key = uri[len(URI_PREFIX):]
    if prefix and key.endswith("/"):
        key = key[:-1]
    if not key:
        raise UnsafePathError(uri, "empty path")
    try:
        return check_path(key)
    except UnsafePathError as exc:
        raise UnsafePathError(uri, exc.reason) from None


def uri_of(key: str) -> str:
    return URI_PREFIX + key


def namespace_path(namespace: str) -> str:
    """``company.team`` -> ``company/team``; every part must be a safe name."""
    if not isinstance(namespace, str) or not namespace:
        raise UnsafePathError(repr(namespace), "namespace must be a non-empty string")
    for part in namespace.split("."):
        if problem := _segment_problem(part):
            raise UnsafePathError(namespace, f"namespace: {problem}")
    return namespace.replace(".", "/")


def check_in_namespace(key: str, namespace: str) -> None:
    """Raise unless `key` lies under `namespace`'s directory (child namespaces included,
    as in Kestra: ``company.team`` files are under ``company``)."""
    root = namespace_path(namespace)
    if key != root and not key.startswith(root + "/"):
        raise UnsafePathError(uri_of(key), f"outside namespace {namespace!r}")


def slugify(text: str) -> str:
    """Kestra's ``Slugify.of``: flow and task ids as they appear in storage paths."""
    text = re.sub(r"\s", "-", text, flags=re.ASCII)
    text = unicodedata.normalize("NFD", text)
    text = re.sub(r"[^\w-]", "", text, flags=re.ASCII).replace("_", "-")
    text = re.sub(r"-{2,}", "-", text).strip("-")
    return text.lower()


def _join(*parts: str) -> str:
    return uri_of(check_path("/".join(parts)))  # re-checked as a whole for the length limit


def _slug(value: str, what: str) -> str:
    check_name(value, what)  # refuse traversal even though slugify would strip it
    return check_name(slugify(value), what)


def execution_prefix(namespace: str, flow_id: str, execution_id: str) -> str:
    """URI of the directory holding every file of one execution (what a purge deletes)."""
    return _join(namespace_path(namespace), _slug(flow_id, "flow id"), "executions",
                 check_name(execution_id, "execution id"))


def task_output_uri(namespace: str, flow_id: str, execution_id: str, task_id: str,
                    task_run_id: str, file_name: str, *, nested: bool = False) -> str:
    """`file_name` is one name, or with `nested` a relative path (``out/a.csv``)."""
    base = key_of(execution_prefix(namespace, flow_id, execution_id))
    name = check_path(file_name, "file name") if nested else check_name(file_name, "file name")
    return _join(base, "tasks", _slug(task_id, "task id"), check_name(task_run_id, "task run id"),
                 name)


def trigger_file_uri(namespace: str, flow_id: str, execution_id: str, trigger_id: str,
                     file_name: str) -> str:
    """Kestra's StorageContext.Trigger: a file of the trigger that started the execution."""
    base = key_of(execution_prefix(namespace, flow_id, execution_id))
    return _join(base, "trigger", _slug(trigger_id, "trigger id"),
                 check_name(file_name, "file name"))


def input_file_uri(namespace: str, flow_id: str, execution_id: str, input_name: str,
                   file_name: str) -> str:
    base = key_of(execution_prefix(namespace, flow_id, execution_id))
    return _join(base, "inputs", check_name(input_name, "input name"),
                 check_name(file_name, "file name"))


def cache_uri(namespace: str, flow_id: str, task_id: str, value: str | None = None) -> str:
    """Where a WorkingDirectory keeps its `cache` archive (Kestra's
    StorageContext.getCacheURI). A task run `value` (a loop's iteration) gets its own
    archive under a hash of it; Kestra hashes with murmur3, we with BLAKE2b (same length),
    so the folder name differs from Kestra's but stays a fixed-size safe name."""
    base = [namespace_path(namespace), _slug(flow_id, "flow id"), _slug(task_id, "task id"),
            "cache"]
    if value is not None:
        base.append(hashlib.blake2b(value.encode(), digest_size=16).hexdigest())
    return _join(*base, "cache.zip")


def namespace_files_prefix(namespace: str) -> str:
    return _join(namespace_path(namespace), "_files")


def namespace_file_uri(namespace: str, path: str) -> str:
    """`path` is relative to the namespace's files (``scripts/etl.py``), never absolute."""
    return _join(namespace_path(namespace), "_files", check_path(path, "namespace file path"))

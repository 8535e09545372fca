"""io.kestra.plugin.core.kv.*: the namespace key-value store."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import AfterValidator
from typing_extensions import Annotated

from podium.common.plugins.base import Task
from podium.common.plugins.fields import Duration, Dyn, ScalarStr, is_expression
from podium.common.plugins.tasks._purge import KeyPurge, KvPurgeBehavior, PurgeScope

# KVStore.KEY_VALIDATOR_PATTERN; Kestra checks it on the rendered key, we check literals early.
KV_KEY_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$")
FLOW_NAMESPACE = "{{ flow.namespace }}"


def _kv_key(value: str) -> str:
    if not is_expression(value) and not KV_KEY_PATTERN.match(value):
        raise ValueError(f"invalid key '{value}': it must match {KV_KEY_PATTERN.pattern}")
    return value


KvKey = Annotated[str, AfterValidator(_kv_key)]


class Set(Task):
    """Stores a value under a key of a namespace's KV store."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.kv.Set"

    key: KvKey
    # Kestra reads it as a string: a YAML number or boolean is taken as its text.
    value: ScalarStr
    namespace: str = FLOW_NAMESPACE
    overwrite: bool = True
    ttl: Duration | None = None
    kv_type: Literal["STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION",
                     "JSON"] | None = None


class Get(Task):
    """Outputs the value stored under a key (null when missing, unless errorOnMissing)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.kv.Get"

    key: KvKey
    namespace: str = FLOW_NAMESPACE
    error_on_missing: bool = False


class GetKeys(Task):
    """Outputs the keys of a namespace's KV store, optionally those with a prefix."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.kv.GetKeys"

    prefix: str | None = None
    namespace: str = FLOW_NAMESPACE


class Delete(Task):
    """Deletes a key from a namespace's KV store."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.kv.Delete"

    key: KvKey
    namespace: str = FLOW_NAMESPACE
    error_on_missing: bool = False


class Put(Task):
    """Updates a key: maps deep-merge into a stored map, a list of {key, value} entries
    patches (dotted) fields of a stored JSON value, anything else replaces it."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.kv.Put"

    key: KvKey
    value: Any
    namespace: str = FLOW_NAMESPACE
    error_on_missing: Dyn[bool] = False


class PurgeKV(Task, PurgeScope):
    """Deletes keys of many namespaces: expired ones by default (`behavior`), those whose
    key matches `keyPattern` (a glob) when given."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.kv.PurgeKV"

    key_pattern: str | None = None
    behavior: KvPurgeBehavior = KeyPurge(type="key")
    # Deprecated in Kestra 1.1 for `behavior: {type: key, expiredOnly: ...}`; wins when set.
    expired_only: Dyn[bool] | None = None

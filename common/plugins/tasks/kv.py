"""io.kestra.plugin.core.kv.*: the namespace key-value store."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import AfterValidator
from typing_extensions import Annotated

from common.plugins.base import Task
from common.plugins.fields import Duration, ScalarStr, is_expression

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

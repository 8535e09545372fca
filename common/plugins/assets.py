"""Task `assets` (Kestra 1.2): the data assets a task reads (`inputs`) and writes
(`outputs`), declared so an inventory can show lineage.

Kestra keeps the inventory in its Enterprise edition; what any edition shows is the task
run's `assets` (Kestra's AssetsInOut), the declaration as rendered when the task ran. The
declaration is a dynamic property: a whole expression, or ids and namespaces holding
expressions (`avg_{{ taskrun.value }}`), are checked once rendered; literal ones are checked
when the flow is saved.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, model_validator
from typing_extensions import Annotated

from podium.common.plugins.fields import StrictModel, is_expression

_ASSET_ID = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$")
_NAMESPACE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
NonEmpty = Annotated[str, Field(min_length=1)]


def _check(value: str | None, pattern: re.Pattern[str], what: str) -> None:
    if value is None or is_expression(value):
        return
    if not pattern.fullmatch(value) or len(value) > 150:
        raise ValueError(f"asset {what} '{value}' must match {pattern.pattern} "
                         f"(at most 150 characters)")


class AssetRef(StrictModel):
    """An asset a task reads, by id (Kestra's AssetIdentifier)."""

    id: NonEmpty
    namespace: str | None = None
    tenant_id: str | None = None

    @model_validator(mode="after")
    def _literal_ids(self) -> "AssetRef":
        _check(self.id, _ASSET_ID, "id")
        _check(self.namespace, _NAMESPACE, "namespace")
        return self


class AssetOutput(StrictModel):
    """An asset a task writes. Properties Kestra's Asset does not name go to `metadata`, as
    its JsonAnySetter puts them (a Table asset's `tableName`...)."""

    id: NonEmpty
    type: NonEmpty
    namespace: str | None = None
    display_name: str | None = None
    description: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _extra_keys_are_metadata(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = {"id", "type", "namespace", "displayName", "display_name", "description",
                 "metadata"}
        extra = {k: v for k, v in data.items() if k not in known}
        if not extra:
            return data
        metadata = data.get("metadata")
        merged = {**(metadata if isinstance(metadata, dict) else {}), **extra}
        kept = {k: v for k, v in data.items() if k in known}
        return {**kept, "metadata": merged}

    @model_validator(mode="after")
    def _literal_ids(self) -> "AssetOutput":
        _check(self.id, _ASSET_ID, "id")
        _check(self.namespace, _NAMESPACE, "namespace")
        return self


class AssetsDeclaration(StrictModel):
    """`assets:` of a task (Kestra's AssetsDeclaration)."""

    enable_auto: bool = False
    inputs: list[AssetRef] = Field(default_factory=list)
    outputs: list[AssetOutput] = Field(default_factory=list)

    def in_out(self) -> dict[str, list[dict[str, Any]]]:
        """The task run's `assets` as Kestra's API shows them (AssetsInOut)."""
        dump = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return {"inputs": dump["inputs"], "outputs": dump["outputs"]}

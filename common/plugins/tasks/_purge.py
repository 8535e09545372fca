"""Properties the namespace-wide purge tasks share (kv.PurgeKV, namespace.PurgeFiles,
flow.PurgeFlows; Kestra's PurgeTask): which namespaces, and how much history to keep."""

from __future__ import annotations

from typing import Literal, Union

from pydantic import Field, model_validator
from typing_extensions import Annotated

from podium.common.plugins.fields import Dyn, Expr, StrictModel, is_expression


class PurgeScope(StrictModel):
    """`namespaces` (each with its children unless `includeChildNamespaces: false`) or a
    `namespacePattern` glob; neither: every namespace."""

    namespaces: list[str] | Expr | None = None
    namespace_pattern: str | None = None
    include_child_namespaces: Dyn[bool] = True

    @model_validator(mode="after")
    def _one_way_to_name_namespaces(self) -> "PurgeScope":
        # Literal values only: expressions are checked once rendered.
        if isinstance(self.namespaces, list) and self.namespaces and self.namespace_pattern \
                and not is_expression(self.namespace_pattern):
            raise ValueError("`namespaces` and `namespacePattern` can't be used at the same "
                             "time: use one or the other")
        return self


class KeyPurge(StrictModel):
    """Purge keys: only expired ones by default."""

    type: Literal["key"]
    expired_only: bool = True


class VersionPurge(StrictModel):
    """Purge old versions: those saved up to `before`, or all but the `keepAmount` newest
    (the latest version is never purged by `before`); neither: every version."""

    type: Literal["version"]
    before: str | None = None  # ISO-8601 date-time, or an expression rendering to one
    keep_amount: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _before_or_keep_amount(self) -> "VersionPurge":
        if self.before is not None and self.keep_amount is not None:
            raise ValueError("Cannot set both 'before' and 'keepAmount' properties")
        return self


KvPurgeBehavior = Annotated[Union[KeyPurge, VersionPurge], Field(discriminator="type")]

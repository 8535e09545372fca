"""io.kestra.plugin.core.storage.*: tasks over files of the internal storage."""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Union

from pydantic import Field, StrictStr, model_validator

from podium.common.plugins.base import Task
from podium.common.plugins.fields import Dyn, ScalarStr

_OLD = "io.kestra.core.tasks.storages."
_NEW = "io.kestra.plugin.core.storage."


class Concat(Task):
    """Concatenates files into one, optionally with a separator between them."""

    TYPE: ClassVar[str] = _NEW + "Concat"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Concat",)

    # A list of URIs, or a string rendered then parsed as a JSON array of URIs (Kestra types
    # it Object, so a YAML number stays a number and is refused, not read as text).
    files: Union[list[str], StrictStr]
    separator: str | None = None
    extension: str = ".tmp"


class DeduplicateItems(Task):
    """Keeps the last item of each key (a Pebble expression) of an ION file."""

    TYPE: ClassVar[str] = _NEW + "DeduplicateItems"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "DeduplicateItems",)

    from_: str = Field(alias="from")
    expr: str  # rendered once per item, so not a task-level expression


class Delete(Task):
    """Deletes a file from the internal storage."""

    TYPE: ClassVar[str] = _NEW + "Delete"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Delete",)

    uri: str
    error_on_missing: bool = False


class FilterItems(Task):
    """Keeps (or drops) the items of an ION file for which a Pebble condition holds."""

    TYPE: ClassVar[str] = _NEW + "FilterItems"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "FilterItems",)

    from_: str = Field(alias="from")
    filter_condition: str
    filter_type: Literal["INCLUDE", "EXCLUDE"] = "INCLUDE"
    error_or_null_behavior: Literal["FAIL", "INCLUDE", "EXCLUDE"] = "FAIL"


class LocalFiles(Task):
    """Writes files into the working directory and uploads named outputs (deprecated)."""

    TYPE: ClassVar[str] = _NEW + "LocalFiles"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "LocalFiles",)
    DEPRECATED: ClassVar[bool] = True

    # A map of file name -> content, or a string rendered then parsed as a JSON map.
    inputs: Union[dict[str, Any], StrictStr] | None = None
    outputs: list[str] | None = None


class PurgeCurrentExecutionFiles(Task):
    """Deletes every file the current execution stored in the internal storage."""

    TYPE: ClassVar[str] = _NEW + "PurgeCurrentExecutionFiles"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "PurgeExecution", _NEW + "PurgeExecution")


class Reverse(Task):
    """Writes the lines of a file in reverse order."""

    TYPE: ClassVar[str] = _NEW + "Reverse"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Reverse",)

    from_: str = Field(alias="from")
    separator: str = "\n"
    charset: str = "UTF-8"


class Size(Task):
    """Outputs the size in bytes of a file of the internal storage."""

    TYPE: ClassVar[str] = _NEW + "Size"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Size",)

    uri: str


class Split(Task):
    """Splits a file into chunks by size (`bytes`), count (`partitions`) or `rows`."""

    TYPE: ClassVar[str] = _NEW + "Split"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Split",)

    from_: str = Field(alias="from")
    # A size such as "10MB" or a number of bytes.
    bytes: Union[int, str] | None = None
    partitions: Dyn[int] | None = None
    rows: Dyn[int] | None = None
    separator: str = "\n"

    @model_validator(mode="after")
    def _exactly_one_way(self) -> "Split":
        given = [name for name in ("bytes", "partitions", "rows")
                 if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("exactly one of bytes, partitions or rows is required"
                             + (f" (got {', '.join(given)})" if given else ""))
        return self


class Write(Task):
    """Stores the rendered `content` as a file of the internal storage (output `uri`)."""

    TYPE: ClassVar[str] = _NEW + "Write"

    content: ScalarStr
    extension: ScalarStr | None = None


class PurgeStorage(Task):
    """Deletes execution files last modified in [startDate, endDate] (of a namespace tree,
    or one flow, or everything); `dryRun` (the default) only counts them."""

    TYPE: ClassVar[str] = _NEW + "PurgeStorage"

    namespace: str | None = None
    flow_id: str | None = None
    start_date: str | None = None
    end_date: str  # ISO date-time, usually an expression
    dry_run: Dyn[bool] = True

    @model_validator(mode="after")
    def _flow_needs_its_namespace(self) -> "PurgeStorage":
        if self.flow_id is not None and self.namespace is None:
            raise ValueError("'namespace' is required when 'flowId' is set.")
        return self

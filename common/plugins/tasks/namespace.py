"""io.kestra.plugin.core.namespace.*: namespace files."""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Union

from pydantic import StrictStr

from podium.common.plugins.base import Task
from podium.common.plugins.tasks._purge import PurgeScope, VersionPurge

# A path or glob pattern, or a list of them.
FilePatterns = Union[str, list[str]]


class UploadFiles(Task):
    """Uploads working-directory files (`files`) or URIs (`filesMap`) as namespace files."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.namespace.UploadFiles"

    namespace: str
    files: list[str] | None = None
    # A map of destination name -> URI, or a string rendered then parsed as a JSON map.
    files_map: Union[dict[str, Any], StrictStr] | None = None
    destination: str = "/"
    conflict: Literal["OVERWRITE", "ERROR", "SKIP"] = "OVERWRITE"


class DownloadFiles(Task):
    """Copies matching namespace files into the internal storage."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.namespace.DownloadFiles"

    namespace: str
    files: FilePatterns
    destination: str = ""


class DeleteFiles(Task):
    """Deletes matching namespace files."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.namespace.DeleteFiles"

    namespace: str
    files: FilePatterns


class PurgeFiles(Task, PurgeScope):
    """Deletes old versions of namespace files (`behavior`, default: keep the newest one),
    those whose path matches `filePattern` (a glob) when given."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.namespace.PurgeFiles"

    file_pattern: str | None = None
    behavior: VersionPurge | None = None  # None: {type: version, keepAmount: 1}

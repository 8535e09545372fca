"""File properties that WorkingDirectory and the script tasks share (no task type here)."""

from __future__ import annotations

from typing import Literal

from pydantic import StrictStr

from podium.common.plugins.fields import Expr, ScalarStr, StrictModel


class NamespaceFiles(StrictModel):
    """Which namespace files to copy into a working directory."""

    enabled: bool | Expr = True  # Kestra: true as soon as the block is present
    include: list[str] | None = None
    exclude: list[str] | None = None
    # Newer Kestra: files of several namespaces, one folder each, and a conflict rule.
    namespaces: list[str] | Expr | None = None
    folder_per_namespace: bool | Expr | None = None
    if_exists: Literal["OVERWRITE", "FAIL", "WARN", "IGNORE"] | Expr | None = None


# `inputFiles`: file name -> content, or an expression rendering to such a JSON map
# (a YAML number is not such a string: it is refused, not read as text).
InputFiles = dict[str, ScalarStr] | StrictStr
OutputFiles = list[str] | Expr

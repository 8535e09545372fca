"""io.kestra.plugin.core.output.*"""

from __future__ import annotations

from typing import Any, ClassVar

from podium.common.plugins.base import Task


class OutputValues(Task):
    """Renders `values` (strings, numbers, lists or maps) and returns them as outputs."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.output.OutputValues"

    values: dict[str, Any] | None = None

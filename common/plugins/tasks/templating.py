"""io.kestra.plugin.core.templating.*"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from typing_extensions import Annotated

from podium.common.plugins.base import Task


class TemplatedTask(Task):
    """Renders `spec` to the YAML of a runnable task, then runs that task."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.templating.TemplatedTask"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.core.tasks.templating.TemplatedTask",)

    # Only known once rendered, so it is checked at run time, not here.
    spec: Annotated[str, Field(min_length=1)]

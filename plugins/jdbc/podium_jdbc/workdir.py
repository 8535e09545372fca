"""The attempt's working directory, whichever way the RunContext offers it.

podium.sdk's RunContext protocol declares ``working_dir()`` as a method while the worker's
class has a property; this reads either, until the two agree.
"""

from __future__ import annotations

from pathlib import Path

from podium.sdk import RunContext


def working_dir(ctx: RunContext) -> Path:
    value = ctx.working_dir
    return Path(value() if callable(value) else value)  # type: ignore[arg-type]

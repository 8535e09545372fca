"""The plugin SDK: everything a plugin distribution imports from Podium, and nothing else.

Version ``SDK_VERSION``; names are added in minor versions and removed only in a major one.
A runnable task is one class (docs/plugins.md)::

    from typing import ClassVar
    from podium.sdk import Plugin, RunContext, Task

    class Hello(Task):
        \"\"\"Says hello.\"\"\"
        TYPE: ClassVar[str] = "com.acme.Hello"
        name: str = "world"

        def run(self, ctx: RunContext) -> dict:
            text = ctx.render(f"hello {self.name}")
            ctx.log("INFO", text)
            return {"greeting": text}

    plugin = Plugin(name="acme", tasks=(Hello,))

and the distribution declares ``[project.entry-points."podium.plugins"] acme =
"podium_acme:plugin"``.
"""

from podium.common.errors import PodiumError, TaskFailure
from podium.common.plugins.base import Condition, Task, TaskKind, Trigger
from podium.common.plugins.fields import DurationStr, Dyn, Expr, StrictModel, is_expression
from podium.common.plugins.plugin import Example, Plugin
from podium.common.plugins.run_context import RunContext

SDK_VERSION = "1.0"


__all__ = ["SDK_VERSION", "Condition", "DurationStr", "Dyn", "Example", "Expr", "Plugin", "PodiumError",
           "RunContext", "StrictModel", "Task", "TaskFailure", "TaskKind", "Trigger",
           "is_expression"]

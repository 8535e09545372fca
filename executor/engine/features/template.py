"""flow.Template: accepted in a flow as Kestra accepts it, failed when it runs.

Kestra deprecated templates in 0.11 and disables them by default: its Template task then
fails at run time with "Templates are disabled". Podium has no template store, so the task
always fails that way, with the way out in the same log line.
"""

from __future__ import annotations

from podium.common.models.execution import TaskRun
from podium.common.models.state import State
from podium.common.plugins.tasks.flow import Template
from podium.executor.engine.context import EngineConfig
from podium.executor.engine.flowables import StartRun
from podium.executor.engine.view import ExecutionTx

DISABLED = ("Templates are disabled, please check your configuration: Podium has no "
            "templates (deprecated since Kestra 0.11); copy the template's tasks into the "
            "flow or call it as a Subflow")


def resolve_template(tx: ExecutionTx, config: EngineConfig, task: Template, run: TaskRun,
                     start: StartRun) -> State:
    tx.log(run.id, "ERROR", f"{task.id}: {DISABLED} (template {task.namespace}."
                            f"{task.template_id})")
    return State.FAILED

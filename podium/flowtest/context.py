"""What an assertion's `value` expression sees: the finished execution of a test case.

- `execution`: id, namespace, flowId, state, outputs (the flow's outputs), error
- `state`: the execution's final state (shortcut for `execution.state`)
- `inputs`: the execution's inputs
- `outputs`: each task's outputs by task id (a task run inside a ForEach: by its value)
- `tasks`: each task by id: `state`, `outputs`, `attempts`, `logs` (its lines, one text)
- `logs`: every log line of the execution, one text (a line each)
- `task`: the assertion's `taskId` task, as in `tasks` (only when the assertion names one)
"""

from __future__ import annotations

from typing import Any

from podium.common.models.execution import Execution, TaskRun


def finished_context(execution: Execution, task_runs: list[TaskRun],
                     outputs_of: dict[str, dict[str, Any]], logs: list[Any]) -> dict[str, Any]:
    """`outputs_of`: task run id -> its outputs, large ones already read back."""
    tasks: dict[str, dict[str, Any]] = {}
    outputs: dict[str, Any] = {}
    for run in sorted(task_runs, key=lambda r: r.seq):
        run_outputs = outputs_of.get(run.id, {})
        if run.value is not None:
            nested = outputs.get(run.task_id)
            outputs[run.task_id] = {**(nested if isinstance(nested, dict) else {}),
                                    run.value: run_outputs}
        else:
            outputs[run.task_id] = run_outputs
        tasks[run.task_id] = {"state": run.state.value, "outputs": run_outputs,
                              "attempts": len(run.attempts), "logs": ""}
    lines_by_task: dict[str, list[str]] = {}
    for line in logs:
        if line.task_id:
            lines_by_task.setdefault(line.task_id, []).append(line.message)
    for task_id, lines in lines_by_task.items():
        if task_id in tasks:
            tasks[task_id]["logs"] = "\n".join(lines)
    return {
        "execution": {"id": execution.id, "namespace": execution.namespace,
                      "flowId": execution.flow_id, "state": execution.state.value,
                      "outputs": execution.outputs or {}, "error": execution.error},
        "state": execution.state.value,
        "inputs": execution.inputs,
        "outputs": outputs,
        "tasks": tasks,
        "logs": "\n".join(line.message for line in logs),
    }

"""Worker-side implementations of the runnable task types: pure, no broker, no database
(but the admin tasks, through the handles the worker service sets on the RunContext).

- ``run_attempt(task, ctx, retry_left=False) -> Outcome`` runs one attempt of a task model
  (see attempt.py for timeout, kill, error and allowFailure/allowWarning handling);
- ``RUNNABLES`` maps task classes to implementations, registered with ``@runs(TaskClass)``;
  one module per Kestra group: log, debug, output, execution, flow, scripts,
  local_files (storage.LocalFiles, with files.py: files between storage and the working
  directory); admin (Count, Resume, PurgeExecutions, PurgeLogs: they need ctx.store /
  ctx.publish); http (Request, Download: only the hosts the worker's http.* settings allow).
"""

# Each task module registers its task types with @runs when imported (hence F401).
from worker.runnables import (  # noqa: F401
    admin,
    debug,
    execution,
    flow,
    for_each_item,
    http,
    http_sse,
    kv,
    local_files,
    log,
    log_fetch,
    metric,
    namespace_files,
    output,
    scripts,
    state,
    storage_items,
    storage_purge,
    storage_tasks,
    trigger_toggle,
    working_directory,
)
from worker.runnables.attempt import adjust_state, run_attempt
from worker.runnables.base import (
    RUNNABLES,
    Implementation,
    Outcome,
    TaskFailure,
    implementation_for,
    runs,
)

__all__ = ["RUNNABLES", "Implementation", "Outcome", "TaskFailure", "adjust_state",
           "implementation_for", "run_attempt", "runs"]

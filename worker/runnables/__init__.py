"""Worker-side implementations of the runnable task types: pure, no broker, no database
(but the admin tasks, through the handles the worker service sets on the RunContext).

- ``run_attempt(task, ctx, retry_left=False) -> Outcome`` runs one attempt of a task model
  (see attempt.py for timeout, kill, error and allowFailure/allowWarning handling);
- ``RUNNABLES`` maps task classes to implementations, built from ``IMPLEMENTATIONS`` below
  (each function labelled ``@runs(TaskClass)``);
  one module per Kestra group: log, debug, output, execution, flow, scripts,
  local_files (storage.LocalFiles, with files.py: files between storage and the working
  directory); admin (Count, Resume, PurgeExecutions, PurgeLogs: they need ctx.store /
  ctx.publish); http (Request, Download: only the hosts the worker's http.* settings allow).
"""

from podium.worker.runnables import (
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
    testing,
    trigger_toggle,
    working_directory,
)
from podium.worker.runnables.attempt import adjust_state, run_attempt
from podium.worker.runnables.base import (
    RUNNABLES,
    Implementation,
    Outcome,
    TaskFailure,
    implementation_for,
    runs,
    table,
)

# The implementations of the core runnable types, one list: each is labelled with the task
# classes it runs (@runs). A plugin's task needs no entry: its class's run() is used.
IMPLEMENTATIONS: tuple[Implementation, ...] = (
    admin.run_count,
    admin.run_resume,
    admin.run_purge_executions,
    admin.run_purge_logs,
    admin.run_purge_flows,
    debug.run_return,
    debug.run_echo,
    execution.run_assert,
    execution.run_fail,
    execution.run_labels,
    flow.run_sleep,
    for_each_item.run_split,
    for_each_item.run_merge,
    http.run_request,
    http.run_download,
    http_sse.run_sse_request,
    kv.run_set,
    kv.run_get,
    kv.run_get_keys,
    kv.run_delete,
    kv.run_put,
    kv.run_purge_kv,
    local_files.run_local_files,
    log.run_log,
    log_fetch.run_fetch,
    metric.run_publish,
    metric.run_purge_metrics,
    storage_tasks.run_concat,
    storage_tasks.run_split,
    storage_tasks.run_size,
    storage_tasks.run_delete,
    storage_tasks.run_write,
    storage_tasks.run_reverse,
    storage_tasks.run_purge_current_execution_files,
    namespace_files.run_upload_files,
    namespace_files.run_download_files,
    namespace_files.run_delete_files,
    namespace_files.run_purge_files,
    output.run_output_values,
    scripts.run_script,
    state.run_set,
    state.run_get,
    state.run_delete,
    storage_items.run_deduplicate_items,
    storage_items.run_filter_items,
    storage_purge.run_purge_storage,
    testing.run_fixture,
    trigger_toggle.run_toggle,
    working_directory.run_working_directory,
)
RUNNABLES.update(table(IMPLEMENTATIONS))

__all__ = ["RUNNABLES", "Implementation", "Outcome", "TaskFailure", "adjust_state",
           "implementation_for", "run_attempt", "runs"]

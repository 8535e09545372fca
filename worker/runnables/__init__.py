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

from worker.runnables.base import (RUNNABLES, Implementation, Outcome, TaskFailure,
                                   implementation_for, runs)
from worker.runnables.attempt import adjust_state, run_attempt
from worker.runnables import (admin, debug, execution, flow, local_files, log,  # noqa: F401
                              output, scripts)  # (register)
from worker.runnables import kv, state  # noqa: F401,E402  (register: the KV and state stores)
from worker.runnables import working_directory  # noqa: F401,E402  (register; uses run_attempt)
from worker.runnables import for_each_item  # noqa: F401,E402  (register: ForEachItem's halves)
from worker.runnables import log_fetch  # noqa: F401,E402  (register: log.Fetch)
from worker.runnables import trigger_toggle  # noqa: F401,E402  (register: trigger.Toggle)
from worker.runnables import namespace_files, storage_items, storage_tasks  # noqa: F401,E402
from worker.runnables import storage_purge  # noqa: F401,E402  (register: storage.PurgeStorage)
from worker.runnables import http  # noqa: F401,E402  (register: http.Request, Download)
from worker.runnables import http_sse  # noqa: F401,E402  (register: http.SseRequest)
from worker.runnables import metric  # noqa: F401,E402  (register: metric.Publish, PurgeMetrics)

__all__ = ["RUNNABLES", "Implementation", "Outcome", "TaskFailure", "adjust_state",
           "implementation_for", "run_attempt", "runs"]

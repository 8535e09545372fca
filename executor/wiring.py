"""Everything the executor dispatches to, in one list: read this file to know which
function handles each message, each timer kind and each flowable task type, which hooks
run on every change, and how each command of a Decision is written.

Nothing registers itself on import. A new message, timer, flowable or command is wired here
(CONTRIBUTING.md, "Add a message" and "Add an engine feature"); `docs/architecture.md`
holds the same message table, and tests/unit/executor/test_wiring.py keeps the two equal.

`engine_wiring()` feeds the pure core (`process(..., wiring=...)`); `command_persisters()`
feeds the service's deciding transaction (`ExecutorService._persist`). `ENGINE` and
`PERSISTERS` are built once from them and never change.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from podium.common.messages import (
    KillExecution,
    ReplayExecution,
    RestartExecution,
    ResubmitAttempt,
    ResumeExecution,
    ReviewExecution,
    SetTaskRunState,
    StartExecution,
    SubflowEnded,
    TaskResult,
    TimerFired,
)
from podium.common.plugins.tasks import flow as flow_tasks
from podium.common.plugins.tasks import flow_approval, flow_branching, flow_loops, flow_subflows
from podium.common.plugins.tasks.execution import Exit, SetVariables, UnsetVariables
from podium.executor.engine import flowables, loops, process, waiting
from podium.executor.engine.commands import (
    CancelTimers,
    CreateExecution,
    DispatchTask,
    ExecutionEnded,
    KillChildren,
    KillRunningTasks,
    ScheduleTimer,
    StoreLoopValues,
    StoreTaskCache,
    WriteFile,
)
from podium.executor.engine.features import (
    approval,
    exit,
    for_each_item,
    loop,
    pause,
    restart,
    resubmit,
    sla,
    subflow,
    template,
    variables,
    working_directory,
)
from podium.executor.engine.registry import EngineWiring
from podium.executor.outgoing import Persister
from podium.executor.persisters import concurrency, core
from podium.executor.persisters import subflow as subflow_persisters


def engine_wiring() -> EngineWiring:
    return EngineWiring(
        # One handler per message type of the executor queue (common/messages.py).
        handlers={
            StartExecution: process.handle_start,
            TaskResult: process.handle_task_result,
            KillExecution: process.handle_kill,
            TimerFired: process.fire_timer,  # -> timer_handlers below, by kind
            ResumeExecution: pause.handle_resume,
            ReviewExecution: approval.handle_review,
            SubflowEnded: subflow.handle_subflow_ended,
            RestartExecution: restart.restart,
            SetTaskRunState: restart.set_task_run_state,
            ReplayExecution: restart.replay,
            ResubmitAttempt: resubmit.resubmit,
        },
        # TimerFired.timer_kind -> its handler. ("new_execution", a RETRIED execution's
        # next attempt, is handled by `fire_timer` itself: its execution is terminated.)
        timer_handlers={
            "start": process.scheduled_start_due,
            "retry": process.retry_due,
            "waitfor": process.wait_round_due,
            pause.TIMEOUT: pause.pause_elapsed,
            pause.DELAY: pause.pause_elapsed,
            approval.EXPIRE: approval.approval_expired,
            subflow.RETRY_TIMER: subflow.subflow_retry_due,
            sla.MAX_DURATION: sla.max_duration_elapsed,
            sla.FLOW_TIMEOUT: sla.flow_timed_out,
        },
        # Their handlers copy or rewrite folded runs too: the executor loads every run.
        needs_all_runs=frozenset({ReplayExecution, SetTaskRunState}),
        # Flowable (and executor-resolved) task class -> how it resolves its children.
        resolvers={
            flow_branching.Sequential: flowables.resolve_sequential,
            flow_branching.AllowFailure: flowables.resolve_sequential,
            flow_branching.Parallel: flowables.resolve_parallel,
            flow_branching.If: flowables.resolve_if,
            flow_branching.Switch: flowables.resolve_switch,
            flow_loops.WaitFor: waiting.resolve_wait_for,
            flow_loops.LoopUntil: waiting.resolve_wait_for,
            flow_loops.ForEach: loops.resolve_for_each,
            flow_loops.EachSequential: loops.resolve_each_sequential,
            flow_loops.EachParallel: loops.resolve_each_parallel,
            flow_branching.Dag: loops.resolve_dag,
            SetVariables: variables.resolve_set_variables,
            UnsetVariables: variables.resolve_unset_variables,
            Exit: exit.resolve_exit,
            flow_tasks.Pause: pause.resolve_pause,
            flow_approval.Approval: approval.resolve_approval,
            flow_subflows.Subflow: subflow.resolve_subflow,
            flow_subflows.ForEachItem: for_each_item.resolve_for_each_item,
            flow_subflows.ForEachItemExecutable: for_each_item.resolve_batches,
            flow_loops.Loop: loop.resolve_loop,
            flow_tasks.Template: template.resolve_template,
            flow_tasks.WorkingDirectory: working_directory.resolve_working_directory,
        },
        # After every `advance`, in order: SLA timers and assertions, flow timeout.
        after_advance=(sla.after_advance,),
        # Variables a feature adds to a task run's render context, in order.
        context_extras=(loop.item_variable,),
    )


def command_persisters() -> Mapping[type, tuple[Persister, ...]]:
    """Command type -> how it is written in the deciding transaction, in order (the order
    of the messages each one adds to the outbox)."""
    return MappingProxyType({
        DispatchTask: (core.send_run_task,),
        ScheduleTimer: (core.save_timer,),
        CancelTimers: (core.delete_timers_of_kind,),
        StoreLoopValues: (core.save_loop_values,),
        WriteFile: (core.write_file,),
        StoreTaskCache: (core.save_task_cache,),
        CreateExecution: (core.create_execution,),
        KillRunningTasks: (core.broadcast_kill_tasks,),
        ExecutionEnded: (
            concurrency.start_queued_executions,  # a slot freed: start the oldest QUEUED
            subflow_persisters.tell_parent_child_ended,  # SubflowEnded to a waiting parent
            subflow_persisters.kill_children_if_killed,  # the kill cascade
        ),
        subflow.StartSubflow: (subflow_persisters.create_subflow_execution,),
        KillChildren: (subflow_persisters.kill_children,),
    })


ENGINE = engine_wiring()
PERSISTERS = command_persisters()

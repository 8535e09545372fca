"""Every task, condition and trigger type of Kestra's current core (io.kestra.plugin.core.*,
read from its newest source) resolves in the registry, with its @Plugin aliases; a type
Kestra adds is a change of this file."""

from __future__ import annotations

import pytest

import podium.common.plugins  # noqa: F401  (registers every type)
from podium.common.plugins.base import TaskKind
from podium.common.plugins.registry import registry

CORE = "io.kestra.plugin.core."

TASKS = """
debug.Echo debug.Return
execution.Assert execution.Count execution.Exit execution.Fail execution.Labels
execution.PurgeExecutions execution.Resume execution.SetVariables execution.UnsetVariables
flow.AllowFailure flow.Approval flow.Dag flow.EachParallel flow.EachSequential flow.ForEach
flow.ForEachItem flow.If flow.Loop flow.LoopUntil flow.Parallel flow.Pause flow.PurgeFlows
flow.Sequential flow.Sleep flow.Subflow flow.Switch flow.Template flow.Wait flow.WaitFor
flow.WorkingDirectory
http.Download http.Request http.SseRequest
kv.Delete kv.Get kv.GetKeys kv.PurgeKV kv.Put kv.Set
log.Fetch log.Log log.PurgeLogs
metric.Publish metric.PurgeMetrics
namespace.DeleteFiles namespace.DownloadFiles namespace.PurgeFiles namespace.UploadFiles
output.OutputValues
state.Delete state.Get state.Set
storage.Concat storage.DeduplicateItems storage.Delete storage.FilterItems
storage.LocalFiles storage.PurgeCurrentExecutionFiles storage.PurgeStorage storage.Reverse
storage.Size storage.Split storage.Write
templating.TemplatedTask trigger.Toggle
""".split()

CONDITIONS = """
DateTimeBetween DayWeek DayWeekInMonth ExecutionFlow ExecutionLabels ExecutionNamespace
ExecutionOutputs ExecutionStatus Expression FlowCondition FlowNamespaceCondition
HasRetryAttempt MultipleCondition Not Or PublicHoliday TimeBetween Weekend
""".split()

TRIGGERS = """trigger.BatchWebhook trigger.Flow trigger.McpToolTrigger trigger.Schedule
trigger.ScheduleOnDates trigger.Webhook http.Trigger""".split()

# The classes added since Kestra 0.21 declare no @Plugin aliases; the older aliases are
# checked by the alias tests of each group.
EXECUTION_UPDATING = ["execution.Exit", "execution.SetVariables", "execution.UnsetVariables"]


@pytest.mark.parametrize("name", TASKS)
def test_every_core_task_type_resolves(name):
    assert registry.resolve("task", CORE + name) is not None, name


@pytest.mark.parametrize("name", CONDITIONS)
def test_every_core_condition_type_resolves(name):
    assert registry.resolve("condition", CORE + "condition." + name) is not None, name


@pytest.mark.parametrize("name", TRIGGERS)
def test_every_core_trigger_type_resolves(name):
    assert registry.resolve("trigger", CORE + name) is not None, name


@pytest.mark.parametrize("name", EXECUTION_UPDATING)
def test_execution_updating_types_run_in_the_executor(name):
    cls = registry.resolve("task", CORE + name)
    assert cls.KIND is TaskKind.EXECUTION_UPDATING and not cls.runs_on_worker()

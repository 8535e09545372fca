"""Run flow test cases: each in its own embedded runtime (SQLite in a temporary folder,
in-process executor and workers, as `podium run`), several at once in a thread pool.

A case deploys the project's flows (the subflows the tested flow may call), then the tested
flow with the case's fixtures in place (flowtest/fixtures.py), starts one execution with
the case's inputs, waits for its end, and checks the assertions against it. A case that
cannot run (a fixture naming no task, bad inputs, a timeout) is an error, not a failure.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

from podium.application.executions import resolved_outputs
from podium.common.errors import PodiumError
from podium.common.flow.files import ProjectFlow
from podium.common.models.execution import Execution
from podium.flowtest.assertions import AssertionResult, check
from podium.flowtest.context import finished_context
from podium.flowtest.fixtures import with_fixtures
from podium.flowtest.spec import CaseModel, FlowTestSuite
from podium.runtime import Runtime

DEFAULT_TIMEOUT = 300.0
# Alembic's migration context is process-global: two runtimes must not create their
# databases at the same time (the cases still run concurrently once started).
_CREATING = threading.Lock()
# Messages still in flight once the execution ended (its last log lines): a short wait.
_SETTLE_SECONDS = 10.0


class Status(str, Enum):
    PASSED = "passed"
    FAILED = "failed"  # an assertion does not hold
    ERROR = "error"  # the case could not run
    SKIPPED = "skipped"  # disabled


@dataclass
class CaseResult:
    suite: FlowTestSuite
    case_id: str
    status: Status
    seconds: float = 0.0
    failures: list[AssertionResult] = field(default_factory=list)
    error: str | None = None
    execution_state: str | None = None
    assertions: int = 0

    @property
    def name(self) -> str:
        return f"{self.suite.model.id} / {self.case_id}"


@dataclass(frozen=True)
class CaseRun:
    """What one case needs: its suite and case, the flow it tests, the other flows."""

    suite: FlowTestSuite
    case: CaseModel
    target: ProjectFlow
    others: list[ProjectFlow]
    index: int = 0  # of the case in its file's testCases


@dataclass(frozen=True)
class RunOptions:
    parallel: int = 2
    timeout: float = DEFAULT_TIMEOUT
    workers: int = 2  # task slots of each case's runtime
    script_env_dir: str | Path | None = None  # shared by every case (environments cached)
    environ: dict[str, str] | None = None


def run_cases(runs: list[CaseRun], options: RunOptions,
              on_result: Callable[[CaseResult], None] | None = None) -> list[CaseResult]:
    """Every case, `options.parallel` at a time; results in the order of `runs`."""
    with ThreadPoolExecutor(max_workers=max(1, options.parallel),
                            thread_name_prefix="flow-test") as pool:
        futures = [pool.submit(run_case, run, options) for run in runs]
        results = []
        for future in futures:
            result = future.result()
            if on_result:
                on_result(result)
            results.append(result)
    return results


def run_case(run: CaseRun, options: RunOptions) -> CaseResult:
    began = time.perf_counter()
    if run.case.disabled:
        return CaseResult(run.suite, run.case.id, Status.SKIPPED)
    try:
        context = _execute(run, options)
    except (PodiumError, TimeoutError, OSError) as exc:
        return CaseResult(run.suite, run.case.id, Status.ERROR, time.perf_counter() - began,
                          error=str(exc))
    except Exception as exc:  # noqa: BLE001 - one broken case must not end the others
        return CaseResult(run.suite, run.case.id, Status.ERROR, time.perf_counter() - began,
                          error=f"the case could not run: {type(exc).__name__}: {exc}")
    results = [replace(result, case_id=run.case.id,
                       location=run.suite.where("testCases", run.index, "assertions", index - 1))
               for index, assertion in enumerate(run.case.assertions, 1)
               for result in check(index, assertion, context)]
    failures = [result for result in results if not result.passed]
    return CaseResult(run.suite, run.case.id, Status.FAILED if failures else Status.PASSED,
                      time.perf_counter() - began, failures=failures,
                      execution_state=context["state"], assertions=len(results))


def _execute(run: CaseRun, options: RunOptions) -> dict[str, Any]:
    """Run the case's execution to its end; the context its assertions read."""
    where = f"{run.suite.where('testCases', run.index)}: case '{run.case.id}'"
    loaded = with_fixtures(run.target.loaded, run.case.fixtures.tasks, where)
    flow = loaded.flow
    with _runtime(options) as runtime:
        for other in run.others:
            runtime.deploy(other.loaded)
        runtime.deploy(loaded)
        execution = runtime.submit(flow.namespace, flow.id, run.case.fixtures.inputs or {})
        execution = _wait(runtime, execution.id, options.timeout)
        runtime.wait_idle(timeout=_SETTLE_SECONDS)
        task_runs = runtime.task_runs(execution.id)
        outputs = {task_run.id: resolved_outputs(runtime, task_run) for task_run in task_runs}
        return finished_context(execution, task_runs, outputs, runtime.logs(execution.id))


def _wait(runtime: Runtime, execution_id: str, timeout: float) -> Execution:
    """The ended execution; past `timeout`, the execution is killed (its running tasks
    stopped, so that the runtime closes soon) and TimeoutError says so."""
    try:
        return runtime.wait(execution_id, timeout=timeout)
    except TimeoutError:
        runtime.kill(execution_id)
        try:
            runtime.wait(execution_id, timeout=_SETTLE_SECONDS)
        except TimeoutError:
            pass
        raise TimeoutError(f"the execution did not end within {timeout:g}s (--timeout): "
                           "killed") from None


@contextmanager
def _runtime(options: RunOptions) -> Iterator[Runtime]:
    """An embedded runtime in a temporary folder, both gone at the end."""
    with tempfile.TemporaryDirectory(prefix="podium-flow-test-") as folder:
        with _CREATING:
            runtime = Runtime.embedded(folder, workers=options.workers,
                                       environ=options.environ,
                                       script_env_dir=options.script_env_dir)
        with runtime:
            yield runtime


def case_runs(suites: list[tuple[FlowTestSuite, ProjectFlow]],
              flows: list[ProjectFlow]) -> Iterator[CaseRun]:
    """Each case of each suite, with the flow it tests and every other flow."""
    for suite, target in suites:
        others = [item for item in flows if item.key != target.key]
        for index, case in enumerate(suite.model.test_cases):
            yield CaseRun(suite, case, target, others, index)

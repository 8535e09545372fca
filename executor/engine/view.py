"""The in-memory working set of one message: the locked execution, its flow, its task runs,
and every change made to them while the engine processes the message."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Iterable, Literal, TypeVar

from podium.common.flow.model import Flow
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State
from podium.common.plugins.base import Task
from podium.executor.engine.commands import Command, Decision
from podium.executor.engine.facts import Facts
from podium.executor.engine.registry import NO_WIRING, EngineWiring

T = TypeVar("T", bound=Task)

# Which task ids' folded runs the handler loaded: those listed, or all of them (True).
FoldedLoaded = frozenset[str] | Literal[True]


class NeedFoldedRuns(Exception):
    """A render needs the outputs of task runs that loops folded and the handler did not
    load: `process` returns these task ids and is called again with their folded runs."""

    def __init__(self, task_ids: set[str]) -> None:
        super().__init__(sorted(task_ids))
        self.task_ids = task_ids


class ExecutionTx:
    """Execution plus task runs, with change tracking. Never touches I/O.

    The task runs given are the live ones (the executor's working set) and, optionally,
    folded ones (`folded=True`: finished loop iterations, counted by their loop). Folded
    runs are seen only by `folded_runs_of` (outputs of past iterations), never by the
    resolvers. `folded_loaded`: the task ids whose folded runs were all given (True: all).
    """

    def __init__(self, flow: Flow, execution: Execution, task_runs: Iterable[TaskRun],
                 now: datetime, folded_loaded: FoldedLoaded = frozenset(),
                 wiring: EngineWiring = NO_WIRING) -> None:
        self.flow = flow
        self.wiring = wiring  # what handles, resolves and hooks (executor/wiring.py)
        self.now = now
        self.execution = execution
        self._original_execution = execution
        self._runs: dict[str, TaskRun] = {}
        self._children: dict[str | None, list[str]] = defaultdict(list)
        self._by_task: dict[str, list[str]] = defaultdict(list)
        self._created: dict[str, TaskRun] = {}
        self._updated: set[str] = set()
        self._deleted: list[str] = []
        self.commands: list[Command] = []
        self.version = 0  # bumped on every change, so loops can tell when nothing moved
        self.facts = Facts()  # read by the handler for the core (see `process`)
        self.memo: dict[str, Any] = {}  # derived once per message (e.g. which tasks a task refers to)
        self.logs: list[tuple[str | None, str, str]] = []
        self._tasks = flow.task_index()
        self._max_seq = -1
        self._folded: dict[str, TaskRun] = {}
        self._folded_by_task: dict[str, list[TaskRun]] = defaultdict(list)
        self._folded_now: dict[str, TaskRun] = {}
        self.folded_loaded = folded_loaded
        for run in sorted(task_runs, key=lambda r: r.seq):
            if run.folded:
                self._keep_folded(run)
                continue
            self._index(run)
            self._max_seq = max(self._max_seq, run.seq, folded_seq(run))

    # ------------------------------------------------------------------ reads
    def task(self, task_id: str) -> Task:
        return self._tasks[task_id]

    def task_as(self, task_id: str, kind: type[T]) -> T:
        """The task, known to be a `kind` (the type a resolver or handler is wired for)."""
        task = self._tasks[task_id]
        if not isinstance(task, kind):
            raise TypeError(f"internal error: task {task_id} is a {type(task).__name__}, "
                            f"not a {kind.__name__}")
        return task

    def run(self, task_run_id: str) -> TaskRun | None:
        return self._runs.get(task_run_id)

    def require_run(self, task_run_id: str) -> TaskRun:
        """A live task run the caller knows exists (it just read or wrote it)."""
        run = self._runs.get(task_run_id)
        if run is None:
            raise LookupError(f"internal error: task run {task_run_id} is not in this "
                              f"execution's working set")
        return run

    def runs(self) -> list[TaskRun]:
        # Runs are indexed in `seq` order at load and appended as created, and a dict keeps
        # insertion order on update: no sort needed.
        return list(self._runs.values())

    def runs_of_task(self, task_id: str) -> list[TaskRun]:
        """The runs of one task, in creation order."""
        return [self._runs[i] for i in self._by_task.get(task_id, [])]

    def children(self, parent_id: str | None) -> list[TaskRun]:
        return [self._runs[i] for i in self._children.get(parent_id, [])]

    def ancestors(self, run: TaskRun) -> list[TaskRun]:
        """Parent task runs, closest first."""
        chain = []
        parent_id = run.parent_task_run_id
        while parent_id is not None:
            parent = self._runs.get(parent_id) or self._folded[parent_id]
            chain.append(parent)
            parent_id = parent.parent_task_run_id
        return chain

    def any_run(self, task_run_id: str) -> TaskRun | None:
        """A live or a loaded folded task run."""
        return self._runs.get(task_run_id) or self._folded.get(task_run_id)

    def all_runs(self) -> list[TaskRun]:
        """Live and loaded folded task runs, in creation order."""
        return sorted((*self._runs.values(), *self._folded.values()), key=lambda r: r.seq)

    def folded_runs_of(self, task_id: str) -> list[TaskRun]:
        return self._folded_by_task.get(task_id, [])

    def descendants(self, run_id: str) -> list[TaskRun]:
        """Live task runs under this one, at any depth."""
        found, stack = [], [run_id]
        while stack:
            for child_id in self._children.get(stack.pop(), ()):
                found.append(self._runs[child_id])
                stack.append(child_id)
        return found

    # ------------------------------------------------------------------ writes
    def add_run(self, run: TaskRun) -> TaskRun:
        self.version += 1
        run = run.model_copy(update={"seq": self._next_seq()})
        self._index(run)
        self._created[run.id] = run
        return run

    def put_run(self, run: TaskRun) -> TaskRun:
        self.version += 1
        self._runs[run.id] = run
        if run.id in self._created:
            self._created[run.id] = run
        else:
            self._updated.add(run.id)
        return run

    def remove_run(self, task_run_id: str, folding: bool = False) -> None:
        """Drop a task run from the execution (a restart removes `errors` branch runs), or
        from the working set only (`folding`)."""
        run = self._runs.pop(task_run_id)
        self.version += 1
        self._children[run.parent_task_run_id].remove(task_run_id)
        self._by_task[run.task_id].remove(task_run_id)
        self._children.pop(task_run_id, None)
        self._updated.discard(task_run_id)
        if folding:
            return
        if self._created.pop(task_run_id, None) is None:
            self._deleted.append(task_run_id)

    def fold(self, runs: Iterable[TaskRun]) -> int:
        """Take finished runs (and their descendants) out of the working set, counted by
        their loop; they are written with `folded=True`. Returns the highest `seq` folded,
        which the loop keeps so new runs still number after them."""
        top = -1
        for run in list(runs):
            for done in reversed((run, *self.descendants(run.id))):  # children first
                current = self._runs.get(done.id)
                if current is None:
                    continue
                self.remove_run(done.id, folding=True)
                folded = current.model_copy(update={"folded": True})
                top = max(top, folded.seq, folded_seq(folded))
                self._keep_folded(folded)
                self._folded_now[folded.id] = folded
        return top

    def unfold(self, run_ids: Iterable[str]) -> None:
        """Bring loaded folded runs back to the working set (their iteration runs again)."""
        for run in sorted((self._folded[i] for i in run_ids), key=lambda r: r.seq):
            del self._folded[run.id]
            self._folded_by_task[run.task_id].remove(run)
            live = run.model_copy(update={"folded": False})
            self._index(live)
            self._updated.add(live.id)
            self.version += 1

    def move_run(self, run: TaskRun, state: State) -> TaskRun:
        return self.put_run(run.moved_to(state, self.now)) if run.state is not state else run

    def move_execution(self, state: State) -> None:
        if self.execution.state is not state:
            self.version += 1
            self.execution = self.execution.moved_to(state, self.now)

    def set_execution(self, execution: Execution) -> None:
        self.version += 1
        self.execution = execution

    def emit(self, command: Command) -> None:
        self.commands.append(command)

    def log(self, task_run_id: str | None, level: str, message: str) -> None:
        self.logs.append((task_run_id, level, message))

    def decision(self, ignored: str | None = None) -> Decision:
        for run_id, run in self._folded_now.items():
            if run_id in self._created:
                self._created[run_id] = run
        return Decision(
            execution=self.execution,
            execution_changed=self.execution != self._original_execution,
            created=list(self._created.values()),
            updated=[self._runs[i] for i in sorted(self._updated) if i not in self._created]
            + [r for i, r in self._folded_now.items() if i not in self._created],
            commands=list(self.commands), ignored=ignored, logs=list(self.logs),
            deleted=list(self._deleted))

    def _keep_folded(self, run: TaskRun) -> None:
        self._folded[run.id] = run
        self._folded_by_task[run.task_id].append(run)

    def _index(self, run: TaskRun) -> None:
        self._runs[run.id] = run
        self._children[run.parent_task_run_id].append(run.id)
        self._by_task[run.task_id].append(run.id)

    def _next_seq(self) -> int:
        self._max_seq += 1
        return self._max_seq


def folded_seq(run: TaskRun) -> int:
    """The highest `seq` among the runs a loop run folded (-1: none)."""
    seq: int = (run.flowable.loop or {}).get("seq", -1)
    return seq

"""The shape of the engine's wiring: which function handles each message, timer kind and
flowable task type, and which hooks run on every change.

Only the shape lives here. The one list of what is wired, in order, is `executor/wiring.py`
(`engine_wiring()`); `process()` takes it as an argument and puts it on the ExecutionTx,
where `advance`, `resolve_flowable` and `task_context` read it. Nothing registers itself
on import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podium.common.models.execution import TaskRun
    from podium.common.models.state import State
    from podium.executor.engine.context import EngineConfig
    from podium.executor.engine.view import ExecutionTx

# Each handler and resolver takes its own message or task class, so a table of them can
# only say `...` for the arguments; their shapes:
# handler (tx, message, config) -> None, or why the message changed nothing;
Handler = Callable[..., "str | None"]
# resolver (tx, config, task, run, start) -> the flowable's final state, None while it runs.
Resolver = Callable[..., "State | None"]
# (tx, config) -> None: called after every `advance`, whatever the state.
AfterAdvance = Callable[["ExecutionTx", "EngineConfig"], None]
# (tx, run) -> variables added to a task run's render context (a `taskrun` entry is merged
# into the run's own `taskrun` variables, which win).
ContextExtra = Callable[["ExecutionTx", "TaskRun"], dict[str, Any]]


def _frozen(mapping: Mapping[Any, Any] | None = None) -> Mapping[Any, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class EngineWiring:
    """Everything `process()` dispatches to. Immutable: build a new one to change it."""

    # Message type -> its handler.
    handlers: Mapping[type, Handler] = field(default_factory=_frozen)
    # TimerFired.timer_kind -> its handler (called by the TimerFired handler).
    timer_handlers: Mapping[str, Handler] = field(default_factory=_frozen)
    # Message types whose handler reads every task run, folded ones included (a replay
    # copies them): the executor loads them all and passes folded_loaded=True.
    needs_all_runs: frozenset[type] = frozenset()
    # Flowable task class -> how it resolves its children.
    resolvers: Mapping[type, Resolver] = field(default_factory=_frozen)
    # In order, after every `advance`.
    after_advance: tuple[AfterAdvance, ...] = ()
    # In order; a later extra's names win over an earlier one's.
    context_extras: tuple[ContextExtra, ...] = ()

    def __post_init__(self) -> None:
        for name in ("handlers", "timer_handlers", "resolvers"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))


# The wiring of an ExecutionTx built outside `process()` (a persister rendering outputs, a
# flow trigger rendering inputs): those only render, and never with a task run.
NO_WIRING = EngineWiring()

"""The 14 states of Kestra, shared by executions, task runs and attempts, and the table of
allowed transitions. Every state change goes through `transition()`, which refuses any
move the table does not allow and never shares history lists between objects.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from pydantic import BaseModel, ConfigDict

from podium.common.errors import PodiumError


class State(str, Enum):
    CREATED = "CREATED"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    RESTARTED = "RESTARTED"
    KILLING = "KILLING"
    RETRYING = "RETRYING"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    FAILED = "FAILED"
    KILLED = "KILLED"
    CANCELLED = "CANCELLED"
    RETRIED = "RETRIED"
    SKIPPED = "SKIPPED"

    @property
    def is_terminated(self) -> bool:
        return self in TERMINATED


TERMINATED = frozenset({State.SUCCESS, State.WARNING, State.FAILED, State.KILLED,
                        State.CANCELLED, State.RETRIED, State.SKIPPED})

_S = State
# FROM -> allowed TO. Terminal states only move through a restart (RESTARTED for the runs
# that re-run, RUNNING for the flowable parents that resume resolving them).
TRANSITIONS: dict[State, frozenset[State]] = {
    _S.CREATED: frozenset({_S.RUNNING, _S.QUEUED, _S.SKIPPED, _S.FAILED, _S.KILLING, _S.KILLED,
                           _S.CANCELLED, _S.SUCCESS, _S.WARNING, _S.PAUSED}),
    _S.QUEUED: frozenset({_S.RUNNING, _S.CREATED, _S.CANCELLED, _S.KILLING, _S.KILLED,
                          _S.FAILED}),
    _S.RUNNING: frozenset({_S.SUCCESS, _S.WARNING, _S.FAILED, _S.KILLING, _S.KILLED, _S.PAUSED,
                           _S.RETRYING, _S.RETRIED, _S.CANCELLED, _S.SKIPPED}),
    _S.PAUSED: frozenset({_S.RUNNING, _S.RESTARTED, _S.KILLING, _S.KILLED, _S.FAILED,
                          _S.SUCCESS, _S.WARNING, _S.CANCELLED}),
    _S.RESTARTED: frozenset({_S.RUNNING, _S.CREATED, _S.KILLING, _S.KILLED, _S.FAILED,
                             _S.SKIPPED, _S.CANCELLED}),
    _S.RETRYING: frozenset({_S.CREATED, _S.RUNNING, _S.KILLING, _S.KILLED, _S.FAILED,
                            _S.RETRIED, _S.CANCELLED}),
    # A task may finish on its worker while the kill is on its way.
    _S.KILLING: frozenset({_S.KILLED, _S.SUCCESS, _S.WARNING, _S.FAILED, _S.CANCELLED}),
    _S.SUCCESS: frozenset({_S.RESTARTED, _S.RUNNING}),
    _S.WARNING: frozenset({_S.RESTARTED, _S.RUNNING}),
    _S.FAILED: frozenset({_S.RESTARTED, _S.RUNNING}),
    _S.KILLED: frozenset({_S.RESTARTED, _S.RUNNING}),
    _S.CANCELLED: frozenset({_S.RESTARTED, _S.RUNNING}),
    _S.RETRIED: frozenset(),
    _S.SKIPPED: frozenset(),
}

# Priority used to fold children's states into a parent's (Kestra's guessFinalState).
FINAL_STATE_PRIORITY = (State.KILLED, State.FAILED, State.WARNING, State.PAUSED)


class IllegalTransition(PodiumError):
    def __init__(self, current: State, target: State) -> None:
        super().__init__(f"illegal state transition {current.value} -> {target.value}")
        self.current, self.target = current, target


class StateEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: State
    date: datetime


class StateHistory(BaseModel):
    """`current` plus every state entered, in order. Immutable: transitions return a copy."""

    model_config = ConfigDict(frozen=True)

    current: State = State.CREATED
    histories: tuple[StateEntry, ...] = ()

    @classmethod
    def new(cls, at: datetime, state: State = State.CREATED) -> "StateHistory":
        return cls(current=state, histories=(StateEntry(state=state, date=at),))

    @property
    def start_date(self) -> datetime | None:
        return self.histories[0].date if self.histories else None

    @property
    def end_date(self) -> datetime | None:
        if self.current.is_terminated or self.current is State.PAUSED:
            return self.histories[-1].date if self.histories else None
        return None

    def entered(self, state: State) -> int:
        return sum(1 for entry in self.histories if entry.state is state)


def transition(history: StateHistory, target: State, at: datetime) -> StateHistory:
    """The history after moving to `target`. Same state: unchanged. Illegal: raises."""
    if history.current is target:
        return history
    if target not in TRANSITIONS[history.current]:
        raise IllegalTransition(history.current, target)
    return StateHistory(current=target,
                        histories=(*history.histories, StateEntry(state=target, date=at)))


def fold_states(states: list[State]) -> State:
    """Kestra's guessFinalState: KILLED > FAILED > WARNING > PAUSED > SUCCESS.
    SKIPPED, RETRIED and CANCELLED count as SUCCESS."""
    present = set(states)
    for state in FINAL_STATE_PRIORITY:
        if state in present:
            return state
    return State.SUCCESS

"""What the executor remembers about an execution for itself: `Execution.engine`.

None of it is the user's: the API's execution JSON and the templates never show it (the
user's execution variables, SetVariables' `vars`, stay in `Execution.variables`). It is
stored in the executions table's `engine` column (migration 0008 moved it there out of
`variables`, where earlier versions kept it under camelCase keys; `from_legacy_variables`
still reads that shape, for an execution written by an older executor).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from podium.common.models.state import State


class SubflowLink(BaseModel):
    """How a subflow execution answers the Subflow / ForEachItem task run that started it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    task_run_id: str
    """The parent's task run waiting for this execution."""
    wait: bool = False
    """The parent waits for the end: this execution sends it a SubflowEnded when it ends."""
    iteration: int | None = None
    """ForEachItem: the batch this execution runs (0-based)."""
    outputs: dict[str, Any] | None = None
    """The Subflow task's `outputs` declaration, rendered in the child at its end."""

    @classmethod
    def from_legacy(cls, stored: dict[str, Any]) -> SubflowLink:
        """The `subflow` entry earlier versions kept in `variables` (camelCase)."""
        return cls(task_run_id=stored["taskRunId"], wait=bool(stored.get("wait")),
                   iteration=stored.get("iteration"), outputs=stored.get("outputs"))


class EngineState(BaseModel):
    """The executor's bookkeeping for one execution; empty for most of them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    call_chain: list[str] | None = None
    """The flows that led to this execution, itself last (common/call_chain.py); None for
    an execution started by a user, a schedule or a webhook (a chain of its own)."""
    subflow: SubflowLink | None = None
    """Set on an execution a Subflow or ForEachItem task started."""
    pending_final_state: State | None = None
    """The state the execution ends in once its afterExecution tasks are done."""
    sla_violations: list[str] = Field(default_factory=list)
    """Ids of the SLAs already violated, so each acts (and is logged) once."""
    retried_as: str | None = None
    """A RETRIED execution: the id of the execution that retries it."""
    kill_request: str | None = None
    """The request id of the last kill applied (a duplicate delivery is then recognised)."""
    resume_request: str | None = None
    """The request id of the last resume applied."""

    def stored(self) -> dict[str, Any] | None:
        """The JSON the store keeps: only what is set; None when nothing is."""
        return self.model_dump(mode="json", exclude_defaults=True) or None


# The keys earlier versions kept in `Execution.variables`, by the field now holding them.
LEGACY_KEYS = {"callChain": "call_chain", "subflow": "subflow",
               "pendingFinalState": "pending_final_state", "slaViolations": "sla_violations",
               "retriedAs": "retried_as", "killRequest": "kill_request",
               "resumeRequest": "resume_request"}


def from_legacy_variables(variables: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split variables written by an earlier version into (the user's variables, the
    engine state's fields)."""
    kept = {k: v for k, v in variables.items() if k not in LEGACY_KEYS}
    engine = {LEGACY_KEYS[k]: v for k, v in variables.items() if k in LEGACY_KEYS}
    if isinstance(engine.get("subflow"), dict) and "taskRunId" in engine["subflow"]:
        engine["subflow"] = SubflowLink.from_legacy(engine["subflow"])
    return kept, engine

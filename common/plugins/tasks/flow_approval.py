"""io.kestra.plugin.core.flow.Approval: a pause that waits for a reviewer's decision.

Kestra's Approval (core, 2.0): `onWait` runs, then the execution pauses until a reviewer
approves or denies (Podium: `podium execution review`, `POST .../actions/review`), or the
task's `timeout` expires the request. `onApprove` / `onDeny` run after the decision, then the
decision's behavior applies to what the branch gave (a failing branch is never hidden).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from podium.common.inputs.definitions import AnyInput
from podium.common.plugins.base import FlowableTask, Tasks
from podium.common.plugins.fields import Dyn, ScalarStr, StrictModel

Behavior = Literal["CONTINUE", "WARN", "FAIL", "SUCCEED", "CANCEL", "KILL"]
CommentRequired = Literal["NEVER", "ALWAYS", "ON_DENY", "ON_APPROVE"]
DECISIONS = ("APPROVED", "DENIED", "EXPIRED")


class Decisions(StrictModel):
    """The names the two decisions are shown with (e.g. Continue / Stop)."""

    approve: ScalarStr = "Approve"
    deny: ScalarStr = "Deny"


class Approval(FlowableTask):
    """Pauses the execution until a reviewer approves or denies it."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Approval"

    # Fields of the review, declared like flow inputs; their values land in outputs.inputs.
    inputs: list[AnyInput] | None = None
    decisions: Decisions = Decisions()
    comment_required: Dyn[CommentRequired] = "NEVER"
    auto_approve: Dyn[bool] = False  # approve at once: no onWait, no pause
    approve_behavior: Dyn[Behavior] = "CONTINUE"
    deny_behavior: Dyn[Behavior] = "CANCEL"
    expire_behavior: Dyn[Behavior] = "CANCEL"  # `timeout` elapsed without a decision
    on_wait: Tasks | None = None
    on_approve: Tasks | None = None
    on_deny: Tasks | None = None

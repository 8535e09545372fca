"""A flow's `checks` (Kestra 1.2): conditions on the resolved inputs, evaluated when an
execution is asked for (API, CLI), before it is created.

A check fails when its condition does not render to boolean true (Kestra compares the typed
result with TRUE), or cannot be rendered at all: then it counts as a failed BLOCK_EXECUTION
check whose message says why. Of the failed checks the most restrictive behavior wins,
BLOCK_EXECUTION before FAIL_EXECUTION before CREATE_EXECUTION (Kestra's Check
.resolveBehavior); no failed check creates the execution as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from podium.common.errors import PodiumError
from podium.common.flow.model import Check

BLOCK, FAIL, CREATE = "BLOCK_EXECUTION", "FAIL_EXECUTION", "CREATE_EXECUTION"
_PRIORITY = (BLOCK, FAIL, CREATE)
FAILED_BY_CHECKS = "Flow execution failed because one or more condition checks evaluated to false"

RenderTyped = Callable[[str, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class FailedCheck:
    message: str
    style: str
    behavior: str


@dataclass(frozen=True)
class CheckResult:
    failed: list[FailedCheck] = field(default_factory=list)

    @property
    def behavior(self) -> str:
        """What to do with the execution: the most restrictive behavior of the failures."""
        behaviors = {check.behavior for check in self.failed}
        return next((b for b in _PRIORITY if b in behaviors), CREATE)

    def messages(self) -> str:
        return ", ".join(check.message for check in self.failed)


def evaluate_checks(checks: list[Check] | None, inputs: Mapping[str, Any],
                    render_typed: RenderTyped) -> CheckResult:
    """Render each condition with `inputs` (and whatever `render_typed` adds: the flow,
    the services of kv(), secret()...). Pure but for what the renderer calls."""
    failed = []
    for check in checks or []:
        try:
            passed = render_typed(check.condition, {"inputs": dict(inputs)}) is True
        except PodiumError as exc:
            failed.append(FailedCheck(f"Failed to evaluate check condition. Cause: "
                                      f"{exc.message}", "ERROR", BLOCK))
            continue
        if not passed:
            failed.append(FailedCheck(check.message or check.condition, check.style,
                                      check.behavior))
    return CheckResult(failed)

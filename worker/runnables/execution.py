"""io.kestra.plugin.core.execution.Assert, Fail and Labels (the parts a worker can compute)."""

from __future__ import annotations

import json
from typing import Any

from podium.common.errors import TemplateError
from podium.common.models.state import State
from podium.common.plugins.fields import SYSTEM_LABEL_PREFIX, Label
from podium.common.plugins.tasks.execution import Assert, Fail, Labels
from podium.common.templating import is_truthy
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import Outcome, TaskFailure, runs


@runs(Assert)
def run_assert(task: Assert, ctx: RunContext) -> None:
    """Kestra's Assert: every condition is rendered and tried (TruthUtils: "", "0", "-0" and
    "false" are false); each false one, or one that fails to render, is logged at ERROR.
    `success` and `failed` counters are recorded; any failure fails the task with how many
    failed, then the rendered `errorMessage` on its own line."""
    failed = 0
    for condition in task.conditions:
        try:
            holds = is_truthy(ctx.render(condition))
        except TemplateError as exc:
            ctx.log("ERROR", f"Assertion `{condition}` failed, failed to render `{exc}`")
            failed += 1
            continue
        if not holds:
            ctx.log("ERROR", f"Assertion `{condition}` failed!")
            failed += 1
    ctx.metric({"name": "success", "type": "counter", "value": len(task.conditions) - failed,
                "tags": {}})
    ctx.metric({"name": "failed", "type": "counter", "value": failed, "tags": {}})
    if failed:
        message = f"{failed} assertion{'s' if failed > 1 else ''} failed!"
        if task.error_message is not None:
            message += "\n" + str(ctx.render(task.error_message))
        raise TaskFailure(message)


@runs(Fail)
def run_fail(task: Fail, ctx: RunContext) -> None:
    """Kestra's Fail: without `condition`, fail with the rendered `errorMessage`. With one,
    fail only when the rendered condition is truthy (TruthUtils); then, as Kestra does, the
    rendered errorMessage is logged at ERROR and the error is "Fail on a condition"."""
    if task.condition is None:
        raise TaskFailure(str(ctx.render(task.error_message)))
    if is_truthy(ctx.render(task.condition)):
        ctx.log("ERROR", ctx.render(task.error_message))
        raise TaskFailure("Fail on a condition")


def _label_text(key: str, value: Any) -> str:
    # Jackson reads a JSON scalar into a String as its text; maps, lists and null are refused.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    raise TaskFailure(f"Unable to read the labels: label '{key}' must have a string value")


def _rendered_labels(task: Labels, ctx: RunContext) -> list[tuple[str, str]]:
    labels = task.labels
    if isinstance(labels, str):
        text = ctx.render(labels)
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise TaskFailure(f"Unable to read the labels as a JSON map: {exc}") from None
        if not isinstance(parsed, dict):
            raise TaskFailure("Unable to read the labels: the expression must render to a "
                              "JSON map of label keys to values")
        return [(str(k), _label_text(str(k), v)) for k, v in parsed.items()]
    if isinstance(labels, dict):
        return [(str(ctx.render(str(k))), str(ctx.render(str(v)))) for k, v in labels.items()]
    pairs = []
    seen: set[str] = set()
    for label in labels:
        key = label.key if isinstance(label, Label) else str(label["key"])
        value = label.value if isinstance(label, Label) else str(label["value"])
        key, value = str(ctx.render(key)), str(ctx.render(value))
        if key in seen:  # Kestra's Collectors.toMap refuses a repeated key
            raise TaskFailure(f"Duplicate label key '{key}'")
        seen.add(key)
        pairs.append((key, value))
    return pairs


@runs(Labels)
def run_labels(task: Labels, ctx: RunContext) -> Outcome:
    """Render keys and values (map, list of {key, value}, or an expression rendering to a
    JSON map). Any `system.` key is refused, as Kestra's Labels.java does at runtime. The
    result's `labels` are the new ones; the executor merges them (new keys win)."""
    pairs = _rendered_labels(task, ctx)
    for key, value in pairs:
        if key.startswith(SYSTEM_LABEL_PREFIX):
            raise TaskFailure("System labels can only be set by the engine itself, "
                              f"offending label: {key}={value}")
    merged: dict[str, str] = {}
    for key, value in pairs:
        merged[key] = value
    return Outcome(State.SUCCESS, labels=[{"key": k, "value": v} for k, v in merged.items()])

"""Properties every kubectl task has (Kestra's AbstractConnection and AbstractPod) and the
rendering helpers they share."""

from __future__ import annotations

import json
from typing import Any

from podium.sdk import DurationStr, Dyn, Expr, RunContext, StrictModel, TaskFailure
from podium.sdk.durations import parse_duration
from podium_kubernetes.connection import Connection


class KubectlProperties(StrictModel):
    """Kestra's properties of the kubectl tasks. The pod-file ones (`inputFiles`,
    `outputFiles`, `fileSidecar`, `containerDefaultSpec`, `waitUntilRunning`,
    `waitRunning`) are PodCreate's, inherited by the kubectl classes in Kestra: read,
    unused, as there."""

    connection: Connection | None = None
    inherit_cluster_config: Dyn[bool] = False
    namespace: str = "default"
    wait_until_ready: DurationStr = "PT0S"
    wait_until_running: DurationStr = "PT10M"
    wait_running: DurationStr = "PT1H"
    input_files: dict[str, Any] | Expr | None = None
    output_files: list[str] | Expr | None = None
    file_sidecar: dict[str, Any] | None = None
    container_default_spec: dict[str, Any] | Expr | None = None
    namespace_files: dict[str, Any] | None = None

    def rendered_namespace(self, ctx: RunContext) -> str:
        value = str(ctx.render(self.namespace) or "").strip()
        if not value:
            raise TaskFailure("namespace must be provided and rendered.")
        return value

    def wait_seconds(self, ctx: RunContext) -> float:
        text = str(ctx.render(self.wait_until_ready))
        try:
            return parse_duration(text).total_seconds()
        except ValueError as exc:
            raise TaskFailure(f"waitUntilReady: {exc}") from None


def required_text(ctx: RunContext, value: str | None, prop: str) -> str:
    rendered = str(ctx.render(value) or "").strip() if value is not None else ""
    if not rendered:
        raise TaskFailure(f"{prop} must be provided and rendered.")
    return rendered


def optional_text(ctx: RunContext, value: str | None, default: str) -> str:
    if value is None:
        return default
    return str(ctx.render(value) or "").strip() or default


def names(ctx: RunContext, value: list[str] | str | None, prop: str) -> list[str]:
    """A list of names given as a list or as one expression (`{{ inputs.resources }}`, a
    MULTISELECT input: a list, or its JSON text)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(ctx.render(item)) for item in value]
    rendered = ctx.render_typed(value)
    if isinstance(rendered, str):
        text = rendered.strip()
        try:
            rendered = json.loads(text) if text.startswith("[") else [text] if text else []
        except ValueError:
            raise TaskFailure(f"{prop}: '{text}' is not a list of names") from None
    if not isinstance(rendered, list):
        raise TaskFailure(f"{prop}: expected a list of names, got {type(rendered).__name__}")
    return [str(item) for item in rendered]

"""/api/v1/plugins (Kestra's PluginController): the installed plugins, one type's
documentation and schema, and the JSON schema of a flow for editors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from podium.application import plugins

router = APIRouter(prefix="/api/v1/plugins", tags=["Plugins"])


@router.get("")
def list_plugins() -> list[dict[str, Any]]:
    """Every installed plugin (core first) with its task, trigger, condition and task runner
    types."""
    return plugins.list_plugins()


@router.get("/broken")
def broken_plugins() -> list[dict[str, str]]:
    """(Podium's) installed plugins that failed to load: name, distribution, error."""
    return plugins.broken_plugins()


@router.get("/schemas/{kind}")
def flow_schema(kind: str) -> dict[str, Any]:
    """The JSON schema of a flow (`flow`), or of any task or trigger (`task`, `trigger`)."""
    return plugins.schema(kind)


@router.get("/{cls}")
def plugin_type(cls: str) -> dict[str, Any]:
    """One type's documentation (markdown, examples) and the JSON schema of its properties."""
    return plugins.documentation(cls)

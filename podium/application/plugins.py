"""The installed plugins and their types' documentation and JSON schemas (Kestra's
/api/v1/plugins), for the API, the CLI and editors.

Shapes follow Kestra's PluginController: a plugin lists its types per category as
`{cls, deprecated}`; a type's documentation is `{markdown, schema: {properties,
definitions, ...}}`; `schemas/flow` is the JSON schema of a whole flow (what an editor
validates and completes with). Schemas are built from the pydantic models, with YAML's
camelCase names, once per process.
"""

from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from podium.common.errors import InvalidRequestError, NotFoundError
from podium.common.plugins import PluginModel, registry
from podium.common.plugins.plugin import Plugin
from podium.common.version import podium_version

# Kestra's JSON keys of a plugin's type lists, per registry category.
_LIST_KEYS = {"task": "tasks", "trigger": "triggers", "condition": "conditions",
              "task_runner": "taskRunners"}
SCHEMA_KINDS = ("flow", "task", "trigger")


class _Lenient(GenerateJsonSchema):
    """A property whose validator has no JSON form (a custom check) is left unconstrained
    rather than failing the whole schema."""

    def handle_invalid_for_json_schema(self, schema: Any, error_info: str) -> dict[str, Any]:
        return {}


def list_plugins() -> list[dict[str, Any]]:
    """Every registered plugin, core first, with its types."""
    return [_describe(plugin) for plugin in registry.plugins()]


def broken_plugins() -> list[dict[str, str]]:
    """Installed plugins that failed to load: {name, distribution, error}."""
    return [{"name": b.name, "distribution": b.distribution, "error": b.error}
            for b in registry.broken()]


def types() -> list[dict[str, Any]]:
    """One row per type: {type, category, plugin, distribution, version, aliases, deprecated}."""
    rows = []
    for plugin in registry.plugins():
        for category, classes in plugin.by_category().items():
            for cls in classes:
                rows.append({"type": cls.TYPE, "category": category, "plugin": plugin.name,
                             "distribution": plugin.distribution or "podium",
                             "version": plugin.version or _own_version(),
                             "aliases": list(cls.ALIASES), "deprecated": cls.DEPRECATED})
    return rows


def documentation(type_name: str) -> dict[str, Any]:
    """{markdown, schema, examples} of one type (its name or a legacy alias)."""
    cls = _resolve(type_name)
    schema = _schema_of(cls)
    plugin = registry.owner(cls)
    return {
        "cls": cls.TYPE,
        "plugin": plugin.name if plugin else None,
        "markdown": _markdown(cls),
        "schema": {"properties": schema, "definitions": schema.get("$defs", {})},
        "examples": [{"title": e.title, "code": e.code, "full": e.full} for e in cls.EXAMPLES],
    }


def schema(kind: str) -> dict[str, Any]:
    """The JSON schema of a whole flow, or of any task / trigger (a union over the types)."""
    if kind not in SCHEMA_KINDS:
        raise InvalidRequestError(f"unknown schema '{kind}': one of {', '.join(SCHEMA_KINDS)}")
    return _kind_schema(kind)


@lru_cache(maxsize=None)
def _kind_schema(kind: str) -> dict[str, Any]:
    if kind == "flow":
        from podium.common.flow.model import Flow

        return Flow.model_json_schema(by_alias=True, schema_generator=_Lenient)
    category = "task" if kind == "task" else "trigger"
    one_of = [{"$ref": f"#/$defs/{_ref(cls.TYPE)}"}
              for cls in registry.classes(category).values()]
    defs = {_ref(cls.TYPE): _schema_of(cls) for cls in registry.classes(category).values()}
    return {"oneOf": one_of, "$defs": defs}


@lru_cache(maxsize=None)
def _schema_of(cls: type[BaseModel]) -> dict[str, Any]:
    found = cls.model_json_schema(by_alias=True, schema_generator=_Lenient)
    found["properties"] = {**found.get("properties", {}),
                           "type": {"const": getattr(cls, "TYPE", ""), "type": "string"}}
    return found


def _ref(type_name: str) -> str:
    return type_name.replace(".", "_")


def _resolve(type_name: str) -> type[PluginModel]:
    for category in _LIST_KEYS:
        cls = registry.resolve(category, type_name)
        if cls is not None:
            return cls
    raise NotFoundError(f"no plugin type '{type_name}' is installed")


def _describe(plugin: Plugin) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": plugin.name, "title": plugin.title or plugin.name,
        "description": plugin.description, "group": _group(plugin),
        "distribution": plugin.distribution or "podium",
        "version": plugin.version or _own_version(),
    }
    for category, classes in plugin.by_category().items():
        described[_LIST_KEYS[category]] = [{"cls": cls.TYPE, "deprecated": cls.DEPRECATED}
                                           for cls in classes]
        described.setdefault("aliases", []).extend(
            {"cls": alias, "of": cls.TYPE} for cls in classes for alias in cls.ALIASES)
    return described


def _group(plugin: Plugin) -> str:
    """The longest dotted prefix its types share (Kestra's plugin `group`)."""
    names = [cls.TYPE.split(".")[:-1] for classes in plugin.by_category().values()
             for cls in classes]
    if not names:
        return ""
    common = names[0]
    for parts in names[1:]:
        while parts[:len(common)] != common:
            common = common[:-1]
    return ".".join(common)


def _markdown(cls: type[PluginModel]) -> str:
    title = f"# {cls.TYPE}\n\n"
    doc = inspect.cleandoc(cls.__doc__ or "")
    examples = "".join(f"\n\n## {e.title}\n\n```yaml\n{e.code.strip()}\n```" for e in cls.EXAMPLES)
    return title + doc + examples


def _own_version() -> str:
    return podium_version()

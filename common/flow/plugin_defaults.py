"""pluginDefaults, applied as Kestra applies them.

Every map with a `type` key anywhere in the flow (tasks, nested tasks, triggers,
conditions, task runners) receives the values of each default whose `type` equals the
plugin's type or is a prefix of it. Non-forced defaults lose to the flow's own values;
forced ones win, and are applied after, in reverse order of declaration ("lower wins").
Maps merge deeply; lists concatenate (default items first), as Kestra's MapUtils.merge does.

One deliberate improvement: a default matches a plugin written with a legacy alias and one
written with its canonical name alike (Kestra compares the type as written).
"""

from __future__ import annotations

from typing import Any, Iterable

from podium.common.plugins.registry import CATEGORIES, registry


def apply_plugin_defaults(flow: dict[str, Any]) -> dict[str, Any]:
    """A copy of the raw flow map with its `pluginDefaults` (and `taskDefaults`) applied."""
    declared = [d for key in ("pluginDefaults", "taskDefaults")
                for d in (flow.get(key) or []) if _is_usable(d)]
    if not declared:
        return flow
    normal = [d for d in declared if not d.get("forced")]
    forced = list(reversed([d for d in declared if d.get("forced")]))
    result = {}
    for key, value in flow.items():
        if key in ("pluginDefaults", "taskDefaults"):
            result[key] = value
        else:
            result[key] = _apply(_apply(value, normal, forced=False), forced, forced=True)
    return result


def _is_usable(default: Any) -> bool:
    return isinstance(default, dict) and isinstance(default.get("type"), str) \
        and isinstance(default.get("values"), dict)


def _apply(value: Any, defaults: list[dict[str, Any]], *, forced: bool) -> Any:
    if not defaults:
        return value
    if isinstance(value, list):
        return [_apply(item, defaults, forced=forced) for item in value]
    if not isinstance(value, dict):
        return value
    merged = {k: _apply(v, defaults, forced=forced) for k, v in value.items()}
    plugin_type = merged.get("type")
    if not isinstance(plugin_type, str):
        return merged
    for default in _matching(plugin_type, defaults):
        values = _known_values(plugin_type, default)
        if forced:
            merged = deep_merge(merged, values)
        else:
            merged = deep_merge(values, merged)
    return merged


def _known_values(plugin_type: str, default: dict[str, Any]) -> dict[str, Any]:
    """The values of a default that the plugin has properties for, when the default names
    a package (`io.kestra.plugin.gcp` giving `bucket` to GCS and BigQuery types alike):
    Kestra's flows rely on such a default skipping the types without that property. A
    default naming the type exactly gives all its values (an unknown one is refused)."""
    values: dict[str, Any] = default["values"]
    if default["type"] in _names(plugin_type):
        return values
    known = _property_names(plugin_type)
    return values if known is None else {k: v for k, v in values.items() if k in known}


def _property_names(type_name: str) -> set[str] | None:
    for category in CATEGORIES:
        cls = registry.resolve(category, type_name)
        if cls is not None:
            known = {f.alias or name for name, f in cls.model_fields.items()}
            known |= set(cls.model_fields) | {"type"}
            return known | {choice for f in cls.model_fields.values()
                            for choice in getattr(f.validation_alias, "choices", ())
                            if isinstance(choice, str)}
    return None


def _names(type_name: str) -> set[str]:
    """The type name and the canonical name it has in each category that knows it."""
    canonical = (registry.canonical(c, type_name) for c in CATEGORIES)
    return {type_name} | {name for name in canonical if name is not None}


def _matching(plugin_type: str, defaults: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    names = _names(plugin_type)
    for default in defaults:
        wanted = _names(default["type"])
        if any(name.startswith(w) for name in names for w in wanted):
            yield default


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` merged over `base`: maps recursively, lists concatenated, None never wins."""
    merged = dict(base)
    for key, value in override.items():
        original = merged.get(key)
        if value is None:
            continue
        if isinstance(value, dict) and isinstance(original, dict):
            merged[key] = deep_merge(original, value)
        elif isinstance(value, list) and isinstance(original, list):
            merged[key] = [*original, *value]
        else:
            merged[key] = value
    return merged


def unknown_default_properties(default: dict[str, Any]) -> list[str]:
    """Names in a default's `values` that its (exactly named) plugin type does not have.

    A default whose type is only a prefix cannot be checked, as in Kestra.
    """
    known = _property_names(default.get("type", ""))
    if known is None:
        return []
    return [k for k in default.get("values", {}) if k not in known]

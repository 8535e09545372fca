"""Turns pydantic validation errors into Problems a person can act on.

Pydantic reports locations that include union member labels and plugin type tags; we walk
the raw document along each location, keep only the real keys and indexes, and attach the
source position. Errors from the alternatives of one union are merged into one sentence.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Any, Callable, Sized

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from podium.common.errors import Problem
from podium.common.flow.rules import format_path
from podium.common.flow.yaml_source import YamlDocument
from podium.common.plugins.catalog import bare_family_hint, missing_plugin_hint, unknown_family_note
from podium.common.plugins.registry import CATEGORIES, registry

Path = tuple[Any, ...]

_EXPECTED = {
    "string_type": "a string", "int_type": "an integer", "int_parsing": "an integer",
    "int_from_float": "an integer", "float_type": "a number", "float_parsing": "a number",
    "bool_type": "a boolean", "bool_parsing": "a boolean (true or false)",
    "list_type": "a list", "dict_type": "a map", "model_type": "a map",
    "model_attributes_type": "a map", "tuple_type": "a list", "set_type": "a list",
}


_BOUNDS = {
    "greater_than": "must be greater than {gt}, got {got}",
    "greater_than_equal": "must be at least {ge}, got {got}",
    "less_than": "must be less than {lt}, got {got}",
    "less_than_equal": "must be at most {le}, got {got}",
    "too_short": "must have at least {min_length} item(s), got {length}",
    "too_long": "must have at most {max_length} item(s), got {length}",
    "string_too_short": "must be at least {min_length} characters long, got {length}",
    "string_too_long": "must be at most {max_length} characters long, got {length}",
}


def problems_from_validation(exc: ValidationError, doc: YamlDocument, data: Any,
                             root_fields: Callable[[], list[str]]) -> list[Problem]:
    grouped: dict[Path, list[ErrorDetails]] = defaultdict(list)
    for error in exc.errors(include_url=False):
        grouped[_raw_path(error, data)].append(error)
    _drop_shallow_type_errors(grouped)
    problems = []
    for path, errors in grouped.items():
        message = _merge([_describe(e, path, data, root_fields) for e in errors])
        position = doc.position_of(path)
        problems.append(Problem(message, format_path(path), *(position or (None, None))))
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.path))


def _raw_path(error: ErrorDetails, data: Any) -> Path:
    """The part of pydantic's location that exists in the document (plus a missing key)."""
    path: list[Any] = []
    node = data
    loc = error["loc"]
    for i, part in enumerate(loc):
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        elif error["type"] == "missing" and i == len(loc) - 1 and isinstance(node, dict):
            path.append(part)
    if error["type"].startswith("unknown_") and isinstance(node, dict) and "type" in node:
        path.append("type")
    return tuple(path)


def _drop_shallow_type_errors(grouped: dict[Path, list[ErrorDetails]]) -> None:
    """When one union alternative got further (deeper errors), its "wrong type" siblings
    at the parent only add noise: `labels` is not a map, but it is a list whose item 0 is bad."""
    for path in list(grouped):
        deeper = any(other[: len(path)] == path and len(other) > len(path) for other in grouped)
        if deeper and all(e["type"] in _EXPECTED for e in grouped[path]):
            del grouped[path]


def _describe(error: ErrorDetails, path: Path, data: Any,
              root_fields: Callable[[], list[str]]) -> str:
    kind, given = error["type"], error.get("input")
    if kind == "missing":
        return f"missing required property '{path[-1]}'"
    if kind == "extra_forbidden":
        return _unknown_property(path, data, root_fields)
    if kind.startswith("unknown_") and kind.endswith("_type"):
        return _unknown_type(kind[len("unknown_"):-len("_type")], given)
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_show(given)}"
    if kind == "string_pattern_mismatch":
        return f"{_show(given)} does not match the pattern {error['ctx']['pattern']}"
    if kind in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("literal_error", "enum"):
        return f"expected {error['ctx'].get('expected')}, got {_show(given)}"
    if kind == "union_tag_not_found":
        return "missing property 'type'"
    if kind == "union_tag_invalid":
        ctx = error["ctx"]
        return f"unknown {ctx['discriminator'].strip(chr(39))} {ctx['tag']!r}; expected one of " \
               f"{ctx['expected_tags']}"
    if kind in _BOUNDS:
        return _BOUNDS[kind].format(**error.get("ctx", {}), got=_show(given),
                                    length=len(given) if isinstance(given, Sized) else "")
    message = f"{error['msg'][:1].lower()}{error['msg'][1:]}"
    return message if isinstance(given, (dict, list)) else f"{message} (got {_show(given)})"


def _merge(messages: list[str]) -> str:
    unique = list(dict.fromkeys(messages))
    expected = [m for m in unique if m.startswith("expected ")]
    if len(expected) > 1:
        wanted = [m.removeprefix("expected ").split(", got ")[0] for m in expected]
        got = expected[0].split(", got ", 1)[1] if ", got " in expected[0] else ""
        merged = "expected " + " or ".join(dict.fromkeys(wanted)) + (f", got {got}" if got else "")
        unique = [merged, *[m for m in unique if m not in expected]]
    return "; ".join(unique)


def _unknown_type(category: str, given: Any) -> str:
    name = given.get("type") if isinstance(given, dict) else None
    label = category.replace("_", " ")
    if name is None:
        return f"missing property 'type' (the {label} type)"
    if not isinstance(name, str):
        return f"expected a {label} type name, got {_show(name)}"
    missing = missing_plugin_hint(name)
    if missing:
        return f"unknown {label} type '{name}': {missing}"
    suggestions = registry.suggest(category, name)
    if suggestions:
        return f"unknown {label} type '{name}'; did you mean {' or '.join(suggestions)}?"
    note = bare_family_hint(name) or unknown_family_note(name)
    return f"unknown {label} type '{name}'" + (f": {note}" if note else "")


def _unknown_property(path: Path, data: Any, root_fields: Callable[[], list[str]]) -> str:
    name = path[-1]
    parent = _at(data, path[:-1])
    known = _known_fields(parent) if path[:-1] else root_fields()
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    owner = f" of {parent['type']}" if isinstance(parent, dict) and "type" in parent else ""
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown property '{name}'{owner}{hint}"


def _known_fields(node: Any) -> list[str]:
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        return []
    for category in CATEGORIES:
        cls = registry.resolve(category, node["type"])
        if cls is not None:
            return [f.alias or n for n, f in cls.model_fields.items()]
    return []


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    text = repr(value) if isinstance(value, str) else str(value).lower() \
        if isinstance(value, bool) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."

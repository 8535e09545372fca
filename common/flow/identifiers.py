"""Identifiers keep the text they were written with: quote-or-error.

YAML reads an unquoted `0123` as the number 123, `1.10` as 1.1, `1e3` as 1000.0, `0x1F`
as 31, `true` as a boolean and `null` / `~` as nothing. On a property that names something
(a flow, a namespace, a task, an input, a trigger, an output, an SLA, a label key, a Dag
dependency) that silently renames it, so such a scalar is refused with its location and
a hint to quote it. An unquoted number whose text is already what it reads as (`id: 2024`)
changes nothing and is accepted.

The rule runs on the raw document, before the models (which would turn 123 back into text).
"""

from __future__ import annotations

from typing import Any, Iterator

from podium.common.flow.yaml_source import YamlDocument

Path = tuple[Any, ...]

ROOT_IDENTIFIERS = ("id", "namespace", "tenantId")
# Properties of a typed element (task, trigger, condition, input, output, SLA) that name
# something: its own id, or the flow / task it points at.
ELEMENT_IDENTIFIERS = ("id", "namespace", "flowId", "taskId")
# Root properties holding free data, where YAML's reading of a scalar is the user's intent.
_FREE_DATA = ("variables",)


def check_identifier_scalars(doc: YamlDocument) -> list[tuple[Path, str]]:
    """Problems for identifiers that YAML would read as something other than their text."""
    problems = []
    for path in _identifier_paths(doc.data):
        text = doc.plain_non_text.get(path)
        if text is None:
            continue
        value = _at(doc.data, path)
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and str(value) == text:
            continue
        problems.append((path, f"{text} would be read as {_reading(value)}, not as the "
                         f"identifier '{text}'; quote it: \"{text}\""))
    return problems


def _identifier_paths(data: Any) -> Iterator[Path]:
    if not isinstance(data, dict):
        return
    yield from ((key,) for key in ROOT_IDENTIFIERS if key in data)
    for key, value in data.items():
        if key not in _FREE_DATA and key not in ROOT_IDENTIFIERS:
            yield from _walk(value, (key,))


def _walk(node: Any, path: Path) -> Iterator[Path]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, (*path, i))
        return
    if not isinstance(node, dict):
        return
    if "type" in node:
        yield from ((*path, key) for key in ELEMENT_IDENTIFIERS if key in node)
    if len(path) > 1 and path[-2] == "labels" and isinstance(path[-1], int) and "key" in node:
        yield (*path, "key")  # the list form of labels: [{key, value}]
    depends_on = node.get("dependsOn")
    if isinstance(depends_on, list):
        yield from ((*path, "dependsOn", i) for i in range(len(depends_on)))
    for key, value in node.items():
        yield from _walk(value, (*path, key))


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _reading(value: Any) -> str:
    if value is None:
        return "null (no value)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return f"the number {value}"

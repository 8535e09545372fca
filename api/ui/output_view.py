"""What the Outputs tab shows, as plain functions of the values (tested without a
server): an output value as a tree of nodes, and the preview of a stored file's head."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from podium.common.storage.uris import URI_PREFIX
from podium.common.templating.library.ion import ion_rows

# A node shows this many children at most (the rest are counted): a page stays small.
MAX_CHILDREN = 200
MAX_TEXT = 2000
PREVIEW_BYTES = 100 * 1024
PREVIEW_ROWS = 100


@dataclass(frozen=True)
class Node:
    """One value of an output tree: `kind` is "map", "list", "file" (a kestra:// URI),
    "text" or "value" (number, boolean, null, shown as JSON)."""

    key: str
    kind: str
    text: str = ""
    children: tuple[Node, ...] = ()
    hidden: int = 0  # children left out past MAX_CHILDREN


def is_storage_uri(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(URI_PREFIX)


def tree(key: str, value: Any) -> Node:
    if isinstance(value, dict):
        items = list(value.items())
        return Node(key, "map", _count(len(items), "key"), _children(items),
                    max(0, len(items) - MAX_CHILDREN))
    if isinstance(value, (list, tuple)):
        items = [(str(index), item) for index, item in enumerate(value)]
        return Node(key, "list", _count(len(items), "item"), _children(items),
                    max(0, len(items) - MAX_CHILDREN))
    if is_storage_uri(value):
        return Node(key, "file", value)
    if isinstance(value, str):
        return Node(key, "text", _cut(value))
    return Node(key, "value", _cut(json.dumps(value, default=str)))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _children(items: list[tuple[Any, Any]]) -> tuple[Node, ...]:
    return tuple(tree(str(key), item) for key, item in items[:MAX_CHILDREN])


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + f"… ({len(text)} characters)"


@dataclass(frozen=True)
class Preview:
    """`kind` is "table" (`columns`, `rows`), "text" (`text`) or "binary" (none shown)."""

    name: str
    size: int
    kind: str
    truncated: bool
    text: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def preview(name: str, size: int, head: bytes) -> Preview:
    """The preview of a file from its first bytes (`head`, at most PREVIEW_BYTES): CSV as a
    table, JSON and ION pretty (ION rows of records as a table), other text as is."""
    truncated = size > len(head)
    text = _text(head, truncated)
    if text is None:
        return Preview(name, size, "binary", truncated)
    if truncated:
        # The last line may be cut in the middle: the preview stops at the last whole one.
        text = text[:text.rfind("\n") + 1] or text
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    shown = _formatted(extension, text, truncated)
    if isinstance(shown, tuple):
        columns, rows = shown
        return Preview(name, size, "table", truncated or len(rows) > PREVIEW_ROWS,
                       columns=columns, rows=rows[:PREVIEW_ROWS])
    return Preview(name, size, "text", truncated, text=shown)


def _text(head: bytes, truncated: bool) -> str | None:
    if b"\0" in head:
        return None
    try:
        return head.decode()
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the head is not a binary file.
        if truncated and error.start >= len(head) - 3:
            return head[:error.start].decode()
        return None


Table = tuple[list[str], list[list[str]]]


def _formatted(extension: str, text: str, truncated: bool) -> Table | str:
    """(columns, rows) for a table, else the text to show."""
    try:
        if extension in ("csv", "tsv"):
            return _csv_table(text, "\t" if extension == "tsv" else ",")
        if extension == "ion":
            return _records_table(ion_rows(text, PREVIEW_ROWS + 1)) or _pretty(
                ion_rows(text, PREVIEW_ROWS + 1))
        if extension == "json" and not truncated:
            return _pretty(json.loads(text))
    except (ValueError, IndexError, KeyError, TypeError, csv.Error):
        pass  # not what its name says (or cut badly): shown as text
    return text


def _csv_table(text: str, delimiter: str) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = [row for _, row in zip(range(PREVIEW_ROWS + 2), reader)]
    return (rows[0], rows[1:]) if rows else ([], [])


def _records_table(values: list[Any]) -> tuple[list[str], list[list[str]]] | None:
    """ION rows that are all records, as a table (columns in order of appearance)."""
    if not values or not all(isinstance(value, dict) for value in values):
        return None
    columns = list(dict.fromkeys(key for value in values for key in value))
    return columns, [[_cell(value.get(column)) for column in columns] for value in values]


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)

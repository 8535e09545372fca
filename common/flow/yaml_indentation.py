"""Says in words which line of a YAML document is indented wrongly, instead of the parser's
"expected <block end>, but found '<block mapping start>'".

A key indented more than the key above it is read by YAML as more of that key's value, and
fails at its colon ("mapping values are not allowed here"); a key or list item indented
less than its siblings (but more than the parent) ends the block too early ("expected
<block end>"). Both are recognised from the parser's error and the source text: the
offending line starts with a key or a `- ` item, and the keys and items above it (its
previous sibling and the keys that enclose it) give the column it should start at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ruamel.yaml.error import MarkedYAMLError

# An indented block line: its `- ` item markers, then a plain key up to `:` (or nothing).
_LINE = re.compile(r"^(?P<indent> *)(?P<dashes>(?:- +)*)(?:(?P<key>[^\s#'\"\[\]{}:-][^:#]*?) *:(?: |$))?")


@dataclass(frozen=True)
class _Entry:
    """A key or a list item of a line above the faulty one."""

    column: int  # 1-based
    line: int  # 1-based
    key: str | None  # None for a list item


def describe_bad_indentation(exc: MarkedYAMLError, text: str) -> tuple[str, int, int] | None:
    """(message, line, column) when `exc` comes from a wrongly indented key or list item;
    None for any other syntax error."""
    mark = exc.problem_mark
    lines = text.splitlines()
    if mark is None or mark.line >= len(lines):
        return None
    line = lines[mark.line]
    if "\t" in line[: len(line) - len(line.lstrip())]:
        return None  # the tab message says more
    faulty = _entries_of(line, mark.line + 1)
    if not faulty or not _is_indentation_error(exc, line, mark.column):
        return None
    # The line's first token is the one out of place; the parser points at it, or at the
    # colon after it.
    entry = next((e for e in faulty if e.column == mark.column + 1), faulty[0])
    reference = _reference(entry, _enclosing(lines, mark.line))
    if reference is None or reference.column == entry.column:
        return None
    return _message(entry, reference), entry.line, entry.column


def _is_indentation_error(exc: MarkedYAMLError, line: str, column: int) -> bool:
    problem = exc.problem or ""
    if problem == "mapping values are not allowed here":
        # The colon ends the first key of the line: YAML took that key for more of the
        # value above. (A colon later in a value is another error.)
        match = _LINE.match(line)
        return bool(match and match.group("key") and match.end("key") <= column
                    and not line[match.end("key"):column].strip())
    if problem.startswith("expected <block end>, but found"):
        return not line[:column].strip()  # the unexpected token starts the line
    return False


def _entries_of(line: str, number: int) -> list[_Entry]:
    """The items and the key a line starts, innermost last: `  - id: a` has an item at
    column 3 and the key `id` at column 5."""
    match = _LINE.match(line)
    if match is None or not line.strip() or line.lstrip().startswith("#"):
        return []
    entries = []
    column = len(match.group("indent")) + 1
    for dash in re.finditer(r"- +", match.group("dashes")):
        entries.append(_Entry(column + dash.start(), number, None))
    if match.group("key"):
        entries.append(_Entry(match.start("key") + 1, number, match.group("key").strip()))
    return entries


def _enclosing(lines: list[str], faulty_index: int) -> list[_Entry]:
    """The nearest key or item above, then each enclosing one (columns strictly falling).
    Lines that start no key or item (text of a block scalar, a value's continuation) are
    skipped."""
    chain: list[_Entry] = []
    for index in range(faulty_index - 1, -1, -1):
        for entry in reversed(_entries_of(lines[index], index + 1)):
            if not chain or entry.column < chain[-1].column:
                chain.append(entry)
        if chain and chain[-1].column == 1:
            break
    return chain


def _reference(entry: _Entry, chain: list[_Entry]) -> _Entry | None:
    """The key (for a key) or item (for an item) above that the faulty one most likely
    meant to line up with: the closest in column, the innermost on a tie."""
    same_kind = [e for e in chain if (e.key is None) == (entry.key is None)]
    if not same_kind:
        return None
    return min(same_kind, key=lambda e: (abs(e.column - entry.column), -e.column))


def _message(entry: _Entry, reference: _Entry) -> str:
    more = "more" if entry.column > reference.column else "less"
    if entry.key is None:
        return (f"this list item is indented {more} than the list item on line "
                f"{reference.line} (column {entry.column}, expected {reference.column}): "
                "the items of one list must start in the same column")
    return (f"key '{entry.key}' is indented {more} than the key '{reference.key}' on line "
            f"{reference.line} (column {entry.column}, expected {reference.column}): the keys "
            "of one mapping must start in the same column")

"""Says in words which line of a YAML document is indented wrongly, instead of the parser's
"expected <block end>, but found '<block mapping start>'".

A key indented more than the key above it is read by YAML as more of that key's value, and
fails at its colon ("mapping values are not allowed here"); a key or list item indented
less than its siblings (but more than the parent) ends the block too early ("expected
<block end>"). Both are recognised from the parser's error and the source text: the
offending line starts with a key or a `- ` item, and the keys and items above it (its
previous sibling and the keys that enclose it) give the column it should start at. A line
of a `|` or `>` block (a script, a description) indented less than the block's text ends
the block, and is named with the column the block's text starts at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ruamel.yaml.error import MarkedYAMLError

# An indented block line: its `- ` item markers, then a plain key up to `:` (or nothing).
_LINE = re.compile(r"^(?P<indent> *)(?P<dashes>(?:- +)*)(?:(?P<key>[^\s#'\"\[\]{}:-][^:#]*?) *:(?: |$))?")


# The end of a line opening a literal or folded block: `script: |`, `- >-`, `query: |2`.
_BLOCK_HEADER = re.compile(r"(?:^|[:\s-])\s*(?P<style>[|>])[-+0-9]*\s*(?:#.*)?$")


@dataclass(frozen=True)
class _Entry:
    """A key or a list item of a line above the faulty one."""

    column: int  # 1-based
    line: int  # 1-based
    key: str | None  # None for a list item


def describe_bad_indentation(exc: MarkedYAMLError, text: str) -> tuple[str, int, int] | None:
    """(message, line, column) when `exc` comes from a wrongly indented key, list item or
    line of block text; None for any other syntax error."""
    lines = text.splitlines()
    if exc.problem == "could not find expected ':'":
        return _text_read_as_key(exc, lines)
    mark = exc.problem_mark
    if mark is None or mark.line >= len(lines):
        return None
    line = lines[mark.line]
    if "\t" in line[: len(line) - len(line.lstrip())]:
        return None  # the tab message says more
    if (exc.problem or "").startswith("expected <block end>, but found") and \
            not line[:mark.column].strip():
        dedented = _dedented_block_text(lines, mark.line)
        if dedented is not None:
            return dedented
    return _misaligned_entry(exc, lines, mark.line, mark.column)


def _text_read_as_key(exc: MarkedYAMLError, lines: list[str]) -> tuple[str, int, int] | None:
    """Text that left the block it belongs to, which YAML then reads as a key."""
    mark = exc.context_mark
    if mark is None or mark.line >= len(lines) or lines[mark.line][:mark.column].strip():
        return None
    return _dedented_block_text(lines, mark.line)


def _misaligned_entry(exc: MarkedYAMLError, lines: list[str], index: int,
                      column: int) -> tuple[str, int, int] | None:
    line = lines[index]
    faulty = _entries_of(line, index + 1)
    if not faulty or not _is_indentation_error(exc, line, column):
        return None
    # The line's first token is the one out of place; the parser points at it, or at the
    # colon after it.
    entry = next((e for e in faulty if e.column == column + 1), faulty[0])
    reference = _reference(entry, _enclosing(lines, index))
    if reference is None or reference.column == entry.column:
        return None
    return _message(entry, reference), entry.line, entry.column


def _dedented_block_text(lines: list[str], index: int) -> tuple[str, int, int] | None:
    """A line of a `|` or `>` block (a script, a query) indented less than the block's
    text: YAML ends the block there and cannot read the line."""
    indent = _indent(lines[index])
    body = None  # the least indented line of the block's text seen so far
    for above in range(index - 1, -1, -1):
        text = lines[above]
        if not text.strip():
            continue
        header = _BLOCK_HEADER.search(text)
        if header is not None and (body is None or _indent(text) < _indent(lines[body])):
            return _dedent_message(index, indent, above, header.group("style"), body, lines)
        if _indent(text) <= indent:
            if text.lstrip().startswith("#"):
                continue  # a comment there (or text of the block, `## A title`)
            return None  # a line of the structure, not of a block's text
        if body is None or _indent(text) <= _indent(lines[body]):
            body = above
    return None


def _dedent_message(index: int, indent: int, header: int, style: str, body: int | None,
                    lines: list[str]) -> tuple[str, int, int] | None:
    looks_like_structure = bool(_entries_of(lines[index], index + 1))
    if looks_like_structure and indent <= _indent(lines[header]):
        return None  # a key or item after the block: its own indentation is the problem
    opened = f"the block that starts on line {header + 1} with '{style}'"
    if body is not None:
        return (f"this line is indented less than the text of {opened} (column {indent + 1}, "
                f"expected at least {_indent(lines[body]) + 1}): YAML ends a block at its first "
                "line indented less than the block's text", index + 1, indent + 1)
    return (f"the text of {opened} must be indented more than that line (column {indent + 1}, "
            f"expected more than {_indent(lines[header]) + 1})", index + 1, indent + 1)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


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

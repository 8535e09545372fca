"""Safe YAML loading with a source position for every value.

Flows are user input. This loader accepts plain YAML data only: no custom tags, a single
document, bounded size, bounded alias expansion (a billion-laughs document is rejected
before it is expanded) and no duplicate keys. It builds plain dicts, lists and scalars
itself from ruamel's node tree, so it knows the line and column of every key and item.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, NoReturn

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from podium.common.control_characters import describe_character
from podium.common.errors import Problem, YamlSyntaxError
from podium.common.flow.source_text import check_characters, decode_source, line_and_column
from podium.common.flow.yaml_indentation import describe_bad_indentation

MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_EXPANDED_NODES = 100_000
MAX_FLOW_NESTING = 100
# Levels of YAML nesting (mappings and lists) in a flow; a Sequential inside a Sequential
# costs three. Real flows stay under 30; the limit keeps every later walk far from Python's
# recursion limit.
MAX_DEPTH = 150

Path = tuple[Any, ...]

_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in
                 ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")


@dataclass
class YamlDocument:
    """A parsed document: plain data, plus the 1-based (line, column) of each path in it."""

    data: Any
    source: str
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    # Unquoted scalars that YAML read as something other than text (a number, a boolean,
    # null), by path, with their source text: identifier rules refuse those.
    plain_non_text: dict[Path, str] = field(default_factory=dict)

    def position_of(self, path: Path) -> tuple[int, int] | None:
        """Position of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return None
            path = path[:-1]


def load_yaml(source: str | bytes, *, name: str | None = None,
              max_bytes: int = MAX_DOCUMENT_BYTES,
              max_nodes: int = MAX_EXPANDED_NODES) -> YamlDocument:
    """Parse one YAML document. Raises YamlSyntaxError with the line and column of the fault."""
    text = decode_source(source, name)
    if len(text.encode("utf-8")) > max_bytes:
        _fail(f"document is too large ({len(text.encode('utf-8'))} bytes; "
              f"the limit is {max_bytes} bytes)", name)
    if not text.strip():
        _fail("document is empty", name)
    check_characters(text, name)
    _check_flow_nesting(text, name)
    root = _compose(text, name)
    if root is None:
        _fail("document is empty", name)
    _check_expansion(root, max_nodes, name)
    builder = _Builder(name)
    data = builder.build(root, ())
    return YamlDocument(data=data, source=text, positions=builder.positions,
                        plain_non_text=builder.plain_non_text)


_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\n]|\'\')*\'|(?:^|\s)#[^\n]*')


def _check_flow_nesting(text: str, name: str | None) -> None:
    """Reject deeply nested [ and { early: ruamel's scanner slows down badly on them.

    Quoted strings and comments are removed first; brackets inside plain scalars can only
    over-count, and a real flow never nests anywhere near the limit.
    """
    # Blanked, not removed, so that offsets (and so lines and columns) stay those of `text`.
    blanked = _QUOTED_OR_COMMENT.sub(lambda found: " " * len(found.group()), text)
    depth = 0
    for offset, char in enumerate(blanked):
        if char in "[{":
            depth += 1
            if depth > MAX_FLOW_NESTING:
                line, column = line_and_column(text, offset)
                raise YamlSyntaxError([Problem(
                    f"document is nested too deeply (more than {MAX_FLOW_NESTING} levels of "
                    "[ or {)", line=line, column=column)], name)
        elif char in "]}":
            depth = max(0, depth - 1)


def _compose(text: str, name: str | None) -> Node | None:
    yaml = YAML(typ="safe", pure=True)
    try:
        root: Node | None = yaml.compose(text)
        return root
    except MarkedYAMLError as exc:
        misindented = describe_bad_indentation(exc, text)
        if misindented is not None:
            message, line, column = misindented
            raise YamlSyntaxError([Problem(message, line=line, column=column)], name) from None
        mark = exc.problem_mark or exc.context_mark
        raise YamlSyntaxError([Problem(
            _syntax_message(exc, text), line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None)], name) from None
    except YAMLError as exc:
        _fail(f"invalid YAML: {exc}", name)
    except RecursionError:
        # ruamel's composer recursed past Python's limit: far deeper than MAX_DEPTH. Its
        # stack is gone, so point at the most indented line, where the nesting peaks.
        line, column = _most_indented(text)
        raise YamlSyntaxError([Problem(
            f"document is nested too deeply (more than {MAX_DEPTH} levels of lists and "
            "mappings)", line=line, column=column)], name) from None
    return None


def _most_indented(text: str) -> tuple[int, int]:
    best = (1, 1)
    for number, line in enumerate(text.splitlines(), 1):
        indent = len(line) - len(line.lstrip(" -"))
        if line.strip() and indent + 1 > best[1]:
            best = (number, indent + 1)
    return best


def _syntax_message(exc: MarkedYAMLError, text: str) -> str:
    problem = exc.problem or exc.context or "invalid YAML"
    mark = exc.problem_mark
    if "\\t" in problem or "\t" in problem or (mark is not None and _char_at(text, mark) == "\t"):
        return "tab characters are not allowed for indentation in YAML; use spaces"
    if "<stream end>" in problem:
        context = f" {exc.context}" if exc.context else ""
        return (f"invalid YAML: unexpected end of the document{context} "
                "(an unclosed bracket, brace or quote?)")
    if "expected a single document" in str(exc):
        return "only one YAML document is allowed per flow"
    if exc.context and exc.problem:
        return f"invalid YAML: {exc.context}; {exc.problem}"
    return f"invalid YAML: {problem}"


def _char_at(text: str, mark: Any) -> str:
    lines = text.splitlines()
    line, column = int(mark.line), int(mark.column)
    if line < len(lines) and column < len(lines[line]):
        return lines[line][column]
    return ""


def _check_expansion(root: Node, limit: int, name: str | None) -> None:
    """Reject documents whose aliases would expand to more than `limit` nodes.

    Sizes are memoised per node object, so an alias bomb is measured in time linear in the
    number of distinct nodes, never expanded.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool, int]] = [(root, False, 1)]
    while stack:
        node, children_done, depth = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done:
            if id(node) in open_nodes:
                _fail_at(node, "an alias refers to the value that contains it (recursive alias)",
                         name)
            if depth > MAX_DEPTH:
                _fail_at(node, f"document is nested too deeply (more than {MAX_DEPTH} levels "
                         "of lists and mappings)", name)
            open_nodes.add(id(node))
            stack.append((node, True, depth))
            stack.extend((c, False, depth + 1) for c in children if id(c) not in sizes)
            continue
        open_nodes.discard(id(node))
        sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in children)
        if sizes[id(node)] > limit:
            mark = node.start_mark
            raise YamlSyntaxError([Problem(
                f"document expands to more than {limit} values through aliases "
                f"(an alias bomb?)", line=mark.line + 1, column=mark.column + 1)], name)


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _fail_at(node: Node, message: str, name: str | None) -> NoReturn:
    mark = node.start_mark
    raise YamlSyntaxError([Problem(message, line=mark.line + 1, column=mark.column + 1)], name)


def _fail(message: str, name: str | None) -> NoReturn:
    raise YamlSyntaxError([Problem(message)], name)


class _Builder:
    """Turns a node tree into plain data, recording positions and rejecting what we forbid."""

    def __init__(self, name: str | None) -> None:
        self.name = name
        self.positions: dict[Path, tuple[int, int]] = {}
        self.plain_non_text: dict[Path, str] = {}

    def build(self, node: Node, path: Path) -> Any:
        self._check_tag(node)
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self._error(node, "a value must be a mapping, a list or a plain value")

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        self._refuse_escaped_nul(node)
        value = _scalar(node)
        if node.style is None and not isinstance(value, str):
            self.plain_non_text[path] = node.value
        return value

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if str(key_node.tag) == _STD + "merge":
                merged.update(self._merge_source(value_node, path))
                continue
            key = self._key(key_node)
            if key in result:
                self._error(key_node, f"duplicate key '{key}'")
            self.positions[(*path, key)] = (key_node.start_mark.line + 1,
                                            key_node.start_mark.column + 1)
            result[key] = self.build(value_node, (*path, key))
        return {**merged, **result}

    def _merge_source(self, node: Node, path: Path) -> dict[str, Any]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, MappingNode):
                self._error(source, "a merge key (<<) must refer to a mapping")
            merged.update(self._mapping(source, path))
        return merged

    def _key(self, node: Node) -> str:
        self._check_tag(node)
        if not isinstance(node, ScalarNode):
            self._error(node, "a mapping key must be a plain value, not a list or a mapping")
        self._refuse_escaped_nul(node)
        return str(node.value)

    def _refuse_escaped_nul(self, node: ScalarNode) -> None:
        # Only an escape ("\0", "\x00") gets here: raw NULs were refused earlier. No
        # database text column can hold a NUL, and no flow needs one.
        if "\x00" in str(node.value):
            self._error(node, f"{describe_character(chr(0))} is not allowed in a value "
                        "(written as an escape sequence); remove it")

    def _check_tag(self, node: Node) -> None:
        tag = str(node.tag)
        if tag not in _ALLOWED_TAGS:
            self._error(node, f"tag '{tag}' is not allowed; flows may contain plain YAML only")

    def _error(self, node: Node, message: str) -> NoReturn:
        mark = node.start_mark
        raise YamlSyntaxError([Problem(message, line=mark.line + 1, column=mark.column + 1)],
                              self.name)


def _scalar(node: ScalarNode) -> Any:
    tag, value = str(node.tag), node.value
    if tag == _STD + "null":
        return None
    if tag == _STD + "bool":
        return value.lower() == "true"
    if tag == _STD + "int":
        return _int(value)
    if tag == _STD + "float":
        return _float(value)
    # Timestamps stay strings: Kestra reads them as text and each property parses its own.
    return value


def _int(text: str) -> int | str:
    cleaned = text.replace("_", "")
    try:
        if _INT.match(text):
            return int(cleaned)
        sign = -1 if cleaned.startswith("-") else 1
        body = cleaned.lstrip("+-").lower()
        for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
            if body.startswith(prefix):
                return sign * int(body[2:], base)
        return int(cleaned)
    except ValueError:
        return text


def _float(text: str) -> float | str:
    lowered = text.lower().replace("_", "")
    if lowered in (".inf", "+.inf"):
        return math.inf
    if lowered == "-.inf":
        return -math.inf
    if lowered == ".nan":
        return math.nan
    try:
        return float(lowered)
    except ValueError:
        return text

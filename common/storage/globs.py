"""Path patterns as Kestra reads them (Java's PathMatcher, Kestra's PathMatcherPredicate).

Paths here are relative POSIX paths (``scripts/etl.py``). A glob's `*` and `?` stay within
a segment, `**` crosses them, `{a,b}` alternates, `[...]` is a class. A pattern may carry
Java's syntax prefix: ``glob:...`` or ``regex:...`` (a Python regex, matched whole).

Kestra matches namespace files and working-directory files against their path with a
leading slash (``/scripts/etl.py``), so `path_predicate` does the same:

- ``anchored=False`` (namespace files, Kestra's ``PathMatcherPredicate.matches(patterns)``):
  a bare pattern that starts with a letter, digit or ``_`` matches at any depth
  (``etl.py`` means ``**/etl.py``); others are taken as written (``/scripts/*.py``,
  ``**.sql``; note that ``*.py`` then matches nothing: ``*`` does not cross the leading
  slash, as in Kestra).
- ``anchored=True`` (files of a working directory, ``matches(basePath, patterns)``): a bare
  pattern is relative to the directory (``out/*.csv``); prefixed ones are taken as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_GLOB, _REGEX = "glob:", "regex:"
_STARTS_WITH_WORD = re.compile(r"\w")


def glob_regex(pattern: str) -> re.Pattern[str]:
    """The regex of a glob over relative POSIX paths (match it with ``fullmatch``)."""
    out: list[str] = []
    i, groups = 0, 0
    while i < len(pattern):
        token, i, groups = _glob_token(pattern, i, groups)
        out.append(token)
    return re.compile("".join(out))


def _glob_token(pattern: str, i: int, groups: int) -> tuple[str, int, int]:
    """The regex of the glob token at `i`: (regex, next index, open `{` groups)."""
    if pattern.startswith("**/", i):
        return "(?:.*/)?", i + 3, groups
    if pattern.startswith("**", i):
        return ".*", i + 2, groups
    char = pattern[i]
    simple = {"*": "[^/]*", "?": "[^/]"}
    if char in simple:
        return simple[char], i + 1, groups
    if char == "{":
        return "(?:", i + 1, groups + 1
    if char in "}," and groups:
        return (")", i + 1, groups - 1) if char == "}" else ("|", i + 1, groups)
    if char == "[" and "]" in pattern[i + 2:]:
        end = pattern.index("]", i + 2)
        body = pattern[i + 1:end].replace("\\", "\\\\").replace("/", "")
        return "[" + ("^" + body[1:] if body.startswith("!") else body) + "]", end + 1, groups
    return re.escape(char), i + 1, groups


def pattern_regex(pattern: str, *, anchored: bool) -> re.Pattern[str]:
    """The regex one Kestra pattern means over ``/``-prefixed paths. Raises ValueError for
    an invalid ``regex:`` pattern."""
    if pattern.startswith(_REGEX):
        try:
            return re.compile(pattern[len(_REGEX):])
        except re.error as exc:
            raise ValueError(f"invalid regex pattern '{pattern}': {exc}") from None
    if pattern.startswith(_GLOB):
        return glob_regex(pattern[len(_GLOB):])
    if anchored:
        return glob_regex(pattern if pattern.startswith("/") else "/" + pattern)
    return glob_regex("**/" + pattern if _STARTS_WITH_WORD.match(pattern) else pattern)


def path_predicate(patterns: Iterable[str], *, anchored: bool = False) -> Callable[[str], bool]:
    """True for a relative path matching any of `patterns` (see the module doc)."""
    regexes = [pattern_regex(p, anchored=anchored) for p in patterns]
    return lambda path: any(regex.fullmatch("/" + path) for regex in regexes)


def include_exclude(include: list[str] | None,
                    exclude: list[str] | None) -> Callable[[str], bool]:
    """Kestra's ``PathMatcherPredicate.builder()``: paths matching `include` (every path
    when it is empty) and none of `exclude`."""
    included = path_predicate(include) if include else (lambda path: True)
    excluded = path_predicate(exclude) if exclude else (lambda path: False)
    return lambda path: included(path) and not excluded(path)

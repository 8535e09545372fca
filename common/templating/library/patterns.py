"""Kestra's regular-expression filters: regexMatch, regexReplace, regexExtract.

Patterns come from flows, so they are untrusted: they run on the `regex` engine, whose
matching can be interrupted, with a time limit (Kestra bounds them too: RegexUtils), and a
pattern that takes too long fails the render with "timed out" instead of holding a worker
or the executor. Java syntax mostly carries over (named groups `(?<name>...)` included);
replacements use Java's `$1` / `${name}`.
"""

from __future__ import annotations

from typing import Any

import regex

from ._util import fail, is_missing, java_str, require_int
from .text import java_replacement

REGEX_TIMEOUT_SECONDS = 1.0


def _compile(pattern: Any) -> regex.Pattern[str]:
    text = java_str(pattern)
    try:
        return regex.compile(text)
    except (regex.error, RecursionError, OverflowError) as exc:
        fail(f"Invalid regex '{text}': {getattr(exc, 'msg', None) or exc}")


def _required(value: Any, name: str) -> Any:
    if is_missing(value):
        fail(f"The argument '{name}' is required.")
    return value


def _timed(operation: Any, pattern: regex.Pattern[str]) -> Any:
    try:
        return operation()
    except TimeoutError:
        fail(f"Regex '{pattern.pattern}' timed out after {REGEX_TIMEOUT_SECONDS:g} s")


def regex_match(value: Any, regex: Any = None) -> Any:  # noqa: A002 - Kestra's argument name
    """True when the pattern is found anywhere in the text (Matcher.find); null: false."""
    if is_missing(value):
        return False
    pattern = _compile(_required(regex, "regex"))
    text = java_str(value)
    return _timed(lambda: pattern.search(text, timeout=REGEX_TIMEOUT_SECONDS), pattern) is not None


def regex_replace(value: Any, regex: Any = None, replacement: Any = None) -> Any:  # noqa: A002
    """Every match replaced (Matcher.replaceAll); null stays null."""
    if is_missing(value):
        return None
    pattern = _compile(_required(regex, "regex"))
    template = java_replacement(java_str(_required(replacement, "replacement")))
    text = java_str(value)
    return _timed(lambda: pattern.sub(template, text, timeout=REGEX_TIMEOUT_SECONDS), pattern)


def regex_extract(value: Any, regex: Any = None, group: Any = 0) -> Any:  # noqa: A002
    """The first match, or one of its groups (`group`, 0 = the whole match); no match or
    null: null."""
    if is_missing(value):
        return None
    pattern = _compile(_required(regex, "regex"))
    index = 0 if is_missing(group) else require_int(group, "The argument 'group'")
    if index < 0:
        fail(f"Group index {index} is out of bounds: must be >= 0.")
    text = java_str(value)
    found = _timed(lambda: pattern.search(text, timeout=REGEX_TIMEOUT_SECONDS), pattern)
    if found is None:
        return None
    if index > pattern.groups:
        fail(f"Group index {index} is out of bounds: the pattern has only "
             f"{pattern.groups} capture group(s).")
    return found.group(index)


FILTERS = {"regexMatch": regex_match, "regexReplace": regex_replace,
           "regexExtract": regex_extract}

"""User-supplied validator regexes (STRING / SECRET ``validator``) and their safe use.

Protection against catastrophic backtracking. Python's ``re`` is a backtracking engine
that cannot be interrupted portably (signals work only on the main thread, threads
cannot be killed, and this package does no process management). We therefore combine two
deterministic guards instead of a timeout:

1. At declaration time, ``compile_validator`` rejects the pattern shape behind exponential
   backtracking: an unbounded repeat (``*``, ``+``, ``{n,}``) whose body itself contains an
   unbounded repeat, unless every match of the body consumes a "separator" character
   (outside any repeat) that none of the body's repeated characters can match --
   ``(a+)+``, ``(\\w+\\s?)*``, ``(a*)*``, ``(([a-z])+.)+`` are rejected while ``([a-z]+-)*``
   or ``(-[a-z]+)*`` are accepted. This is a heuristic, not a proof: overlapping
   alternatives such as ``(a|a)*`` and back-references are not analysed.
2. At match time, values longer than ``MAX_VALIDATED_LENGTH`` characters are rejected before
   the regex runs, which bounds the cost of the remaining polynomial cases.

3. The match itself runs on the ``regex`` engine, whose matching can be interrupted, with a
   time limit (MATCH_TIMEOUT_SECONDS): the heuristic above does not see overlapping
   alternatives (``(a|a)*``) or nested bounded repeats (``(a?){25}a{25}``), and without the
   limit such a validator held the request for minutes. A value that cannot be checked in
   time is refused.

Matching is a full match, as Java's ``Pattern.matches``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import regex

try:  # Python 3.11+
    import re._parser as _sre_parse  # type: ignore[import-not-found]
    from re._constants import MAXREPEAT  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse
    from sre_constants import MAXREPEAT

MAX_VALIDATED_LENGTH = 4096
MATCH_TIMEOUT_SECONDS = 1.0

_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_SINGLE_CHAR = {"LITERAL", "NOT_LITERAL", "IN", "ANY", "CATEGORY"}


class UnsafeRegexError(ValueError):
    """The pattern does not compile or could backtrack catastrophically."""


@lru_cache(maxsize=512)
def compile_validator(pattern: str) -> re.Pattern[str]:
    """Compile a validator pattern, raising UnsafeRegexError when it is invalid or unsafe."""
    try:
        compiled = re.compile(pattern)
        parsed = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise UnsafeRegexError(f"`{pattern}` is not a valid regular expression: {exc}") from None
    if _has_nested_unbounded_repeat(parsed):
        raise UnsafeRegexError(
            f"`{pattern}` nests unbounded repeats (such as `(a+)+`), which can take exponential "
            "time on some values; rewrite it so each repetition is separated by a required "
            "character")
    return compiled


def full_match(pattern: str, value: str) -> bool:
    """True when the whole value matches. Raises UnsafeRegexError for an over-long value."""
    if len(value) > MAX_VALIDATED_LENGTH:
        raise UnsafeRegexError(
            f"the value is {len(value)} characters long; values checked against a validator "
            f"are limited to {MAX_VALIDATED_LENGTH} characters")
    compile_validator(pattern)
    try:
        return _interruptible(pattern).fullmatch(value, timeout=MATCH_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        raise UnsafeRegexError(
            f"the value could not be checked against the pattern `{pattern}` within "
            f"{MATCH_TIMEOUT_SECONDS:g} s") from None


@lru_cache(maxsize=512)
def _interruptible(pattern: str) -> regex.Pattern[str]:
    """The pattern on the `regex` engine (re-compatible syntax, VERSION0)."""
    return regex.compile(pattern)


def _items(subpattern: object) -> list[tuple[Any, Any]]:
    # The parser's tree is untyped: (opcode, argument) pairs whose argument depends on the op.
    items: Any = getattr(subpattern, "data", subpattern)  # SubPattern or plain list
    return list(items)


def _has_nested_unbounded_repeat(subpattern: object) -> bool:
    for op, av in _items(subpattern):
        name = str(op)
        if name in _REPEATS:
            _low, high, body = av
            if high == MAXREPEAT and _contains_unbounded(body) and not _has_separator(body):
                return True
            if _has_nested_unbounded_repeat(body):
                return True
        elif any(_has_nested_unbounded_repeat(c) for c in _children(name, av)):
            return True
    return False


def _children(name: str, av: Any) -> list[object]:
    if name == "SUBPATTERN":
        return [av[-1]]
    if name == "BRANCH":
        return list(av[1])
    if name in ("ASSERT", "ASSERT_NOT"):
        return [av[1]]
    if name == "ATOMIC_GROUP":
        return []  # an atomic group never backtracks into itself
    if name == "GROUPREF_EXISTS":
        return [b for b in av[1:] if b is not None]
    return []


def _contains_unbounded(subpattern: object) -> bool:
    for op, av in _items(subpattern):
        name = str(op)
        if name in _REPEATS:
            if av[1] == MAXREPEAT or _contains_unbounded(av[2]):
                return True
        elif any(_contains_unbounded(c) for c in _children(name, av)):
            return True
    return False


def _has_separator(body: object) -> bool:
    """True when every match of the body consumes a character, outside any repeat, that
    none of the body's repeated characters can match (so repetitions cannot be re-split)."""
    repeated: list[tuple[str, object]] = []
    _repeated_atoms(body, repeated, inside=False)
    return _mandatory(body, repeated)


def _mandatory(subpattern: object, repeated: list[tuple[str, object]]) -> bool:
    for op, av in _items(subpattern):
        name = str(op)
        if name in _SINGLE_CHAR and not any(
                _matches(name, av, ch) and any(_matches(n, a, ch) for n, a in repeated)
                for ch in _UNIVERSE):
            return True
        if name == "SUBPATTERN" and _mandatory(av[-1], repeated):
            return True
        if name == "BRANCH" and all(_mandatory(b, repeated) for b in av[1]):
            return True
    return False


def _repeated_atoms(subpattern: object, out: list[tuple[str, object]], inside: bool) -> None:
    for op, av in _items(subpattern):
        name = str(op)
        if name in _REPEATS:
            _repeated_atoms(av[2], out, inside or av[1] == MAXREPEAT)
        elif name in _SINGLE_CHAR:
            if inside:
                out.append((name, av))
        else:
            for child in _children(name, av):
                _repeated_atoms(child, out, inside)


# Characters used to decide whether two single-character items can match the same character.
_UNIVERSE = [chr(c) for c in range(0, 256)] + ["\u0100", "\u0660", "\u2019", "\u3000", "\u4e00"]
_CATEGORIES = {
    "CATEGORY_DIGIT": re.compile(r"\d"), "CATEGORY_NOT_DIGIT": re.compile(r"\D"),
    "CATEGORY_SPACE": re.compile(r"\s"), "CATEGORY_NOT_SPACE": re.compile(r"\S"),
    "CATEGORY_WORD": re.compile(r"\w"), "CATEGORY_NOT_WORD": re.compile(r"\W"),
}


def _matches(name: str, av: object, ch: str) -> bool:
    """Whether a single-character item can match `ch` (case-insensitivity ignored)."""
    if name == "LITERAL":
        return ord(ch) == av
    if name == "NOT_LITERAL":
        return ord(ch) != av
    if name == "ANY":
        return True
    if name == "CATEGORY":
        pattern = _CATEGORIES.get(str(av))
        return True if pattern is None else pattern.fullmatch(ch) is not None
    if name == "IN":
        negate = False
        hit = False
        members: Any = av  # the class's (op, argument) pairs
        for op, arg in members:
            op_name = str(op)
            if op_name == "NEGATE":
                negate = True
            elif op_name == "RANGE":
                hit = hit or arg[0] <= ord(ch) <= arg[1]
            elif op_name in ("CHARSET", "BIGCHARSET", "RANGE_UNI_IGNORE"):
                hit = True  # compiled forms: assume overlap
            else:
                hit = hit or _matches(op_name, arg, ch)
        return hit != negate
    return True

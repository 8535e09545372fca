"""String filters: Kestra's (slugify, substring*, escapeChar, replace, indent, hashes, ...)
and Pebble's string built-ins where they differ from Jinja's (capitalize, title, trim, split...)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
import urllib.parse
from typing import Any

from podium.common.templating.environment import to_output

from ._util import (
    MAX_TEXT,
    check_depth,
    fail,
    is_missing,
    java_str,
    require_int,
    require_str,
    type_name,
)

# ------------------------------------------------------------------ Kestra filters


def slugify(value: Any) -> Any:
    """Kestra Slugify.of: whitespace -> '-', accents stripped, non-word chars removed, '_' -> '-'."""
    if is_missing(value):
        return None
    s = re.sub(r"[ \t\n\x0b\f\r]", "-", java_str(value))
    s = unicodedata.normalize("NFD", s)
    s = re.sub(r"[^A-Za-z0-9_-]", "", s).replace("_", "-")
    s = re.sub(r"-{2,}", "-", s)
    s = s[1:] if s.startswith("-") else s
    s = s[:-1] if s.endswith("-") else s
    return s.lower()


def _sep(name: Any, separator: Any) -> Any:
    if separator is None:
        fail(f"The '{name}' filter expects an argument 'separator'.")
    return require_str(separator, f"The '{name}' filter separator")


def substring_before(value: Any, separator: Any = None) -> Any:
    """commons-lang StringUtils.substringBefore."""
    if is_missing(value):
        return None
    s, sep = java_str(value), _sep("substringBefore", separator)
    if not s or sep == "":
        return "" if sep == "" else s
    i = s.find(sep)
    return s if i < 0 else s[:i]


def substring_after(value: Any, separator: Any = None) -> Any:
    """commons-lang StringUtils.substringAfter."""
    if is_missing(value):
        return None
    s, sep = java_str(value), _sep("substringAfter", separator)
    i = s.find(sep)
    return "" if i < 0 else s[i + len(sep):]


def substring_before_last(value: Any, separator: Any = None) -> Any:
    """commons-lang StringUtils.substringBeforeLast."""
    if is_missing(value):
        return None
    s, sep = java_str(value), _sep("substringBeforeLast", separator)
    if not s or not sep:
        return s
    i = s.rfind(sep)
    return s if i < 0 else s[:i]


def substring_after_last(value: Any, separator: Any = None) -> Any:
    """commons-lang StringUtils.substringAfterLast."""
    if is_missing(value):
        return None
    s, sep = java_str(value), _sep("substringAfterLast", separator)
    if not s or not sep:
        return ""
    i = s.rfind(sep)
    return "" if i < 0 or i == len(s) - len(sep) else s[i + len(sep):]


def starts_with(input: Any, value: Any = None) -> Any:
    if is_missing(input):
        fail("The 'startsWith' filter cannot be applied to null")
    if value is None:
        fail("The 'startsWith' filter expects an argument 'value'.")
    return java_str(input).startswith(java_str(value))


def ends_with(input: Any, value: Any = None) -> Any:
    if is_missing(input):
        fail("The 'endsWith' filter cannot be applied to null")
    if value is None:
        fail("The 'endsWith' filter expects an argument 'value'.")
    return java_str(input).endswith(java_str(value))


def _walk(value: Any, fn: Any, name: Any, depth: Any = 0) -> Any:
    """Apply fn to every leaf of maps and lists, like Kestra's recursive filters."""
    check_depth(depth, name)
    if isinstance(value, dict):
        return {k: _walk(v, fn, name, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(v, fn, name, depth + 1) for v in value]
    if value is None:
        return None
    return fn(java_str(value))


_ESCAPES = {"single": ("'", "\\'"), "double": ('"', '\\"'), "shell": ("'", "'\\''")}


def escape_char(value: Any, type: Any = None) -> Any:
    """`escapeChar(type)`: escape quotes for single, double or shell quoting; recursive."""
    if is_missing(value):
        return None
    if type is None:
        fail("The 'escapeChar' filter expects an argument 'type'.")
    key = type.lower() if isinstance(type, str) else None
    if key not in _ESCAPES:
        fail("The 'escapeChar' filter expects the value of 'type' to be either 'single', 'double', or 'shell'.")
    old, new = _ESCAPES[key]
    return _walk(value, lambda s: _bounded(s.replace(old, new)), "escapeChar")


def _bounded(s: str) -> str:
    if len(s) > MAX_TEXT:
        fail(f"Result is too large ({len(s)} characters)")
    return s


def java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Java regular expression with Python's re (named groups translated)."""
    py = re.sub(r"\(\?<([A-Za-z][A-Za-z0-9]*)>", r"(?P<\1>", pattern)
    py = re.sub(r"\\k<([A-Za-z][A-Za-z0-9]*)>", r"(?P=\1)", py)
    try:
        return re.compile(py)
    except (re.error, RecursionError, OverflowError) as e:
        fail(f"Invalid regular expression '{pattern}': {getattr(e, 'msg', 'syntax error')}")


def java_replacement(repl: str) -> str:
    """Java Matcher replacement ($1, ${name}, \\$) to Python's re template."""
    out, i = [], 0
    while i < len(repl):
        c = repl[i]
        if c == "\\" and i + 1 < len(repl):
            out.append("\\\\" if repl[i + 1] == "\\" else repl[i + 1])
            i += 2
        elif c == "$":
            m = re.match(r"\$(\d+)|\$\{([A-Za-z][A-Za-z0-9]*)\}", repl[i:])
            if not m:
                fail(f"Illegal group reference in replacement '{repl}'")
            out.append(f"\\g<{m.group(1) or m.group(2)}>")
            i += m.end()
        else:
            out.append("\\\\" if c == "\\" else c)
            i += 1
    return "".join(out)


def replace(value: Any, replace_pairs: Any = None, regexp: Any = False) -> Any:
    """Kestra `replace(replace_pairs, regexp=false)`: a map of pairs; recursive on maps/lists."""
    if is_missing(value):
        return None
    if replace_pairs is None:
        fail("The argument 'replace_pairs' is required.")
    if not isinstance(replace_pairs, dict):
        fail(f"The argument 'replace_pairs' must be a map, got {type_name(replace_pairs)}")
    pairs = [(java_str(k), java_str(v)) for k, v in replace_pairs.items()]
    if regexp:
        compiled = [(java_regex(k), java_replacement(v)) for k, v in pairs]

        def apply(s: Any) -> Any:
            for rx, tpl in compiled:
                try:
                    s = _bounded(rx.sub(tpl, s))
                except (re.error, IndexError) as e:
                    fail(f"Invalid replacement: {getattr(e, 'msg', 'no such group')}")
            return s
    else:
        def apply(s: Any) -> Any:
            for old, new in pairs:
                if old == "":  # Java inserts the replacement between every character
                    if len(s) * (len(new) + 1) > MAX_TEXT:
                        fail("Result is too large")
                s = _bounded(s.replace(old, new))
            return s
    return _walk(value, apply, "replace")


def urldecode(value: Any) -> Any:
    if is_missing(value):
        return None
    s = require_str(value, "The 'urldecode' filter")
    if re.search(r"%(?![0-9A-Fa-f]{2})", s):
        fail("The 'urldecode' filter got an incomplete or invalid escape (%) pattern")
    return urllib.parse.unquote_plus(s)


def urlencode(value: Any) -> Any:
    """Java URLEncoder (UTF-8): space -> '+', only A-Za-z0-9 . - * _ kept."""
    if is_missing(value):
        return None
    return urllib.parse.quote_plus(java_str(value), safe="*").replace("~", "%7E")


def _hasher(algo: Any, name: Any) -> Any:
    def digest(value: Any) -> Any:
        if is_missing(value):
            return None
        if not isinstance(value, str):
            fail(f"The '{name}' filter needs a string to hash, got {type_name(value)}")
        return hashlib.new(algo, value.encode("utf-8")).hexdigest()
    digest.__name__ = name
    return digest


def base64encode(value: Any) -> Any:
    if is_missing(value):
        return None
    return base64.b64encode(java_str(value).encode("utf-8")).decode("ascii")


def base64decode(value: Any) -> Any:
    if is_missing(value):
        return None
    if not isinstance(value, str):
        fail("The 'base64decode' filter applies to a string")
    try:
        return base64.b64decode(value.encode("utf-8"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        fail("Please provide a correctly Base64 encoded string containing an UTF-8 string")


def _newline(s: str) -> str:
    for nl in ("\r\n", "\n\r", "\n", "\r"):
        if nl in s:
            return nl
    return "\n"


def _indent(kind: Any, value: Any, amount: Any, prefix: Any) -> Any:
    if is_missing(value):
        return None
    s = java_str(value)
    if s == "":
        return s
    if amount is None:
        fail(f"The '{kind}' filter expects an integer as argument 'amount'.")
    amount = require_int(amount, f"The '{kind}' filter argument 'amount'", 0, 10_000)
    prefix = require_str(prefix, f"The '{kind}' filter argument 'prefix'")
    nl = _newline(s)
    pad = prefix * amount
    if kind == "nindent":
        s = nl + s
    if (s.count(nl) + 1) * len(pad) + len(s) > MAX_TEXT:
        fail(f"The '{kind}' filter result is too large")
    return s.replace(nl, nl + pad)


def indent(value: Any, amount: Any = None, prefix: Any = " ") -> Any:
    """Indent every line but the first by amount x prefix."""
    return _indent("indent", value, amount, prefix)


def nindent(value: Any, amount: Any = None, prefix: Any = " ") -> Any:
    """Prepend a newline, then indent every line by amount x prefix."""
    return _indent("nindent", value, amount, prefix)


# ------------------------------------------------------------------ Pebble built-ins


def abbreviate(value: Any, length: Any = None) -> Any:
    if is_missing(value):
        return None
    s = require_str(value, "The 'abbreviate' filter")
    width = require_int(length, "The 'abbreviate' length")
    if width < 0:
        fail("Invalid argument to abbreviate filter; must be greater than zero")
    if len(s) < width or len(s) <= 3:
        return s
    return s[:width] if width <= 3 else s[:width - 3] + "..."


def capitalize(value: Any) -> Any:
    """Pebble: title-case the first non-whitespace character, keep the rest unchanged."""
    if is_missing(value):
        return None
    s = require_str(value, "The 'capitalize' filter")
    for i, c in enumerate(s):
        if not c.isspace():
            return s[:i] + c.title()[:1] + s[i + 1:]
    return s


def title(value: Any) -> Any:
    """Pebble: title-case each character following whitespace, keep the others unchanged."""
    if is_missing(value):
        return None
    s = require_str(value, "The 'title' filter")
    out, cap = [], True
    for c in s:
        if c.isspace():
            cap = True
        elif cap:
            c, cap = c.title()[:1], False
        out.append(c)
    return "".join(out)


def trim(value: Any) -> Any:
    """Java String.trim: strip characters <= U+0020 at both ends."""
    if is_missing(value):
        return None
    return require_str(value, "The 'trim' filter").strip("".join(chr(i) for i in range(33)))


def lower(value: Any) -> Any:
    return None if is_missing(value) else java_str(value).lower()


def upper(value: Any) -> Any:
    return None if is_missing(value) else java_str(value).upper()


def split(value: Any, delimiter: Any = None, limit: Any = None) -> Any:
    """Java String.split(regex, limit): trailing empty strings dropped when limit is 0."""
    if is_missing(value):
        return None
    if delimiter is None:
        fail("missing delimiter parameter in split filter")
    s = require_str(value, "The 'split' filter")
    d = require_str(delimiter, "The 'split' delimiter")
    lim = 0 if limit is None else require_int(limit, "The 'split' limit")
    literal = len(d) == 1 and d not in ".$|()[{^?*+\\" or (len(d) == 2 and d[0] == "\\" and not d[1].isalnum())
    rx = re.compile(re.escape(d[-1])) if literal else java_regex(d)
    parts: list[str] = []
    pos = 0
    for m in rx.finditer(s):
        if lim > 0 and len(parts) == lim - 1:
            break
        if m.end() == 0:  # zero-width match at the start never yields a leading empty string
            continue
        if m.start() == m.end() and m.start() >= len(s):
            break
        parts.append(s[pos:m.start()])
        pos = m.end()
        if len(parts) > 1_000_000:
            fail("The 'split' filter produced too many parts")
    if not parts:
        return [s]
    parts.append(s[pos:])
    if lim == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def string(value: Any) -> Any:
    """`string`: the value as text, printed as a template would print it (numbers in Java
    form, maps and lists as JSON); null stays null."""
    return None if is_missing(value) else to_output(value)


FILTERS = {
    "string": string, "slugify": slugify, "substringBefore": substring_before, "substringAfter": substring_after,
    "substringBeforeLast": substring_before_last, "substringAfterLast": substring_after_last,
    "startsWith": starts_with, "endsWith": ends_with, "escapeChar": escape_char, "replace": replace,
    "urldecode": urldecode, "urlencode": urlencode, "md5": _hasher("md5", "md5"),
    "sha1": _hasher("sha1", "sha1"), "sha256": _hasher("sha256", "sha256"),
    "sha512": _hasher("sha512", "sha512"), "base64encode": base64encode, "base64decode": base64decode,
    "indent": indent, "nindent": nindent, "abbreviate": abbreviate, "capitalize": capitalize,
    "title": title, "trim": trim, "lower": lower, "upper": upper, "split": split,
}

"""Control characters: the one rule for which characters a name, a label or a value given
by a user may not hold, and what a flow document may not hold before YAML reads it.

A control character here is a C0 control (U+0000-U+001F) or DEL (U+007F). Free text keeps
the three that are whitespace (tab, line feed, carriage return); a name (a path parameter,
a query key, a storage path segment) holds none at all. None is ever a real name or value:
PostgreSQL refuses a NUL in text, logs and files split on line breaks, and an ESC sequence
repaints the terminal that shows it.

Callers word their own message; the rule is this module's:
- API parameters, form inputs and labels (api/params.py, api/executions.py);
- labels of a flow or of a submission (common/labels.py);
- a flow document's characters (common/flow/source_text.py), which adds what YAML itself
  forbids on top (C1 controls, unpaired surrogates, U+FFFE, U+FFFF);
- storage URI segments (common/storage/uris.py).
"""

from __future__ import annotations

import re
import unicodedata

# Regular-expression class bodies, for a caller that refuses more (source_text.py).
CONTROL_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
WHITESPACE_CONTROLS = "\t\n\r"

_IN_TEXT = re.compile(f"[{CONTROL_CHARACTERS}]")
_IN_NAME = re.compile(f"[{CONTROL_CHARACTERS}{WHITESPACE_CONTROLS}]")
_SHORT_NAMES = {0: "NUL", 7: "BEL", 8: "BACKSPACE", 0x1b: "ESC", 0x7f: "DEL"}


def first_control_character(text: str, *, name: bool = False) -> str | None:
    """The first control character of `text`, or None. `name`: tab and line breaks count
    too (they are whitespace in free text, never part of a name)."""
    found = (_IN_NAME if name else _IN_TEXT).search(text)
    return found.group() if found else None


def has_control_characters(text: str, *, name: bool = False) -> bool:
    return first_control_character(text, name=name) is not None


def shown_safely(text: str, replacement: str = "?") -> str:
    """`text` with every control character (tab and line breaks included) replaced, fit to
    quote in a message or a log line."""
    return _IN_NAME.sub(replacement, text)


def describe_character(char: str) -> str:
    """'character U+0000 (NUL)', naming the character where it has a short name."""
    code = ord(char)
    label = _SHORT_NAMES.get(code) or unicodedata.name(char, "")
    return f"character U+{code:04X}" + (f" ({label})" if label else "")

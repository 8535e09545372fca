"""Limits on labels, the same for a flow's labels and for the labels given at submit.

Kestra has none; labels are indexed and listed on every execution, so a flow with 10,000
labels or a 1 MB label value makes every page and query that shows executions slow. The
limits are generous for real use: 64 labels, keys of at most 128 characters, values of at
most 1024 (docs/security.md, "Flow source"). No key or value holds a control character
(common/control_characters.py: the rule the API applies to the labels it is given).
"""

from __future__ import annotations

from typing import Any, Iterable

from podium.common.control_characters import (
    describe_character,
    first_control_character,
    shown_safely,
)

MAX_LABELS = 64
MAX_LABEL_KEY_LENGTH = 128
MAX_LABEL_VALUE_LENGTH = 1024


def label_limit_problems(pairs: Iterable[tuple[Any, Any]]) -> list[str]:
    """Why these (key, value) labels break the limits; an empty list when they do not."""
    pairs = list(pairs)
    problems = []
    if len(pairs) > MAX_LABELS:
        problems.append(f"too many labels ({len(pairs)}; at most {MAX_LABELS})")
    for key, value in pairs:
        key_text, value_text = str(key), "" if value is None else str(value)
        if len(key_text) > MAX_LABEL_KEY_LENGTH:
            problems.append(f"label key '{key_text[:40]}...' is {len(key_text)} characters "
                            f"long; at most {MAX_LABEL_KEY_LENGTH}")
        if len(value_text) > MAX_LABEL_VALUE_LENGTH:
            problems.append(f"the value of label '{key_text[:40]}' is {len(value_text)} "
                            f"characters long; at most {MAX_LABEL_VALUE_LENGTH}")
        char = first_control_character(key_text) or first_control_character(value_text)
        if char is not None:
            problems.append(f"label '{shown_safely(key_text[:40])}' contains "
                            f"{describe_character(char)}, a control character")
    return problems

"""NUL characters (U+0000) in values that reach the store.

PostgreSQL keeps no NUL in text or JSON (`\\u0000 cannot be converted to text`): a value
holding one would fail its INSERT, an HTTP 500 behind a webhook or a KV write on the
production store while SQLite takes it. So untrusted values are checked where they enter
and refused naming where the NUL is, on every store alike.
"""

from __future__ import annotations

from typing import Any


def first_nul(value: Any) -> tuple[str, str] | None:
    """The first text of `value` holding a NUL and where it is ("" for the value itself,
    else a path such as `a.b[2]`, or `a.<key>` for a key holding one), or None."""
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:  # iterative: a JSON value may nest deeper than Python recurses
        item, path = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path, item
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and "\x00" in key:
                    return (f"{path}.<key>" if path else "<key>"), key
                pending.append((child, f"{path}.{key}" if path else str(key)))
        elif isinstance(item, (list, tuple)):
            pending.extend((child, f"{path}[{index}]") for index, child in enumerate(item))
    return None


def nul_location(value: Any) -> str | None:
    """Where the first NUL of `value` is (see first_nul), or None when there is none."""
    found = first_nul(value)
    return found[0] if found else None


def storable_text(text: str) -> str:
    """A text as every store keeps it when it comes from a process (a script's log line, an
    error quoting its output): a NUL shown as U+2400 SYMBOL FOR NULL, never failing the
    write."""
    return text.replace("\x00", "\u2400") if "\x00" in text else text


def nul_problem(value: Any, what: str) -> str | None:
    """A message naming the NUL in `value` (described as `what`), or None."""
    where = nul_location(value)
    if where is None:
        return None
    at = f" at `{where}`" if where else ""
    return f"{what}: a NUL character (\\u0000){at} cannot be stored; remove it"

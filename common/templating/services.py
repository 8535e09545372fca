"""What rendering needs from the outside world, injected per render.

Expressions such as ``secret()``, ``kv()`` and ``read()`` reach storage and secrets through
this object, so the template engine stays pure and each service (executor, worker, CLI
validation) plugs in what it has. A missing service is a clear TemplateError, never a crash.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

# The context key under which services travel. It is not a valid identifier, so a template
# can never name it.
SERVICES_KEY = "podium:services"


# Lines of a multi-line secret shorter than this are not masked on their own: a lone `}` or
# `],` line would blank out every log line that happens to contain it.
MIN_LINE_TO_MASK = 4


@dataclass
class SecretMasker:
    """Collects every secret value rendered, to mask it in logs and error messages.

    Masking looks like Kestra's (RunContextLogger): a secret becomes as many `*` as it has
    characters, its first nine reading `**masked*` (`password` -> `********`). Kestra
    rewrites the first nine-star run of the whole text instead, which garbles a message
    holding two secrets; here each occurrence gets its own mask. A multi-line secret is
    also masked line by line (lines of MIN_LINE_TO_MASK characters or more, stripped), so a
    script printing it one line at a time leaks nothing. Safe to use from several threads.
    """

    values: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, value: str) -> None:
        if not value:
            return
        value = str(value)  # a plain str, never a template's SecretText
        found = {value}
        if "\n" in value or "\r" in value:
            found.update(line.strip() for line in value.splitlines()
                         if len(line.strip()) >= MIN_LINE_TO_MASK)
        with self._lock:
            self.values.update(found)

    def found_in(self, text: str) -> bool:
        """Whether `text` contains a value to mask."""
        with self._lock:
            values = list(self.values)
        return any(value in text for value in values)

    def mask(self, text: str) -> str:
        with self._lock:
            values = sorted(self.values, key=len, reverse=True)
        for value in values:
            if value in text:
                text = text.replace(value, _mask_of(value))
        return text


def _mask_of(value: str) -> str:
    stars = "*" * len(value)
    return "**masked*" + stars[9:] if len(value) >= 9 else stars


@dataclass
class RenderServices:
    """Callables backing the functions that need I/O. None means "not available here"."""

    # (name[, namespace: another one than the render's]) -> decoded value
    secret: Callable[..., str] | None = None
    kv: Callable[[str, str, bool], Any] | None = None  # (namespace, key, errorOnMissing) -> value
    read: Callable[[str], str] | None = None  # kestra:// URI or namespace file path -> text
    file_size: Callable[[str], int] | None = None  # kestra:// URI -> bytes
    # namespace file path or kestra:// URI -> whether it exists / has no bytes
    file_exists: Callable[[str], bool] | None = None
    file_empty: Callable[[str], bool] | None = None
    error_logs: Callable[[], list[dict[str, Any]]] | None = None  # the execution's ERROR log entries
    # http(): (call, timeout seconds) -> the response body (common/http_expression.py)
    http: Callable[[dict[str, Any], float], Any] | None = None
    masker: SecretMasker = field(default_factory=SecretMasker)

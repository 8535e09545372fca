"""What rendering needs from the outside world, injected per render.

Expressions such as ``secret()``, ``kv()`` and ``read()`` reach storage and secrets through
this object, so the template engine stays pure and each service (executor, worker, CLI
validation) plugs in what it has. A missing service is a clear TemplateError, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

# The context key under which services travel. It is not a valid identifier, so a template
# can never name it.
SERVICES_KEY = "podium:services"


@dataclass
class SecretMasker:
    """Collects every secret value rendered, to mask it in logs, outputs and errors."""

    values: set[str] = field(default_factory=set)

    def add(self, value: str) -> None:
        if value:
            self.values.add(value)

    def mask(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, "******")
        return text


@dataclass
class RenderServices:
    """Callables backing the functions that need I/O. None means "not available here"."""

    secret: Callable[[str], str] | None = None  # name -> decoded value
    kv: Callable[[str, str, bool], Any] | None = None  # (namespace, key, errorOnMissing) -> value
    read: Callable[[str], str] | None = None  # kestra:// URI or namespace file path -> text
    file_size: Callable[[str], int] | None = None  # kestra:// URI -> bytes
    error_logs: Callable[[], list[dict]] | None = None  # the execution's ERROR log entries
    masker: SecretMasker = field(default_factory=SecretMasker)

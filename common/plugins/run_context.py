"""What a plugin's ``run(ctx)`` may use: the worker's RunContext, as a protocol.

The worker's class (worker/run_context.py) satisfies it; a plugin module only names this
protocol, so the executor and scheduler, which import plugin modules to validate flows,
never import the worker. Secrets and the KV store are read through expressions
(``ctx.render("{{ secret('X') }}")``, ``{{ kv('k') }}``), so they are masked like any other.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol


class RunContext(Protocol):
    context: dict[str, Any]  # the variables of the attempt: flow, execution, inputs, outputs...

    # ---------------------------------------------------------------- rendering
    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """A string template rendered to text (non-strings returned as they are)."""

    def render_typed(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """A lone ``{{ expr }}`` gives its native value (a list, a number...)."""

    def render_value(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """Every string inside dicts and lists rendered (a Kestra dynamic property)."""

    def render_bool(self, value: Any, extra: Mapping[str, Any] | None = None) -> bool: ...

    # ---------------------------------------------------------------- logs and metrics
    def log(self, level: Any, message: Any) -> None:
        """A log line of the task run (TRACE..ERROR), secrets masked."""

    def metric(self, entry: dict[str, Any]) -> None:
        """A metric: {name, type: counter|timer, value, tags}."""

    def mask(self, text: str) -> str: ...

    # ---------------------------------------------------------------- time and killing
    def check_killed(self) -> None:
        """Raises when the execution was killed or the task's timeout passed: call it in
        long loops."""

    def remaining(self) -> float | None: ...

    # ---------------------------------------------------------------- files
    @property
    def working_dir(self) -> Path:
        """The attempt's private working directory (removed after the attempt)."""

    def put_file(self, local_path: str | os.PathLike[str], name: str | None = None) -> str:
        """Upload a local file to the internal storage; returns its kestra:// URI."""

    def put_stream(self, stream: BinaryIO, path: str) -> str: ...

    def output_uri(self, name: str, *, nested: bool = False) -> str: ...

    def open_file(self, uri: str) -> BinaryIO:
        """Read a kestra:// file (or another source the worker allows) as a stream."""

    def download(self, uri: str, target: str | os.PathLike[str]) -> Path: ...

    def delete_file(self, uri: str) -> bool: ...

"""Polling triggers from plugins (Kestra's PollingTriggerInterface): the base class and
what its evaluation may use.

A plugin's polling trigger derives `PollingTrigger` and implements `evaluate(ctx)`: it
looks at the outside world once (a query, a bucket listing...) and returns the `trigger.*`
variables of the execution to start, or None when there is nothing new. The scheduler
calls it at most once per `interval` and per slot (scheduler/polling.py), exactly as it
polls the core http.Trigger: one replica per slot, the trigger waits while the execution
it started runs, `stopAfter`, `failOnTriggerError` (an exception raised by `evaluate`
starts a FAILED execution saying why), `logToFile`.

`evaluate` runs in the scheduler, not on a worker: it gets a `PollContext` (below, a
protocol; the scheduler's class implements it), never a task's RunContext.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from podium.common.plugins.base import Trigger
from podium.common.plugins.triggers import PositiveDuration


class PollContext(Protocol):
    """What `PollingTrigger.evaluate` may use (scheduler/poll_context.py implements it)."""

    # `flow` (id, namespace, revision) and `trigger` (id, type): what properties render with.
    context: dict[str, Any]

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """A string template rendered to text with the flow's variables; `secret()`,
        `kv()`... work and the secrets are masked in the poll's logs."""

    def render_typed(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """A lone ``{{ expr }}`` gives its native value."""

    def render_value(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """Every string inside dicts and lists rendered."""

    def log(self, level: Any, message: Any) -> None:
        """A line of the poll (TRACE..ERROR): the scheduler's log, and the execution's
        `trigger.logFile` with `logToFile: true`."""

    @property
    def working_dir(self) -> Path:
        """A private directory for this evaluation, removed once it returns (a property, as
        RunContext's)."""

    def put_file(self, local_path: str | os.PathLike[str], name: str | None = None) -> str:
        """Store a local file as a file of the execution this poll would start (Kestra's
        trigger storage); its kestra:// URI, for the returned variables."""


class PollingTrigger(Trigger):
    """Base of a plugin's polling trigger: subclass it, set TYPE and implement evaluate."""

    interval: PositiveDuration = "PT1M"  # Kestra's PollingTriggerInterface default (60 s)

    def evaluate(self, ctx: PollContext) -> dict[str, Any] | None:
        """Look once; the `trigger.*` variables of the execution to start, or None when
        there is nothing new. Raise (TaskFailure, or any error) when the poll fails."""
        raise NotImplementedError(f"{type(self).__name__} does not implement evaluate()")

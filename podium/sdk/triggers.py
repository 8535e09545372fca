"""Polling triggers for plugins: derive ``PollingTrigger``, set ``TYPE``, implement
``evaluate(ctx: PollContext) -> dict | None`` (the ``trigger.*`` variables of the execution
to start, None when nothing is new). The scheduler polls it every ``interval``."""

from podium.common.plugins.polling_trigger import PollContext, PollingTrigger

__all__ = ["PollContext", "PollingTrigger"]

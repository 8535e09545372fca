"""Loopback stand-ins for the services a blueprint notifies: an HTTP receiver for chat
webhooks (Slack, Teams, Discord, Google Chat: it answers 200 to any POST and keeps what it
got) and an SMTP server (aiosmtpd). In a manifest's `setup.secrets` value or a run's
string input, `{webhook}` becomes the receiver's base URL (`http://127.0.0.1:<port>`) and
`{smtp_port}` the SMTP server's port; the worker's SSRF guard is told to allow 127.0.0.1
while they run, as `PODIUM_HTTP__ALLOW_HOSTS` does for `podium worker`."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from podium.common.settings import HttpSettings
from podium.worker.run_context import RunContext
from tests.plugins.email import smtp_server
from tests.plugins.notifications.receiver import Receiver

PLACEHOLDERS = ("{webhook}", "{smtp_port}")


def substitute(value: Any, values: dict[str, str]) -> Any:
    """`value` with every placeholder replaced, in strings, lists and maps."""
    if isinstance(value, str):
        for placeholder, actual in values.items():
            value = value.replace(placeholder, actual)
        return value
    if isinstance(value, list):
        return [substitute(item, values) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, values) for key, item in value.items()}
    return value


@contextmanager
def loopback_services() -> Iterator[dict[str, str]]:
    """Start both services; the placeholders' values while they run."""
    receiver = Receiver()
    controller, _ = smtp_server.start()
    saved = RunContext.http
    RunContext.http = HttpSettings(allow_hosts=["127.0.0.1"])  # type: ignore[attr-defined]
    try:
        yield {"{webhook}": receiver.url(""), "{smtp_port}": str(controller.port)}
    finally:
        RunContext.http = saved  # type: ignore[attr-defined]
        controller.stop()
        receiver.close()

"""The worker's outgoing-connection guard for plugins that speak other protocols than HTTP
(SMTP...): ``allowed_addresses(ctx, host, port)`` gives the addresses of `host` this
worker may connect to, under the same `http` settings (allow/deny lists, private and
loopback addresses refused by default) as the http tasks; a refusal raises
``HostNotAllowedError`` naming the host and why. Connect to one of these addresses, never
to the name again (a second resolution could answer differently)."""

from __future__ import annotations

from typing import Any

from podium.common.errors import HostNotAllowedError
from podium.sdk.guarded_http import policy_of

__all__ = ["HostNotAllowedError", "allowed_addresses"]


def allowed_addresses(ctx: Any, host: str, port: int) -> list[str]:
    return policy_of(ctx).resolve(host, port)

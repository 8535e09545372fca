"""Binding a service's port when several services of one kind share a host.

A port left at its default moves to the next free one (a second `podium worker` on a
laptop must just work); a port the user chose is never changed behind their back: taken,
it is an error naming it.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import TypeVar

from podium.common.errors import ServiceSetupError

Bound = TypeVar("Bound")

# How many ports above a taken default are tried before giving up.
DEFAULT_PORT_TRIES = 50


def bind_port(bind: Callable[[int], Bound], port: int, *, explicit: bool, what: str,
              tries: int = DEFAULT_PORT_TRIES) -> tuple[Bound, int]:
    """`bind(port)` (which raises OSError EADDRINUSE when the port is taken), else, for a
    default port, `bind(port + 1)`, ... Returns what `bind` returned and the port it got.

    Raises ServiceSetupError when an `explicit` port is taken, or no port of the range is
    free. Port 0 (any free port) is passed through."""
    last = port if explicit or port == 0 else port + tries - 1
    for candidate in range(port, last + 1):
        try:
            return bind(candidate), candidate
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ServiceSetupError(f"{what}: cannot bind port {candidate}: "
                                        f"{exc.strerror or exc}") from None
    if explicit:
        raise ServiceSetupError(f"{what}: port {port} is already in use; stop what uses it "
                                "or choose another port")
    raise ServiceSetupError(f"{what}: ports {port} to {last} are all in use")


def moved_note(wanted: int, got: int) -> str:
    """"port N in use, " when a default port moved; nothing for port 0 (any free port)."""
    return f"port {wanted} in use, " if wanted and got != wanted else ""

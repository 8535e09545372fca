"""Polling triggers for plugins: derive ``PollingTrigger``, set ``TYPE``, implement
``evaluate(ctx: PollContext) -> dict | None`` (the ``trigger.*`` variables of the execution
to start, None when nothing is new). The scheduler polls it every ``interval``.

``check_object_state(data)``: the rule of the object-store triggers (s3, gcs) for Kestra's
per-object state properties, which Podium has no store for yet."""

from typing import Any

from podium.common.plugins.polling_trigger import PollContext, PollingTrigger

__all__ = ["PollContext", "PollingTrigger", "check_object_state"]

OBJECT_STATE_PROPERTIES = ("on", "stateKey", "stateTtl")
# With MOVE or DELETE an object leaves the polled prefix once it has fired, so it can only
# fire again as a new object: Kestra's state would change nothing for `on: CREATE` (and its
# default CREATE_OR_UPDATE), and stateKey/stateTtl only name where that state lives.
_STATE_NOT_NEEDED = {"MOVE", "DELETE"}
_FIRES_ON_NEW_OBJECTS = {"CREATE", "CREATE_OR_UPDATE"}


def check_object_state(data: Any) -> None:
    """Refuse (ValueError, naming the properties) per-object state that would change which
    objects fire: any of it with `action: NONE`, or `on: UPDATE`. Given with MOVE/DELETE and
    `on` CREATE or CREATE_OR_UPDATE, it is accepted: each object fires once either way."""
    if not isinstance(data, dict):
        return
    given = [name for name in OBJECT_STATE_PROPERTIES if name in data]
    if not given:
        return
    action = str(data.get("action", "NONE")).upper()
    on = str(data.get("on", "CREATE_OR_UPDATE")).upper()
    if action in _STATE_NOT_NEEDED and on in _FIRES_ON_NEW_OBJECTS:
        return
    raise ValueError(
        f"{', '.join(given)}: Kestra's per-object trigger state is not supported by Podium "
        f"yet (with action: {action}{', on: ' + on if 'on' in data else ''}); use action: "
        "MOVE or DELETE, with `on` CREATE or CREATE_OR_UPDATE or none, so that each object "
        "fires once")

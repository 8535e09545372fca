"""Kestra's ActionInterface: what Downloads and the Trigger do with the objects they
downloaded (Downloads.performAction)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from podium.sdk import TaskFailure
from podium_gcp.gcs.copy import copy_object
from podium_gcp.gcs.delete import delete_object
from podium_gcp.gcs.objects import Ctx, parse_gs, text

if TYPE_CHECKING:  # imported when a task runs (podium_gcp/connection.py says why)
    from google.cloud import storage

Action = Literal["MOVE", "DELETE", "NONE"]


def perform_action(ctx: Ctx, client: storage.Client, blobs: list[dict[str, Any]],
                   action: Action, move_directory: str | None) -> None:
    """MOVE: each object copied to `moveDirectory`/<its file name>, then deleted; DELETE:
    each deleted; NONE: left where it is."""
    if action == "DELETE":
        for blob in blobs:
            delete_object(ctx, client, blob["bucket"], blob["name"])
    elif action == "MOVE":
        target = text(ctx, move_directory)
        if target is None:
            raise TaskFailure("action: MOVE needs `moveDirectory` (a gs:// prefix)")
        bucket, prefix = parse_gs(target.rstrip("/") + "/", "moveDirectory")
        for blob in blobs:
            name = prefix + blob["name"].rsplit("/", 1)[-1]
            if (bucket, name) == (blob["bucket"], blob["name"]):
                raise TaskFailure(f"Invalid copy to same path '{blob['uri']}'")
            copy_object(ctx, client, (blob["bucket"], blob["name"]), (bucket, name), True)


def check_move(action: Any, move_directory: str | None) -> None:
    """The configuration check both types make when the flow is saved."""
    if action == "MOVE" and not move_directory:
        raise ValueError("action: MOVE needs `moveDirectory` (a gs:// prefix)")

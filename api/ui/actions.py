"""What the admin pages' forms share: after a change, back to the page with a notice
(a fixed text chosen by a code, so a link can never make a page say something else); a
refusal, shown on the page with the API's status and message."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse

from podium.api.errors import message_of, status_of
from podium.common.errors import PodiumError

NOTICES = {
    "disabled": "Trigger disabled.",
    "enabled": "Trigger enabled.",
    "unlocked": "Trigger unlocked: it no longer waits for its last execution.",
    "backfill-started": "Backfill started: the scheduler fires its dates in turn.",
    "backfill-paused": "Backfill paused.",
    "backfill-unpaused": "Backfill resumed.",
    "backfill-deleted": "Backfill deleted.",
    "saved": "File saved.",
    "created": "File created.",
    "deleted": "Deleted.",
    "kv-set": "Key saved.",
    "kv-deleted": "Key deleted.",
}


def notice_of(code: str) -> str:
    """The notice a page shows for `?notice=code` (nothing for an unknown code)."""
    return NOTICES.get(code, "")


def back_to(request: Request, where: str, notice: str, /, **query: str) -> RedirectResponse:
    """303 to `where` (a path inside the UI) with the notice and the query (empty values
    left out; any name, `page` included)."""
    values = {k: v for k, v in query.items() if v} | {"notice": notice}
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}{where}?{urlencode(values)}", status_code=303)


def refusal(exc: PodiumError) -> tuple[int, str]:
    """(status, message) as the API would answer the same refusal."""
    return status_of(exc), message_of(exc)

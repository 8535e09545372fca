"""Pages from the Jinja2 templates in api/ui/templates/: one environment, autoescaped
(every value a page shows is escaped unless a template says otherwise, and none does)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from podium.api.ui.guard import CSRF_FIELD

TEMPLATES = Path(__file__).parent / "templates"

_ENV = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                   autoescape=select_autoescape(default=True, default_for_string=True))


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def duration(start: datetime | None, end: datetime | None) -> str:
    """`1.234 s`, `2 min 03 s`, `1 h 02 min`; empty when it has not started."""
    if start is None:
        return ""
    seconds = ((end or datetime.now(start.tzinfo)) - start) / timedelta(seconds=1)
    if seconds < 60:
        return f"{seconds:.3f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


_ENV.filters["when"] = _when
_ENV.globals["duration"] = duration


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """The template with what every page needs: the UI's root, the user, the CSRF token."""
    session = getattr(request.state, "ui_session", None)
    context = dict(root=request.scope.get("root_path", ""),
                   user=getattr(request.state, "ui_user", None),
                   csrf_token=session.csrf if session else "", csrf_field=CSRF_FIELD,
                   path=request.url.path, **values)
    return HTMLResponse(_ENV.get_template(template).render(context), status_code=status)

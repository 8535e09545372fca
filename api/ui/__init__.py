"""The web UI, served under `/ui` by the API's app (`podium webserver`, `podium server
local`): server-rendered Jinja2 pages with htmx, reading through the application layer as
the API's routes do. docs/architecture.md (Web UI) says why this stack."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from podium.api.guard import Credentials
from podium.api.login_limits import FailedLogins
from podium.api.params import refuse_control_characters
from podium.api.ui import (
    dashboard,
    editor,
    errors,
    execution,
    execution_logs,
    execution_outputs,
    execution_rows,
    login,
    pages,
    runform,
    topology,
)
from podium.api.ui import namespaces as namespace_pages
from podium.api.ui import services as service_pages
from podium.api.ui import triggers as trigger_pages
from podium.api.ui.guard import UiGuard
from podium.api.ui.login import UiConfig
from podium.api.ui.session import SessionCodec
from podium.common.settings import ApiSettings
from podium.runtime import Runtime

STATIC = Path(__file__).parent / "static"
# Every page's router, listed here (no import side effects); one per line.
ROUTERS = (
    login.router,
    pages.router,
    editor.router,
    execution_logs.router,
    execution_outputs.router,
    topology.router,
    runform.router,
    execution.router,
    trigger_pages.router,
    namespace_pages.router,
    service_pages.router,
    dashboard.router,
    execution_rows.router,
)


def create_ui(runtime: Runtime, settings: ApiSettings, credentials: Credentials | None,
              failed_logins: FailedLogins | None) -> FastAPI:
    """The UI's app, to mount at `/ui`: the same credentials and failed-login limits as
    the API it is mounted in."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None,
                  dependencies=[Depends(refuse_control_characters)])
    secret = settings.session_secret
    key = secret.get_secret_value().encode() if secret else secrets.token_bytes(32)
    sessions = SessionCodec(key, settings.session_seconds)
    app.state.runtime = runtime
    app.state.settings = settings  # the body limits forms are read with (api/bodies.py)
    app.state.ui = UiConfig(credentials, sessions, failed_logins)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(UiGuard, credentials=credentials, sessions=sessions,
                       failed_logins=failed_logins)
    return app

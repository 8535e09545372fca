"""The API application: routes, error handlers, auth and size limits around one Runtime.

`create_app(runtime, settings)` is the only entry point: `podium webserver` builds it over
`Runtime.connect(settings)`, tests over `Runtime.embedded(tmp)`.
"""

from __future__ import annotations

import logging

from fastapi import Depends, FastAPI

from podium.api import (
    errors,
    executions,
    flows,
    kv,
    logs,
    mcp,
    namespace_files,
    outputs,
    plugins,
    services,
    triggers,
    webhooks,
)
from podium.api.context import runtime_of
from podium.api.guard import UI_PREFIX, AuthMiddleware, BodyLimitMiddleware, Credentials
from podium.api.login_limits import FailedLogins
from podium.api.metrics import MetricsMiddleware
from podium.api.params import refuse_control_characters
from podium.api.ui import create_ui
from podium.application.services import check_store
from podium.common.flow.loader import parse_flow
from podium.common.settings import ApiSettings
from podium.runtime import Runtime

log = logging.getLogger(__name__)

# Parsed when the app is built, before it serves: the first flow a process parses builds
# the flow model's schema over every plugin class (seconds on a loaded machine), which the
# first page or request showing a flow would otherwise wait for. Not in a lifespan: the
# webserver command's start-up hooks (its ready file) run only without one.
_WARM_UP_FLOW = """\
id: warm_up
namespace: podium.internal
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: warm
"""


def _warm_up() -> None:
    parse_flow(_WARM_UP_FLOW)  # later parses in the process take a millisecond


def create_app(runtime: Runtime, settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or ApiSettings()
    _warm_up()
    app = FastAPI(title="Podium", version="1", description="Kestra-compatible REST API",
                  openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", redoc_url=None,
                  dependencies=[Depends(refuse_control_characters)])
    app.state.runtime = runtime
    app.state.settings = settings
    errors.install(app)
    # webhooks before /{ns}/{id}
    for module in (flows, webhooks, executions, logs, kv, namespace_files, triggers, services,
                   mcp, outputs, plugins):
        app.include_router(module.router)
    app.add_api_route("/health", health, methods=["GET"], tags=["Health"])
    app.add_api_route("/api/v1/health", health, methods=["GET"], tags=["Health"])
    checks = credentials(settings)
    failed_logins = FailedLogins(settings.login_max_failures, settings.login_window_seconds)
    app.mount(UI_PREFIX, create_ui(runtime, settings, checks, failed_logins))
    # Added last is outermost: credentials are checked before a body is read.
    app.add_middleware(BodyLimitMiddleware, max_body=settings.max_body_bytes,
                       max_upload=settings.max_upload_bytes)
    app.add_middleware(AuthMiddleware, credentials=checks, failed_logins=failed_logins)
    app.add_middleware(MetricsMiddleware, routes=app)  # outermost: 401s and 413s count too
    return app


def credentials(settings: ApiSettings) -> Credentials | None:
    """None only when auth is explicitly off."""
    if not settings.auth:
        log.warning("API authentication is OFF (api.auth=false): anyone reaching this "
                    "server can run flows")
        return None
    if not settings.users and not settings.tokens:
        log.warning("API authentication is on but no users or tokens are configured "
                    "(PODIUM_API__USERS, PODIUM_API__TOKENS): every protected request "
                    "will be refused")
    return Credentials({user: secret.get_secret_value() for user, secret in
                        settings.users.items()},
                       [token.get_secret_value() for token in settings.tokens])


def health(runtime: Runtime = Depends(runtime_of)) -> dict:
    """UP when the store answers; no credentials needed."""
    check_store(runtime)
    return {"status": "UP"}

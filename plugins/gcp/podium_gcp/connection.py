"""The connection properties every Google Cloud type shares (Kestra's GcpInterface) and the
credentials built from them.

Credentials: `serviceAccount`, a service-account key as its JSON text, when given; else
Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's user login, the
metadata server), as Kestra falls back to Google's default chain. `impersonatedServiceAccount`
then acts as that account with the first credentials as source. `scopes` defaults to
cloud-platform, as in Kestra. The key text and its private key are masked in every later
log line and error of the attempt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podium.sdk import Expr, RunContext, StrictModel, TaskFailure
from podium.sdk.guarded_http import mask_secret
from podium.sdk.triggers import PollContext

# Google's libraries are imported by the functions that make credentials and clients, in
# this plugin's every module: the executor and the scheduler load the task classes alone,
# and google-auth with BigQuery and GCS costs them tens of MB.
if TYPE_CHECKING:
    from google.auth.credentials import Credentials

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


class GcpConnection(StrictModel):
    """Kestra's GcpInterface properties (mixed into each Google Cloud task and trigger)."""

    project_id: str | None = None
    service_account: str | None = None
    impersonated_service_account: str | None = None
    scopes: list[str] | Expr = [CLOUD_PLATFORM]

    def google_credentials(self, ctx: RunContext | PollContext) -> "GoogleIdentity":
        """The credentials and project these properties name, rendered with `ctx`."""
        text = _renderer(ctx)
        scopes = _scopes(ctx.render(self.scopes))
        key = text(self.service_account)
        project = text(self.project_id)
        if key:
            credentials, key_project = _from_key(ctx, key, scopes)
        else:
            credentials, key_project = _default(scopes)
        target = text(self.impersonated_service_account)
        if target:
            from google.auth import impersonated_credentials

            credentials = impersonated_credentials.Credentials(
                source_credentials=credentials, target_principal=target,
                target_scopes=scopes)
        return GoogleIdentity(credentials, project or key_project)


@dataclass(frozen=True)
class GoogleIdentity:
    credentials: Credentials
    project: str | None  # `projectId`, else the key's or the environment's project


def _from_key(ctx: RunContext | PollContext, key: str,
              scopes: list[str]) -> tuple[Credentials, str | None]:
    from google.auth.exceptions import GoogleAuthError
    from google.oauth2 import service_account

    mask_secret(ctx, key)
    try:
        info = json.loads(key)
    except ValueError as exc:
        raise TaskFailure("`serviceAccount` is not a service-account key: expected its JSON "
                          f"text ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if not isinstance(info, dict):
        raise TaskFailure("`serviceAccount` is not a service-account key: expected a JSON "
                          "object")
    mask_secret(ctx, info.get("private_key"))
    try:
        credentials = service_account.Credentials.from_service_account_info(info,
                                                                            scopes=scopes)
    except (ValueError, KeyError, GoogleAuthError) as exc:
        raise TaskFailure(f"`serviceAccount` is not a usable service-account key: "
                          f"{type(exc).__name__}: {exc}") from None
    return credentials, info.get("project_id")


def _default(scopes: list[str]) -> tuple[Credentials, str | None]:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        credentials, project = google.auth.default(scopes=scopes)
    except DefaultCredentialsError:
        raise TaskFailure("no Google credentials: give `serviceAccount` (a service-account "
                          "key's JSON, e.g. \"{{ secret('GCP_SERVICE_ACCOUNT_JSON') }}\") or "
                          "set up Application Default Credentials on the worker "
                          "(GOOGLE_APPLICATION_CREDENTIALS)") from None
    return credentials, project


def _scopes(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
        raise TaskFailure("`scopes` must be a list of OAuth scope URLs")
    return list(value)


def _renderer(ctx: RunContext | PollContext) -> Any:
    def text(value: Any) -> str | None:
        if value is None:
            return None
        rendered = ctx.render(value)
        return str(rendered).strip() or None if rendered is not None else None
    return text

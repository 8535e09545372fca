"""What every BigQuery type shares (Kestra's AbstractBigquery and BigQueryService): the
`location` and retry properties, the client, table names, job labels, and running a job to
its end with BigQuery's errors turned into a task failure the user can read.

The client talks to Google unless `BIGQUERY_EMULATOR_HOST` (a Podium setting, read from
the worker's and scheduler's environment) names another endpoint, e.g.
`http://localhost:9050` for goccy's bigquery-emulator; there, without `serviceAccount`, the
requests carry no credentials and the project is `projectId` or GOOGLE_CLOUD_PROJECT.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator

from pydantic import Field

from podium.sdk import RunContext, TaskFailure
from podium.sdk.triggers import PollContext
from podium_gcp.connection import GcpConnection

if TYPE_CHECKING:  # imported when a task runs (podium_gcp/connection.py says why)
    from google.cloud import bigquery

EMULATOR_ENV = "BIGQUERY_EMULATOR_HOST"

# Kestra's AbstractBigquery defaults: errors worth another attempt.
RETRY_REASONS = ["rateLimitExceeded", "jobBackendError", "backendError", "internalError",
                 "jobInternalError"]
RETRY_MESSAGES = ["due to concurrent update", "Retrying the job may solve the problem",
                  "Retrying may solve the problem"]

Context = RunContext | PollContext


class BigQueryConnection(GcpConnection):
    """GcpInterface plus Kestra's AbstractBigquery properties."""

    location: str | None = None
    # Kestra's AbstractRetry (`type`, `interval`, `maxAttempts`...): `maxAttempts` (default
    # 10) and `interval` (default PT5S) bound the attempts of a job failing for a reason of
    # `retryReasons` or with a message containing one of `retryMessages`.
    retry_auto: dict[str, Any] | None = None
    retry_reasons: list[str] = Field(default_factory=lambda: list(RETRY_REASONS))
    retry_messages: list[str] = Field(default_factory=lambda: list(RETRY_MESSAGES))

    def bigquery_client(self, ctx: Context) -> bigquery.Client:
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials
        from google.auth.exceptions import GoogleAuthError
        from google.cloud import bigquery

        emulator = os.environ.get(EMULATOR_ENV, "").strip()
        location = text(ctx, self.location)
        if emulator and not self.service_account and not self.impersonated_service_account:
            # Without credentials, the project is `projectId` or Google's usual variable.
            project = text(ctx, self.project_id) or os.environ.get("GOOGLE_CLOUD_PROJECT")
            if not project:
                raise TaskFailure(f"`projectId` is required with {EMULATOR_ENV} and no "
                                  "`serviceAccount` (or set GOOGLE_CLOUD_PROJECT)")
            credentials: Any = AnonymousCredentials()
        else:
            identity = self.google_credentials(ctx)
            credentials, project = identity.credentials, identity.project
        options = None
        if emulator:
            url = emulator if "://" in emulator else f"http://{emulator}"
            options = ClientOptions(api_endpoint=url)
        try:
            return bigquery.Client(project=project, credentials=credentials, location=location,
                                   client_options=options)
        except (GoogleAuthError, ValueError) as exc:
            raise TaskFailure(f"cannot connect to BigQuery: {exc}") from None

    def run_job(self, ctx: Context, create: Callable[[], Any]) -> Any:
        """Creates a job with `create` and waits for its end; a failure with a retryable
        reason creates it again (Kestra's waitForJob)."""
        retry = self.retry_auto or {}
        attempts = int(retry.get("maxAttempts") or retry.get("maxAttempt") or 10)
        pause = seconds(retry.get("interval") or "PT5S")
        for attempt in range(1, attempts + 1):
            try:
                with bigquery_errors():
                    job = create()
                    _wait(ctx, job)
                    return job
            except TaskFailure as failure:
                if attempt == attempts or not self._retryable(failure):
                    raise
                ctx.log("WARN", f"Retrying, attempt {attempt}: {failure}")
                time.sleep(min(pause * 2 ** (attempt - 1), 60))
        raise AssertionError("unreachable")

    def _retryable(self, failure: TaskFailure) -> bool:
        message = str(failure).lower()
        reasons = getattr(failure, "reasons", ())
        return any(r in self.retry_reasons for r in reasons) or any(
            m.lower() in message for m in self.retry_messages)


def _wait(ctx: Context, job: Any) -> None:
    # Wait in short steps so that a kill or the task's timeout stops the wait.
    check = getattr(ctx, "check_killed", None)
    while not job.done(timeout=5):
        if check is not None:
            try:
                check()
            except BaseException:
                job.cancel()
                raise
    job.result()


def seconds(duration: str) -> float:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", str(duration))
    if not match:
        return 5.0
    hours, minutes, secs = (float(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + secs


class BigQueryFailure(TaskFailure):
    """A BigQuery error, with the reasons BigQuery gave (for the retry policy)."""

    def __init__(self, message: str, reasons: tuple[str, ...]) -> None:
        super().__init__(message)
        self.reasons = reasons


@contextlib.contextmanager
def bigquery_errors(action: str = "BigQuery") -> Iterator[None]:
    """BigQuery's and the auth library's errors as task failures: the message and the
    reasons BigQuery gives, without a stack trace."""
    from google.api_core.exceptions import GoogleAPICallError
    from google.auth.exceptions import GoogleAuthError

    try:
        yield
    except GoogleAPICallError as exc:
        errors = getattr(exc, "errors", None) or []
        details = [f"{e.get('reason', '')}: {e.get('message', '')}".strip(": ")
                   for e in errors if isinstance(e, dict)]
        reasons = tuple(e.get("reason", "") for e in errors if isinstance(e, dict))
        summary = exc.message or str(exc)
        extra = [d for d in details if summary not in d]
        text_ = f"{action} failed ({exc.code}): {summary}" + (
            "; " + "; ".join(extra) if extra else "")
        raise BigQueryFailure(text_, reasons) from None
    except GoogleAuthError as exc:
        raise TaskFailure(f"{action}: Google authentication failed: {exc}") from None
    except ValueError as exc:  # the client's checks of names and options
        raise TaskFailure(f"{action}: {exc}") from None


def text(ctx: Context, value: Any) -> str | None:
    if value is None:
        return None
    rendered = ctx.render(value)
    return str(rendered).strip() or None if rendered is not None else None


def required(ctx: Context, value: Any, name: str) -> str:
    rendered = text(ctx, value)
    if not rendered:
        raise TaskFailure(f"`{name}` is required")
    return rendered


def table_reference(name: str, prop: str = "destinationTable") -> str:
    """`project.dataset.table` or `dataset.table`, checked as Kestra's tableId does."""
    parts = name.split(".")
    if len(parts) not in (2, 3) or not all(parts):
        raise TaskFailure(f"`{prop}`: invalid table name '{name}': expected "
                          "`dataset.table` or `project.dataset.table`")
    return name


def job_labels(ctx: Context) -> dict[str, str]:
    """Kestra's labels of every job: the flow, execution, task and trigger it runs for."""
    variables = ctx.context
    labels = {}
    for key, scope, field in (("kestra_namespace", "flow", "namespace"),
                              ("kestra_flow_id", "flow", "id"),
                              ("kestra_execution_id", "execution", "id"),
                              ("kestra_task_id", "task", "id"),
                              ("kestra_trigger_id", "trigger", "id")):
        value = (variables.get(scope) or {}).get(field)
        if isinstance(value, str) and value:
            labels[key] = value.replace(".", "_").lower()[:63]
    return labels

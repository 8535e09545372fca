"""Podium's one settings object, read from the environment (arq-style: one object, passed down).

Every field is read from an environment variable named ``PODIUM_`` + the field path in upper
case, with ``__`` between levels: ``PODIUM_LOG_LEVEL``, ``PODIUM_DATABASE__URL``,
``PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS``, ``PODIUM_STORAGE__S3__BUCKET``. Maps and lists
take JSON (``PODIUM_VARIABLES_GLOBALS='{"region": "eu"}'``); lists also take a comma-separated
string (``PODIUM_WORKER__QUEUES=podium.worker,podium.worker.gpu``).

Nothing is read at import time: the composition root builds ``Settings()`` once and hands it
(or the sub-object a component needs) to every service, so tests build their own instances
and no component looks at ``os.environ`` behind its back.

Flow secrets are deliberately absent: they get their own provider (``common/secrets.py``),
never a settings field. The only credentials here, as ``SecretStr``, are the optional S3 keys
of the storage and the key that encrypts SECRET inputs at rest.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from podium.common.http_guard import parse_host_entry
from podium.common.transport.base import worker_queue

_FROZEN = ConfigDict(frozen=True, extra="forbid")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def _split_csv(value: Any) -> Any:
    """Accept ``a,b`` as well as ``["a","b"]`` for list fields: operators type the former."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class DatabaseSettings(BaseModel):
    model_config = _FROZEN

    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the SQL store (e.g. postgresql+psycopg://user@host/podium). "
        "Default: a SQLite file `podium.db` in `data_dir`.",
    )
    synchronous_commit: bool = Field(
        default=True,
        description="PostgreSQL: whether a commit waits until its WAL is flushed to disk. "
        "`false` takes that wait (one disk flush, milliseconds on most disks) off every "
        "decision of the executor and every submission, as the embedded SQLite store does "
        "(`synchronous=NORMAL`). What it risks: a crash of the database server (not of a "
        "Podium process) may forget the last fraction of a second of commits. Nothing is "
        "corrupted; executions whose decisions were forgotten are found by the executor's "
        "lost-message look (run when it sees the database restarted) and their attempts run "
        "again; a submission acknowledged just before such a crash may be gone.",
    )


class BrokerSettings(BaseModel):
    model_config = _FROZEN

    url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Celery broker URL (Redis 6.2 or later). Carries every queue and the kill "
        "broadcast.",
    )
    visibility_timeout_seconds: int = Field(
        default=120, gt=0,
        description="Seconds after which the messages of a consumer that stopped renewing them "
        "(a worker or executor that died) go back to their queue. A live consumer renews "
        "every message it holds every quarter of this, so it bounds no task's duration. Keep "
        "it above `worker.heartbeat_timeout_seconds` (a warning says so at start): the "
        "heartbeat resubmits a dead worker's running attempts first, and a redelivered "
        "attempt closed since is dropped; below it, a dead worker's attempt may run twice.",
    )
    restore_interval_seconds: float = Field(
        default=10.0, gt=0,
        description="How often a consumer sweeps for messages whose visibility timeout expired "
        "(messages of a consumer that died) and puts them back on their queue.",
    )
    key_prefix: str = Field(
        default="",
        description="Prefix of every Redis key and channel Podium uses; lets several deployments "
        "(or test runs) share one Redis.",
    )
    max_failures: int = Field(
        default=5, ge=1,
        description="A message whose handler raised this many times is moved to the dead-letter "
        "queue `<queue>.dead` instead of being redelivered again.",
    )
    max_outage_retries: int = Field(
        default=360, ge=0,
        description="A message whose handler failed because the store was unavailable "
        "(PostgreSQL restarting, connections terminated, no pooled connection in time) does "
        "not count toward `max_failures`: it is retried at least every 5 s, this many times "
        "(about 30 minutes), before its failures count.",
    )
    publish_patience_seconds: float = Field(
        default=60.0, ge=0,
        description="How long a publish keeps trying while the broker is unreachable (a Redis "
        "restart) before it fails: a handler's outgoing message then waits for the broker "
        "instead of failing the handler, whose message would run again.",
    )
    retry_backoff_seconds: float = Field(
        default=0.5, ge=0,
        description="Pause before redelivering a message whose handler raised, doubled at each "
        "failure (capped at 30 s), so a transient outage does not burn every attempt at once.",
    )


class S3Settings(BaseModel):
    model_config = _FROZEN

    endpoint_url: str | None = Field(
        default=None, description="S3 endpoint URL (MinIO, Ceph...). None: AWS's own endpoint."
    )
    bucket: str | None = Field(default=None, description="Bucket holding internal storage files.")
    region: str | None = Field(default=None, description="S3 region name.")
    path_style: bool = Field(
        default=False, description="Use path-style addressing (required by most MinIO setups)."
    )
    prefix: str = Field(
        default="", description="Key prefix of every object, so deployments can share a bucket."
    )
    access_key_id: SecretStr | None = Field(
        default=None, description="Access key. None: the usual AWS chain (AWS_* variables, "
        "shared config, instance or pod role).",
    )
    secret_access_key: SecretStr | None = Field(
        default=None, description="Secret key, with `access_key_id`.",
    )
    multipart_threshold_mb: int = Field(
        default=8, ge=5,
        description="Files of this many MiB or more are uploaded in parts of this size.",
    )
    max_attempts: int = Field(
        default=5, ge=1,
        description="Attempts per S3 call, with exponential backoff, on throttling, 5xx and "
        "connection errors.",
    )


class StorageSettings(BaseModel):
    model_config = _FROZEN

    kind: Literal["local", "s3"] = Field(
        default="local", description="Internal storage backend: `local` disk or `s3`."
    )
    base_path: Path | None = Field(
        default=None,
        description="Root directory of local storage. Default: `storage/` in `data_dir` "
        "(unused for s3, see `s3.prefix`).",
    )
    s3: S3Settings = Field(default_factory=S3Settings, description="S3 connection, when kind=s3.")


class WorkerSettings(BaseModel):
    model_config = _FROZEN

    concurrency: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1,
        description="Task attempts one worker runs at once (pool processes). Default: CPU count.",
    )
    pool: Literal["prefork", "threads", "solo"] = Field(
        default="threads",
        description="Pool of the worker service. `threads` (default): Podium's own consumer and "
        "thread pool on Celery's queues (less CPU per message than Celery's worker); kill "
        "requests reach running attempts; script tasks run in their own processes anyway. `prefork` isolates "
        "Python-level tasks in processes, but kill requests do not reach its pool children yet.",
    )
    group: str | None = Field(
        default=None,
        description="workerGroup key this worker serves; it then consumes `podium.worker.<group>` "
        "instead of `podium.worker`.",
    )
    queues: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Explicit queues to consume (JSON list or comma-separated). Empty: derived "
        "from `group`.",
    )
    max_output_bytes: int = Field(
        default=256 * 1024, ge=1024,
        description="Task outputs whose JSON is larger are kept in internal storage and "
        "referenced (expressions read them the same way), so they never cross the queue.",
    )
    heartbeat_seconds: float = Field(
        default=2.0, gt=0,
        description="How often a service writes its heartbeat row (`podium sys services`); a "
        "worker's row lists the attempts it runs, and is also written soon after that list "
        "changes. The heartbeat has its own database connection, so a busy service still "
        "beats on time.",
    )
    heartbeat_timeout_seconds: float = Field(
        default=10.0, gt=0,
        description="A worker silent for this long is considered dead: an executor marks it "
        "DEAD and resubmits its running attempts as new attempts (checked every tenth of "
        "this). An executor judges silence only over a span it saw the store without a gap: "
        "after its own start or its own store outage it waits this long first. Keep it "
        "several times `heartbeat_seconds` (a warning says so) and below "
        "`broker.visibility_timeout_seconds`.",
    )
    storage_outage_seconds: float = Field(
        default=60.0, ge=0,
        description="An upload or download of an attempt (outputFiles, inputFiles, large "
        "outputs, log files) that finds the internal storage unreachable is retried with "
        "backoff for up to this long; a longer outage fails the attempt with an error naming "
        "the storage (the task's `retry` then applies). A kill or the task's timeout ends the "
        "wait.",
    )
    shutdown_grace_seconds: float = Field(
        default=25.0, ge=0,
        description="On SIGTERM a worker stops taking messages and lets its running attempts "
        "finish for this long; those still running are then interrupted and requeued (the "
        "same attempt runs on another worker). Keep the container's stop grace period above it.",
    )

    script_env_dir: Path | None = Field(
        default=None,
        description="Cached environments of script tasks: a Python virtual environment per "
        "interpreter and `dependencies` list (built once, reused by every later run), uv's "
        "and npm's download caches. Default: `script-envs/` in `data_dir`. Safe to delete "
        "while no worker runs.",
    )

    sandbox: Literal["auto", "bwrap", "none"] = Field(
        default="auto",
        description="How script task processes are isolated from the worker (docs/security.md, "
        "\"Script sandbox\"). `auto` (default): in a bubblewrap sandbox when `bwrap` is "
        "installed and works, else unsandboxed with a warning logged once at start. `bwrap`: "
        "always sandboxed; script tasks fail with a clear error when bubblewrap is missing. "
        "`none`: never sandboxed (the environment is scrubbed all the same).",
    )
    sandbox_read_only_paths: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="More host folders (or files) script tasks see, read-only, in the sandbox "
        "(JSON list or comma-separated): a toolchain installed outside the system folders "
        "and the prefixes of PATH, a certificate or package folder.",
    )
    script_cpu_seconds: int | None = Field(
        default=None, ge=1,
        description="CPU time limit of each process of a script task, in seconds (RLIMIT_CPU); "
        "a task's `limits.cpu` overrides it. Default: none.",
    )
    script_memory_mb: int | None = Field(
        default=None, ge=1,
        description="Address-space limit of each process of a script task, in MiB "
        "(RLIMIT_AS); a task's `limits.memory` overrides it. Default: none.",
    )
    script_file_size_mb: int | None = Field(
        default=None, ge=1,
        description="Largest file a script task's process may write, in MiB (RLIMIT_FSIZE); "
        "a task's `limits.fileSize` overrides it. Default: none.",
    )

    _split = field_validator("queues", mode="before")(_split_csv)
    _split_paths = field_validator("sandbox_read_only_paths", mode="before")(_split_csv)

    def resolved_queues(self) -> list[str]:
        """The queues this worker consumes: `queues` if given, else the group's queue."""
        if self.queues:
            return list(self.queues)
        return [worker_queue(self.group)]


class ExecutorSettings(BaseModel):
    model_config = _FROZEN

    timer_poll_seconds: float = Field(
        default=1.0, gt=0,
        description="Longest pause between two looks of an executor for due timers (retries, "
        "pauses, schedules). The executor that commits a timer wakes for it at its due time, "
        "and each look learns when the store's next timer is due, so this only bounds how late "
        "a timer another executor created since is seen (that executor fires it on time).",
    )
    outbox_sweep_seconds: float = Field(
        default=1.0, gt=0,
        description="How often the executor publishes messages left in the outbox table.",
    )
    concurrency: int = Field(
        default=8, ge=1,
        description="Consumer threads of the executor queue, in-process: each takes one "
        "message, and messages that arrive together are decided in one transaction (a group "
        "commit). On Redis one thread takes every message waiting (up to 32) at once and "
        "decides them in one transaction; this setting does not change that.",
    )
    timer_refire_seconds: float = Field(
        default=120.0, gt=0,
        description="A fired timer stays stored until its TimerFired message is handled; if "
        "it is not handled within this (the message was lost with an executor that died), "
        "the timer fires again. A duplicate is ignored.",
    )
    max_lost_attempts: int = Field(
        default=3, ge=1,
        description="A task run whose worker died (fell silent) while running it this many "
        "attempts in a row ends FAILED instead of being resubmitted again: a task that kills "
        "its worker must not take down the fleet one worker at a time. Its `errors` and "
        "`allowFailure` apply; its `retry` does not.",
    )
    max_chain_depth: int = Field(
        default=10, ge=1,
        description="Longest chain of flows starting flows (Subflow and ForEachItem tasks, "
        "Flow triggers), the first execution included: a flow that starts itself, directly or "
        "through others, stops there. A Subflow task that would go deeper FAILS with the "
        "reason (`subflow depth limit 10 reached: company.a → company.b → …`); a Flow trigger "
        "creates its execution FAILED with the reason instead of running it.",
    )


class SchedulerSettings(BaseModel):
    model_config = _FROZEN

    recover_missed_schedules: Literal["ALL", "LAST", "NONE"] = Field(
        default="ALL",
        description="Default of a Schedule's `recoverMissedSchedules` (Kestra's plugin setting): "
        "what a starting scheduler does with dates missed while none ran: fire them `ALL`, "
        "only the `LAST`, or `NONE`.",
    )
    timezone: str | None = Field(
        default=None,
        description="Zone of Schedule triggers without a `timezone`. Default: this machine's "
        "zone (TZ, /etc/localtime), else UTC.",
    )
    flow_poll_seconds: float = Field(
        default=1.0, gt=0,
        description="How often the scheduler checks whether flows changed (one cheap query); "
        "it sleeps until the next due date or this, whichever comes first.",
    )
    busy_poll_seconds: float = Field(
        default=0.2, gt=0,
        description="How soon a trigger whose last execution is still running is looked at "
        "again (a trigger never overlaps its own executions).",
    )
    late_grace_seconds: float = Field(
        default=2.0, ge=0,
        description="At start, a trigger whose next date is older than this counts as missed "
        "and `recoverMissedSchedules` applies.",
    )


class SecretsSettings(BaseModel):
    model_config = _FROZEN

    encryption_key: SecretStr | None = Field(
        default=None,
        description="Fernet key (32 url-safe base64 bytes) encrypting SECRET inputs at rest; "
        "every service of a deployment needs the same one. Unset: the embedded mode keeps a "
        "generated key in `data_dir/secrets.key`; a deployment refuses SECRET inputs.",
    )


class HttpSettings(BaseModel):
    """The http.Request / http.Download tasks (common/http_guard.py says how hosts are
    checked; worker/runnables/http.py uses the rest)."""

    model_config = _FROZEN

    allow_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="When not empty, the only hosts HTTP tasks may reach: names "
        "(`api.example.com`), wildcards (`*.example.com`), IPs and CIDRs (`10.1.0.0/16`); "
        "an IP or CIDR listed here is reachable even when private.",
    )
    deny_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts HTTP tasks may never reach (same forms as `allow_hosts`); wins "
        "over every other rule.",
    )
    allow_private: bool = Field(
        default=False,
        description="Let HTTP tasks reach loopback, private (RFC 1918), link-local (cloud "
        "metadata), unique-local IPv6, multicast and unspecified addresses. Off: refused.",
    )
    max_inline_body_bytes: int = Field(
        default=1024 * 1024, ge=0,
        description="A Request response body up to this size is the `body` output; a "
        "larger (or binary) one is streamed to internal storage, `bodyUri` naming it.",
    )
    max_redirects: int = Field(
        default=10, ge=0, description="Redirects an HTTP task follows before failing.",
    )

    _split = field_validator("allow_hosts", "deny_hosts", mode="before")(_split_csv)

    @field_validator("allow_hosts", "deny_hosts")
    @classmethod
    def _valid_entries(cls, entries: list[str]) -> list[str]:
        for entry in entries:
            parse_host_entry(entry)
        return [entry.strip() for entry in entries]


class LocalFilesSettings(BaseModel):
    """`file:///path` URIs in flows (inputFiles, FILE inputs, read(), fileSize()):
    common/storage/local_paths.py."""

    model_config = _FROZEN

    allowed_paths: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Host directories whose files flows may read through `file:///path` "
        "URIs (Kestra's `kestra.local-files.allowed-paths`; JSON list or comma-separated "
        "absolute paths). Empty (the default): every `file://` URI is refused. Paths are "
        "compared once resolved, so `..` and symlinks cannot leave them.",
    )

    _split = field_validator("allowed_paths", mode="before")(_split_csv)

    @field_validator("allowed_paths")
    @classmethod
    def _absolute(cls, paths: list[Path]) -> list[Path]:
        for path in paths:
            if not path.is_absolute():
                raise ValueError(f"allowed path {str(path)!r} must be absolute")
        return paths


class ManagementSettings(BaseModel):
    """The management HTTP server of `podium executor|worker|scheduler|webserver`:
    /metrics, /healthz, /readyz (common/observability/). Not started in embedded mode."""

    model_config = _FROZEN

    enabled: bool = Field(
        default=True, description="Serve /metrics, /healthz and /readyz on the management "
        "port of each service.",
    )
    host: str = Field(default="127.0.0.1", description="Address the management server binds.")
    port: int | None = Field(
        default=None, ge=0, le=65535,
        description="Management port. None: the service's default (executor 9101, worker "
        "9102, scheduler 9103, webserver 9104), or the next free port when another service "
        "holds it; 0: any free port. Printed at start (`management server on "
        "http://HOST:PORT`). A port set here that is taken stops the service.",
    )


def _users(value: Any) -> Any:
    """``{"user": "password"}`` or ``["user:password", ...]`` (JSON), or ``user:password,...``."""
    if isinstance(value, str):
        text = value.strip()
        value = json.loads(text) if text[:1] in ("{", "[") else _split_csv(text)
    if isinstance(value, list):
        pairs = {}
        for item in value:
            user, sep, password = str(item).partition(":")
            if not sep or not user:
                raise ValueError("api users given as a list must be 'user:password' items")
            pairs[user] = password
        return pairs
    return value


class ApiSettings(BaseModel):
    """The REST API (`podium webserver`, package `api/`)."""

    model_config = _FROZEN

    auth: bool = Field(
        default=True,
        description="Require credentials (basic `users` or bearer `tokens`) on every route but "
        "the health check and webhooks. Only an explicit `false` turns it off; on with no "
        "users and no tokens, every protected request is refused.",
    )
    users: Annotated[dict[str, SecretStr], NoDecode] = Field(
        default_factory=dict,
        description="HTTP basic users: a JSON map user -> password, or a list of "
        "`user:password` (JSON or comma-separated).",
    )
    tokens: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Bearer API tokens (JSON list or comma-separated).",
    )
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024,
        description="Largest JSON / YAML / text request body accepted (413 beyond).",
    )
    max_upload_bytes: int = Field(
        default=1024 * 1024 * 1024, ge=1024,
        description="Largest multipart request (execution inputs with FILE uploads).",
    )
    login_max_failures: int = Field(
        default=10, ge=1,
        description="Failed logins (wrong password, unknown user or token) allowed per "
        "client address and per user name within `login_window_seconds`; beyond, 429 with "
        "`Retry-After` until the oldest failure leaves the window.",
    )
    login_window_seconds: float = Field(
        default=300, gt=0, le=86400,
        description="The window over which failed logins are counted.",
    )
    webhook_wait_seconds: float = Field(
        default=3600, gt=0,
        description="Longest a webhook call with `wait: true` waits for its execution to "
        "end before answering 504 with the execution's id (Kestra waits without limit).",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Key signing the web UI's session cookies (api/ui/). Unset, each "
        "webserver process draws a random one: sessions end when it restarts, and replicas "
        "behind one address must share a key.",
    )
    session_seconds: float = Field(
        default=12 * 3600, gt=0, le=30 * 86400,
        description="How long a web UI login lasts.",
    )
    host: str = Field(default="127.0.0.1", description="Address `podium webserver` binds.")
    port: int = Field(default=8080, ge=0, le=65535,
                      description="Port of `podium webserver` and `podium server local`. Left "
                      "at its default, a taken 8080 moves to the next free port (printed); "
                      "set, a taken port stops the command.")
    mcp_call_seconds: float = Field(
        default=300.0, gt=0,
        description="How long an MCP `tools/call` waits for its flow's execution to end "
        "before answering that it still runs (with the execution id).",
    )

    _users = field_validator("users", mode="before")(_users)
    _tokens = field_validator("tokens", mode="before")(_split_csv)


class Settings(BaseSettings):
    """Everything configurable in Podium. Build once in the composition root; pass it down."""

    model_config = SettingsConfigDict(
        env_prefix="PODIUM_", env_nested_delimiter="__", case_sensitive=False, frozen=True,
        extra="ignore",  # unknown PODIUM_* variables must not crash a service at boot
    )

    data_dir: Path = Field(
        default_factory=lambda: Path.home() / ".podium",
        description="Directory of the embedded mode's files: SQLite database, local storage.",
    )
    log_level: LogLevel = Field(default="INFO", description="Log level of every service.")
    env_vars_prefix: str = Field(
        default="ENV_",
        description="Environment variables starting with this prefix are exposed to flows as "
        "`envs.<name>` (prefix removed, lower-cased), as Kestra's "
        "`kestra.variables.env-vars-prefix`. `SECRET_*` and `PODIUM_*` variables never are.",
    )
    variables_globals: dict[str, Any] = Field(
        default_factory=dict,
        description="Values exposed to every flow as `globals.<key>` (JSON map).",
    )
    database: DatabaseSettings = Field(default_factory=DatabaseSettings,
                                       description="SQL store.")
    broker: BrokerSettings = Field(default_factory=BrokerSettings,
                                   description="Celery/Redis transport.")
    storage: StorageSettings = Field(default_factory=StorageSettings,
                                     description="Internal storage.")
    worker: WorkerSettings = Field(default_factory=WorkerSettings,
                                   description="Worker service.")
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings,
                                       description="Executor service.")
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings,
                                         description="Scheduler service.")
    secrets: SecretsSettings = Field(default_factory=SecretsSettings,
                                     description="Encryption of SECRET inputs.")
    http: HttpSettings = Field(default_factory=HttpSettings,
                               description="HTTP tasks: reachable hosts, body sizes.")
    api: ApiSettings = Field(default_factory=ApiSettings,
                             description="REST API: auth, request sizes, address.")
    management: ManagementSettings = Field(
        default_factory=ManagementSettings,
        description="Metrics and health endpoints of each service.")
    local_files: LocalFilesSettings = Field(
        default_factory=LocalFilesSettings,
        description="Host files flows may read through file:// URIs.")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        # Defaults that depend on data_dir are filled here so that a single PODIUM_DATA_DIR
        # moves everything. object.__setattr__ because the model is frozen once built.
        if self.database.url is None:
            url = f"sqlite:///{self.data_dir / 'podium.db'}"
            object.__setattr__(self, "database", self.database.model_copy(update={"url": url}))
        if self.storage.base_path is None and self.storage.kind == "local":
            path = self.data_dir / "storage"
            object.__setattr__(self, "storage", self.storage.model_copy(update={"base_path": path}))
        if self.worker.script_env_dir is None:
            envs = self.data_dir / "script-envs"
            object.__setattr__(self, "worker",
                               self.worker.model_copy(update={"script_env_dir": envs}))
        return self


def liveness_warnings(settings: Settings) -> list[str]:
    """Settings that work but defeat the liveness rules (podium/lifecycle.py logs them)."""
    worker, broker = settings.worker, settings.broker
    warnings = []
    if worker.heartbeat_timeout_seconds < 3 * worker.heartbeat_seconds:
        warnings.append(f"worker.heartbeat_timeout_seconds ({worker.heartbeat_timeout_seconds}) "
                        f"is less than 3 x worker.heartbeat_seconds ({worker.heartbeat_seconds}): "
                        "one slow beat may make a live service look dead")
    if broker.visibility_timeout_seconds <= worker.heartbeat_timeout_seconds:
        warnings.append(f"broker.visibility_timeout_seconds ({broker.visibility_timeout_seconds}) "
                        "is not above worker.heartbeat_timeout_seconds "
                        f"({worker.heartbeat_timeout_seconds}): a dead worker's message comes "
                        "back before its attempt is resubmitted, and may run twice")
    return warnings


def field_docs(model: type[BaseModel] = Settings,
               prefix: str = "PODIUM_") -> list[tuple[str, str, str]]:
    """(environment variable, default, description) of every leaf field, for the README."""
    rows: list[tuple[str, str, str]] = []
    for name, info in model.model_fields.items():
        env = f"{prefix}{name.upper()}"
        sub = info.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            rows.extend(field_docs(sub, env + "__"))
            continue
        default = "(computed)" if info.default_factory else repr(info.default)
        rows.append((env, default, info.description or ""))
    return rows

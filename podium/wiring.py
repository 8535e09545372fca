"""Building services from Settings: the only place that knows which backends exist."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from podium.common import http_expression
from podium.common.error_logs import stored_error_logs
from podium.common.kv import KVStore
from podium.common.secrets import EnvSecretProvider, SecretCipher, SecretProvider, key_file_cipher
from podium.common.settings import HttpSettings, LocalFilesSettings, Settings, WorkerSettings
from podium.common.storage import Storage
from podium.common.storage.access import FileScope, file_empty, file_exists, file_size, read_text
from podium.common.storage.factory import storage_from_settings
from podium.common.storage.local_paths import LocalFiles
from podium.common.storage.offload import load as load_outputs
from podium.common.store import Database
from podium.common.templating import RenderServices
from podium.common.transport.base import Transport
from podium.common.transport.celery_transport import CeleryTransport, make_celery_app
from podium.executor.engine.context import EngineConfig
from podium.worker.run_context import RunContext
from podium.worker.sandbox import Sandbox
from podium.worker.script_envs import ScriptEnvironments
from podium.worker.script_limits import Limits


def database(settings: Settings) -> Database:
    return Database(settings.database.url,
                    synchronous_commit=settings.database.synchronous_commit)


def celery_transport(settings: Settings) -> CeleryTransport:
    return CeleryTransport(make_celery_app(settings))


def storage(settings: Settings) -> Storage:
    """The internal storage every process of a deployment shares (settings.storage)."""
    return storage_from_settings(settings.storage)


def secret_provider(environ: Mapping[str, str] | None = None) -> EnvSecretProvider:
    """`secret()` values: the SECRET_<KEY> variables (base64) of this environment."""
    return EnvSecretProvider(os.environ if environ is None else environ)


def secret_cipher(settings: Settings) -> SecretCipher | None:
    """The key SECRET inputs are encrypted with: PODIUM_SECRETS__ENCRYPTION_KEY; without
    it, on the embedded SQLite default, the data directory's generated key; else None (a
    deployment then refuses SECRET inputs)."""
    key = settings.secrets.encryption_key
    if key is not None:
        return SecretCipher(key.get_secret_value())
    if settings.database.url and settings.database.url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return key_file_cipher(settings.data_dir)
    return None


def embedded_cipher(folder: str | os.PathLike, environ: Mapping[str, str]) -> SecretCipher:
    """The embedded runtime's key: PODIUM_SECRETS__ENCRYPTION_KEY of `environ`, else the
    one generated and kept in `folder`."""
    key = environ.get("PODIUM_SECRETS__ENCRYPTION_KEY")
    return SecretCipher(key) if key else key_file_cipher(folder)


def worker_http(settings: Settings) -> None:
    """Give the HTTP tasks of every attempt this process runs `settings.http` (allowed
    hosts, body sizes). Interim, for `podium worker` / `server local`: WorkerService does
    not take them yet, so they become RunContext's default for the whole process."""
    RunContext.http = settings.http


def script_environments(settings: Settings) -> ScriptEnvironments:
    """The cache of script tasks' environments (`worker.script_env_dir`)."""
    return ScriptEnvironments(settings.worker.script_env_dir)


def script_sandbox(settings: Settings) -> Sandbox:
    """How script processes are isolated (`worker.sandbox`): decided, and logged, once."""
    return Sandbox.start(settings.worker.sandbox, settings.worker.sandbox_read_only_paths)


def script_limits(settings: Settings) -> Limits:
    """The default limits of script processes (`worker.script_*`)."""
    return Limits.from_settings(settings.worker)


def local_files(settings: LocalFilesSettings) -> LocalFiles:
    """The host directories file:// URIs may reach (PODIUM_LOCAL_FILES__*)."""
    return LocalFiles.of(settings.allowed_paths)


def local_files_from(environ: Mapping[str, str]) -> LocalFiles:
    """`local_files` for the embedded runtime, which is configured by an environment
    mapping rather than a Settings object."""
    raw = environ.get("PODIUM_LOCAL_FILES__ALLOWED_PATHS", "")
    return local_files(LocalFilesSettings.model_validate({"allowed_paths": raw}))


_ISOLATION_FIELDS = ("sandbox", "sandbox_read_only_paths", "script_cpu_seconds",
                     "script_memory_mb", "script_file_size_mb")


def script_isolation_from(environ: Mapping[str, str]) -> tuple[Sandbox, Limits]:
    """`script_sandbox` and `script_limits` for the embedded runtime, from the
    PODIUM_WORKER__* variables of `environ`."""
    raw = {name: environ[f"PODIUM_WORKER__{name.upper()}"] for name in _ISOLATION_FIELDS
           if f"PODIUM_WORKER__{name.upper()}" in environ}
    worker = WorkerSettings.model_validate(raw)
    return (Sandbox.start(worker.sandbox, worker.sandbox_read_only_paths),
            Limits.from_settings(worker))


def engine_config(settings: Settings, db: Database) -> EngineConfig:
    """The executor's config; `db` is the executor's own database (kv() reads it)."""
    files = storage(settings)
    return EngineConfig(environ=dict(os.environ), env_prefix=settings.env_vars_prefix,
                        globals_=dict(settings.variables_globals),
                        render_services=render_services(db, files, secret_provider(),
                                                        local_files(settings.local_files),
                                                        http=settings.http),
                        cipher=secret_cipher(settings),
                        load_outputs=outputs_loader(files), write_file=file_writer(files),
                        max_lost_attempts=settings.executor.max_lost_attempts,
                        max_chain_depth=settings.executor.max_chain_depth)


def input_services(settings: Settings, db: Database) -> Callable[[str, dict], RenderServices]:
    """What the inputs' expressions may call in a process that creates executions (the
    API, the CLI, the scheduler): the executor's functions, with this process's secrets."""
    return render_services(db, storage(settings), secret_provider(),
                           local_files(settings.local_files), http=settings.http)


def outputs_loader(files: Storage):
    """How the executor reads outputs a worker stored apart (common/storage/offload.py)."""
    return lambda uri: load_outputs(files, uri)


def file_writer(files: Storage):
    """How the executor writes the files its decisions produce (WriteFile commands)."""
    return lambda uri, content: files.put(uri, content)


def render_services(db: Database, files: Storage | None, secrets: SecretProvider | None,
                    local: LocalFiles | None = None, *,
                    http: HttpSettings | None = None) -> Callable[[str, dict], RenderServices]:
    """The functions that need I/O (read(), fileSize(), fileExists(), isFileEmpty(), kv(),
    secret(), http(), errorLogs()) for the renders of the executor (runIf, conditions,
    flow outputs, subflow inputs), with the rules the worker applies. `http`: the guard's
    settings (None: the defaults, public hosts only, as the http tasks)."""
    kv = KVStore(db)
    local = local or LocalFiles()
    guard = http if http is not None else HttpSettings()

    def services(namespace: str, context: dict) -> RenderServices:
        scope = FileScope.from_context(context)
        execution_id = (context.get("execution") or {}).get("id")
        stored = files is not None
        return RenderServices(
            secret=(lambda key, ns=None: secrets.get(ns or namespace, key))
            if secrets is not None else None,
            kv=kv.lookup_for(namespace),
            read=(lambda path: read_text(files, scope, path, local_files=local))
            if stored else None,
            file_size=(lambda uri: file_size(files, scope, uri, local_files=local))
            if stored else None,
            file_exists=(lambda path: file_exists(files, scope, path, local_files=local))
            if stored else None,
            file_empty=(lambda path: file_empty(files, scope, path, local_files=local))
            if stored else None,
            http=lambda call, timeout: http_expression.fetch(call, guard, timeout),
            error_logs=(lambda: stored_error_logs(db, execution_id)) if execution_id else None)
    return services


__all__ = ["database", "celery_transport", "engine_config", "render_services", "storage",
           "local_files", "local_files_from", "input_services",
           "secret_provider",
           "secret_cipher", "embedded_cipher", "worker_http", "script_environments", "Transport"]

"""Settings: defaults, PODIUM_ environment parsing (nested with __), derived paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from podium.common.settings import Settings, field_docs


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """A developer's own PODIUM_* variables must not leak into these tests."""
    for name in list(os.environ):
        if name.upper().startswith("PODIUM_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", "/home/tester")


def test_defaults():
    s = Settings()
    assert s.data_dir == Path("/home/tester/.podium")
    assert s.database.url == "sqlite:////home/tester/.podium/podium.db"
    assert s.broker.url == "redis://127.0.0.1:6379/0"
    assert s.broker.visibility_timeout_seconds == 120
    assert s.broker.key_prefix == ""
    assert s.broker.max_failures == 5
    assert s.storage.kind == "local"
    assert s.storage.base_path == Path("/home/tester/.podium/storage")
    assert s.storage.s3.bucket is None and s.storage.s3.path_style is False
    assert s.worker.concurrency == (os.cpu_count() or 1)
    assert s.worker.pool == "threads"
    assert s.worker.resolved_queues() == ["podium.worker"]
    assert s.worker.script_env_dir == Path("/home/tester/.podium/script-envs")
    assert s.executor.timer_poll_seconds == 1.0
    assert s.executor.outbox_sweep_seconds == 1.0
    assert s.log_level == "INFO"
    assert s.env_vars_prefix == "ENV_"
    assert s.variables_globals == {}


def test_top_level_and_nested_env(monkeypatch):
    monkeypatch.setenv("PODIUM_LOG_LEVEL", "debug")
    monkeypatch.setenv("PODIUM_DATABASE__URL", "postgresql+psycopg://u@db/podium")
    monkeypatch.setenv("PODIUM_BROKER__URL", "redis://redis:6379/2")
    monkeypatch.setenv("PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS", "90000")
    monkeypatch.setenv("PODIUM_STORAGE__KIND", "s3")
    monkeypatch.setenv("PODIUM_STORAGE__S3__BUCKET", "podium")
    monkeypatch.setenv("PODIUM_STORAGE__S3__ENDPOINT_URL", "http://minio:9000")
    monkeypatch.setenv("PODIUM_STORAGE__S3__PATH_STYLE", "true")
    monkeypatch.setenv("PODIUM_WORKER__CONCURRENCY", "8")
    monkeypatch.setenv("PODIUM_EXECUTOR__TIMER_POLL_SECONDS", "0.25")
    monkeypatch.setenv("PODIUM_ENV_VARS_PREFIX", "MY_")
    s = Settings()
    assert s.log_level == "DEBUG"
    assert s.database.url == "postgresql+psycopg://u@db/podium"
    assert s.broker.url == "redis://redis:6379/2"
    assert s.broker.visibility_timeout_seconds == 90000
    assert s.storage.kind == "s3" and s.storage.base_path is None
    assert (s.storage.s3.bucket, s.storage.s3.endpoint_url, s.storage.s3.path_style) == (
        "podium", "http://minio:9000", True)
    assert s.worker.concurrency == 8
    assert s.executor.timer_poll_seconds == 0.25
    assert s.env_vars_prefix == "MY_"


def test_variable_names_are_case_insensitive(monkeypatch):
    monkeypatch.setenv("podium_broker__key_prefix", "staging:")
    assert Settings().broker.key_prefix == "staging:"


def test_data_dir_moves_derived_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("PODIUM_DATA_DIR", str(tmp_path))
    s = Settings()
    assert s.database.url == f"sqlite:///{tmp_path}/podium.db"
    assert s.storage.base_path == tmp_path / "storage"
    assert s.worker.script_env_dir == tmp_path / "script-envs"


def test_explicit_values_win_over_derived(monkeypatch, tmp_path):
    monkeypatch.setenv("PODIUM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PODIUM_STORAGE__BASE_PATH", "/srv/files")
    monkeypatch.setenv("PODIUM_WORKER__SCRIPT_ENV_DIR", "/var/cache/podium-envs")
    assert Settings().storage.base_path == Path("/srv/files")
    assert Settings().worker.script_env_dir == Path("/var/cache/podium-envs")


def test_globals_as_json_and_nested(monkeypatch):
    monkeypatch.setenv("PODIUM_VARIABLES_GLOBALS", '{"region": "eu", "limits": {"cpu": 2}}')
    assert Settings().variables_globals == {"region": "eu", "limits": {"cpu": 2}}


@pytest.mark.parametrize("raw", ["podium.worker.gpu, podium.worker.io",
                                 '["podium.worker.gpu","podium.worker.io"]'])
def test_worker_queues_csv_or_json(monkeypatch, raw):
    monkeypatch.setenv("PODIUM_WORKER__QUEUES", raw)
    assert Settings().worker.resolved_queues() == ["podium.worker.gpu", "podium.worker.io"]


def test_worker_group_selects_its_queue(monkeypatch):
    monkeypatch.setenv("PODIUM_WORKER__GROUP", "gpu")
    assert Settings().worker.resolved_queues() == ["podium.worker.gpu"]


def test_whole_section_as_json(monkeypatch):
    monkeypatch.setenv("PODIUM_BROKER", '{"url": "redis://r:1/0", "max_failures": 2}')
    s = Settings()
    assert (s.broker.url, s.broker.max_failures) == ("redis://r:1/0", 2)


def test_constructor_arguments_override_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PODIUM_BROKER__URL", "redis://from-env:6379/0")
    s = Settings(broker={"url": "redis://explicit:6379/1"}, data_dir=tmp_path)
    assert s.broker.url == "redis://explicit:6379/1"


@pytest.mark.parametrize("name,value", [
    ("PODIUM_LOG_LEVEL", "LOUD"),
    ("PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS", "0"),
    ("PODIUM_BROKER__MAX_FAILURES", "0"),
    ("PODIUM_WORKER__CONCURRENCY", "zero"),
    ("PODIUM_STORAGE__KIND", "ftp"),
    ("PODIUM_WORKER__POOL", "gevent"),
])
def test_invalid_values_rejected(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_unknown_field_in_section_rejected(monkeypatch):
    monkeypatch.setenv("PODIUM_BROKER__URLL", "redis://typo")
    with pytest.raises(ValidationError):
        Settings()


def test_settings_are_frozen():
    s = Settings()
    with pytest.raises(ValidationError):
        s.log_level = "DEBUG"
    with pytest.raises(ValidationError):
        s.broker.url = "redis://other"


def test_nothing_read_at_import(monkeypatch):
    """Settings read the environment when built, not when the module is imported."""
    first = Settings()
    monkeypatch.setenv("PODIUM_LOG_LEVEL", "ERROR")
    assert (first.log_level, Settings().log_level) == ("INFO", "ERROR")


def test_every_field_documented():
    rows = field_docs()
    assert all(description for _, _, description in rows), [r for r in rows if not r[2]]
    names = {env for env, _, _ in rows}
    assert {"PODIUM_DATABASE__URL", "PODIUM_BROKER__URL", "PODIUM_STORAGE__S3__BUCKET",
            "PODIUM_WORKER__CONCURRENCY", "PODIUM_EXECUTOR__OUTBOX_SWEEP_SECONDS",
            "PODIUM_DATA_DIR", "PODIUM_VARIABLES_GLOBALS"} <= names


def test_readme_settings_table_lists_every_field():
    """README's settings table is written from `field_docs`: every variable is in it."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [env for env, _, _ in field_docs() if f"| `{env}` |" not in readme]
    assert not missing, f"add these rows to README's settings table: {missing}"


def test_management_settings_from_env(monkeypatch):
    assert (Settings().management.enabled, Settings().management.port) == (True, None)
    monkeypatch.setenv("PODIUM_MANAGEMENT__PORT", "0")
    monkeypatch.setenv("PODIUM_MANAGEMENT__HOST", "0.0.0.0")
    monkeypatch.setenv("PODIUM_MANAGEMENT__ENABLED", "false")
    management = Settings().management
    assert (management.port, management.host, management.enabled) == (0, "0.0.0.0", False)


def test_worker_death_is_detected_fast_by_default_and_before_a_message_lease_lapses():
    from podium.common.settings import liveness_warnings

    s = Settings()
    assert s.worker.heartbeat_timeout_seconds <= 10
    assert s.worker.heartbeat_timeout_seconds >= 4 * s.worker.heartbeat_seconds
    assert s.broker.visibility_timeout_seconds > s.worker.heartbeat_timeout_seconds
    assert liveness_warnings(s) == []


def test_settings_that_defeat_the_liveness_rules_are_warned_about(monkeypatch):
    from podium.common.settings import liveness_warnings

    monkeypatch.setenv("PODIUM_WORKER__HEARTBEAT_SECONDS", "5")
    monkeypatch.setenv("PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS", "8")
    warnings = liveness_warnings(Settings())
    assert len(warnings) == 2
    assert "3 x worker.heartbeat_seconds" in warnings[0]
    assert "broker.visibility_timeout_seconds (8)" in warnings[1]

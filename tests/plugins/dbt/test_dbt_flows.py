"""DbtCLI and Setup through real flows on the embedded runtime, running the real dbt on a
small project (a seed, a model, tests) against a DuckDB file and the local PostgreSQL."""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest
import yaml
from sqlalchemy import create_engine, make_url, text

from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.plugins.registry import registry
from podium.common.store.database import normalize_url
from podium.runtime import Runtime
from podium_dbt import plugin
from tests.plugins.dbt.project import FAILING_TEST, put_project

pytestmark = pytest.mark.service

POSTGRES_URL = os.environ.get("PODIUM_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")

DUCKDB_FLOW = """
id: dbt_duckdb
namespace: {namespace}
inputs:
  - id: path
    type: STRING
tasks:
  - id: build
    type: io.kestra.plugin.dbt.cli.DbtCLI
    containerImage: ghcr.io/kestra-io/dbt-duckdb:latest
    namespaceFiles:
      enabled: true
    outputFiles:
      - warehouse.duckdb
    env:
      PATH: "{{{{ inputs.path }}}}:/usr/bin:/bin"
    commands:
      - dbt build
    profiles: |
      podium_demo:
        target: dev
        outputs:
          dev:
            type: duckdb
            path: warehouse.duckdb
            threads: 1
"""

POSTGRES_FLOW = """
id: dbt_postgres
namespace: tests.dbt.pg
inputs:
  - id: path
    type: STRING
  - id: schema
    type: STRING
tasks:
  - id: build
    type: io.kestra.plugin.dbt.cli.DbtCLI
    namespaceFiles:
      enabled: true
    projectDir: project
    env:
      PATH: "{{{{ inputs.path }}}}:/usr/bin:/bin"
    beforeCommands:
      - dbt --version
    commands:
      - dbt seed
      - dbt run --select by_country
      - dbt test
    outputFiles:
      - "project/target/*.json"
    profiles: |
      podium_demo:
        target: pg
        outputs:
          pg:
            type: postgres
            host: {host}
            port: {port}
            user: {user}
            password: "{password}"
            dbname: {database}
            schema: "{{{{ inputs.schema }}}}"
            threads: 1
"""


@pytest.fixture(scope="module")
def rt(tmp_path_factory):
    with Runtime.embedded(tmp_path_factory.mktemp("dbt")) as runtime:
        yield runtime


def run(rt, source: str, namespace: str, flow_id: str, **inputs):
    rt.deploy(parse_flow(source))
    return rt.wait(rt.submit(namespace, flow_id, inputs).id, 300)


def messages(rt, execution, level: str | None = None) -> list[str]:
    return [e.message for e in rt.logs(execution.id) if level is None or e.level == level]


def outputs(rt, execution, task_id: str = "build") -> dict:
    (task_run,) = [r for r in rt.task_runs(execution.id) if r.task_id == task_id]
    return task_run.outputs or {}


def duckdb_rows(dbt_bin, db, sql: str) -> str:
    """Read the DuckDB file with the duckdb module of dbt's environment."""
    script = f"import duckdb; print(duckdb.connect({str(db)!r}, read_only=True).sql({sql!r}).fetchall())"
    return subprocess.run([str(dbt_bin / "python"), "-c", script], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_dbt_build_on_duckdb(rt, dbt_bin, tmp_path):
    put_project(rt.storage, "tests.dbt.duck")
    done = run(rt, DUCKDB_FLOW.format(namespace="tests.dbt.duck"), "tests.dbt.duck",
               "dbt_duckdb", path=str(dbt_bin))
    lines = messages(rt, done)
    assert done.state is State.SUCCESS, "\n".join(lines[-30:])
    out = outputs(rt, done)
    assert out["exitCode"] == 0
    assert set(out["outputFiles"]) >= {"manifest.json", "run_results.json", "warehouse.duckdb"}
    db = tmp_path / "warehouse.duckdb"
    with rt.storage.get(out["outputFiles"]["warehouse.duckdb"]) as stream:
        db.write_bytes(stream.read())
    assert any(line.startswith("model.podium_demo.by_country => success") for line in lines)
    assert any("[Type: MainReportVersion]" in line for line in lines)  # dbt's JSON logs
    assert any("ghcr.io/kestra-io/dbt-duckdb:latest" in line
               for line in messages(rt, done, "WARN"))  # the image is not used, and said so
    assert duckdb_rows(dbt_bin, db, "select country, customers from by_country order by 1") \
        == "[('DE', 1), ('FR', 3), ('IT', 1)]"
    with rt.storage.get(out["outputFiles"]["run_results.json"]) as stream:
        assert b'"unique_id": "model.podium_demo.by_country"' in stream.read()


def test_a_failing_dbt_test_fails_the_task(rt, dbt_bin, tmp_path):
    put_project(rt.storage, "tests.dbt.fail", extra=FAILING_TEST)
    done = run(rt, DUCKDB_FLOW.format(namespace="tests.dbt.fail"), "tests.dbt.fail",
               "dbt_duckdb", path=str(dbt_bin))
    assert done.state is State.FAILED
    errors = messages(rt, done, "ERROR")
    assert any(line.startswith("test.podium_demo.no_customers => fail") and "(5 failures)"
               in line for line in errors), errors
    out = outputs(rt, done)
    assert out["exitCode"] == 1
    assert "run_results.json" in out["outputFiles"]  # kept on failure, as Kestra


@pytest.fixture
def pg_schema():
    url = make_url(normalize_url(POSTGRES_URL))
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any reason: the server is not there
        pytest.skip(f"PostgreSQL is not reachable at {url.host}:{url.port}: {exc}")
    schema = f"dbt_{secrets.token_hex(4)}"
    yield url, engine, schema
    with engine.begin() as conn:
        conn.execute(text(f'drop schema if exists "{schema}" cascade'))
    engine.dispose()


def test_dbt_on_postgresql_with_a_project_dir(rt, dbt_bin, pg_schema):
    url, engine, schema = pg_schema
    put_project(rt.storage, "tests.dbt.pg", prefix="project/")
    flow = POSTGRES_FLOW.format(host=url.host or "127.0.0.1", port=url.port or 5432,
                                user=url.username or "postgres", password=url.password or "",
                                database=url.database)
    done = run(rt, flow, "tests.dbt.pg", "dbt_postgres", path=str(dbt_bin), schema=schema)
    lines = messages(rt, done)
    assert done.state is State.SUCCESS, "\n".join(lines[-30:])
    with engine.connect() as conn:
        rows = conn.execute(text(f'select country, customers from "{schema}".by_country '
                                 "order by country")).all()
    assert [tuple(r) for r in rows] == [("DE", 1), ("FR", 3), ("IT", 1)]
    out = outputs(rt, done)
    # outputFiles globs and the parsed files together
    assert {"project/target/run_results.json", "manifest.json",
            "run_results.json"} <= set(out["outputFiles"])
    assert any("installed:" in line for line in lines)  # beforeCommands ran dbt --version
    assert any(line.startswith("test.podium_demo.unique_by_country_country") for line in lines)


def test_commands_without_dbt_anywhere_fail_saying_how_to_install_it(rt, tmp_path):
    flow = """
id: no_dbt
namespace: tests.dbt.none
tasks:
  - id: build
    type: io.kestra.plugin.dbt.cli.DbtCLI
    env:
      PATH: /usr/bin:/bin
    commands:
      - dbt build
"""
    from podium_dbt import locate
    if locate.worker_dbt() is not None:
        pytest.skip("dbt is installed beside the worker: it would be found")
    done = run(rt, flow, "tests.dbt.none", "no_dbt")
    assert done.state is State.FAILED
    assert any("dbt was not found: install it beside the worker" in line
               for line in messages(rt, done, "ERROR"))


def test_setup_makes_a_virtualenv_and_the_profile(rt, dbt_bin):
    flow = """
id: dbt_setup
namespace: tests.dbt.setup
inputs:
  - id: path
    type: STRING
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: setup
        type: io.kestra.plugin.dbt.cli.Setup
        env:
          PATH: "{{ inputs.path }}:/usr/bin:/bin"
        requirements:
          - pip
        profiles:
          podium_demo:
            target: dev
            outputs:
              dev:
                type: duckdb
                path: ":memory:"
      - id: check
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - ./bin/python -c 'import sys; print("prefix", sys.prefix)'
          - cat .profile/profiles.yml
"""
    done = run(rt, flow, "tests.dbt.setup", "dbt_setup", path=str(dbt_bin))
    lines = messages(rt, done)
    assert done.state is State.SUCCESS, "\n".join(lines[-20:])
    assert any(line.startswith("prefix /") for line in lines)
    assert "    target: dev" in lines or "  target: dev" in lines


def _own_tasks(value):
    """The tasks of this plugin anywhere in a flow document."""
    if isinstance(value, dict):
        if str(value.get("type", "")).startswith("io.kestra.plugin.dbt.cli.") \
                and registry.canonical("task", value["type"]) is not None:
            yield value
        for item in value.values():
            yield from _own_tasks(item)
    elif isinstance(value, list):
        for item in value:
            yield from _own_tasks(item)


def test_kestra_examples_validate():
    """Each example's dbt task validates; the whole flow too when every type it names is
    installed (the git family is another distribution)."""
    checked = 0
    for task in plugin.tasks:
        for example in task.EXAMPLES:
            document = yaml.safe_load(example.code)
            own = list(_own_tasks(document))
            assert own, example.title
            for found in own:
                parse_flow(yaml.safe_dump({"id": "example", "namespace": "company.team",
                                           "tasks": [found]}))
                checked += 1
            try:
                parse_flow(example.code)
            except FlowValidationError as exc:
                missing = [n for n in ("io.kestra.plugin.git.Clone",
                                       "io.kestra.plugin.git.SyncNamespaceFiles",
                                       "io.kestra.plugin.dbt.cli.Build")
                           if n in example.code and registry.canonical("task", n) is None]
                assert missing, f"{task.TYPE}: {example.title}: {exc}"
    assert checked == 5 + 2 + 9  # DbtCLI 5; Setup 1 (with a Build); the deprecated 9


KV_FLOW = """
id: dbt_kv
namespace: tests.dbt.kv
inputs:
  - id: path
    type: STRING
tasks:
  - id: build
    type: io.kestra.plugin.dbt.cli.DbtCLI
    namespaceFiles:
      enabled: true
    env:
      PATH: "{{ inputs.path }}:/usr/bin:/bin"
    storeManifest:
      key: manifest.json
      namespace: "{{ flow.namespace }}"
    commands:
      - dbt build
    profiles: |
      podium_demo:
        target: dev
        outputs:
          dev:
            type: duckdb
            path: warehouse.duckdb
            threads: 1
  - id: reuse
    type: io.kestra.plugin.dbt.cli.DbtCLI
    loadManifest:
      key: manifest.json
      namespace: "{{ flow.namespace }}"
    commands:
      - grep -c podium_demo target/manifest.json
"""


def test_a_dbt_warning_ends_the_task_warning(rt, dbt_bin, tmp_path):
    from tests.plugins.dbt.project import WARNING_TEST
    put_project(rt.storage, "tests.dbt.warn", extra=WARNING_TEST)
    done = run(rt, DUCKDB_FLOW.format(namespace="tests.dbt.warn"), "tests.dbt.warn",
               "dbt_duckdb", path=str(dbt_bin))
    assert done.state is State.WARNING
    assert outputs(rt, done)["exitCode"] == 0
    assert any(line.startswith("test.podium_demo.no_customers => warn")
               for line in messages(rt, done, "WARN"))


def test_the_manifest_goes_to_the_kv_store_and_back(rt, dbt_bin, tmp_path):
    from podium.common.kv import KVStore
    put_project(rt.storage, "tests.dbt.kv")
    done = run(rt, KV_FLOW, "tests.dbt.kv", "dbt_kv", path=str(dbt_bin))
    assert done.state is State.SUCCESS, "\n".join(messages(rt, done)[-20:])
    stored = KVStore(rt.db).get("tests.dbt.kv", "manifest.json")
    assert stored is not None and "model.podium_demo.by_country" in stored.value["nodes"]
    # the second task found it in target/, written from the KV store
    assert "manifest.json" in outputs(rt, done, "reuse")["outputFiles"]


LEGACY_FLOW = """
id: dbt_legacy
namespace: tests.dbt.legacy
inputs:
  - id: path
    type: STRING
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    namespaceFiles:
      enabled: true
    outputFiles:
      - warehouse.duckdb
    tasks:
      - id: seed
        type: io.kestra.plugin.dbt.cli.Seed
        dbtPath: /usr/local/bin/dbt
        env:
          PATH: "{{ inputs.path }}:/usr/bin:/bin"
        profiles: |
          podium_demo:
            target: dev
            outputs:
              dev:
                type: duckdb
                path: warehouse.duckdb
                threads: 1
      - id: run
        type: io.kestra.plugin.dbt.cli.Run
        dbtPath: dbt
        env:
          PATH: "{{ inputs.path }}:/usr/bin:/bin"
        select:
          - by_country
"""


def test_the_deprecated_one_command_tasks(rt, dbt_bin, tmp_path):
    """Seed then Run (Kestra's deprecated tasks) in one WorkingDirectory: the profile the
    first writes to .profile/ serves the second; an image's dbtPath falls back to dbt."""
    put_project(rt.storage, "tests.dbt.legacy")
    done = run(rt, LEGACY_FLOW, "tests.dbt.legacy", "dbt_legacy", path=str(dbt_bin))
    lines = messages(rt, done)
    assert done.state is State.SUCCESS, "\n".join(lines[-30:])
    assert any("dbtPath '/usr/local/bin/dbt' does not exist on the worker" in line
               for line in messages(rt, done, "WARN"))
    assert any(line.startswith("seed.podium_demo.customers => success") for line in lines)
    assert any(line.startswith("model.podium_demo.by_country => success") for line in lines)
    assert "run_results.json" in outputs(rt, done, "run")["outputFiles"]
    db = tmp_path / "legacy.duckdb"
    with rt.storage.get(outputs(rt, done, "wd")["outputFiles"]["warehouse.duckdb"]) as stream:
        db.write_bytes(stream.read())
    assert duckdb_rows(dbt_bin, db, "select sum(customers) from by_country") == "[(5,)]"

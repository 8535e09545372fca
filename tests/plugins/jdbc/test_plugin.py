"""The jdbc plugin as Podium discovers it: its types, their examples, the ssl options."""

from __future__ import annotations

import pytest

from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.plugins.registry import registry
from podium_jdbc import plugin
from tests.plugins.jdbc.conftest import run_flow
from tests.plugins.jdbc.test_postgres_query import errors, flow

TYPES = ["io.kestra.plugin.jdbc.postgresql.Query", "io.kestra.plugin.jdbc.postgresql.Queries",
         "io.kestra.plugin.jdbc.postgresql.CopyIn", "io.kestra.plugin.jdbc.postgresql.CopyOut"]


def test_the_plugin_is_discovered_with_its_types_in_order():
    assert not [b for b in registry.broken() if b.name == "jdbc"]
    assert [cls.TYPE for cls in plugin.tasks][:4] == TYPES
    for cls in plugin.tasks:
        assert registry.resolve("task", cls.TYPE) is cls
        assert registry.owner(cls).distribution == "podium-plugin-jdbc"


@pytest.mark.parametrize("cls", plugin.tasks, ids=lambda cls: cls.TYPE)
def test_every_example_is_a_valid_flow(cls):
    assert cls.EXAMPLES and cls.__doc__
    for example in cls.EXAMPLES:
        parse_flow(example.code)


def test_a_bad_ssl_mode_is_refused_when_the_flow_is_saved():
    with pytest.raises(FlowValidationError, match="sslMode"):
        parse_flow("""
id: ssl
namespace: tests.jdbc
tasks:
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: jdbc:postgresql://127.0.0.1/x
    sql: SELECT 1
    sslMode: SOMETIMES
""")


@pytest.mark.service
def test_ssl_options_reach_the_driver(runtime, pg):
    # The local server has no TLS: REQUIRE must fail the connection, DISABLE must pass.
    done = run_flow(runtime, flow(pg, """
  - id: plain
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT 1 AS one
    sslMode: DISABLE
    fetchType: FETCH_ONE
  - id: tls
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT 1
    ssl: true
    sslMode: REQUIRE
"""))
    assert done.state is State.FAILED
    [plain, tls] = sorted(runtime.task_runs(done.id), key=lambda r: r.task_id)
    assert plain.state is State.SUCCESS and tls.state is State.FAILED
    assert "Unable to connect" in errors(runtime, done) and "SSL" in errors(runtime, done)


@pytest.mark.service
def test_a_root_certificate_must_be_pem_contents(runtime, pg):
    done = run_flow(runtime, flow(pg, """
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT 1
    sslRootCert: /etc/ssl/certs/ca.pem
"""))
    assert done.state is State.FAILED
    assert "`sslRootCert` must be the PEM contents" in errors(runtime, done)

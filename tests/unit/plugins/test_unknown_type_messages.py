"""An unknown plugin type gets only genuinely close suggestions, or none, and a type of a
Kestra plugin family Podium lacks is named as such (common/plugins/close_names.py,
common/plugins/catalog.py)."""

from __future__ import annotations

import pytest

from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.plugins.close_names import close_names, edit_distance


def _type_problem(type_name: str, extra: str = "") -> str:
    source = (f"id: warehouse-load\nnamespace: company.data\ntasks:\n  - id: step\n"
              f"    type: {type_name}\n{extra}")
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(source, name="flow.yaml")
    [problem] = [p for p in caught.value.problems if p.path == "tasks[0].type"]
    assert (problem.line, problem.column) == (5, 5)
    return problem.message


@pytest.mark.parametrize("a,b,distance", [
    ("Log", "Log", 0), ("Lgo", "Log", 1), ("Querry", "Query", 1), ("Lgo", "Loop", 2),
    ("", "Set", 3), ("snowflake", "set", 8),
])
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance


@pytest.mark.parametrize("type_name", [
    "snowflake", "io.kestra.plugin.jdbc.snowflake.Query", "io.kestra.plugin.jdbc.hana.Query",
    "io.kestra.plugin.core.Log", "com.example.tasks.Thing", "Trigger",
])
def test_far_names_get_no_suggestion(type_name):
    assert "did you mean" not in _type_problem(type_name)


@pytest.mark.parametrize("type_name,suggested", [
    ("io.kestra.plugin.core.log.Lgo", "io.kestra.plugin.core.log.Log"),
    ("io.kestra.plugin.core.flow.Paralel", "io.kestra.plugin.core.flow.Parallel"),
    ("io.kestra.plugin.core.flowParallel", "io.kestra.plugin.core.flow.Parallel"),
    ("io.kestra.plugin.jbdc.postgresql.Query", "io.kestra.plugin.jdbc.postgresql.Query"),
    ("io.kestra.plugin.jdbc.postgresq.Query", "io.kestra.plugin.jdbc.postgresql.Query"),
    ("io.kestra.plugin.scripts.python.Scrpt", "io.kestra.plugin.scripts.python.Script"),
    ("Sequentail", "io.kestra.plugin.core.flow.Sequential"),
])
def test_a_typo_gets_the_one_name_it_is_close_to(type_name, suggested):
    assert _type_problem(type_name).endswith(f"; did you mean {suggested}?")


def test_close_names_keeps_only_names_within_the_threshold():
    known = ["io.kestra.plugin.core.kv.Set", "io.kestra.plugin.core.kv.Get",
             "io.kestra.plugin.core.log.Log", "io.kestra.plugin.core.flow.Loop"]
    assert close_names("io.kestra.plugin.core.kv.St", known) == ["io.kestra.plugin.core.kv.Set"]
    assert close_names("Lgo", known) == ["io.kestra.plugin.core.log.Log"]
    assert close_names("snowflake", known) == []


def test_a_jdbc_database_podium_lacks_names_kestras_module():
    message = _type_problem("io.kestra.plugin.jdbc.snowflake.Query", "    sql: select 1\n")
    assert message == (
        "unknown task type 'io.kestra.plugin.jdbc.snowflake.Query': it belongs to Kestra's "
        "plugin-jdbc-snowflake, which Podium does not provide; the installed plugin 'jdbc' "
        "(podium-plugin-jdbc) covers "
        "io.kestra.plugin.jdbc.{duckdb, mariadb, mysql, postgresql, sqlite}")


def test_a_package_of_an_installed_family_podium_lacks_is_named():
    message = _type_problem("io.kestra.plugin.aws.glue.StartJobRun")
    assert message.startswith("unknown task type 'io.kestra.plugin.aws.glue.StartJobRun': "
                              "Podium provides no io.kestra.plugin.aws.glue.* types; the "
                              "installed plugin 'aws' (podium-plugin-aws) covers ")
    assert "io.kestra.plugin.aws.s3" in message


def test_a_script_language_podium_lacks_lists_those_it_has():
    message = _type_problem("io.kestra.plugin.scripts.cobol.Script")
    assert "Podium provides no io.kestra.plugin.scripts.cobol.* types" in message
    assert "python" in message and "plugin-scripts, which Podium does not provide" not in message


@pytest.mark.parametrize("type_name,family", [
    ("io.kestra.plugin.databricks.job.CreateJob", "databricks"),
    ("io.kestra.plugin.azure.storage.blob.Upload", "azure"),
    ("io.kestra.plugin.kafka.Produce", "kafka"),
])
def test_a_kestra_family_podium_lacks_is_named(type_name, family):
    assert _type_problem(type_name) == (
        f"unknown task type '{type_name}': it belongs to Kestra's plugin-{family}, which "
        "Podium does not provide yet (`podium plugins list` shows the installed plugins)")


def test_a_bare_database_name_says_where_kestras_types_are():
    assert _type_problem("snowflake") == (
        "unknown task type 'snowflake': Kestra's snowflake types "
        "(io.kestra.plugin.jdbc.snowflake.*) come from its plugin-jdbc-snowflake, which "
        "Podium does not provide")
    assert "e.g. io.kestra.plugin.jdbc.postgresql." in _type_problem("postgresql")


def test_a_family_no_one_has_is_called_so():
    assert _type_problem("io.kestra.plugin.jdbcx.Query") == (
        "unknown task type 'io.kestra.plugin.jdbcx.Query': 'jdbcx' is neither an installed "
        "plugin nor a Kestra plugin family Podium knows of")


def test_an_enterprise_type_is_called_so():
    assert _type_problem("io.kestra.plugin.ee.salesforce.Trigger") == (
        "unknown task type 'io.kestra.plugin.ee.salesforce.Trigger': it is a Kestra Enterprise "
        "Edition type, which Podium does not provide")


def test_an_unknown_type_of_an_installed_plugin_points_at_its_types():
    assert _type_problem("io.kestra.plugin.docker.Stop") == (
        "unknown task type 'io.kestra.plugin.docker.Stop': the installed plugin 'docker' has "
        "no such type (`podium plugins list --plugin docker` lists its types)")

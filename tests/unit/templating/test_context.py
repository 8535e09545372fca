"""build_context: Kestra's run variables from plain data."""

from __future__ import annotations

import datetime as dt

import pytest

from podium.common.errors import UndefinedVariableError
from podium.common.templating import SERVICES_KEY, RenderServices, build_context, render
from podium.common.templating.context import env_variables, label_variables, parent_variables

START = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


def full_context(**overrides):
    arguments = dict(
        flow_id="hello",
        namespace="company.team",
        revision=3,
        execution_id="exec1",
        execution_start_date=START,
        task_id="t1",
        task_type="io.kestra.plugin.core.log.Log",
        taskrun_id="tr1",
        taskrun_start_date=START,
        attempts_count=1,
        parent_taskrun_id="p1",
        taskrun_value="b",
        parents=[{"value": "a"}, {"value": None, "outputs": None}, {"taskrun": {"value": "root"}, "outputs": {"o": 1}}],
        outputs={"t0": {"value": 42}},
        inputs={"user": {"name": "ann"}},
        input_defaults={"user": {"name": "default"}, "size": 5},
        variables={"greeting": "hi"},
        labels=[("team", "data"), ("team", "other"), ("system.correlationId", "c1"), ("system.username", "u")],
        trigger={"date": "2024-05-01"},
        environ={"ENV_FOO_BAR": "x", "KESTRA_PLUGINS_PATH": "/secret", "HOME": "/root"},
        globals_={"region": "eu"},
    )
    arguments.update(overrides)
    return build_context(**arguments)


def test_builds_kestra_variables():
    context = full_context()
    # OSS Kestra's only tenant is `main` (TenantService.MAIN_TENANT), visible as flow.tenantId
    assert context["flow"] == {"id": "hello", "namespace": "company.team", "revision": 3,
                               "tenantId": "main"}
    assert context["execution"] == {"id": "exec1", "startDate": START}
    assert context["task"] == {"id": "t1", "type": "io.kestra.plugin.core.log.Log"}
    assert context["taskrun"] == {"id": "tr1", "startDate": START, "attemptsCount": 1, "parentId": "p1", "value": "b"}
    assert context["vars"] == {"greeting": "hi"}
    assert context["globals"] == {"region": "eu"}
    assert context["trigger"] == {"date": "2024-05-01"}


def test_inputs_override_defaults():
    assert full_context()["inputs"] == {"user": {"name": "ann"}, "size": 5}


def test_parents_closest_first_skipping_empty_entries():
    context = full_context()
    assert context["parents"] == [{"taskrun": {"value": "a"}}, {"taskrun": {"value": "root"}, "outputs": {"o": 1}}]
    assert context["parent"] == {"taskrun": {"value": "a"}}


def test_envs_strip_prefix_lowercase_and_redact():
    assert full_context()["envs"] == {"foo_bar": "x"}
    assert env_variables({"APP_X": "1", "KESTRA_Y": "2"}, prefix="APP_") == {"x": "1"}
    assert env_variables({"KESTRA_PLUGINS_PATH": "/p", "KESTRA_JAVA_OPTS": "-X",
                          "KESTRA_A": "a"}, prefix="KESTRA_") == {"a": "a"}


def test_envs_default_prefix_is_kestras_documented_ENV():
    assert env_variables({"ENV_MY_VARIABLE": "v", "KESTRA_OTHER": "o", "HOME": "/root"}) == \
        {"my_variable": "v"}


def test_envs_never_expose_secrets_or_podium_settings_even_without_prefix():
    environ = {"SECRET_TOKEN": "c2VjcmV0", "PODIUM_DATABASE__URL": "postgresql://u:pw@db/p",
               "podium_secrets__encryption_key": "k", "HOME": "/root"}
    assert env_variables(environ, prefix="") == {"home": "/root"}
    assert env_variables({"SECRET_X": "1", "SECRETARY": "2"}, prefix="SECRET") == {"ary": "2"}


def test_labels_first_wins_and_system_labels_collapse():
    assert full_context()["labels"] == {"team": "data", "system": {"correlationId": "c1"}}
    assert label_variables({"a": "1", "b": None}) == {"a": "1"}


def test_absent_parts_are_absent_keys():
    context = build_context(environ={})
    assert context == {"envs": {}, "globals": {}}
    with pytest.raises(UndefinedVariableError, match="Unable to find `inputs`"):
        render("{{ inputs.x }}", context)


def test_no_parent_key_without_parents():
    assert "parent" not in build_context(parents=[{"value": None}], environ={})


def test_optional_fields_are_omitted():
    context = build_context(flow_id="f", namespace="n", execution_id="e", taskrun_id="t", environ={})
    assert context["flow"] == {"id": "f", "namespace": "n", "tenantId": "main"}
    assert context["execution"] == {"id": "e"}
    assert context["taskrun"] == {"id": "t", "attemptsCount": 0}


def test_services_travel_under_the_services_key():
    services = RenderServices()
    context = build_context(services=services, environ={})
    assert context[SERVICES_KEY] is services
    assert render("{{ printContext() }}", context) == '{"envs":{},"globals":{}}'


def test_extra_is_merged_last():
    assert build_context(extra={"envs": "mine"}, environ={})["envs"] == "mine"


def test_parent_variables_accepts_kestra_shape():
    assert parent_variables([{"taskrun": {"value": "v"}, "outputs": {}}]) == [{"taskrun": {"value": "v"}}]


def test_context_renders_like_kestra():
    context = full_context()
    template = "{{ flow.namespace }}/{{ flow.id }} {{ taskrun.value }} {{ parent.taskrun.value }} {{ envs.foo_bar }}"
    assert render(template, context) == "company.team/hello b a x"
    assert render("{{ execution.startDate }}", context) == "2024-05-01T12:00:00Z"  # Java Instant.toString

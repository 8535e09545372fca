"""Task types of the storage, kv, namespace, http, state, trigger and log-admin groups."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

import podium.common.plugins  # noqa: F401  (registers every type)
from podium.common.plugins import AnyTask, registry
from podium.common.plugins.tasks import (
    http,
    kv,
    log_admin,
    namespace,
    state,
    storage,
    trigger_tasks,
)

TASK = TypeAdapter(AnyTask)


def load(type_: str, **props: Any):
    return TASK.validate_python({"id": "t", "type": type_, **props})


def rejects(type_: str, **props: Any) -> str:
    with pytest.raises(ValidationError) as err:
        load(type_, **props)
    return str(err.value)


S = "io.kestra.plugin.core.storage."

# ------------------------------------------------------------------ realistic definitions

VALID = [
    (storage.Concat, S + "Concat", {"files": ["kestra:///a", "kestra:///b"], "separator": "\n"}),
    (storage.Concat, S + "Concat", {"files": "{{ outputs.each | jq('.[].uri') }}"}),
    (storage.DeduplicateItems, S + "DeduplicateItems", {"from": "{{ outputs.x.uri }}",
                                                         "expr": "{{ key }}"}),
    (storage.Delete, S + "Delete", {"uri": "{{ outputs.x.uri }}", "errorOnMissing": True}),
    (storage.FilterItems, S + "FilterItems", {"from": "kestra:///f.ion",
                                              "filterCondition": "{{ value > 1 }}",
                                              "filterType": "EXCLUDE",
                                              "errorOrNullBehavior": "INCLUDE"}),
    (storage.LocalFiles, S + "LocalFiles", {"inputs": {"a.txt": "x"}, "outputs": ["*.csv"]}),
    (storage.PurgeCurrentExecutionFiles, S + "PurgeCurrentExecutionFiles", {}),
    (storage.Reverse, S + "Reverse", {"from": "kestra:///f", "separator": ";"}),
    (storage.Size, S + "Size", {"uri": "kestra:///f"}),
    (storage.Split, S + "Split", {"from": "kestra:///f", "rows": 10}),
    (storage.Split, S + "Split", {"from": "kestra:///f", "bytes": "10MB"}),
    (storage.Split, S + "Split", {"from": "kestra:///f", "partitions": "{{ inputs.n }}"}),
    (kv.Set, "io.kestra.plugin.core.kv.Set", {"key": "my_key.v1", "value": "{{ outputs.x }}",
                                             "ttl": "P1D", "kvType": "JSON"}),
    (kv.Set, "io.kestra.plugin.core.kv.Set", {"key": "{{ inputs.key }}", "value": 42,
                                             "namespace": "company.team", "overwrite": False}),
    (kv.Get, "io.kestra.plugin.core.kv.Get", {"key": "k", "errorOnMissing": True}),
    (kv.GetKeys, "io.kestra.plugin.core.kv.GetKeys", {"prefix": "user_"}),
    (kv.Delete, "io.kestra.plugin.core.kv.Delete", {"key": "k"}),
    (namespace.UploadFiles, "io.kestra.plugin.core.namespace.UploadFiles",
     {"namespace": "company.team", "files": ["glob:**/dbt/**"], "destination": "/dbt",
      "conflict": "SKIP"}),
    (namespace.UploadFiles, "io.kestra.plugin.core.namespace.UploadFiles",
     {"namespace": "n", "filesMap": {"a.py": "{{ outputs.x.uri }}"}}),
    (namespace.DownloadFiles, "io.kestra.plugin.core.namespace.DownloadFiles",
     {"namespace": "n", "files": "/scripts/*.py"}),
    (namespace.DeleteFiles, "io.kestra.plugin.core.namespace.DeleteFiles",
     {"namespace": "n", "files": ["a.txt", "glob:**/*.tmp"]}),
    (http.Request, "io.kestra.plugin.core.http.Request",
     {"uri": "https://api.example.com/v1", "method": "POST", "contentType": "application/json",
      "body": "{\"a\": 1}", "headers": {"Authorization": "Bearer {{ secret('T') }}", "X-N": 3},
      "options": {"connectTimeout": "PT5S", "basicAuthUser": "u", "basicAuthPassword": "p",
                  "proxyType": "HTTP", "proxyPort": 8080, "defaultCharset": "ISO-8859-1"},
      "sslOptions": {"insecureTrustAllCertificates": True}, "allowFailed": True}),
    (http.Request, "io.kestra.plugin.core.http.Request",
     {"uri": "https://x", "formData": {"user": "u", "file": {"name": "a.csv",
                                                              "content": "{{ outputs.f.uri }}"}}}),
    (http.Request, "io.kestra.plugin.core.http.Request",  # Kestra's current `options`
     {"uri": "https://x", "options": {
         "timeout": {"connectTimeout": "PT5S", "readIdleTimeout": "{{ inputs.idle }}"},
         "auth": {"type": "BASIC", "username": "u", "password": "{{ secret('P') }}"},
         "ssl": {"insecureTrustAllCertificates": True}, "followRedirects": False,
         "allowFailed": True, "allowedResponseCodes": [200, 404], "logs": ["REQUEST_HEADERS"]}}),
    (http.Request, "io.kestra.plugin.core.http.Request",
     {"uri": "https://x", "options": {"auth": {"type": "BEARER", "token": "t"}}}),
    (http.Download, "io.kestra.plugin.core.http.Download",
     {"uri": "https://x/f.csv", "failOnEmptyResponse": False}),
    (state.Set, "io.kestra.plugin.core.state.Set", {"name": "s", "data": {"a": 1},
                                                   "namespace": True}),
    (state.Get, "io.kestra.plugin.core.state.Get", {"errorOnMissing": True}),
    (state.Delete, "io.kestra.plugin.core.state.Delete", {"taskrunValue": False}),
    (trigger_tasks.Toggle, "io.kestra.plugin.core.trigger.Toggle",
     {"trigger": "schedule", "enabled": True, "namespace": "n", "flowId": "f"}),
    (log_admin.Fetch, "io.kestra.plugin.core.log.Fetch",
     {"executionId": "{{ execution.id }}", "tasksId": ["a"], "level": "WARN"}),
    (log_admin.PurgeLogs, "io.kestra.plugin.core.log.PurgeLogs",
     {"endDate": "{{ now() | dateAdd(-1, 'MONTHS') }}", "logLevels": ["DEBUG", "TRACE"]}),
]


@pytest.mark.parametrize("cls, type_, props", VALID, ids=[f"{v[0].__name__}-{i}"
                                                          for i, v in enumerate(VALID)])
def test_realistic_definitions_validate(cls, type_: str, props: dict) -> None:
    task = load(type_, **props)
    assert type(task) is cls
    assert cls.TYPE == type_


def test_defaults_match_kestra() -> None:
    r = load("io.kestra.plugin.core.http.Request", uri="https://x")
    assert (r.method, r.allow_failed, r.encrypt_body, r.options) == ("GET", False, False, None)
    opts = load("io.kestra.plugin.core.http.Request", uri="u", options={}).options
    assert (opts.read_timeout, opts.read_idle_timeout, opts.max_content_length,
            opts.follow_redirects, opts.default_charset) == ("PT10S", "PT5M", 10485760, True,
                                                             "UTF-8")
    assert load("io.kestra.plugin.core.http.Download", uri="u").fail_on_empty_response is True
    s = load("io.kestra.plugin.core.kv.Set", key="k", value="v")
    assert (s.namespace, s.overwrite, s.ttl, s.kv_type) == ("{{ flow.namespace }}", True, None,
                                                            None)
    st = load("io.kestra.plugin.core.state.Get")
    assert (st.name, st.namespace, st.taskrun_value, st.error_on_missing) == ("default", False,
                                                                              True, False)
    sp = load(S + "Split", **{"from": "u", "rows": 1})
    assert sp.separator == "\n" and sp.from_ == "u"
    assert load(S + "Concat", files=[]).extension == ".tmp"
    assert load(S + "Reverse", **{"from": "u"}).charset == "UTF-8"
    up = load("io.kestra.plugin.core.namespace.UploadFiles", namespace="n", files=["a"])
    assert (up.destination, up.conflict) == ("/", "OVERWRITE")
    assert load("io.kestra.plugin.core.trigger.Toggle", trigger="x").enabled is False
    assert load("io.kestra.plugin.core.log.Fetch").level.value == "INFO"


# ------------------------------------------------------------------ aliases

ALIASES = {
    "io.kestra.core.tasks.storages.Concat": storage.Concat,
    "io.kestra.core.tasks.storages.Split": storage.Split,
    "io.kestra.core.tasks.storages.PurgeExecution": storage.PurgeCurrentExecutionFiles,
    "io.kestra.plugin.core.storage.PurgeExecution": storage.PurgeCurrentExecutionFiles,
    "io.kestra.core.tasks.storages.LocalFiles": storage.LocalFiles,
    "io.kestra.plugin.fs.http.Request": http.Request,
    "io.kestra.plugin.fs.http.Download": http.Download,
    "io.kestra.core.tasks.states.Set": state.Set,
    "io.kestra.core.tasks.states.Get": state.Get,
    "io.kestra.core.tasks.states.Delete": state.Delete,
    "io.kestra.core.tasks.trigger.Toggle": trigger_tasks.Toggle,
    "io.kestra.core.tasks.log.Fetch": log_admin.Fetch,
}


@pytest.mark.parametrize("alias, cls", ALIASES.items())
def test_aliases_resolve_to_canonical_class(alias: str, cls: type) -> None:
    assert registry.resolve("task", alias) is cls
    assert registry.canonical("task", alias) == cls.TYPE


def test_alias_validates_as_canonical_class() -> None:
    task = load("io.kestra.core.tasks.storages.PurgeExecution")
    assert isinstance(task, storage.PurgeCurrentExecutionFiles)
    assert type(load("io.kestra.plugin.fs.http.Download", uri="u")) is http.Download


# ------------------------------------------------------------------ rejections

@pytest.mark.parametrize("type_, props, fragment", [
    (S + "Concat", {}, "files"),
    (S + "Delete", {}, "uri"),
    (S + "Size", {}, "uri"),
    (S + "DeduplicateItems", {"from": "u"}, "expr"),
    (S + "FilterItems", {"from": "u"}, "filterCondition"),
    (S + "Reverse", {}, "from"),
    ("io.kestra.plugin.core.kv.Set", {"key": "k"}, "value"),
    ("io.kestra.plugin.core.kv.Get", {}, "key"),
    ("io.kestra.plugin.core.namespace.DownloadFiles", {"namespace": "n"}, "files"),
    ("io.kestra.plugin.core.namespace.DeleteFiles", {"files": "a"}, "namespace"),
    ("io.kestra.plugin.core.http.Request", {}, "uri"),
    ("io.kestra.plugin.core.trigger.Toggle", {}, "trigger"),
    ("io.kestra.plugin.core.log.PurgeLogs", {}, "endDate"),
])
def test_required_properties(type_: str, props: dict, fragment: str) -> None:
    message = rejects(type_, **props)
    assert fragment in message and "Field required" in message


@pytest.mark.parametrize("type_, props", [
    (S + "Concat", {"files": ["a"], "separtor": ","}),
    ("io.kestra.plugin.core.kv.Get", {"key": "k", "defaultValue": 1}),
    ("io.kestra.plugin.core.http.Request", {"uri": "u", "options": {"retries": 3}}),
    ("io.kestra.plugin.core.http.Request", {"uri": "u", "options": {"timeout": {"read": "PT1S"}}}),
    ("io.kestra.plugin.core.http.Request", {"uri": "u", "sslOptions": {"verify": False}}),
    ("io.kestra.plugin.core.state.Set", {"value": 1}),
])
def test_unknown_properties_are_rejected(type_: str, props: dict) -> None:
    assert "Extra inputs are not permitted" in rejects(type_, **props)


@pytest.mark.parametrize("type_, props, fragment", [
    (S + "FilterItems", {"from": "u", "filterCondition": "c", "filterType": "KEEP"}, "filterType"),
    (S + "Concat", {"files": 3}, "files"),
    (S + "Split", {"from": "u", "rows": "ten"}, "rows"),
    ("io.kestra.plugin.core.kv.Set", {"key": "k", "value": "v", "kvType": "XML"}, "kvType"),
    ("io.kestra.plugin.core.kv.Set", {"key": "k", "value": {"a": 1}}, "value"),
    ("io.kestra.plugin.core.kv.Set", {"key": "k", "value": "v", "ttl": "1 day"}, "ISO-8601"),
    ("io.kestra.plugin.core.namespace.UploadFiles", {"namespace": "n", "conflict": "MERGE"},
     "conflict"),
    ("io.kestra.plugin.core.http.Request", {"uri": "u", "method": "FETCH"}, "method"),
    ("io.kestra.plugin.core.http.Request", {"uri": "u", "options": {"readTimeout": "10s"}},
     "readTimeout"),
    ("io.kestra.plugin.core.http.Request", {"uri": "u", "options": {"proxyType": "VPN"}},
     "proxyType"),
    ("io.kestra.plugin.core.http.Request", {"uri": "u", "options": {"defaultCharset": "nope"}},
     "unknown charset"),
    ("io.kestra.plugin.core.http.Request", {"uri": "u", "headers": {"a": ["x"]}}, "headers"),
    ("io.kestra.plugin.core.http.Request", {"uri": "u", "options": {"timeout": "PT1S"}},
     "timeout"),
    ("io.kestra.plugin.core.http.Request", {"uri": "u", "options": {"auth": {"type": "NTLM"}}},
     "auth"),
    ("io.kestra.plugin.core.log.Fetch", {"level": "VERBOSE"}, "level"),
    ("io.kestra.plugin.core.state.Get", {"errorOnMissing": "maybe"}, "errorOnMissing"),
])
def test_wrong_types_and_enums_are_rejected(type_: str, props: dict, fragment: str) -> None:
    assert fragment in rejects(type_, **props)


@pytest.mark.parametrize("key", ["_hidden", "a b", "é", "a/b", ".x"])
def test_kv_literal_keys_follow_kestra_pattern(key: str) -> None:
    for type_ in ("Set", "Get", "Delete"):
        props = {"key": key, "value": "v"} if type_ == "Set" else {"key": key}
        assert "invalid key" in rejects(f"io.kestra.plugin.core.kv.{type_}", **props)


@pytest.mark.parametrize("props, fragment", [
    ({}, "exactly one of bytes, partitions or rows is required"),
    ({"rows": 1, "bytes": "1MB"}, "(got bytes, rows)"),
])
def test_split_needs_exactly_one_way(props: dict, fragment: str) -> None:
    assert fragment in rejects(S + "Split", **{"from": "u", **props})


def test_task_ids_and_common_properties_still_apply() -> None:
    with pytest.raises(ValidationError, match="id"):
        TASK.validate_python({"id": "bad.id", "type": S + "Size", "uri": "u"})
    task = load(S + "Size", uri="u", timeout="PT1M", allowFailure=True)
    assert task.timeout == "PT1M" and task.allow_failure is True

"""Storage URIs: Kestra's layout (StorageContext), slugs, and the central path validation."""

from __future__ import annotations

import pytest

from podium.common.errors import StorageError, UnsafePathError
from podium.common.storage import (
    check_name,
    check_path,
    execution_prefix,
    input_file_uri,
    namespace_file_uri,
    namespace_files_prefix,
    slugify,
    task_output_uri,
)
from podium.common.storage.uris import check_in_namespace, key_of

# Every way a user-controlled name could escape its directory, raw or percent-encoded.
BAD_NAMES = ["", ".", "..", "../x", "x/..", "/abs", "a\\b", "..\\x", "a\x00b", "a\nb",
             "%2e%2e", "%2E%2E", ".%2e", "%2e", "a%2fb", "a%2Fb", "%5c", "%00", "%252e%252e",
             "%25252f", "x" * 256]


def test_layout_is_kestras():
    assert execution_prefix("io.kestra.tests", "my_flow", "5Xh2") == \
        "kestra:///io/kestra/tests/my-flow/executions/5Xh2"
    assert task_output_uri("company.team", "Flow", "e1", "my_task", "r1", "out.ion") == \
        "kestra:///company/team/flow/executions/e1/tasks/my-task/r1/out.ion"
    assert input_file_uri("company.team", "flow", "e1", "myFile", "data.csv") == \
        "kestra:///company/team/flow/executions/e1/inputs/myFile/data.csv"
    assert namespace_files_prefix("io.namespace") == "kestra:///io/namespace/_files"
    assert namespace_file_uri("company.team", "scripts/etl.py") == \
        "kestra:///company/team/_files/scripts/etl.py"


@pytest.mark.parametrize("text,slug", [
    ("test test ", "test-test"), ("Test\t\t\ntest*", "test-test"),  # Kestra's SlugifyTest
    ("--Test\t\t\ntest9*", "test-test9"), ("café_au.lait", "cafe-aulait")])
def test_slugify_like_kestra(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_refused_by_every_builder(name):
    builders = [
        lambda: task_output_uri("ns", "flow", "e1", "t", "r1", name),
        lambda: task_output_uri("ns", "flow", "e1", "t", name, "f"),
        lambda: task_output_uri("ns", "flow", "e1", name, "r1", "f"),
        lambda: task_output_uri("ns", "flow", name, "t", "r1", "f"),
        lambda: task_output_uri("ns", name, "e1", "t", "r1", "f"),
        lambda: input_file_uri("ns", "flow", "e1", name, "f"),
        lambda: input_file_uri("ns", "flow", "e1", "i", name),
        lambda: execution_prefix(name, "flow", "e1"),
        lambda: check_name(name),
    ]
    for build in builders:
        with pytest.raises(UnsafePathError) as info:
            build()
        assert isinstance(info.value, StorageError) and name in info.value.name


@pytest.mark.parametrize("path", [p for p in BAD_NAMES if p not in ("../x", "x/..")] +
                         ["a/../b", "a//b", "a/", "/etc/passwd", "a/./b", "a/%2e%2e/b"])
def test_bad_namespace_file_paths_refused(path):
    with pytest.raises(UnsafePathError, match="namespace file path"):
        namespace_file_uri("company.team", path)


def test_error_names_the_offending_value_and_why():
    with pytest.raises(UnsafePathError) as info:
        input_file_uri("ns", "flow", "e1", "f", "%2e%2e")
    assert info.value.name == "%2e%2e"
    assert str(info.value) == "Unsafe storage path '%2e%2e': file name: '..' path segment " \
                              "(percent-encoded)"


@pytest.mark.parametrize("name", ["data.csv", "résumé 2024.csv", "日本語", "100% done", "a..b",
                                  "...x", "%zz", "x" * 255, "é" * 127])
def test_good_names_kept_as_they_are(name):
    assert check_name(name) == name
    assert input_file_uri("ns", "f", "e", "i", name).endswith("/" + name)


def test_paths_and_keys():
    assert check_path("a/b/c.txt") == "a/b/c.txt"
    assert key_of("kestra:///a/b") == "a/b"
    assert key_of("kestra:///a/b/", prefix=True) == "a/b"
    with pytest.raises(UnsafePathError, match="longer than 1024 bytes"):
        check_path("/".join(["x" * 200] * 6))
    with pytest.raises(UnsafePathError, match="start with kestra:///"):
        key_of("kestra://host/a")


def test_namespace_containment():
    check_in_namespace("company/team/_files/x", "company.team")
    check_in_namespace("company/team/_files/x", "company")
    for other in ("company.te", "company.team.sub", "other", "company.team2"):
        with pytest.raises(UnsafePathError, match="outside namespace"):
            check_in_namespace("company/team/_files/x", other)
    with pytest.raises(UnsafePathError, match="namespace"):
        check_in_namespace("a/b", "a..b")

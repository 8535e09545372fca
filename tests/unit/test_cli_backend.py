"""The CLI's two backends offer every operation of the `Backend` protocol, with the same
parameters: a command written once runs on either."""

from __future__ import annotations

import inspect

import pytest

from podium.cli.backend import Backend
from podium.cli.http_backend import HttpBackend, execution_ids_of
from podium.cli.local_backend import LocalBackend

OPERATIONS = sorted(name for name, value in vars(Backend).items()
                    if callable(value) and not name.startswith("_"))


@pytest.mark.parametrize("implementation", [LocalBackend, HttpBackend])
@pytest.mark.parametrize("name", OPERATIONS)
def test_each_backend_has_the_operation_with_its_parameters(implementation, name):
    wanted = inspect.signature(getattr(Backend, name)).parameters
    given = inspect.signature(getattr(implementation, name)).parameters
    assert list(given) == list(wanted)


def test_a_stored_file_is_served_through_the_executions_its_uri_names():
    uri = "kestra:///company/team/hello/executions/abc/tasks/t/run/out.txt"
    assert execution_ids_of(uri) == ["abc"]
    assert execution_ids_of("kestra:///company/team/_files/x.txt") == []

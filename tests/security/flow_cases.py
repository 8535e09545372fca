"""Hostile flow documents and the three ways each must be refused.

A `Case` is a document (text or raw bytes) and what its refusal must say: a fragment of
the message, and where (the line, and the field path when there is one). Each case is
sent to `POST /api/v1/flows` (422, nothing stored), to `podium flow validate FILE`
(no server, exit 1) and, for some, to `podium flow deploy FILE --server` (exit 1, nothing
stored on the server).

`flow_yaml` lays documents out the same way every time, so line numbers are known:
line 1 `id`, 2 `namespace`, 3 `tasks:`, 4-6 a Log task, then `task_extra` (properties of
that task, from line 7), then `extra` (root properties).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.security.conftest import stored

YAML = {"Content-Type": "application/x-yaml"}
EXTRA_LINE = 7  # first line of task_extra, or of extra when there is no task_extra


@dataclass(frozen=True)
class Case:
    id: str
    source: str | bytes
    message: str
    line: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        return self.id


def flow_yaml(extra: str = "", *, flow_id: str = "hostile", namespace: str = "security.tests",
              task_extra: str = "") -> str:
    return (f"id: {flow_id}\nnamespace: {namespace}\ntasks:\n  - id: hello\n"
            f"    type: io.kestra.plugin.core.log.Log\n    message: hi\n{task_extra}{extra}")


def ids(cases: list[Case]) -> list[str]:
    return [case.id for case in cases]


def assert_refused_by_api(api, runtime, case: Case) -> dict:
    """POST the document: 422, a problem saying `case.message` where the case says, and
    nothing stored. Returns the matching problem."""
    before = stored(runtime)
    response = api.post("/api/v1/flows", content=case.source, headers=YAML)
    assert response.status_code == 422, response.text
    assert "Traceback" not in response.text and "File \"/" not in response.text
    problem = _matching(response.json()["details"], case)
    assert stored(runtime) == before
    return problem


def assert_refused_by_validate(local_cli, tmp_path: Path, case: Case) -> str:
    """`podium flow validate FILE`: exit 1 and `FILE:LINE:COLUMN: PATH: message`."""
    path = _write(tmp_path, case)
    result = local_cli("flow", "validate", str(path))
    assert result.exit_code == 1, result.output
    _assert_cli_output(result.output, path, case)
    return result.output


def assert_refused_by_deploy(cli, runtime, tmp_path: Path, case: Case) -> str:
    """`podium flow deploy FILE` against the live server: exit 1, nothing stored."""
    before = stored(runtime)
    path = _write(tmp_path, case)
    result = cli("flow", "deploy", str(path))
    assert result.exit_code == 1, result.output
    assert case.message in result.output
    if case.line is not None:
        assert f"line {case.line}, column" in result.output, result.output
    assert "Traceback" not in result.output
    assert stored(runtime) == before
    return result.output


def _matching(problems: list[dict], case: Case) -> dict:
    found = [p for p in problems if case.message in p["message"]]
    assert found, f"no problem says {case.message!r}: {problems}"
    problem = found[0]
    if case.line is not None:
        assert problem["line"] == case.line, problem
        assert problem["column"] is not None, problem
    if case.path is not None:
        assert problem["path"] == case.path, problem
    return problem


def _assert_cli_output(output: str, path: Path, case: Case) -> None:
    lines = [line for line in output.splitlines() if case.message in line]
    assert lines, output
    if case.line is not None:
        assert any(f"{path}:{case.line}:" in line for line in lines), output
    if case.path:
        assert any(f" {case.path}: " in line for line in lines), output
    assert "Traceback" not in output


def _write(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / f"{case.id}.yaml"
    data = case.source if isinstance(case.source, bytes) else case.source.encode("utf-8")
    path.write_bytes(data)
    return path


def refusal_tests(cases: list[Case], deployed: list[Case]) -> tuple:
    """The three tests of a table, for a module to bind to `test_*` names: every case
    through the API and `flow validate`, the `deployed` ones through `flow deploy`."""

    @pytest.mark.parametrize("case", cases, ids=ids(cases))
    def through_api(api, runtime, case):
        started = time.monotonic()
        assert_refused_by_api(api, runtime, case)
        # Refused quickly, never after expanding or recursing (generous for a loaded box).
        assert time.monotonic() - started < 30

    @pytest.mark.parametrize("case", cases, ids=ids(cases))
    def through_validate(local_cli, tmp_path, case):
        assert_refused_by_validate(local_cli, tmp_path, case)

    @pytest.mark.parametrize("case", deployed, ids=ids(deployed))
    def through_deploy(cli, runtime, tmp_path, case):
        assert_refused_by_deploy(cli, runtime, tmp_path, case)

    return through_api, through_validate, through_deploy

"""Flows run on the embedded runtime (SQLite, local storage, in-process executor and worker),
as `podium run` runs them; files go in through FILE inputs and come out of the storage."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Iterator

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.runtime import Runtime


class FlowRunner:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def run(self, yaml: str, files: dict[str, Path] | None = None,
            inputs: dict[str, Any] | None = None, timeout: float = 60.0) -> "Run":
        loaded = parse_flow(textwrap.dedent(yaml), name="test.yaml")
        self.runtime.deploy(loaded)
        flow = loaded.flow
        execution = self.runtime.submit(flow.namespace, flow.id, {**(files or {}),
                                                                  **(inputs or {})})
        execution = self.runtime.wait(execution.id, timeout=timeout)
        return Run(self.runtime, execution, self.runtime.task_runs(execution.id))


class Run:
    def __init__(self, runtime: Runtime, execution: Any, task_runs: list[Any]) -> None:
        self.runtime, self.execution, self.task_runs = runtime, execution, task_runs

    @property
    def state(self) -> State:
        return self.execution.state

    def outputs(self, task_id: str) -> dict[str, Any]:
        for run in self.task_runs:
            if run.task_id == task_id:
                return run.outputs or {}
        raise KeyError(task_id)

    def read(self, uri: str) -> bytes:
        with self.runtime.storage.get(uri) as stream:
            return stream.read()

    def logs(self) -> str:
        return "\n".join(str(line) for line in self.runtime.logs(self.execution.id))


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlowRunner]:
    runtime = Runtime.embedded(tmp_path_factory.mktemp("serdes"), workers=2)
    try:
        yield FlowRunner(runtime)
    finally:
        runtime.close()

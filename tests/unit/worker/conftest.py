"""Helpers of the worker tests: task models, contexts built with build_context, a log sink."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from pydantic import TypeAdapter

import podium.common.plugins  # noqa: F401  (registers every type)
from podium.common.plugins import AnyTask
from podium.common.templating import RenderServices, build_context
from podium.worker.run_context import RunContext
from podium.worker.sandbox import Sandbox
from podium.worker.script_envs import ScriptEnvironments

TASK = TypeAdapter(AnyTask)

SECRETS = {"API_KEY": "s3cr3t-value"}


def make_task(type_: str, **props: Any):
    return TASK.validate_python({"id": "t1", "type": type_, **props})


class LogSink:
    """Collects (level, message, monotonic time) tuples."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, float]] = []
        self.lock = threading.Lock()

    def __call__(self, level: str, message: str) -> None:
        with self.lock:
            self.entries.append((level, message, time.monotonic()))

    def messages(self, level: str | None = None) -> list[str]:
        return [m for lvl, m, _ in self.entries if level is None or lvl == level]

    def pairs(self) -> list[tuple[str, str]]:
        return [(lvl, m) for lvl, m, _ in self.entries]


def make_ctx(inputs: dict[str, Any] | None = None, **kwargs: Any) -> tuple[RunContext, LogSink]:
    services = RenderServices(secret=lambda name: SECRETS[name])
    context = build_context(flow_id="flow", namespace="company.team", revision=1,
                            execution_id="exec1", task_id="t1", taskrun_id="tr1",
                            inputs=inputs, environ={})
    sink = LogSink()
    return RunContext(context, services, sink, **kwargs), sink


@pytest.fixture(scope="session", autouse=True)
def script_envs(script_env_dir):
    """The session's cache of script environments (tests/conftest.py) for contexts built
    here: the environment of Python tasks without dependencies is built once."""
    envs = ScriptEnvironments(script_env_dir)
    RunContext.script_envs = envs
    yield envs
    RunContext.script_envs = None


@pytest.fixture(scope="session", autouse=True)
def unsandboxed():
    """Contexts built here run scripts without the sandbox: these tests check the task's
    semantics and the process machinery through host paths and host pids (a script writes
    its pid to tmp_path), which a sandboxed script cannot reach. The sandbox has its own
    tests (tests/unit/worker/test_sandbox.py, tests/security/test_script_sandbox.py), and
    every runtime-level suite runs scripts sandboxed (`auto`)."""
    RunContext.sandbox = Sandbox(mode="none")
    yield
    RunContext.sandbox = None


@pytest.fixture
def ctx_and_logs():
    ctx, sink = make_ctx(inputs={"name": "World", "n": 3})
    yield ctx, sink
    ctx.close()

"""Python dependencies through a real `podium worker` process: the environments go where
PODIUM_WORKER__SCRIPT_ENV_DIR says, two versions of one package in two flows at once, and
the worker's own packages unchanged."""

from __future__ import annotations

import subprocess
import sys

import pytest

from podium.common.models.state import State
from tests.integration.conftest import deploy, finish, start_runtime, stop_runtime

pytestmark = pytest.mark.service

FLOW = """
id: six_{name}
namespace: it.scripts
tasks:
  - id: check
    type: io.kestra.plugin.scripts.python.Script
    dependencies: [six=={version}]
    script: |
      from kestra import Kestra
      import six
      Kestra.outputs({{"six": six.__version__}})
"""
VERSIONS = {"old": "1.16.0", "new": "1.17.0"}


def worker_packages() -> str:
    # The `podium worker` processes run on this interpreter's environment.
    return subprocess.run([sys.executable, "-m", "pip", "freeze", "--all"], check=True,
                          capture_output=True, text=True).stdout


def test_two_versions_at_once_on_a_worker_process(deployment, tmp_path):
    envs = tmp_path / "script-envs"
    runtime, _ = start_runtime(deployment, "scripts", worker_concurrency=2,
                               PODIUM_WORKER__SCRIPT_ENV_DIR=str(envs))
    try:
        before = worker_packages()
        for name, version in VERSIONS.items():
            deploy(runtime, FLOW.format(name=name, version=version))
        started = {name: runtime.submit("it.scripts", f"six_{name}") for name in VERSIONS}
        for name, execution in started.items():
            final = finish(runtime, execution.id, timeout=240)
            assert final.state is State.SUCCESS, runtime.logs(execution.id)
            run = runtime.task_runs(execution.id)[0]
            assert run.outputs["vars"] == {"six": VERSIONS[name]}
        built = sorted(p.name for p in (envs / "python").iterdir() if p.is_dir())
        assert len(built) == 2
        assert worker_packages() == before
    finally:
        stop_runtime(deployment, runtime)

"""Python dependencies through whole flows on the embedded runtime: two flows that need two
versions of one package, one after the other and at once, and the worker's own packages
unchanged afterwards."""

from __future__ import annotations

import subprocess
import sys

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.runtime import Runtime

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")

FLOW = """
id: six_{name}
namespace: company.team
tasks:
  - id: check
    type: io.kestra.plugin.scripts.python.Script
    targetOS: LINUX
    dependencies:
      - six=={version}
    script: |
      from kestra import Kestra
      import six
      Kestra.outputs({{"six": six.__version__}})
outputs:
  - id: six
    type: STRING
    value: "{{{{ outputs.check.vars.six }}}}"
"""
VERSIONS = {"old": "1.16.0", "new": "1.17.0"}


def worker_packages() -> str:
    return subprocess.run([sys.executable, "-m", "pip", "freeze", "--all"], check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture
def runtime(tmp_path):
    runtime = Runtime.embedded(tmp_path / "data", workers=2, environ={},
                               script_env_dir=tmp_path / "envs")
    for name, version in VERSIONS.items():
        runtime.deploy(parse_flow(FLOW.format(name=name, version=version)))
    yield runtime
    runtime.close()


def run_flows(runtime: Runtime, names: list[str]) -> dict[str, str]:
    executions = {name: runtime.submit("company.team", f"six_{name}") for name in names}
    seen, spans = {}, []
    for name, execution in executions.items():
        final = runtime.wait(execution.id, timeout=180)
        assert final.state is State.SUCCESS, runtime.logs(execution.id)
        seen[name] = final.outputs["six"]
        attempt = runtime.task_runs(execution.id)[0].attempts[-1]
        spans.append((attempt.started, attempt.ended))
    if len(spans) == 2:  # they ran at once: each started before the other ended
        (start_a, end_a), (start_b, end_b) = spans
        assert start_a < end_b and start_b < end_a, spans
    return seen


def test_two_versions_one_after_the_other_then_at_once(runtime):
    before = worker_packages()
    assert run_flows(runtime, ["old"]) == {"old": "1.16.0"}
    assert run_flows(runtime, ["new"]) == {"new": "1.17.0"}
    assert run_flows(runtime, ["old", "new"]) == VERSIONS  # both submitted, run together
    assert worker_packages() == before


def test_two_versions_at_once_on_a_cold_cache(runtime):
    before = worker_packages()
    assert run_flows(runtime, ["old", "new"]) == VERSIONS
    assert worker_packages() == before


PKG_RESOURCES = """
id: pkg_resources
namespace: company.team
tasks:
  - id: check
    type: io.kestra.plugin.scripts.python.Script
    script: |
      import sys
      from kestra import Kestra
      import pkg_resources
      Kestra.outputs({"python": sys.version_info[:2] < (3, 12)})
"""


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="setuptools is seeded before 3.12 only")
def test_pkg_resources_imports_as_in_pythons_images(tmp_path):
    # python:3.11-slim ships setuptools with pkg_resources (removed in setuptools 81); the
    # docs' requirements-file example imports it. The seeded setuptools must still have it.
    runtime = Runtime.embedded(tmp_path / "data", workers=1, environ={},
                               script_env_dir=tmp_path / "envs")
    try:
        runtime.deploy(parse_flow(PKG_RESOURCES))
        final = runtime.wait(runtime.submit("company.team", "pkg_resources").id, timeout=180)
        assert final.state is State.SUCCESS, runtime.logs(final.id)
    finally:
        runtime.close()

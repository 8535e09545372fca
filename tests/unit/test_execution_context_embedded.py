"""`executionContext: true` through whole flows on the embedded runtime: a script reads the
execution's inputs, labels, variables and earlier outputs from the file (with Podium's
`kestra` library and with plain JSON), outputs its definition never names included; the
file is gone before output files are collected and before the next task of a
WorkingDirectory runs."""

from __future__ import annotations

import json
import sys

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.runtime import Runtime

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")

FLOW = """
id: context_demo
namespace: company.team
inputs:
  - id: dataset
    type: STRING
    defaults: products
labels:
  env: prod
variables:
  threshold: 42
tasks:
  - id: extract
    type: io.kestra.plugin.core.output.OutputValues
    values:
      uri: kestra:///company/team/orders.csv
  - id: transform
    type: io.kestra.plugin.scripts.python.Script
    executionContext: true
    outputFiles: ["**", ".*"]
    script: |
      import json, os
      from kestra import Kestra, context
      # No expression, no task id in this script: every output must be there anyway.
      Kestra.outputs({"seen": {
          "dataset": context.inputs.dataset,
          "env": context.labels.env,
          "threshold": context.vars.threshold,
          "outputs": sorted(context.outputs),
          "task": context.task.id,
          "flow": context.flow.namespace,
          "left_out": [k for k in ("envs", "globals") if k in context],
          "file": os.path.basename(os.environ["KESTRA_EXECUTION_CONTEXT_FILE"]),
          "mode": oct(os.stat(".kestra-execution-context.json").st_mode & 0o777),
      }})
  - id: folder
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: reads_json
        type: io.kestra.plugin.scripts.shell.Commands
        executionContext: true
        commands:
          - python3 -c "import json; print(json.load(open('.kestra-execution-context.json'))['vars']['threshold'])"
      - id: after
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - test -e .kestra-execution-context.json && echo present || echo absent
          - test -n "$KESTRA_EXECUTION_CONTEXT_FILE" && echo named || echo unnamed
"""


@pytest.fixture
def runtime(tmp_path):
    runtime = Runtime.embedded(tmp_path / "data", workers=1, environ={},
                               script_env_dir=tmp_path / "envs")
    runtime.deploy(parse_flow(FLOW))
    yield runtime
    runtime.close()


def test_a_script_reads_the_execution_context(runtime):
    execution = runtime.submit("company.team", "context_demo")
    final = runtime.wait(execution.id, timeout=120)
    logs = runtime.logs(execution.id)
    assert final.state is State.SUCCESS, logs
    runs = {run.task_id: run for run in runtime.task_runs(execution.id)}
    assert runs["transform"].outputs["vars"]["seen"] == {
        "dataset": "products", "env": "prod", "threshold": 42, "outputs": ["extract"],
        "task": "transform", "flow": "company.team", "left_out": [],
        "file": ".kestra-execution-context.json", "mode": "0o600"}
    # Removed before the output files were collected: `.*` did not pick it up (`**` did
    # pick the script's own file, as in Kestra).
    assert [name for name in runs["transform"].outputs["outputFiles"]
            if not name.startswith("script-")] == []
    messages = [json.loads(json.dumps(log.message)) for log in logs]
    assert "42" in messages
    assert "absent" in messages and "unnamed" in messages and "present" not in messages

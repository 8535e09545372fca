"""What the tests handing real RunTask messages to workers share (test_duplicate_runs,
test_frozen_worker): a flow whose task records each run of its body and goes to a
workerGroup no fleet worker serves, so that an `Interceptor` takes its RunTask."""

from __future__ import annotations

from pathlib import Path

from podium.runtime import Runtime


def recording_flow(key: str) -> str:
    """Flow `it.<key>.<key>`: one task appending to `$DIR/runs` (input `dir`), sent to the
    queue `podium.worker.<key>`."""
    return f"""
id: {key}
namespace: it.{key}
inputs:
  - id: dir
    type: STRING
tasks:
  - id: record
    type: io.kestra.plugin.scripts.shell.Commands
    workerGroup:
      key: {key}
    env:
      DIR: "{{{{ inputs.dir }}}}"
    commands:
      - echo $$ >> "$DIR/runs"
"""


def dropped(runtime: Runtime, payload: dict) -> bool:
    """A worker logged that it dropped a copy of this RunTask's attempt."""
    line = f"attempt {payload['attempt']} of task run {payload['task_run_id']} not run again"
    return line in runtime.fleet.log_tail(300)


def runs(folder: Path) -> list[str]:
    """The runs of the flow's task body recorded in `folder`."""
    path = folder / "runs"
    return path.read_text().split() if path.exists() else []

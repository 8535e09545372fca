"""A worker process with secrets in its environment, for tests/security/test_script_sandbox.py.

`python -m tests.security.sandbox_worker DATA_DIR < flow.yaml` runs the flow once in an
embedded runtime (executor and worker threads of THIS process, whose environment the
test filled with fake secrets at exec, where /proc/<pid>/environ shows them) and prints
one JSON line: {"pid", "state", "logs": [[task id, message], ...]}.
"""

from __future__ import annotations

import json
import os
import sys

from podium.common.flow.loader import parse_flow
from podium.runtime import Runtime


def main() -> None:
    source = sys.stdin.read()
    with Runtime.embedded(sys.argv[1], workers=2) as runtime:
        flow = parse_flow(source)
        runtime.deploy(flow)
        execution = runtime.submit(flow.flow.namespace, flow.flow.id)
        execution = runtime.wait(execution.id, timeout=120)
        logs = [[entry.task_id, entry.message] for entry in runtime.logs(execution.id)]
    print(json.dumps({"pid": os.getpid(), "state": execution.state.value, "logs": logs}))


if __name__ == "__main__":
    main()

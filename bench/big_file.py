"""A large file through a flow on the distributed path, with the worker's peak memory.

    .venv/bin/python -m bench.big_file [--size-mb 1024] [--timeout 900]

One throwaway deployment (`podium.testing.sandbox.throwaway_deployment`: PostgreSQL database,
Redis prefix, local storage directory shared by the processes), 1 `podium executor` and
1 `podium worker` (threads pool, concurrency 2) started by `Runtime.distributed`. A file
of `--size-mb` MiB of text lines is written to a temporary folder and given as a FILE
input (streamed into storage by `submit`). The flow:

1. `copy` (shell Commands): the input arrives through `inputFiles`, is counted with
   `wc -l` and copied, and the copy leaves through `outputFiles`: two full streams
   between storage and the worker's disk;
2. `count` (Return): `fileSize()` of the stored copy, so the size is checked by the
   engine, not trusted.

The figure is the worker process's peak RSS (`VmHWM` of /proc/<pid>/status, a fresh
process per run) next to the file size: a worker that holds a file in memory would peak
above the file's size. Prints one JSON document and writes bench/results/big-file-latest.json;
removes everything it created. A measurement, not a test: exit 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.foreach import code_version, proc_status
from bench.run import machine_info, say

RESULTS = Path(__file__).resolve().parent / "results"
NAMESPACE = "bench.files"
FLOW = f"""
id: big_file
namespace: {NAMESPACE}
inputs:
  - id: data
    type: FILE
tasks:
  - id: copy
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      data.txt: "{{{{ inputs.data }}}}"
    outputFiles: ["copy.txt"]
    commands:
      - wc -l < data.txt
      - cp data.txt copy.txt
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ fileSize(outputs.copy.outputFiles['copy.txt']) }}}}"
"""


def write_file(path: Path, size_mb: int) -> int:
    line = b"podium streams files, it does not hold them: 0123456789abcdef\n"
    block = line * (1024 * 1024 // len(line))
    written = 0
    with open(path, "wb") as out:
        while written < size_mb * 1024 * 1024:
            out.write(block)
            written += len(block)
    return written


def run(size_mb: int, timeout: float) -> dict[str, Any]:
    from podium.common.flow.loader import parse_flow
    from podium.common.storage.uploads import Upload
    from podium.runtime import Runtime
    from podium.testing.sandbox import throwaway_deployment

    folder = Path(tempfile.mkdtemp(prefix="podium-bench-bigfile-"))
    runtime = None
    try:
        source = folder / "data.txt"
        size = write_file(source, size_mb)
        say(f"wrote {size / 2**20:.0f} MiB")
        with throwaway_deployment({"PODIUM_DATA_DIR": str(folder / "data")}) as (settings, env):
            saved = {name: os.environ.get(name) for name in env}
            os.environ.update(env)
            try:
                runtime = Runtime.distributed(settings, env, executors=1, workers=1,
                                              worker_concurrency=2)
                worker = next(p.pid for role, p, _ in runtime.fleet.processes
                              if role == "worker")
                runtime.deploy(parse_flow(FLOW))
                began = time.monotonic()
                execution = runtime.submit(NAMESPACE, "big_file",
                                           {"data": Upload("data.txt", path=source)})
                submitted = time.monotonic() - began
                done = runtime.wait(execution.id, timeout)
                elapsed = time.monotonic() - began
                runs = {run.task_id: run for run in runtime.task_runs(done.id)}
                peak = proc_status(worker).get("VmHWM")
                logs = [log.message for log in runtime.logs(done.id)]
            finally:
                if runtime is not None:
                    fleet_folder = runtime.fleet.folder if runtime.fleet else None
                    runtime.close()
                    runtime.transport.close()
                    if fleet_folder:
                        shutil.rmtree(fleet_folder, ignore_errors=True)
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
        counted = (runs.get("count").outputs or {}).get("value") if runs.get("count") else None
        return {
            "state": done.state.value, "file_bytes": size,
            "stored_copy_bytes": int(counted) if counted and counted.isdigit() else None,
            "lines_counted_by_wc": next((m for m in logs if m.strip().isdigit()), None),
            "submit_upload_s": round(submitted, 2), "execution_s": round(elapsed, 2),
            "worker_peak_rss_mb": round(peak / 1024, 1) if peak else None,
            "worker_peak_below_200_mb": bool(peak) and peak / 1024 < 200,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    started = time.time()
    from podium.testing.sandbox import ADMIN_URL, REDIS_URL
    result = {"podium": run(args.size_mb, args.timeout),
              "machine": machine_info(ADMIN_URL, REDIS_URL),
              "code": code_version(), "duration_s": round(time.time() - started, 1)}
    text = json.dumps(result, indent=2)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "big-file-latest.json").write_text(text + "\n")
    podium = result["podium"]
    say(f"{podium['file_bytes'] / 2**20:.0f} MiB through a flow: {podium['state']}, worker peak "
        f"RSS {podium['worker_peak_rss_mb']} MB (target < 200 MB)")


if __name__ == "__main__":
    main()

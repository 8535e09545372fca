"""Files: the object storage unreachable during uploads, and the worker's disk full.

Both run, beside the common workload, executions of a `files` flow whose one shell task
writes a file in its working directory and declares it in `outputFiles` (uploaded to the
internal storage when the commands end), recording its run in the sink like every body.
"""

from __future__ import annotations

import errno
import os
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

from podium.common.flow.loader import parse_flow
from tests.faults.harness import Context
from tests.faults.measure import Fault, Monitor
from tests.faults.object_storage import ObjectStorage
from tests.faults.scenarios.registry import ScenarioSkipped
from tests.faults.workload import NAMESPACE

FILES_FLOW = "files"
DISK_MB = 24


def files_flow(sink: Path, size_kb: int, more: str = "") -> str:
    """One shell task writing `size_kb` KiB to out.bin, uploaded as its output file, and
    logging 300 lines; `more`: further properties of the task (YAML lines)."""
    return f"""id: {FILES_FLOW}
namespace: {NAMESPACE}
inputs:
  - id: sleep
    type: STRING
tasks:
  - id: write
    type: io.kestra.plugin.scripts.shell.Commands
    outputFiles: ["out.bin"]
    env:
      SINK: "{sink}"
      ATTEMPT: "{{{{ taskrun.attemptsCount + 1 }}}}"
      RUN: "{{{{ execution.id }}}} {{{{ taskrun.id }}}}"
    commands:
      - echo "start $RUN $ATTEMPT $(date +%s.%N) $PPID $$" >> "$SINK"
      - head -c {size_kb * 1024} /dev/urandom > out.bin
      - seq 1 300
      - sleep {{{{ inputs.sleep }}}}
      - echo "end $RUN $ATTEMPT $(date +%s.%N) 0" >> "$SINK"
{more}"""


def _submit_files(ctx: Context, count: int) -> list[str]:
    ids = [ctx.runtime.submit(NAMESPACE, FILES_FLOW,
                              {"sleep": f"{ctx.rng.uniform(0.2, 2.0):.2f}"}).id
           for _ in range(count)]
    ctx.execution_ids.extend(ids)
    ctx.state.setdefault("files", []).extend(ids)
    return ids


# ---------------------------------------------------------------- storage down
def start_object_storage(folder: Path, stack: ExitStack, state: dict) -> dict[str, str]:
    storage = ObjectStorage(folder).start()
    stack.callback(storage.stop)
    state["s3"] = storage
    return storage.env()


def deploy_uploads(ctx: Context) -> None:
    ctx.runtime.deploy(parse_flow(files_flow(ctx.sink.path, 256)))
    _submit_files(ctx, 12)


def storage_down(ctx: Context) -> list[Fault]:
    """The S3 endpoint refuses connections (and resets open ones) for 10-20 s while
    uploads run, then is back with its objects; more uploads are started during it."""
    ctx.wait_bodies(ctx.rng.uniform(0.15, 0.3))
    proxy = ctx.state["s3"].proxy
    at = time.time()
    proxy.block()
    down = ctx.rng.uniform(10.0, 20.0)
    ctx.log(f"object storage down for {down:.1f}s")
    _submit_files(ctx, 12)
    time.sleep(down)
    proxy.unblock()
    ctx.log("object storage back")
    return [Fault("object storage down", at, time.time())]


def uploads_kept(ctx: Context, monitor: Monitor) -> list[str]:
    """Every upload execution SUCCESS, and each output file it names readable."""
    states = monitor.states()
    ids = ctx.state.get("files", [])
    failed = [i for i in ids if i not in states or states[i].state != "SUCCESS"]
    ctx.state["failed_uploads"] = len(failed)
    ctx.state["errors"] = _first_errors(ctx, failed)
    missing = 0
    for execution_id in ids:
        for run in ctx.runtime.task_runs(execution_id):
            for uri in ((run.outputs or {}).get("outputFiles") or {}).values():
                if not ctx.runtime.storage.exists(uri):
                    missing += 1
    ctx.state["missing_files"] = missing
    return (["uploads_failed"] if failed else []) + (["files_lost"] if missing else [])


def _first_errors(ctx: Context, ids: list[str], shown: int = 2) -> list[str]:
    """The distinct ERROR lines logged by the executions `ids`, a few of them."""
    errors: list[str] = []
    for execution_id in ids:
        for line in ctx.runtime.logs(execution_id):
            if line.level == "ERROR" and line.message not in errors:
                errors.append(line.message)
        if len(errors) >= shown:
            break
    return errors[:shown]


def uploads_note(ctx: Context) -> str:
    errors = ctx.state.get("errors")
    return (f"{len(ctx.state.get('files', []))} upload executions, "
            f"{ctx.state.get('failed_uploads', 0)} not SUCCESS, "
            f"{ctx.state.get('missing_files', 0)} output files missing"
            + (f"; errors: {' | '.join(errors)}" if errors else ""))


# ---------------------------------------------------------------- disk full
def mount_small_disk(folder: Path, stack: ExitStack, state: dict) -> dict[str, str]:
    """A DISK_MB tmpfs as the services' temporary directory (attempts' working
    directories), script environments and local storage."""
    disk = folder / "disk"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(disk)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise ScenarioSkipped(f"cannot mount a tmpfs (root and mount permission needed): "
                              f"{done.stderr.strip() or done.returncode}")
    stack.callback(subprocess.run, ["umount", "-l", str(disk)], capture_output=True)
    state["disk"] = disk
    (disk / "tmp").mkdir()
    return {"TMPDIR": str(disk / "tmp"), "PODIUM_STORAGE__BASE_PATH": str(disk / "storage")}


def deploy_writers(ctx: Context) -> None:
    """Writers retried every 4 s (4 attempts), their logs in a file (logToFile) on the
    small disk too."""
    more = ("    logToFile: true\n    retry:\n      type: constant\n      interval: PT4S\n"
            "      maxAttempts: 4\n")
    ctx.runtime.deploy(parse_flow(files_flow(ctx.sink.path, 512, more)))
    _submit_files(ctx, 12)


def fill(path: Path) -> int:
    """Write zeros to `path` until the filesystem is full; bytes written."""
    written = 0
    block = b"\0" * (256 * 1024)
    with open(path, "wb", buffering=0) as out:
        while True:
            try:
                written += out.write(block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    return written


def disk_full(ctx: Context) -> list[Fault]:
    """The disk filled (one big file) for 8-15 s while files are written and uploaded,
    more writers started meanwhile; then freed, and a last batch must succeed."""
    ctx.wait_bodies(ctx.rng.uniform(0.15, 0.3))
    filler = ctx.state["disk"] / "filler"
    at = time.time()
    size = fill(filler)
    full = ctx.rng.uniform(8.0, 15.0)
    ctx.log(f"disk full ({size // 1024} KiB filler) for {full:.1f}s")
    _submit_files(ctx, 8)
    time.sleep(full)
    os.unlink(filler)
    back = time.time()
    ctx.log("disk freed")
    ctx.state["after"] = _submit_files(ctx, 6)
    return [Fault("disk full", at, back)]


def worker_survived(ctx: Context, monitor: Monitor) -> list[str]:
    """No service died of the full disk; executions started after it was freed succeed."""
    states = monitor.states()
    after = ctx.state.get("after", [])
    ctx.state["after_ok"] = sum(1 for i in after if i in states and states[i].state == "SUCCESS")
    ctx.state["restarts"] = ctx.supervisor.restarts()
    runs = [run for i in ctx.state.get("files", []) for run in ctx.runtime.task_runs(i)]
    ctx.state["failed_attempts"] = sum(1 for run in runs for a in run.attempts or []
                                       if _state(a) == "FAILED")
    ctx.state["errors"] = _first_errors(ctx, ctx.state.get("files", []))
    return (["service_died"] if ctx.state["restarts"] else []) + \
        (["after_failed"] if ctx.state["after_ok"] < len(after) else [])


def disk_note(ctx: Context) -> str:
    states = {i: e.state.value for i in ctx.state.get("files", [])
              if (e := ctx.runtime.get(i)) is not None}
    failed = sum(1 for s in states.values() if s != "SUCCESS")
    return (f"{len(states)} writer executions, {failed} not SUCCESS; "
            f"{ctx.state.get('after_ok', 0)}/{len(ctx.state.get('after', []))} after the "
            f"disk was freed SUCCESS; {ctx.state.get('failed_attempts', 0)} attempts FAILED; "
            f"{ctx.state.get('restarts', 0)} service restarts"
            + (f"; errors: {' | '.join(ctx.state['errors'])}" if ctx.state.get("errors") else ""))


def _state(attempt) -> str:
    state = attempt.get("state") if isinstance(attempt, dict) else getattr(attempt, "state", "")
    return str(getattr(state, "value", state))

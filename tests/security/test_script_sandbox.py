"""Script tasks cannot reach the worker: its environment, processes, files, or other tasks.

Shell tasks run through the embedded runtime try what a hostile script would (docs/
security.md, "Script sandbox"); each probe prints what it finds, and the test asserts it
found nothing. The environment probes run in a separate worker process started with fake
secrets in its environment at exec, where /proc/<pid>/environ shows them (a variable set
later in the test process would not be there). Tests marked `sandbox` skip where
bubblewrap does not work, and fail instead under CI=true (.ci/services.sh installs it).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from podium.common.flow.loader import parse_flow
from podium.runtime import Runtime
from podium.worker.sandbox import Sandbox
from tests.security.conftest import stored
from tests.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]
MARKER = "pOdIuM-wOrKeR-sEcReT-" + uuid.uuid4().hex[:8]
ENCRYPTION_KEY = Fernet.generate_key().decode()
WORKER_SECRETS = {
    "SECRET_SANDBOX_PROBE": base64.b64encode(MARKER.encode()).decode(),
    "PODIUM_DATABASE__URL": f"postgresql://podium:{MARKER}@db.internal/podium",
    "PODIUM_BROKER__URL": f"redis://:{MARKER}@redis.internal:6379/0",
    "PODIUM_SECRETS__ENCRYPTION_KEY": ENCRYPTION_KEY,
    "AWS_SECRET_ACCESS_KEY": MARKER,
}
# What a leak looks like in a task's output.
LEAKS = (MARKER, WORKER_SECRETS["SECRET_SANDBOX_PROBE"], ENCRYPTION_KEY)


def _bwrap_works() -> bool:
    return Sandbox.start("auto").bwrap is not None


BWRAP_WORKS = _bwrap_works()


def sandboxed(test):
    """Needs a working bubblewrap: skipped without, a failure under CI=true."""
    return pytest.mark.sandbox(
        pytest.mark.skipif(not BWRAP_WORKS, reason="bubblewrap does not work here")(test))


def _flow(flow_id: str, tasks: dict[str, list[str]], extra: dict[str, str] | None = None
          ) -> str:
    """A flow of shell.Commands tasks, one per probe; `extra`: more YAML per task id."""
    lines = [f"id: {flow_id}", "namespace: security.sandbox", "tasks:"]
    for task_id, commands in tasks.items():
        lines += [f"  - id: {task_id}", "    type: io.kestra.plugin.scripts.shell.Commands",
                  "    commands:"]
        lines += [f"      - {json.dumps(command)}" for command in commands]
        lines += [f"    {(extra or {})[task_id]}"] if task_id in (extra or {}) else []
    return "\n".join(lines) + "\n"


def _submit(runtime: Runtime, source: str):
    loaded = parse_flow(source)
    runtime.deploy(loaded)
    return runtime.submit(loaded.flow.namespace, loaded.flow.id)


def _run(runtime: Runtime, source: str, timeout: float = 120):
    return runtime.wait(_submit(runtime, source).id, timeout=timeout)


def _output(runtime: Runtime, execution_id: str, task_id: str) -> str:
    return "\n".join(entry.message for entry in runtime.logs(execution_id)
                     if entry.task_id == task_id)


# ---------------------------------------------------------------- the worker's environment
ENVIRONMENT_PROBES = {
    "parent_environ": ["tr '\\0' '\\n' < /proc/$PPID/environ || true"],
    "pid1_environ": ["tr '\\0' '\\n' < /proc/1/environ || true"],
    "every_environ": ["for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $f; done || true"],
    "ancestors_environ": ["p=$$; while [ \"$p\" -gt 0 ]; do tr '\\0' '\\n' < /proc/$p/environ;"
                          " p=$(cut -d' ' -f4 /proc/$p/stat); done || true"],
    "own_environ": ["env"],
}


@pytest.fixture(scope="module")
def probed_worker(tmp_path_factory):
    """{task id: output} of the environment probes, run by a worker process holding the
    fake secrets in its environment."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.security.sandbox_worker",
         str(tmp_path_factory.mktemp("probed-worker"))],
        input=_flow("environment", ENVIRONMENT_PROBES), env={**os.environ, **WORKER_SECRETS},
        capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["state"] == "SUCCESS", report["logs"]
    outputs: dict[str, str] = {}
    for task_id, message in report["logs"]:
        outputs[task_id] = outputs.get(task_id, "") + message + "\n"
    return outputs


@sandboxed
@pytest.mark.parametrize("probe", list(ENVIRONMENT_PROBES))
def test_script_cannot_read_the_worker_environment(probe, probed_worker):
    output = probed_worker.get(probe, "")
    assert "PATH=" in output  # the probe read an environment: the task's own
    for leak in LEAKS:
        assert leak not in output


@sandboxed
def test_script_sees_only_its_own_processes(runtime):
    execution = _run(runtime, _flow("processes", {"ps": [
        "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done"]}))
    assert execution.state.value == "SUCCESS"
    output = _output(runtime, execution.id, "ps")
    assert "/bin/sh -c" in output  # the task itself
    assert "pytest" not in output and "launcher.py" not in output  # the worker, its launcher


# ---------------------------------------------------------------- files
def _visible(paths: list[str]) -> list[str]:
    return [f"for p in {' '.join(paths)}; do if [ -e \"$p\" ]; then echo VISIBLE $p; fi; done"]


@sandboxed
def test_script_cannot_see_the_worker_files(runtime, tmp_path):
    data = Path(runtime.storage.root).parent  # the runtime's data folder
    worker_files = [data / "podium.db", data / "secrets.key", data / "storage",
                    REPO / "pyproject.toml", REPO / ".git"]
    execution = _run(runtime, _flow("files", {
        "look": [*_visible([str(p) for p in worker_files]),
                 f"ls -a {tempfile.gettempdir()} | sed 's/^/TMP /'",
                 "echo mine > own-file && cat own-file"]}))
    assert execution.state.value == "SUCCESS"
    output = _output(runtime, execution.id, "look")
    assert all(path.exists() for path in worker_files)  # they are there, on the host
    assert "VISIBLE" not in output
    # The private /tmp holds the task's own attempt folder only, not the worker's others.
    in_tmp = [line[4:] for line in output.splitlines()
              if line.startswith("TMP ") and line not in ("TMP .", "TMP ..") and
              line[4:] not in _read_only_roots_in_tmp()]
    assert len(in_tmp) == 1 and in_tmp[0].startswith("podium-attempt-"), in_tmp
    assert "mine" in output  # its own working directory is writable


def _read_only_roots_in_tmp() -> set[str]:
    """Top folders of /tmp that the sandbox shows because a read-only mount lies below them:
    the worker's interpreter (a checkout under /tmp runs from /tmp/<checkout>/.venv) and the
    PATH folders. Only the mounted folder is visible inside them, which the REPO checks
    above assert."""
    tmp = Path(tempfile.gettempdir()).resolve()
    mounted = [Path(sys.prefix), *(Path(p) for p in os.environ.get("PATH", "").split(":") if p)]
    roots = set()
    for path in mounted:
        try:
            roots.add(path.resolve().relative_to(tmp).parts[0])
        except (ValueError, IndexError):
            continue  # not under /tmp
    return roots


SYSTEM_DIRS = ["/usr", "/usr/local/bin", "/etc", "/bin", "/opt"]


@sandboxed
def test_script_cannot_write_system_folders(runtime):
    name = f"podium-sandbox-probe-{uuid.uuid4().hex[:8]}"
    try:
        execution = _run(runtime, _flow("system", {"write": [
            f"for d in {' '.join(SYSTEM_DIRS)}; do touch $d/{name} 2>/dev/null && echo WROTE $d;"
            " done; true"]}))
        assert execution.state.value == "SUCCESS"
        assert "WROTE" not in _output(runtime, execution.id, "write")
        assert not any(os.path.exists(f"{d}/{name}") for d in SYSTEM_DIRS)
    finally:  # what an unsandboxed run wrote as root
        for folder in SYSTEM_DIRS:
            Path(folder, name).unlink(missing_ok=True)


# ---------------------------------------------------------------- other tasks
def _wait_for(pattern: str, within: float = 60.0) -> Path:
    """The host path matching `pattern`, once a task has created it."""
    found = wait_for(lambda: sorted(Path("/").glob(pattern.lstrip("/"))), within,
                     f"a path matching {pattern}", poll=0.02)
    return found[0]


@sandboxed
def test_script_cannot_see_a_parallel_task_working_directory(runtime):
    """`owner` writes a marker in its working directory and waits; `prowler`, submitted once
    the marker exists (the test sees it on the host) and running while `owner` still runs,
    looks for it by name under the worker's temporary folder."""
    tag = uuid.uuid4().hex[:8]
    tmp = tempfile.gettempdir()
    owner = _submit(runtime, _flow("owner", {"owner": [
        f"echo secret > marker-{tag}",
        "t=0; until [ -e release ] || [ $t -ge 2400 ]; do sleep 0.05; t=$((t+1)); done"]}))
    marker = _wait_for(f"{tmp}/podium-attempt-*/work/marker-{tag}")
    try:
        prowler = runtime.wait(_submit(runtime, _flow("prowler", {"prowler": [
            f"find {tmp} -name marker-{tag} 2>/dev/null | sed 's/^/FOUND /'; true",
            f"cat {tmp}/podium-attempt-*/work/marker-{tag} 2>/dev/null | sed 's/^/READ /'; true",
        ]})).id, timeout=120)
        assert marker.exists()  # the owner still ran while the prowler looked
    finally:
        (marker.parent / "release").touch()
    assert runtime.wait(owner.id, timeout=120).state.value == "SUCCESS"
    assert prowler.state.value == "SUCCESS"
    output = _output(runtime, prowler.id, "prowler")
    assert "FOUND" not in output and "READ" not in output


# ---------------------------------------------------------------- the launcher's guarantees
STAND_IN = """
import sys
from tests.unit.worker.conftest import make_ctx, make_task
from podium.worker.runnables import run_attempt
from podium.worker.sandbox import Sandbox
ctx, _ = make_ctx()
ctx.sandbox = Sandbox.start("bwrap")
run_attempt(make_task("io.kestra.plugin.scripts.shell.Commands", commands=sys.argv[1:]), ctx,
            retry_left=False)
"""


def _tagged(tag: str) -> list[int]:
    """Host pids of the processes whose command line holds `tag`."""
    found = []
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and tag.encode() in Path(f"/proc/{name}/cmdline").read_bytes():
                found.append(int(name))
        except OSError:
            pass
    return found


@sandboxed
def test_sandboxed_tree_dies_with_a_sigkilled_worker():
    tag = f"9{uuid.uuid4().int % 10**6:06d}"  # sleep's argument marks the tree's processes
    tree = [f"sleep 300.{tag}1 &", f"setsid sleep 300.{tag}2 &", f"sleep 300.{tag}3"]
    worker = subprocess.Popen([sys.executable, "-c", STAND_IN, *tree], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len([p for p in _tagged(tag) if p != worker.pid]) >= 3, 30,
                 "the sandboxed tree to start")
        worker.kill()
        worker.wait(10)
        wait_for(lambda: not _tagged(tag), 10, "the sandboxed tree to die with its worker")
    finally:
        worker.kill()
        for pid in _tagged(tag):
            os.kill(pid, 9)


# ---------------------------------------------------------------- limits
LIMIT_CASES = {
    "cpu": ("limits: {cpu: PT1S}", ["while :; do :; done"],
            "killed: CPU time limit 1 s exceeded"),
    "file_size": ("limits: {fileSize: 1MiB}", ["head -c 3000000 /dev/zero > big.bin"],
                  "killed: file size limit 1 MiB exceeded"),
    "memory": ("limits: {memory: 64MiB}",
               ["python3 -c 'x = bytearray(512 * 1024 * 1024); print(len(x))'"],
               "the task's memory limit (64 MiB per process) may have been exceeded"),
}


@pytest.mark.parametrize("case", list(LIMIT_CASES))
def test_task_over_its_limit_fails_with_a_clear_message(case, runtime):
    declared, commands, message = LIMIT_CASES[case]
    execution = _run(runtime, _flow("limits", {"greedy": commands}, {"greedy": declared}))
    assert execution.state.value == "FAILED"
    assert message in _output(runtime, execution.id, "greedy")


def test_task_within_its_limits_succeeds(runtime):
    execution = _run(runtime, _flow("limits", {"modest": ["head -c 1000 /dev/zero > f; wc -c f"]},
                                    {"modest": "limits: {cpu: PT10S, memory: 1GiB, fileSize: 1MiB}"}))
    assert execution.state.value == "SUCCESS"


def test_worker_default_limit_applies(tmp_path):
    with Runtime.embedded(tmp_path / "data", workers=1,
                          environ={"PODIUM_WORKER__SCRIPT_CPU_SECONDS": "1"}) as runtime:
        execution = _run(runtime, _flow("limits", {"spin": ["while :; do :; done"]}))
        assert execution.state.value == "FAILED"
        assert "killed: CPU time limit 1 s exceeded" in _output(runtime, execution.id, "spin")


@pytest.mark.parametrize("declared, path", [
    ("limits: {memory: lots}", "limits.memory"),
    ("limits: {cpu: 2 seconds}", "limits.cpu"),
    ("limits: {disk: 1GiB}", "limits.disk"),
], ids=["memory_not_a_size", "cpu_not_a_duration", "unknown_limit"])
def test_invalid_limits_are_refused_at_save(declared, path, api, runtime):
    before = stored(runtime)
    response = api.post("/api/v1/flows", content=_flow("limits", {"t": ["true"]}, {"t": declared}),
                        headers={"Content-Type": "application/x-yaml"})
    assert response.status_code == 422
    assert path in response.text, response.text
    assert stored(runtime) == before


# ---------------------------------------------------------------- fallback
def test_fallback_without_bubblewrap_warns_and_still_scrubs(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap to find
    with caplog.at_level(logging.WARNING, logger="podium.worker.sandbox"):
        fallback = Sandbox.start("auto")
    assert fallback.bwrap is None
    assert "Script sandbox unavailable: bubblewrap (bwrap) is not installed" in caplog.text
    monkeypatch.undo()
    monkeypatch.setenv("SECRET_FALLBACK_PROBE", MARKER)
    monkeypatch.setenv("PODIUM_DATABASE__URL", f"postgresql://x:{MARKER}@db/x")
    with Runtime.embedded(tmp_path / "data", workers=1, environ={}) as runtime:
        runtime.sandbox = fallback
        runtime.worker.sandbox = fallback
        execution = _run(runtime, _flow("fallback", {"env": ["env"]}))
        output = _output(runtime, execution.id, "env")
    assert execution.state.value == "SUCCESS"
    assert "WORKING_DIR=" in output and MARKER not in output


def test_sandbox_none_is_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="podium.worker.sandbox"):
        assert Sandbox.start("none").bwrap is None
    assert "Script sandbox disabled (worker.sandbox=none)" in caplog.text


def test_required_sandbox_missing_fails_scripts_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    required = Sandbox.start("bwrap")
    monkeypatch.undo()
    with Runtime.embedded(tmp_path / "data", workers=1, environ={}) as runtime:
        runtime.worker.sandbox = required
        execution = _run(runtime, _flow("required", {"t": ["echo ran"]}))
        output = _output(runtime, execution.id, "t")
    assert execution.state.value == "FAILED"
    assert ("Script tasks must run in a sandbox (worker.sandbox=bwrap), but bubblewrap (bwrap) "
            "is not installed") in output
    assert "ran" not in output.split()

"""Python script tasks' dependencies, interpreter and `kestra` library, with real uv and pip
installs from the package index (worker/script_envs): each task sees the packages it asked
for, the worker's own environment never changes, the shared environments neither."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest

from podium.common.models.state import State
from podium.worker.runnables import run_attempt
from podium.worker.script_envs import ScriptEnvironments
from podium.worker.script_envs.cache import read_manifest
from tests.unit.worker.conftest import make_ctx, make_task

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")

PY = "io.kestra.plugin.scripts.python.Commands"
PY_SCRIPT = "io.kestra.plugin.scripts.python.Script"
SIX_VERSION = "from kestra import Kestra\nimport six\nKestra.outputs({'six': six.__version__})\n"


def run(type_, envs: ScriptEnvironments | None = None, **props):
    ctx, logs = make_ctx()
    if envs is not None:
        ctx.script_envs = envs
    return run_attempt(make_task(type_, **props), ctx), logs


def worker_packages() -> str:
    return subprocess.run([sys.executable, "-m", "pip", "freeze", "--all"], check=True,
                          capture_output=True, text=True).stdout


def builds(logs) -> list[str]:
    return [m for m in logs.messages() if m.startswith("Building a Python")]


def python_envs(envs: ScriptEnvironments) -> dict[str, dict]:
    folder = envs.root / "python"
    return {p.name: read_manifest(p) for p in folder.iterdir() if p.is_dir()} \
        if folder.exists() else {}


@pytest.fixture(scope="module")
def frozen_worker():
    """The worker's own packages before this module's tests; checked unchanged after."""
    before = worker_packages()
    yield
    assert worker_packages() == before


def test_two_flows_two_versions_of_one_package_one_after_the_other(script_envs, frozen_worker):
    old, logs = run(PY_SCRIPT, dependencies=["six==1.16.0"], script=SIX_VERSION)
    assert old.state is State.SUCCESS, logs.pairs()
    new, logs = run(PY_SCRIPT, dependencies=["six==1.17.0"], script=SIX_VERSION)
    assert new.state is State.SUCCESS, logs.pairs()
    assert (old.outputs["vars"], new.outputs["vars"]) == ({"six": "1.16.0"}, {"six": "1.17.0"})
    again, logs = run(PY_SCRIPT, dependencies=["six==1.16.0"], script=SIX_VERSION)
    assert again.outputs["vars"] == {"six": "1.16.0"} and builds(logs) == []


def test_two_versions_at_once(tmp_path, frozen_worker):
    envs = ScriptEnvironments(tmp_path / "envs")
    results: dict[str, tuple] = {}

    def task(version: str) -> None:
        results[version] = run(PY_SCRIPT, envs, dependencies=[f"six=={version}"],
                               script=SIX_VERSION)

    threads = [threading.Thread(target=task, args=(v,)) for v in ("1.16.0", "1.17.0")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for version, (outcome, logs) in results.items():
        assert outcome.state is State.SUCCESS, logs.pairs()
        assert outcome.outputs["vars"] == {"six": version}
    assert sorted(m["dependencies"] for m in python_envs(envs).values()) == \
        [["six==1.16.0"], ["six==1.17.0"]]


def test_the_same_dependencies_at_once_are_installed_once(tmp_path, frozen_worker):
    envs = ScriptEnvironments(tmp_path / "envs")
    results = []
    threads = [threading.Thread(target=lambda: results.append(run(
        PY_SCRIPT, envs, dependencies=["six==1.17.0"], script=SIX_VERSION)))
        for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [outcome.outputs["vars"] for outcome, _ in results] == [{"six": "1.17.0"}] * 3
    assert sum(len(builds(logs)) for _, logs in results) == 1
    assert len(python_envs(envs)) == 1


def test_pip_install_in_before_commands_stays_in_the_attempt(script_envs, frozen_worker):
    outcome, logs = run(PY, dependencies=["six==1.16.0"],
                        beforeCommands=["pip install --quiet six==1.17.0"],
                        commands=["python -c \"import six; print('six', six.__version__)\""])
    assert outcome.state in (State.SUCCESS, State.WARNING), logs.pairs()
    assert "six 1.17.0" in logs.messages("INFO")
    # The shared environment still has 1.16.0: the next run sees it.
    outcome, logs = run(PY_SCRIPT, dependencies=["six==1.16.0"], script=SIX_VERSION)
    assert outcome.outputs["vars"] == {"six": "1.16.0"}, logs.pairs()
    shared = [m for m in python_envs(script_envs).values()
              if m["dependencies"] == ["six==1.16.0"]]
    assert len(shared) == 1


def test_without_dependencies_pip_installs_into_the_attempt_only(script_envs, frozen_worker):
    outcome, logs = run(PY, beforeCommands=["pip install --quiet six==1.17.0"],
                        commands=["python -c \"import six; print('six', six.__version__)\""])
    assert "six 1.17.0" in logs.messages("INFO"), logs.pairs()
    outcome, logs = run(PY, commands=["python -c 'import six'"])
    assert outcome.state is State.FAILED
    assert any("No module named 'six'" in m for m in logs.messages("ERROR"))


def test_dependency_cache_disabled_installs_afresh_each_time(tmp_path, frozen_worker):
    envs = ScriptEnvironments(tmp_path / "envs")
    for _ in range(2):
        outcome, logs = run(PY_SCRIPT, envs, dependencies=["six==1.16.0"],
                            dependencyCacheEnabled=False, script=SIX_VERSION)
        assert outcome.outputs["vars"] == {"six": "1.16.0"}, logs.pairs()
        assert len(builds(logs)) == 1
    assert python_envs(envs) == {}


def test_a_secret_in_a_requirement_stays_out_of_logs_and_the_manifest(tmp_path):
    envs = ScriptEnvironments(tmp_path / "envs")
    # (A private index's token would be in an option line; a comment keeps the test on
    # the public index.)
    requirement = "six==1.17.0  # token {{ secret('API_KEY') }}"
    outcome, logs = run(PY_SCRIPT, envs, dependencies=[requirement], script=SIX_VERSION)
    assert outcome.outputs["vars"] == {"six": "1.17.0"}, logs.pairs()
    assert not any("s3cr3t-value" in m for m in logs.messages())
    manifests = list(python_envs(envs).values())
    assert len(manifests) == 1 and "s3cr3t-value" not in str(manifests[0])
    assert "**masked****" in manifests[0]["dependencies"][0]


def test_a_dependency_that_does_not_install_fails_clearly(tmp_path, frozen_worker):
    envs = ScriptEnvironments(tmp_path / "envs")
    outcome, logs = run(PY_SCRIPT, envs, dependencies=["podium-no-such-package==0.0.1"],
                        script="print('never')")
    assert outcome.state is State.FAILED
    assert "uv pip install" in outcome.error and "podium-no-such-package" in outcome.error
    assert "never" not in logs.messages()
    assert python_envs(envs) == {}  # nothing half-built left behind


def test_without_uv_pip_builds_the_environment_as_package_manager_pip_does(
        tmp_path, frozen_worker):
    without_uv = ScriptEnvironments(tmp_path / "envs", uv=None)
    outcome, logs = run(PY_SCRIPT, without_uv, dependencies=["six==1.16.0"],
                        script=SIX_VERSION)
    assert outcome.outputs["vars"] == {"six": "1.16.0"}, logs.pairs()
    assert any("uv is not installed" in m for m in logs.messages("WARN"))
    assert [m["installer"] for m in python_envs(without_uv).values()] == ["pip"]
    # packageManager: PIP on a worker with uv: the same (pip-built) environment, no warning.
    with_uv = ScriptEnvironments(tmp_path / "envs")
    assert with_uv.uv is not None
    outcome, logs = run(PY_SCRIPT, with_uv, dependencies=["six==1.16.0"],
                        packageManager="PIP", script=SIX_VERSION)
    assert outcome.outputs["vars"] == {"six": "1.16.0"}, logs.pairs()
    assert logs.messages("WARN") == [] and builds(logs) == []


# ---------------------------------------------------------------- pythonVersion
def test_python_version_of_an_installed_interpreter(frozen_worker):
    wanted = f"{sys.version_info.major}.{sys.version_info.minor}"
    outcome, logs = run(PY_SCRIPT, pythonVersion=wanted, script=(
        "import sys\nfrom kestra import Kestra\n"
        "Kestra.outputs({'v': '%d.%d' % sys.version_info[:2]})\n"))
    assert outcome.state is State.SUCCESS, logs.pairs()
    assert outcome.outputs["vars"] == {"v": wanted}


@pytest.mark.parametrize("version, message", [
    ("3.99", "no Python 3.99 is installed on this worker"),
    ("latest", "pythonVersion 'latest' is not a version"),
])
def test_python_version_not_available_fails_clearly(version, message):
    outcome, logs = run(PY_SCRIPT, pythonVersion=version, script="print('never')")
    assert outcome.state is State.FAILED and message in outcome.error
    assert "never" not in logs.messages()


# ---------------------------------------------------------------- the kestra library
def test_kestra_outputs_counter_timer_gauge_and_logger():
    outcome, logs = run(PY_SCRIPT, script="\n".join([
        "from kestra import Kestra",
        "Kestra.outputs({'a': 1})",
        "Kestra.outputs({'b': [True, None]})",
        "Kestra.counter('rows', 3, {'table': 't'})",
        "Kestra.timer('load', 1.5)",
        "Kestra.timer('call', lambda: sum(range(10)))",
        "Kestra.gauge('queue', 12.5)",
        "log = Kestra.logger()",
        "log.info('fine')",
        "log.warning('careful')",
        "log.error('bad')",
    ]))
    assert outcome.state is State.SUCCESS, logs.pairs()
    assert outcome.outputs["vars"] == {"a": 1, "b": [True, None]}
    metrics = {m["name"]: m for m in outcome.metrics}
    assert metrics["rows"] == {"name": "rows", "type": "counter", "value": 3,
                               "tags": {"table": "t"}}
    assert metrics["load"]["value"] == 1.5
    assert metrics["call"]["type"] == "timer" and 0 <= metrics["call"]["value"] < 5
    assert metrics["queue"] == {"name": "queue", "type": "gauge", "value": 12.5, "tags": {}}
    levels = {m.split(" - ", 1)[1]: level for level, m in logs.pairs() if " - " in m}
    assert levels == {"fine": "INFO", "careful": "WARN", "bad": "ERROR"}


def test_kestra_is_importable_in_commands_too():
    outcome, logs = run(PY, commands=[
        "python -c \"from kestra import Kestra; Kestra.outputs({'from': 'commands'})\""])
    assert outcome.outputs["vars"] == {"from": "commands"}, logs.pairs()


def test_a_kestra_module_the_task_installs_comes_first():
    outcome, logs = run(PY, beforeCommands=[
        "python -c \"import sysconfig; open(sysconfig.get_path('purelib') + '/kestra.py', "
        "'w').write('WHO = 1')\""], commands=["python -c 'import kestra; print(kestra.WHO)'"])
    assert outcome.state is State.SUCCESS and logs.messages("INFO") == ["1"], logs.pairs()


def test_the_library_ships_with_podium():
    # The script's import path gets Podium's copy, never the worker's site-packages...
    repo = Path(__file__).resolve().parents[3]
    library = repo / "worker" / "script_libs" / "python"
    assert (library / "kestra.py").is_file()
    # ...which the wheel carries: every file of script_libs matches pyproject's package-data.
    globs = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["podium.worker"]
    shipped = [p.relative_to(repo / "worker") for p in (repo / "worker" / "script_libs")
               .rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert shipped and all(any(fnmatch.fnmatch(str(p), g) for g in globs) for p in shipped)
    outcome, logs = run(PY, commands=["python -c 'import kestra; print(kestra.__file__)'"])
    assert logs.messages("INFO") == [str(library / "kestra.py")], logs.pairs()

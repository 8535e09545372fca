"""The newcomer's first hour (issue 20), as README tells it: the first of its two commands,
`podium run` of every example, README's five-minute tour pasted command by command,
`podium flow test examples/`, `podium server local` and the commands that reach it through
its data folder (execution list, resume, kill), then two `podium worker`s on one host.

Every command is the installed `podium` in a process of its own, with a fresh HOME and no
PODIUM_* setting of the developer's: what a newcomer types, nothing of this session's
configuration. The broker URL points at a closed port, so an embedded command that reached
for Redis (which this machine may run) fails loudly instead of working by luck. No output
may hold a Traceback; each exit code is the one README promises.

Only the two workers need a server (Redis): that test is marked `service`.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
PODIUM = Path(sys.executable).with_name("podium")

# README's two commands, exactly: one installs and runs a flow embedded, one installs and
# passes the tests.
FIRST_COMMAND = ("python3 -m venv .venv && .venv/bin/pip install -q . && "
                 ".venv/bin/podium run examples/hello.yaml --input user=ada")
TEST_COMMAND = "./scripts/test.sh"

FAILS_ON_PURPOSE = {"needs-config.yaml": "No value found for key 'greeting'"}
DEAD_BROKER = "redis://127.0.0.1:1/0"

PAUSING = """\
id: wait-for-me
namespace: company.team
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: resumed
"""


@dataclass
class Newcomer:
    """A shell of a newcomer's: environment, working folder (the repository), and every
    output seen, for the Traceback check."""

    env: dict[str, str]
    outputs: list[str] = field(default_factory=list)

    def podium(self, *args: str, expect: int = 0, timeout: float = 60) -> str:
        return self.shell(shlex.join(["podium", *args]), expect=expect, timeout=timeout)

    def shell(self, command: str, expect: int = 0, timeout: float = 60,
              env: dict[str, str] | None = None) -> str:
        done = subprocess.run(["bash", "-c", command], cwd=ROOT, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=timeout)
        output = done.stdout + done.stderr
        self.outputs.append(output)
        assert "Traceback" not in output, f"{command}:\n{output}"
        assert done.returncode == expect, (
            f"{command} exited {done.returncode}, not {expect}:\n{output}")
        return done.stdout


@pytest.fixture
def newcomer(tmp_path) -> Iterator[Newcomer]:
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PODIUM_")}
    env.update(HOME=str(home), PATH=f"{PODIUM.parent}{os.pathsep}{env['PATH']}",
               PODIUM_BROKER__URL=DEAD_BROKER, COLUMNS="120", PYTHONUNBUFFERED="1")
    env.pop("CI", None)  # flow test's and run's output as on a terminal-less laptop
    yield Newcomer(env)


def readme_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, re.S)


def tour_commands() -> list[str]:
    """README's tour, one command a line, comments dropped."""
    section = README.read_text().split("## A five-minute tour", 1)[1].split("\n## ", 1)[0]
    lines = [re.sub(r"\s+#.*$", "", line).strip()
             for block in readme_blocks(section) for line in block.splitlines()]
    return [line for line in lines if line]


def test_readme_shows_the_two_commands_and_the_first_runs(newcomer):
    blocks = [block.strip() for block in readme_blocks(README.read_text())]
    assert FIRST_COMMAND in blocks and TEST_COMMAND in blocks
    assert os.access(ROOT / TEST_COMMAND, os.X_OK)
    # Its effective part: the venv's podium is the one installed here (no pip install).
    effective = FIRST_COMMAND.rsplit("&& ", 1)[1].replace(".venv/bin/podium", "podium")
    output = newcomer.shell(effective)
    assert "company.team.hello execution" in output and ": SUCCESS" in output
    assert '{"greeting": "ADA"}' in output


class StatusService(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = json.dumps({"status": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def status_url() -> Iterator[str]:
    """What examples/service-status.yaml asks: a status service on loopback."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StatusService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/status.json"
    server.shutdown()


def example_flows() -> list[Path]:
    """Every flow of examples/ (the test files of examples/tests/ are flow test's)."""
    return sorted(path for path in EXAMPLES.rglob("*.y*ml")
                  if "tests" not in path.relative_to(EXAMPLES).parts)


def run_by_the_tour() -> set[Path]:
    return {ROOT / found[1] for command in tour_commands()
            if (found := re.match(r"podium run (\S+)", command))}


def test_every_example_runs_embedded(newcomer, status_url):
    """Each example the tour does not run (the tour's test runs those: every example runs
    once in this module, each CLI call costing seconds of start-up)."""
    toured = run_by_the_tour()
    assert {path.name for path in toured} == {"hello.yaml", "fan-out.yaml"}
    flows = [path for path in example_flows() if path not in toured]
    assert {"ticker.yaml", "needs-config.yaml", "service-status.yaml"} <= {
        path.name for path in flows}

    def run(path: Path) -> str:
        relative = path.relative_to(ROOT)
        if path.name == "service-status.yaml":  # its service, on loopback
            return newcomer.shell(f"podium run {relative} --input url={status_url}",
                                  env={"PODIUM_HTTP__ALLOW_PRIVATE": "true"})
        return newcomer.shell(f"podium run {relative}",
                              expect=1 if path.name in FAILS_ON_PURPOSE else 0, timeout=90)

    with ThreadPoolExecutor(3) as pool:
        outputs = dict(zip(flows, pool.map(run, flows)))
    for path, output in outputs.items():
        header = output.splitlines()[0]
        if path.name in FAILS_ON_PURPOSE:
            assert ": FAILED" in header, output
            assert FAILS_ON_PURPOSE[path.name] in output
        else:
            assert ": SUCCESS" in header, output
    assert "says ok (HTTP 200)" in outputs[EXAMPLES / "service-status.yaml"]


def test_flow_test_passes_on_the_examples(newcomer):
    output = newcomer.podium("flow", "test", "examples/", timeout=120)
    assert "FAIL" not in output


@dataclass
class LocalServer:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text()

    def url(self) -> str | None:
        assert self.process.poll() is None, f"podium server local stopped:\n{self.output()}"
        found = re.search(r"web UI on (http://[^/\s]+)/ui", self.output())
        if found is None:
            return None
        try:
            return found[1] if httpx.get(f"{found[1]}/health").status_code == 200 else None
        except httpx.TransportError:
            return None

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        return self.output()

    def api(self) -> httpx.Client:
        """A client of its API, logged in with the user it printed it created."""
        login = re.search(r"log in as (\S+) / (\S+)", self.output())
        assert login, f"no login printed:\n{self.output()}"
        return httpx.Client(base_url=self.url() or "", auth=(login[1], login[2]), timeout=10)


def start_server(command: str, newcomer: Newcomer, log: Path) -> LocalServer:
    """`[NAME=VALUE...] podium server local &`: in the background, its output to a file."""
    words = shlex.split(command.removesuffix("&"))
    settings = {}
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        settings[name] = value
    with log.open("w") as sink:
        process = subprocess.Popen(words, cwd=ROOT, env={**newcomer.env, **settings},
                                   stdout=sink, stderr=subprocess.STDOUT)
    server = LocalServer(process, log)
    wait_for(server.url, 60, "podium server local to answer on its API")
    return server


def reaches(api: httpx.Client, execution_id: str, state: str) -> bool:
    return api.get(f"/api/v1/executions/{execution_id}").json()["state"]["current"] == state


def ran_on_schedule(api: httpx.Client, flow_id: str) -> bool:
    found = api.get("/api/v1/executions/search", params={"flowId": flow_id, "state": "SUCCESS"})
    return bool(found.json()["results"])


# What README's tour shows each command doing (a substring of its output), and the exit
# code of the one that fails on purpose.
TOUR_SHOWS = {
    "podium run examples/hello.yaml --input user=grace": '{"greeting": "GRACE"}',
    'podium run examples/fan-out.yaml --input words="one two three"': "One Two Three: 3 words",
    "podium execution list": "company.team.fan-out",
    "podium execution run company.team needs-config --wait": "No value found for key",
    "podium kv set company.team greeting Hello": "company.team/greeting set",
    "podium execution restart $ID --wait": "Hello from the KV store",
}
TOUR_EXIT_CODES = {"podium execution run company.team needs-config --wait": 1}


def test_readme_tour_then_the_local_server_from_the_cli(newcomer, tmp_path):
    """The tour pasted command by command: `podium server local &` runs in the background
    (ready once its API answers) and `sleep N; CMD` polls CMD instead of sleeping. Then
    resume and kill, on the same folder, reach the executor of that server."""
    commands = tour_commands()
    [served] = [command for command in commands if "podium server local" in command]
    assert set(TOUR_SHOWS) | set(TOUR_EXIT_CODES) <= set(commands)
    server = None
    try:
        for command in commands:
            if command == ". .venv/bin/activate":
                continue  # the fixture's PATH starts with the installed podium's folder
            if command.startswith("export PODIUM_DATA_DIR="):
                newcomer.env["PODIUM_DATA_DIR"] = str(tmp_path / "podium-tour")
            elif command == served:
                server = start_server(command, newcomer, tmp_path / "server.log")
            elif command.startswith("sleep "):  # poll the API, then run the listing once
                with server.api() as api:
                    wait_for(lambda: ran_on_schedule(api, "ticker"), 40,
                             "an execution of the schedule", poll=0.5)
                listing = newcomer.shell(command.split(";", 1)[1])
                assert "company.team.ticker  SUCCESS" in listing, listing
            elif assignment := re.fullmatch(r"(\w+)=(\$\(.*\))", command):
                name, value = assignment.groups()
                newcomer.env[name] = newcomer.shell(f"printf %s {value}")
                assert newcomer.env[name], f"{command} printed nothing"
            else:
                output = newcomer.shell(command, expect=TOUR_EXIT_CODES.get(command, 0))
                assert TOUR_SHOWS.get(command, "") in output, f"{command}:\n{output}"
        assert server is not None

        with server.api() as api:  # two paused executions, made through the API (quicker)
            api.post("/api/v1/flows", content=PAUSING,
                     headers={"Content-Type": "application/x-yaml"}).raise_for_status()
            held = [api.post("/api/v1/executions/company.team/wait-for-me").json()["id"]
                    for _ in range(2)]
            for execution_id in held:
                wait_for(lambda: reaches(api, execution_id, "PAUSED"), 30,
                         f"{execution_id} to pause", poll=0.2)
            assert newcomer.podium("execution", "resume", held[0]).strip() == \
                f"resume requested for {held[0]}"
            assert newcomer.podium("execution", "kill", held[1]).strip() == \
                f"kill requested for {held[1]}"
            wait_for(lambda: reaches(api, held[0], "SUCCESS"), 30,
                     "the resumed execution to succeed", poll=0.2)
            wait_for(lambda: reaches(api, held[1], "KILLED"), 30,
                     "the killed execution to end KILLED", poll=0.2)
    finally:
        output = server.stop() if server else ""
    assert server.process.returncode == 0, output
    assert "Traceback" not in output, output
    assert " INFO " not in output, output  # PODIUM_LOG_LEVEL=WARNING: its prints only


REDIS_URL = os.environ.get("PODIUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.mark.service
def test_two_workers_on_one_host(newcomer, tmp_path):
    """The second `podium worker` of a one-host deployment (SQLite in the data folder,
    the machine's Redis) finds the first one's management port taken and takes another."""
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {exc}")
    newcomer.env.update(PODIUM_DATA_DIR=str(tmp_path / "one-host"), PODIUM_BROKER__URL=REDIS_URL,
                        PODIUM_BROKER__KEY_PREFIX=f"newcomer-{secrets.token_hex(4)}:")
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    workers = []
    try:
        for log in logs:
            with log.open("w") as sink:
                workers.append(subprocess.Popen([str(PODIUM), "worker"], cwd=ROOT,
                                                env=newcomer.env, stdout=sink,
                                                stderr=subprocess.STDOUT))
        ports = [wait_for(lambda log=log, worker=worker: _management_port(log, worker), 60,
                          f"{log.name}'s management address") for log, worker in
                 zip(logs, workers)]
        assert ports[0] != ports[1]
        for port in ports:  # both consuming: a SIGTERM now is a drain, not a start cut short
            wait_for(lambda port=port: _ready(port), 60, f"the worker on {port} to be ready")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
    for log, worker in zip(logs, workers):
        output = log.read_text()
        assert "Traceback" not in output, output
        assert worker.returncode == 0, output


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
    except httpx.TransportError:
        return False


def _management_port(log: Path, worker: subprocess.Popen) -> int | None:
    output = log.read_text()
    assert worker.poll() is None, f"podium worker stopped:\n{output}"
    found = re.search(r"management server on http://[^:\s]+:(\d+)", output)
    return int(found[1]) if found else None

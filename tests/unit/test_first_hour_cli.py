"""The newcomer's first hour on the embedded default (issue 20), on the real `podium`
program: a fresh HOME and data folder, one-line errors, never a traceback."""

from __future__ import annotations

import json
import socket
import stat
import sys

import httpx
import pytest
from alembic.script import ScriptDirectory

from podium.common.store import head_revision, upgrade
from podium.common.store.migrate import alembic_config
from podium.local_server import FILE_NAME
from tests.support.podium_cli import Service, clean_env, podium
from tests.waiting import wait_for

PAUSED_FLOW = """
id: approve
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: resumed
"""

HELLO_FLOW = """
id: hello
namespace: company.team
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: hello
"""


@pytest.fixture
def data(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def env(tmp_path, data):
    home = tmp_path / "home"
    home.mkdir()
    return clean_env(home, PODIUM_DATA_DIR=str(data))


def no_traceback(result) -> str:
    output = result if isinstance(result, str) else result.stdout
    assert "Traceback" not in output, output
    return output


def listening(port: int) -> socket.socket | None:
    """A socket holding 127.0.0.1:`port`, or None when something else already does."""
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        return None
    sock.listen()
    return sock


# ---------------------------------------------------------------- a database with no schema
@pytest.mark.parametrize("command", [["execution", "list"], ["sys", "services"],
                                     ["kv", "list", "company.team"]])
def test_commands_on_a_fresh_data_folder_create_its_database(env, data, command):
    result = podium(env, *command)
    no_traceback(result)
    assert result.returncode == 0, result.stdout
    assert (data / "podium.db").exists()


def test_db_upgrade_says_what_it_did(env, data):
    url = f"sqlite:///{data / 'podium.db'}"
    head = head_revision()
    created = podium(env, "db", "upgrade")
    assert created.returncode == 0 and no_traceback(created).strip() == \
        f"created the schema of {url} at revision {head}"
    again = podium(env, "db", "upgrade")
    assert again.stdout.strip() == f"database at {url} is already at revision {head}"

    older = data / "older.db"
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision
    upgrade(f"sqlite:///{older}", str(previous))
    upgraded = podium({**env, "PODIUM_DATABASE__URL": f"sqlite:///{older}"}, "db", "upgrade")
    assert upgraded.stdout.strip() == \
        f"upgraded sqlite:///{older} from revision {previous} to {head}"


# ---------------------------------------------------------------- podium run
def test_run_keeps_its_execution_in_podium_data_dir(env, data, tmp_path):
    flow = tmp_path / "hello.yaml"
    flow.write_text(HELLO_FLOW)
    ran = podium(env, "run", str(flow))
    assert ran.returncode == 0, no_traceback(ran)
    listed = podium(env, "execution", "list")
    assert "company.team.hello" in no_traceback(listed) and "SUCCESS" in listed.stdout


# ---------------------------------------------------------------- ports
@pytest.mark.parametrize("service", ["executor", "worker", "scheduler"])
def test_a_taken_management_port_that_was_set_is_refused_in_one_line(env, service):
    holder = listening(0)
    assert holder is not None
    port = holder.getsockname()[1]
    with holder:
        result = podium({**env, "PODIUM_MANAGEMENT__PORT": str(port)}, service, timeout=60)
    assert result.returncode == 1
    # The last line; before it, a service logs what it did (its database migrated).
    assert no_traceback(result).strip().splitlines()[-1] == (
        f"Error: podium {service}: management server (PODIUM_MANAGEMENT__PORT): port {port} "
        "is already in use; stop what uses it or choose another port")


def test_a_taken_webserver_port_that_was_set_is_refused_in_one_line(env):
    holder = listening(0)
    assert holder is not None
    port = holder.getsockname()[1]
    with holder:
        result = podium(env, "webserver", "--port", str(port), timeout=60)
    assert result.returncode == 1
    assert no_traceback(result).strip().splitlines()[-1] == (
        f"Error: podium webserver: port {port} is already in use; stop what uses it or "
        "choose another port")


def test_a_second_webserver_takes_the_next_free_port(env):
    holder = listening(8080)  # None: something else holds the default already
    service = Service({**env, "PODIUM_MANAGEMENT__PORT": "0", "PODIUM_API__AUTH": "false"},
                      "webserver")
    try:
        line = service.line_with("API on ")
        assert "port 8080 in use, API on http://127.0.0.1:" in line
        url = line.split("API on ")[1].split("/api/v1")[0]
        assert url != "http://127.0.0.1:8080"
        assert wait_for(lambda: httpx.get(f"{url}/api/v1/health").status_code == 200, 30,
                        "the moved webserver to answer")
        # Its store, a fresh data folder's, was created: a search finds nothing, no 500.
        search = httpx.get(f"{url}/api/v1/executions/search")
        assert search.status_code == 200 and search.json()["total"] == 0, search.text
    finally:
        code = service.stop()
        if holder is not None:
            holder.close()
    assert code in (0, -15), service.output
    no_traceback(service.output)


# ---------------------------------------------------------------- podium server local
def start_local_server(env: dict[str, str]) -> tuple[Service, str, tuple[str, str]]:
    service = Service(env, "server", "local", "--workers", "1", "--no-scheduler")
    where = service.line_with("web UI on ")
    login = service.line_with("log in as ")
    service.line_with("podium local server running on ")
    url = where.split("API on ")[1].removesuffix("/api/v1")
    user, password = login.removeprefix("log in as ").split(" (")[0].split(" / ")
    return service, url, (user, password)


def state_of(url: str, auth: tuple[str, str], execution_id: str) -> str:
    return httpx.get(f"{url}/api/v1/executions/{execution_id}", auth=auth).json()["state"][
        "current"]


def test_cli_commands_reach_the_local_server_of_their_data_folder(env, data, tmp_path):
    flow = tmp_path / "approve.yaml"
    flow.write_text(PAUSED_FLOW)
    service, url, auth = start_local_server(env)
    try:
        assert url.startswith("http://127.0.0.1:")  # loopback unless told otherwise
        assert httpx.get(f"{url}/api/v1/flows/search", auth=auth).status_code == 200
        announced = data / FILE_NAME
        assert stat.S_IMODE(announced.stat().st_mode) == 0o600
        assert json.loads(announced.read_text())["url"] == url

        assert podium(env, "flow", "deploy", str(flow)).returncode == 0
        first, second = (no_traceback(podium(env, "execution", "run", "company.team",
                                             "approve")).split()[0] for _ in range(2))
        for execution_id in (first, second):
            wait_for(lambda e=execution_id: state_of(url, auth, e) == "PAUSED", 30,
                     "the execution to pause")
        resumed = podium(env, "execution", "resume", first)
        assert resumed.returncode == 0 and resumed.stdout.strip() == \
            f"resume requested for {first}"
        wait_for(lambda: state_of(url, auth, first) == "SUCCESS", 30,
                 "the resumed execution to succeed")

        refused = podium(env, "run", str(flow))
        assert refused.returncode == 1
        assert f"serves {data}" in no_traceback(refused)
        second_server = podium(env, "server", "local", "--no-scheduler")
        assert second_server.returncode == 1
        assert no_traceback(second_server).strip().splitlines()[-1] == (
            f"Error: a Podium runtime (pid {service.process.pid}) already serves {data} at "
            f"{url}: use it, or stop it first")
    finally:
        code = service.stop()
    assert code == 0, service.output
    no_traceback(service.output)
    assert not (data / FILE_NAME).exists()

    # Nothing serves the folder any more: reading works, sending is refused, clearly.
    listed = podium(env, "execution", "list")
    assert f"{second}  company.team.approve  PAUSED" in no_traceback(listed)
    orphan = podium(env, "execution", "resume", second)
    assert orphan.returncode == 1
    assert no_traceback(orphan).strip() == (
        f"Error: no Podium runtime serves {data}: start `podium server local` with "
        f"PODIUM_DATA_DIR={data}, then try again")


def test_the_local_server_keeps_the_users_login(env):
    service = Service({**env, "PODIUM_API__USERS": "ada:a-long-password"},
                      "server", "local", "--workers", "1", "--no-scheduler", "--port", "0")
    try:
        where = service.line_with("web UI on ")
        service.line_with("podium local server running on ")
        url = where.split("API on ")[1].removesuffix("/api/v1")
        assert httpx.get(f"{url}/api/v1/flows/search",
                         auth=("ada", "a-long-password")).status_code == 200
    finally:
        assert service.stop() == 0, service.output
    assert "log in as" not in no_traceback(service.output)
    assert "in use" not in service.output  # port 0 asks for any free port: nothing moved


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/net/tcp")
def test_the_local_server_binds_loopback_only(env):
    service = Service(env, "server", "local", "--workers", "1", "--no-scheduler", "--port", "0")
    try:
        where = service.line_with("web UI on ")
        port = int(where.split("API on http://127.0.0.1:")[1].split("/")[0])
        with open("/proc/net/tcp") as table:
            listening_on = [line.split()[1] for line in table.readlines()[1:]
                            if line.split()[3] == "0A"]  # 0A: LISTEN
        assert f"0100007F:{port:04X}" in listening_on  # 127.0.0.1
        assert f"00000000:{port:04X}" not in listening_on  # not 0.0.0.0
    finally:
        assert service.stop() == 0, service.output


def test_an_embedded_webserver_serves_its_folder_to_the_cli_too(env, data):
    service = Service(env, "webserver", "--embedded", "--port", "0")
    try:
        service.line_with("API on http://127.0.0.1:")
        service.line_with("podium webserver: log in as admin / ")
        wait_for((data / FILE_NAME).exists, 30, "the webserver to announce itself")
        asked = podium(env, "execution", "resume", "nope")
        assert asked.returncode == 1  # through its API: the server looked the id up
        assert no_traceback(asked).strip() == "error: Execution 'nope' not found"
    finally:
        code = service.stop()
    assert code in (0, -15), service.output  # uvicorn re-raises the SIGTERM it handled
    no_traceback(service.output)
    assert not (data / FILE_NAME).exists()


def test_a_local_server_without_its_api_is_named_when_a_command_needs_it(env, data):
    service = Service(env, "server", "local", "--workers", "1", "--no-scheduler",
                      "--no-webserver")
    try:
        service.line_with("podium local server running on ")
        refused = podium(env, "execution", "kill", "any")
        assert refused.returncode == 1
        assert no_traceback(refused).strip() == (
            f"Error: the podium server local serving {data} (pid {service.process.pid}) has "
            "no API (--no-webserver): restart it with its API to send it commands")
    finally:
        assert service.stop() == 0, service.output
    assert not (data / FILE_NAME).exists()

"""Issue 20, on a deployment: several services of one kind on one host, and a PostgreSQL
database nobody migrated yet, on the real `podium` program (no traceback, ever)."""

from __future__ import annotations

import secrets
import socket

import pytest

from podium.common.observability.metrics import DEFAULT_PORTS
from podium.common.store import upgrade
from tests.integration.conftest import Deployment, own_database
from tests.support.podium_cli import Service, clean_env, podium
from tests.waiting import wait_for

pytestmark = pytest.mark.service


@pytest.fixture
def env(tmp_path, deployment: Deployment):
    upgrade(deployment.database_url)  # as an operator would have, once
    home = tmp_path / "home"
    home.mkdir()
    return clean_env(home, **deployment.env(f"first-hour-{secrets.token_hex(3)}:"))


@pytest.mark.parametrize("service", ["executor", "worker", "scheduler"])
def test_a_second_service_on_the_host_takes_the_next_management_port(env, service, tmp_path):
    default = DEFAULT_PORTS[service]
    ready = tmp_path / "ready"
    holder = socket.socket()  # the first service of this kind, as far as the port goes
    try:
        holder.bind(("127.0.0.1", default))
        holder.listen()
    except OSError:  # something else holds it already: just as taken
        holder.close()
    running = Service({**env, "PODIUM_READY_FILE": str(ready)}, service)
    try:
        line = running.line_with("management server on ")
        assert f"podium {service}: management port {default} in use, management server on " \
               "http://127.0.0.1:" in line
        assert not line.endswith(f":{default}")
        wait_for(ready.exists, 60, f"the second {service} to consume")  # it runs
    finally:
        code = running.stop()
        holder.close()
    assert code == 0, running.output
    assert "Traceback" not in running.output, running.output


def test_commands_on_a_database_nobody_migrated_say_to_run_db_upgrade(env, tmp_path):
    with own_database() as url:
        deployment = {**env, "PODIUM_DATABASE__URL": url}
        for command in (["execution", "list"], ["sys", "services"], ["webserver"]):
            result = podium(deployment, *command, timeout=60)
            assert result.returncode == 1, result.stdout
            assert "Traceback" not in result.stdout, result.stdout
            assert result.stdout.strip().splitlines()[-1].endswith(
                "has no Podium schema: run `podium db upgrade`"), result.stdout
        assert podium(deployment, "db", "upgrade").stdout.startswith("created the schema of ")
        listed = podium(deployment, "execution", "list")
        assert listed.returncode == 0 and "Traceback" not in listed.stdout, listed.stdout

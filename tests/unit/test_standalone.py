"""`podium server standalone`'s plan: the four commands, each on its own management port."""

from __future__ import annotations

from podium.standalone import component_commands, management_env


def test_four_components_with_the_api_address_and_worker_concurrency():
    commands = component_commands("0.0.0.0", 8080, 6)
    assert [command[3] for command in commands] == ["executor", "worker", "scheduler",
                                                     "webserver"]
    assert commands[1][4:] == ["--concurrency", "6"]
    assert commands[3][4:] == ["--host", "0.0.0.0", "--port", "8080"]
    assert [c[3] for c in component_commands("h", 1, None, with_webserver=False)] == \
        ["executor", "worker", "scheduler"]


def test_each_component_gets_its_default_management_port_unless_any_port_is_asked():
    commands = component_commands("h", 1, None)
    ports = [management_env(c, {"PODIUM_MANAGEMENT__PORT": "9999"})["PODIUM_MANAGEMENT__PORT"]
             for c in commands]
    assert ports == ["9101", "9102", "9103", "9104"]
    assert {management_env(c, {"PODIUM_MANAGEMENT__PORT": "0"})["PODIUM_MANAGEMENT__PORT"]
            for c in commands} == {"0"}

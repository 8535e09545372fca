"""docker-compose.yml: valid against the Compose specification, and a stack that starts in
order, scales its workers and is scraped by Prometheus."""

from __future__ import annotations

import copy

import pytest

from tests.deploy import compose_checks

pytestmark = pytest.mark.deploy_tools


def test_compose_file_validates_against_the_compose_spec(compose, compose_schema):
    assert compose_checks.schema_errors(compose, compose_schema) == []


@pytest.mark.parametrize("typo", ["depends_onn", "stop_grace_periode", "imgae"])
def test_a_misspelt_service_field_is_rejected(compose, compose_schema, typo):
    broken = copy.deepcopy(compose)
    broken["services"]["worker"][typo] = "x"
    errors = compose_checks.schema_errors(broken, compose_schema)
    assert any(typo in e and e.startswith("services/worker") for e in errors), errors


def test_a_wrong_depends_on_condition_is_rejected(compose, compose_schema):
    broken = copy.deepcopy(compose)
    broken["services"]["migrate"]["depends_on"]["postgres"]["condition"] = "service_ready"
    assert compose_checks.schema_errors(broken, compose_schema)


def test_every_podium_service_runs_the_one_image_with_its_command(compose):
    image = compose["x-podium"]["image"]
    for name, command in compose_checks.PODIUM_COMMANDS.items():
        service = compose["services"][name]
        assert service["image"] == image, name
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
        assert service["command"] == command, name


def test_every_podium_service_gets_the_shared_settings(compose):
    shared = compose["x-podium"]["environment"]
    assert shared["PODIUM_STORAGE__KIND"] == "s3"
    assert shared["PODIUM_MANAGEMENT__HOST"] == "0.0.0.0"
    for name in compose_checks.PODIUM_COMMANDS:
        env = compose["services"][name]["environment"]
        assert shared.items() <= env.items(), name


def test_worker_can_be_scaled(compose):
    worker = compose["services"]["worker"]
    assert "container_name" not in worker
    assert "ports" not in worker


def test_worker_stop_grace_exceeds_its_shutdown_grace(compose):
    worker = compose["services"]["worker"]
    shutdown = float(worker["environment"]["PODIUM_WORKER__SHUTDOWN_GRACE_SECONDS"])
    assert compose_checks.seconds(worker["stop_grace_period"]) > shutdown


def test_services_start_in_order(compose):
    services = compose["services"]
    assert compose_checks.dependency_problems(services) == []
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"
    for name in ("executor", "worker", "scheduler", "webserver"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["minio-init"]["condition"] == "service_completed_successfully", name


def test_postgres_has_a_healthcheck_and_one_shots_do_not_restart(compose):
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["migrate"]["restart"] == "no"
    assert services["minio-init"]["restart"] == "no"
    assert "mc mb" in " ".join(services["minio-init"]["command"])


def test_published_ports(compose):
    services = compose["services"]
    assert services["webserver"]["ports"] == ["8080:8080"]
    assert services["prometheus"]["ports"] == ["9090:9090"]
    assert services["grafana"]["ports"] == ["3000:3000"]


def test_dependency_check_catches_an_unknown_or_unhealthy_target():
    services = {"a": {"depends_on": {"b": {"condition": "service_healthy"},
                                     "c": {"condition": "service_started"}}},
                "b": {}}
    assert len(compose_checks.dependency_problems(services)) == 2


def test_durations():
    assert compose_checks.seconds("1m30s") == 90
    with pytest.raises(ValueError):
        compose_checks.seconds("90")

"""Prometheus scrapes every service of docker-compose.yml on its management port, and the
Grafana dashboard reads only metrics the services export."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.deploy import metric_names, paths

MANAGEMENT_PORTS = {"executor": 9101, "worker": 9102, "scheduler": 9103, "webserver": 9104}
PROMETHEUS = yaml.safe_load(paths.PROMETHEUS_CONFIG.read_text())
DASHBOARD = json.loads((paths.GRAFANA / "dashboards" / "podium.json").read_text())


def targets(job: dict) -> list[tuple[str, int]]:
    """(host, port) of every target of a scrape job, static or DNS-discovered."""
    found = [(host, int(port)) for static in job.get("static_configs", [])
             for host, port in (t.rsplit(":", 1) for t in static["targets"])]
    found += [(name, sd["port"]) for sd in job.get("dns_sd_configs", []) for name in sd["names"]]
    return found


def dashboard_queries(dashboard: dict) -> list[str]:
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    exprs += [v["query"]["query"] for v in dashboard["templating"]["list"]]
    return exprs


def test_every_scrape_job_targets_a_compose_service(compose):
    for job in PROMETHEUS["scrape_configs"]:
        hosts = targets(job)
        assert hosts, job["job_name"]
        for host, _ in hosts:
            assert host in compose["services"], (job["job_name"], host)


def test_every_service_is_scraped_on_its_management_port():
    scraped = {t for job in PROMETHEUS["scrape_configs"] for t in targets(job)}
    for service, port in MANAGEMENT_PORTS.items():
        assert (service, port) in scraped, service


def test_scaled_workers_are_found_by_dns():
    worker = next(j for j in PROMETHEUS["scrape_configs"] if j["job_name"] == "worker")
    assert worker["dns_sd_configs"][0] == {**worker["dns_sd_configs"][0], "names": ["worker"], "type": "A"}
    assert "static_configs" not in worker


def test_prometheus_and_grafana_mount_the_files_of_deploy(compose):
    mounts = compose["services"]["prometheus"]["volumes"] + compose["services"]["grafana"]["volumes"]
    for mount in mounts:
        source = mount.split(":")[0]
        if source.startswith("./"):
            assert (paths.REPO / source).exists(), source


def test_the_dashboard_reads_only_exported_metrics():
    queries = dashboard_queries(DASHBOARD)
    assert len(queries) > 10
    for expr in queries:
        assert metric_names.names_in(expr), expr
        assert metric_names.unknown_names(expr) == set(), expr


def test_the_dashboard_shows_what_operators_need():
    used = set().union(*map(metric_names.names_in, dashboard_queries(DASHBOARD)))
    for name in ("podium_executions_started_total", "podium_executions_ended_total",
                 "podium_execution_duration_seconds_bucket", "podium_queue_depth",
                 "podium_worker_slots", "podium_outbox_backlog",
                 "podium_scheduler_lag_seconds_bucket"):
        assert name in used, name
    assert any("histogram_quantile" in q for q in dashboard_queries(DASHBOARD))


@pytest.mark.parametrize("expr", [
    "sum(rate(podium_execution_started_total[5m]))",           # missing 's'
    "histogram_quantile(0.9, rate(podium_queue_depth_bucket[5m]))",  # not a histogram
])
def test_an_unknown_metric_name_is_caught(expr):
    assert metric_names.unknown_names(expr)


def test_panels_use_the_provisioned_datasource():
    provisioned = yaml.safe_load((paths.GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uid = provisioned["datasources"][0]["uid"]
    for panel in DASHBOARD["panels"]:
        assert panel["datasource"]["uid"] == uid, panel["title"]


def test_dashboards_provider_points_where_compose_mounts_them(compose):
    provider = yaml.safe_load((paths.GRAFANA / "provisioning" / "dashboards" / "podium.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    assert f"./deploy/grafana/dashboards:{path}:ro" in compose["services"]["grafana"]["volumes"]

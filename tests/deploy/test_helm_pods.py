"""What the chart's pods do: probes, grace periods, security, budgets, scaling, settings."""

from __future__ import annotations

import pytest

from tests.deploy import manifests
from tests.deploy.test_helm_render import MODES

pytestmark = pytest.mark.deploy_tools

MANAGEMENT_PORTS = {"executor": 9101, "worker": 9102, "scheduler": 9103, "webserver": 9104}
COMPONENTS = tuple(MANAGEMENT_PORTS)


@pytest.fixture(scope="module")
def renders(helm) -> dict[str, list[dict]]:
    return {mode: manifests.render(helm, values) for mode, values in MODES.items()}


def pod(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]


def container(deployment: dict) -> dict:
    [only] = pod(deployment)["containers"]
    return only


def env(deployment: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container(deployment).get("env", [])}


def port_number(c: dict, name_or_number) -> int:
    if isinstance(name_or_number, int):
        return name_or_number
    return next(p["containerPort"] for p in c["ports"] if p["name"] == name_or_number)


@pytest.mark.parametrize("component", COMPONENTS)
def test_probes_hit_healthz_and_readyz_on_the_management_port(renders, component):
    deployment = manifests.named(renders["defaults"], "Deployment", f"-{component}")
    c = container(deployment)
    live, ready = c["livenessProbe"]["httpGet"], c["readinessProbe"]["httpGet"]
    assert (live["path"], ready["path"]) == ("/healthz", "/readyz")
    port = MANAGEMENT_PORTS[component]
    assert port_number(c, live["port"]) == port_number(c, ready["port"]) == port
    assert env(deployment)["PODIUM_MANAGEMENT__PORT"] == str(port)
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(port)


def test_component_commands(renders):
    args = {c: container(manifests.named(renders["defaults"], "Deployment", f"-{c}"))["args"]
            for c in COMPONENTS}
    assert args == {"executor": ["executor"], "worker": ["worker"], "scheduler": ["scheduler"],
                    "webserver": ["webserver", "--host", "0.0.0.0", "--port", "8080"]}


def config_value(docs: list[dict], key: str) -> str:
    [configmap] = [d for d in manifests.of_kind(docs, "ConfigMap")
                   if "helm.sh/hook" not in d["metadata"].get("annotations", {})]
    return configmap["data"][key]


@pytest.mark.parametrize("mode,suffix", [("defaults", "-worker"), ("standalone", "-standalone")])
def test_worker_grace_exceeds_the_shutdown_grace(renders, mode, suffix):
    deployment = manifests.named(renders[mode], "Deployment", suffix)
    shutdown = float(config_value(renders[mode], "PODIUM_WORKER__SHUTDOWN_GRACE_SECONDS"))
    assert pod(deployment)["terminationGracePeriodSeconds"] > shutdown


@pytest.mark.parametrize("mode", sorted(MODES))
def test_nothing_runs_as_root(renders, mode):
    pods = [d["spec"]["template"]["spec"] for d in renders[mode] if d["kind"] in ("Deployment", "Job")]
    assert pods
    for spec in pods:
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        assert spec["automountServiceAccountToken"] is False
        for c in spec["containers"]:
            assert c["securityContext"]["runAsNonRoot"] is True
            assert c["securityContext"]["allowPrivilegeEscalation"] is False


@pytest.mark.parametrize("component", ["executor", "worker"])
def test_disruption_budget_selects_the_component_pods(renders, component):
    docs = renders["defaults"]
    budget = manifests.named(docs, "PodDisruptionBudget", f"-{component}")
    selector = budget["spec"]["selector"]["matchLabels"]
    for deployment in manifests.of_kind(docs, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selected = selector.items() <= labels.items()
        assert selected == deployment["metadata"]["name"].endswith(f"-{component}")


def test_standalone_is_one_deployment_behind_the_api_service(renders):
    docs = renders["standalone"]
    [deployment] = manifests.of_kind(docs, "Deployment")
    assert container(deployment)["args"] == ["server", "standalone"]
    assert not manifests.of_kind(docs, "PodDisruptionBudget")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = manifests.named(docs, "Service", "podium")
    assert service["spec"]["selector"].items() <= labels.items()
    ports = {p["name"]: p["containerPort"] for p in container(deployment)["ports"]}
    assert {ports[f"mgmt-{c}"] for c in COMPONENTS} == set(MANAGEMENT_PORTS.values())


def test_standalone_probes_check_every_management_server(renders):
    deployment = manifests.of_kind(renders["standalone"], "Deployment")[0]
    for probe, path in (("livenessProbe", "healthz"), ("readinessProbe", "readyz")):
        command = container(deployment)[probe]["exec"]["command"]
        assert command[3] == path
        assert command[4:] == [str(p) for p in MANAGEMENT_PORTS.values()]


def test_webserver_service_reaches_the_api_port(renders):
    docs = renders["defaults"]
    service = manifests.named(docs, "Service", "podium")
    webserver = manifests.named(docs, "Deployment", "-webserver")
    assert service["spec"]["selector"].items() <= webserver["spec"]["template"]["metadata"]["labels"].items()
    assert port_number(container(webserver), service["spec"]["ports"][0]["targetPort"]) == 8080


def test_keda_scales_workers_on_their_redis_list(renders):
    docs = renders["keda"]
    [scaled] = manifests.of_kind(docs, "ScaledObject")
    worker = manifests.named(docs, "Deployment", "-worker")
    assert scaled["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "redis"
    # the group's queue, under the broker's key prefix: what the workers consume
    assert trigger["metadata"]["listName"] == "prod:podium.worker.gpu"
    assert trigger["metadata"]["address"] == "redis:6379"
    assert trigger["metadata"]["listLength"] == "5"
    assert "replicas" not in worker["spec"]  # KEDA owns the count; an upgrade must not reset it
    assert env(worker)["PODIUM_WORKER__GROUP"] == "gpu"


def test_no_scaledobject_unless_keda_is_on(renders):
    assert not manifests.of_kind(renders["defaults"], "ScaledObject")
    assert not manifests.of_kind(renders["standalone"], "ScaledObject")


def test_existing_secret_replaces_the_charts(renders):
    docs = renders["existing-secret"]
    assert not manifests.of_kind(docs, "Secret")
    for d in manifests.of_kind(docs, "Deployment") + manifests.of_kind(docs, "Job"):
        secret_refs = [s["secretRef"]["name"] for s in d["spec"]["template"]["spec"]["containers"][0]["envFrom"]
                       if "secretRef" in s]
        assert secret_refs == ["podium-settings"], d["metadata"]["name"]
    trigger = manifests.of_kind(docs, "ScaledObject")[0]["spec"]["triggers"][0]
    assert trigger["metadata"]["address"] == "redis.data:6379"
    assert trigger["authenticationRef"] == {"name": "redis-auth"}


def test_secret_settings_stay_out_of_the_configmap(renders):
    docs = renders["defaults"]
    secret_keys = set(manifests.named(docs, "Secret", "podium")["stringData"])
    assert {"PODIUM_DATABASE__URL", "PODIUM_BROKER__URL"} <= secret_keys
    for configmap in manifests.of_kind(docs, "ConfigMap"):
        assert not secret_keys & set(configmap["data"])


def test_migration_runs_as_a_hook_before_install_and_upgrade(renders):
    docs = renders["defaults"]
    job = manifests.named(docs, "Job", "-migrate")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert container(job)["args"] == ["db", "upgrade"]
    # the settings it reads are hooks too, created before it (a lower weight)
    refs = {next(iter(s.values()))["name"] for s in container(job)["envFrom"]}
    hooks = [d for d in docs if d["kind"] in ("ConfigMap", "Secret") and d["metadata"]["name"] in refs]
    assert len(hooks) == 2
    for hook in hooks:
        assert int(hook["metadata"]["annotations"]["helm.sh/hook-weight"]) < \
            int(job["metadata"]["annotations"]["helm.sh/hook-weight"])


def test_servicemonitor_endpoints_name_container_ports(renders):
    for mode in ("standalone", "existing-secret"):
        docs = renders[mode]
        [monitor] = manifests.of_kind(docs, "ServiceMonitor")
        metrics = manifests.named(docs, "Service", "-metrics")
        assert monitor["spec"]["selector"]["matchLabels"].items() <= metrics["metadata"]["labels"].items()
        container_ports = {p["name"] for d in manifests.of_kind(docs, "Deployment") for p in container(d)["ports"]}
        for endpoint in monitor["spec"]["endpoints"]:
            assert endpoint["port"] in {p["name"] for p in metrics["spec"]["ports"]}
            assert endpoint["port"] in container_ports

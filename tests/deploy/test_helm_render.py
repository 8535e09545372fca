"""The Helm chart lints, renders in each mode, and every manifest it renders would be
accepted by a Kubernetes 1.33 API server (and KEDA / the Prometheus Operator)."""

from __future__ import annotations

import copy

import pytest

from tests.deploy import manifests, paths

pytestmark = pytest.mark.deploy_tools

# The configurations the chart supports; each is rendered and validated whole.
MODES = {
    "defaults": {},
    "standalone": {"standalone.enabled": "true", "metrics.serviceMonitor.enabled": "true"},
    "keda": {"worker.autoscaling.keda.enabled": "true", "worker.group": "gpu",
             "config.brokerKeyPrefix": "prod:"},
    "existing-secret": {"secrets.existingSecret": "podium-settings",
                        "metrics.serviceMonitor.enabled": "true",
                        "worker.autoscaling.keda.enabled": "true",
                        "worker.autoscaling.keda.redis.address": "redis.data:6379",
                        "worker.autoscaling.keda.redis.authenticationRef": "redis-auth"},
}


@pytest.fixture(scope="module", params=sorted(MODES))
def rendered(request, helm) -> list[dict]:
    return manifests.render(helm, MODES[request.param])


def test_chart_lints(helm):
    output = manifests.helm(helm, "lint", "--strict", str(paths.CHART))
    assert "0 chart(s) failed" in output


def test_chart_lints_in_every_mode(helm):
    for values in MODES.values():
        manifests.helm(helm, "lint", "--strict", str(paths.CHART), *manifests.set_args(values))


def test_every_rendered_manifest_validates(rendered):
    assert rendered
    problems = {f"{d['kind']}/{d['metadata']['name']}": manifests.errors(d) for d in rendered}
    assert {name: p for name, p in problems.items() if p} == {}


def test_no_rbac_and_no_service_account_token(rendered):
    kinds = {d["kind"] for d in rendered}
    assert not kinds & {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}
    for account in manifests.of_kind(rendered, "ServiceAccount"):
        assert account["automountServiceAccountToken"] is False


# The validators must refuse what the API server refuses; otherwise the test above is empty.

def test_an_unknown_container_field_is_rejected(helm):
    deployment = manifests.named(manifests.render(helm), "Deployment", "-worker")
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    assert any("livenesProbe" in e for e in manifests.errors(broken))


def test_a_wrongly_typed_field_is_rejected(helm):
    deployment = manifests.named(manifests.render(helm), "Deployment", "-executor")
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "9101"
    assert manifests.errors(broken)


def test_a_scaledobject_with_a_typo_or_no_list_is_rejected(helm):
    scaled = manifests.of_kind(manifests.render(helm, MODES["keda"]), "ScaledObject")[0]
    typo = copy.deepcopy(scaled)
    typo["spec"]["maxReplicasCount"] = 3
    assert manifests.errors(typo)
    no_list = copy.deepcopy(scaled)
    del no_list["spec"]["triggers"][0]["metadata"]["listName"]
    assert any("listName" in e for e in manifests.errors(no_list))
    number = copy.deepcopy(scaled)
    number["spec"]["triggers"][0]["metadata"]["listLength"] = 5  # KEDA metadata are strings
    assert manifests.errors(number)


def test_a_worker_grace_shorter_than_its_drain_is_refused_at_render(helm):
    with pytest.raises(manifests.RenderError, match="must exceed worker.shutdownGraceSeconds"):
        manifests.render(helm, {"worker.shutdownGraceSeconds": "120"})


def test_an_empty_database_url_is_refused_at_render(helm):
    with pytest.raises(manifests.RenderError, match="secrets.databaseUrl is required"):
        manifests.render(helm, {"secrets.databaseUrl": ""})

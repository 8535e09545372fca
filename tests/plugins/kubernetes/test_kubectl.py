"""The kubectl tasks against the local API server of Kubernetes' REST shape (conftest): the
requests Podium sends (paths, server-side apply parameters, content type, credentials), the
outputs as Kestra shapes them, errors named clearly, the token masked."""

from __future__ import annotations

import base64

from podium.common.models.state import State
from tests.plugins.kubernetes.conftest import TOKEN
from tests.plugins.notifications.flows import messages, run

SPEC = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: "{{ flow.id }}"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: mypod
  labels:
    app: mypod
spec:
  replicas: 1
  selector:
    matchLabels:
      app: mypod
  template:
    metadata:
      labels:
        app: mypod
    spec:
      containers:
        - name: app
          image: nginx:stable-alpine
---
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
"""


def flow(url: str, tasks: str, flow_id: str = "k8s") -> str:
    connection = (f"    connection:\n      masterUrl: \"{url}\"\n"
                  "      oauthToken: \"{{ secret('K8S_TOKEN') }}\"\n")
    return f"id: {flow_id}\nnamespace: company.team\ntasks:\n" + tasks.replace(
        "CONNECTION\n", connection)


def indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def sent(apiserver, method: str) -> list[dict]:
    return [r for r in apiserver.requests if r["method"] == method]


def test_apply_sends_a_server_side_apply_per_document(runtime, apiserver):
    tasks = ("  - id: apply\n    type: io.kestra.plugin.kubernetes.kubectl.Apply\nCONNECTION\n"
             "    namespace: prod\n    spec: |\n" + indent(SPEC, 6))
    final, runs = run(runtime, flow(apiserver.url, tasks))
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    patches = sent(apiserver, "PATCH")
    assert [p["path"] for p in patches] == [
        "/api/v1/namespaces/prod/configmaps/settings",
        "/apis/apps/v1/namespaces/prod/deployments/mypod",
        "/api/v1/namespaces/team-a"]  # cluster-scoped: no namespace in the path
    for patch in patches:
        assert patch["query"] == {"fieldManager": "fabric8", "force": "true"}
        assert patch["headers"]["Content-Type"] == "application/apply-patch+yaml"
        assert patch["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert patches[0]["body"] == {"apiVersion": "v1", "kind": "ConfigMap",
                                  "metadata": {"name": "settings", "namespace": "prod"},
                                  "data": {"color": "k8s"}}  # the spec is rendered
    assert "namespace" not in patches[2]["body"]["metadata"]
    # discovery once per group version
    assert [r["path"] for r in sent(apiserver, "GET")] == ["/api/v1", "/apis/apps/v1"]
    metadata = runs["apply"].outputs["metadata"]
    assert [m["name"] for m in metadata] == ["settings", "mypod", "team-a"]
    assert metadata[1] == {
        "uid": "uid-mypod", "name": "mypod", "namespace": "prod", "clusterName": "mypod",
        "labels": {"app": "mypod"}, "creationTimestamp": "2024-05-01T10:00:00Z",
        "generation": 1, "managedFields": [{"manager": "fabric8", "operation": "Apply",
                                            "apiVersion": "apps/v1"}],
        "resourceVersion": "102"}
    assert all(TOKEN not in line for line in messages(runtime, final.id))


def test_apply_waits_until_ready(runtime, apiserver):
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: worker\n  namespace: jobs\n"
           "spec:\n  containers:\n    - name: main\n      image: busybox\n")
    tasks = ("  - id: apply\n    type: io.kestra.plugin.kubernetes.kubectl.Apply\nCONNECTION\n"
             "    waitUntilReady: PT10S\n    spec: |\n" + indent(pod, 6))
    final, runs = run(runtime, flow(apiserver.url, tasks))
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert [r["path"] for r in apiserver.requests] == [
        "/api/v1", "/api/v1/namespaces/jobs/pods/worker", "/api/v1/namespaces/jobs/pods/worker"]
    assert runs["apply"].outputs["metadata"][0]["namespace"] == "jobs"
    assert any("is ready" in line for line in messages(runtime, final.id))


def seed(apiserver) -> None:
    for name, phase in (("web-1", "Running"), ("web-2", "Pending")):
        apiserver.objects[("v1", "pods", "default", name)] = {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "uid": f"u-{name}",
                         "creationTimestamp": "2024-05-01T10:00:00Z"},
            "status": {"phase": phase}}
    apiserver.objects[("v1", "pods", "other", "elsewhere")] = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "elsewhere"}}


def test_get_fetch_lists_the_namespace(runtime, apiserver):
    seed(apiserver)
    tasks = ("  - id: get\n    type: io.kestra.plugin.kubernetes.kubectl.Get\nCONNECTION\n"
             "    namespace: default\n    resourceType: pods\n    fetchType: FETCH\n")
    final, runs = run(runtime, flow(apiserver.url, tasks))
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert [r["path"] for r in apiserver.requests] == ["/api/v1/namespaces/default/pods"]
    outputs = runs["get"].outputs
    assert outputs["size"] == 2
    assert [m["name"] for m in outputs["metadataItems"]] == ["web-1", "web-2"]
    assert outputs["statusItems"] == [{"status": {"phase": "Running"}},
                                      {"status": {"phase": "Pending"}}]
    assert outputs["metadataItems"][0] == {
        "uid": "u-web-1", "name": "web-1", "namespace": "default", "clusterName": "web-1",
        "creationTimestamp": "2024-05-01T10:00:00Z"}


def test_get_fetch_one_by_name_skips_a_missing_one(runtime, apiserver):
    seed(apiserver)
    tasks = ("  - id: get\n    type: io.kestra.plugin.kubernetes.kubectl.Get\nCONNECTION\n"
             "    resourceType: Pod\n    resourcesNames:\n      - ghost\n      - web-2\n"
             "    fetchType: FETCH_ONE\n"
             "  - id: log\n    type: io.kestra.plugin.core.log.Log\n"
             "    message: \"phase={{ outputs.get.statusItem.status.phase }}\"\n")
    final, runs = run(runtime, flow(apiserver.url, tasks))
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert [r["path"] for r in apiserver.requests] == [
        "/api/v1/namespaces/default/pods/ghost", "/api/v1/namespaces/default/pods/web-2"]
    assert runs["get"].outputs["size"] == 1
    assert runs["get"].outputs["metadataItem"]["name"] == "web-2"
    lines = messages(runtime, final.id)
    assert "phase=Pending" in lines
    assert any("'ghost' not found in namespace 'default'" in line for line in lines)


def test_get_store_writes_metadata_and_status_rows(runtime, apiserver):
    seed(apiserver)
    tasks = ("  - id: get\n    type: io.kestra.plugin.kubernetes.kubectl.Get\nCONNECTION\n"
             "    resourceType: pods\n    fetchType: STORE\n"
             "  - id: log\n    type: io.kestra.plugin.core.log.Log\n"
             "    message: \"{{ read(outputs.get.uri) }}\"\n")
    final, runs = run(runtime, flow(apiserver.url, tasks))
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert runs["get"].outputs["size"] == 2
    stored = [line for line in messages(runtime, final.id) if "web-1" in line][0]
    assert stored.count("metadata:") == 2 and 'phase:"Running"' in stored


def test_get_custom_resource_path_and_none_output(runtime, apiserver):
    tasks = ("  - id: get\n    type: io.kestra.plugin.kubernetes.kubectl.Get\nCONNECTION\n"
             "    resourceType: Shirt\n    apiGroup: stable.example.com\n    apiVersion: v1\n")
    final, runs = run(runtime, flow(apiserver.url, tasks))
    # the fake server serves no such group: a 404 on the list is the API's answer
    assert final.state is State.FAILED
    assert apiserver.requests[0]["path"] == \
        "/apis/stable.example.com/v1/namespaces/default/shirts"
    assert any("GET /apis/stable.example.com/v1/namespaces/default/shirts: 404 Not Found"
               in line for line in messages(runtime, final.id))


def test_delete_by_names_from_an_expression(runtime, apiserver):
    seed(apiserver)
    tasks = ("  - id: delete\n    type: io.kestra.plugin.kubernetes.kubectl.Delete\n"
             "CONNECTION\n    resourceType: pods\n"
             "    resourcesNames: \"{{ ['web-1', 'ghost'] }}\"\n")
    final, runs = run(runtime, flow(apiserver.url, tasks))
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert [(r["method"], r["path"]) for r in apiserver.requests] == [
        ("DELETE", "/api/v1/namespaces/default/pods/web-1"),
        ("DELETE", "/api/v1/namespaces/default/pods/ghost")]
    assert ("v1", "pods", "default", "web-1") not in apiserver.objects
    assert ("v1", "pods", "default", "web-2") in apiserver.objects
    assert not runs["delete"].outputs


def test_basic_auth_and_a_refused_token(runtime, apiserver):
    apiserver.basic = ("admin", "pa55word")
    tasks = (f"  - id: get\n    type: io.kestra.plugin.kubernetes.kubectl.Get\n"
             f"    connection:\n      masterUrl: \"{apiserver.url}\"\n"
             "      username: admin\n      password: pa55word\n"
             "    resourceType: pods\n    fetchType: FETCH\n"
             "  - id: refused\n    type: io.kestra.plugin.kubernetes.kubectl.Get\nCONNECTION\n"
             "    resourceType: pods\n")
    final, runs = run(runtime, flow(apiserver.url, tasks))
    assert runs["get"].outputs["size"] == 0
    raw = base64.b64encode(b"admin:pa55word").decode()
    assert apiserver.requests[0]["headers"]["Authorization"] == f"Basic {raw}"
    assert final.state is State.FAILED
    lines = messages(runtime, final.id)
    assert any("GET /api/v1/namespaces/default/pods: 401 Unauthorized" in line
               for line in lines)
    assert all(TOKEN not in line and "pa55word" not in line for line in lines)


def test_bad_input_is_named(runtime, apiserver):
    tasks = ("  - id: apply\n    type: io.kestra.plugin.kubernetes.kubectl.Apply\nCONNECTION\n"
             "    spec: |\n      kind: ConfigMap\n      metadata:\n        name: x\n")
    final, _ = run(runtime, flow(apiserver.url, tasks))
    assert final.state is State.FAILED
    assert any("spec: document 1 is not a Kubernetes resource" in line
               for line in messages(runtime, final.id))
    assert apiserver.requests == []


def test_unreachable_or_refused_server(runtime, apiserver):
    tasks = ("  - id: guarded\n    type: io.kestra.plugin.kubernetes.kubectl.Get\n"
             "    allowFailure: true\n"
             "    connection:\n      masterUrl: http://10.0.0.1:6443\n"
             "    resourceType: pods\n"
             "  - id: get\n    type: io.kestra.plugin.kubernetes.kubectl.Get\n"
             "    connection:\n      masterUrl: http://127.0.0.1:9\n"
             "    resourceType: pods\n")
    final, runs = run(runtime, flow(apiserver.url, tasks))
    lines = messages(runtime, final.id)
    assert final.state is State.FAILED
    assert runs["guarded"].state is State.WARNING
    assert any("Kubernetes API server http://10.0.0.1:6443" in line and "10.0.0.1" in line
               for line in lines), lines
    assert any("cannot reach the Kubernetes API server at http://127.0.0.1:9" in line
               for line in lines), lines


def deployment(apiserver, replicas: int = 3) -> None:
    apiserver.objects[("apps/v1", "deployments", "production", "my-api")] = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "my-api", "namespace": "production", "uid": "u-api",
                     "annotations": {"deprecated-annotation": "x", "keep": "y"}},
        "spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": "api"}}}},
        "status": {"readyReplicas": replicas}}


def test_patch_in_each_strategy(runtime, apiserver):
    deployment(apiserver)
    patch = ("  - id: {id}\n    type: io.kestra.plugin.kubernetes.kubectl.Patch\nCONNECTION\n"
             "    namespace: production\n    resourceType: deployment\n"
             "    resourceName: my-api\n    apiGroup: apps\n{extra}    patch: '{patch}'\n")
    tasks = (patch.format(id="scale", extra="    patchStrategy: JSON_PATCH\n",
                          patch='[{"op": "test", "path": "/spec/replicas", "value": 3}, '
                                '{"op": "replace", "path": "/spec/replicas", "value": 5}]')
             + patch.format(id="unannotate", extra="    patchStrategy: JSON_MERGE\n",
                            patch='{"metadata": {"annotations": '
                                  '{"deprecated-annotation": null}}}')
             + patch.format(id="label", extra="",
                            patch='{"metadata": {"labels": {"team": "{{ flow.id }}"}}}'))
    final, runs = run(runtime, flow(apiserver.url, tasks))
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert [(r["path"], r["headers"]["Content-Type"]) for r in apiserver.requests] == [
        ("/apis/apps/v1/namespaces/production/deployments/my-api", ctype)
        for ctype in ("application/json-patch+json", "application/merge-patch+json",
                      "application/strategic-merge-patch+json")]
    assert apiserver.requests[2]["body"] == {"metadata": {"labels": {"team": "k8s"}}}
    stored = apiserver.objects[("apps/v1", "deployments", "production", "my-api")]
    assert stored["spec"]["replicas"] == 5
    assert stored["metadata"]["annotations"] == {"keep": "y"}
    assert runs["label"].outputs["metadata"]["labels"] == {"team": "k8s"}
    assert runs["label"].outputs["status"] == {"status": {"readyReplicas": 3}}


def test_patch_refuses_a_failed_test_and_bad_json(runtime, apiserver):
    deployment(apiserver, replicas=2)
    tasks = ("  - id: bad\n    type: io.kestra.plugin.kubernetes.kubectl.Patch\n"
             "    allowFailure: true\nCONNECTION\n    namespace: production\n"
             "    resourceType: deployments\n    resourceName: my-api\n    apiGroup: apps\n"
             "    patch: 'not json'\n"
             "  - id: scale\n    type: io.kestra.plugin.kubernetes.kubectl.Patch\nCONNECTION\n"
             "    namespace: production\n    resourceType: deployments\n"
             "    resourceName: my-api\n    apiGroup: apps\n    patchStrategy: JSON_PATCH\n"
             "    patch: '[{\"op\": \"test\", \"path\": \"/spec/replicas\", \"value\": 3}]'\n")
    final, runs = run(runtime, flow(apiserver.url, tasks))
    lines = messages(runtime, final.id)
    assert runs["bad"].state is State.WARNING and final.state is State.FAILED
    assert any(line.startswith("patch is not valid JSON") for line in lines), lines
    assert any("422 Unprocessable Entity: the test operation on /spec/replicas failed"
               in line for line in lines), lines


def test_restart_annotates_the_pod_templates(runtime, apiserver):
    deployment(apiserver)
    apiserver.objects[("apps/v1", "deployments", "production", "worker")] = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "worker", "namespace": "production"}, "spec": {}}
    tasks = ("  - id: restart\n    type: io.kestra.plugin.kubernetes.kubectl.Restart\n"
             "CONNECTION\n    namespace: production\n    resourceType: Deployment\n"
             "    resourcesNames: [my-api, worker]\n")
    final, _ = run(runtime, flow(apiserver.url, tasks))
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert [r["path"] for r in apiserver.requests] == [
        "/apis/apps/v1/namespaces/production/deployments/my-api",
        "/apis/apps/v1/namespaces/production/deployments/worker"]
    annotations = apiserver.objects[("apps/v1", "deployments", "production", "my-api")][
        "spec"]["template"]["metadata"]
    assert annotations["labels"] == {"app": "api"}  # merged, not replaced
    stamp = annotations["annotations"]["kubectl.kubernetes.io/restartedAt"]
    assert stamp.endswith("Z") and stamp[:4].isdigit()
    assert {r["headers"]["Content-Type"] for r in apiserver.requests} == {
        "application/strategic-merge-patch+json"}

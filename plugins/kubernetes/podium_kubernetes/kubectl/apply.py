"""io.kestra.plugin.kubernetes.kubectl.Apply: server-side apply of YAML manifests."""

from __future__ import annotations

from typing import Any, ClassVar

import yaml

from podium.sdk import RunContext, Task, TaskFailure
from podium_kubernetes.api import FIELD_MANAGER, KubeApi, connect
from podium_kubernetes.examples import APPLY
from podium_kubernetes.kubectl.base import KubectlProperties, required_text
from podium_kubernetes.models import metadata


class Apply(KubectlProperties, Task):
    """Applies one or more manifests (`spec`: YAML or JSON, documents separated by `---`)
    with server-side apply, as Kestra does, then optionally waits (`waitUntilReady`) until
    each resource has the condition Ready=True. A resource without `metadata.namespace`
    goes to the task's `namespace`; a cluster-scoped kind (found by the API server's
    discovery) to none. Outputs `metadata`: the applied resources' metadata, in order.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.kubernetes.kubectl.Apply"
    EXAMPLES = APPLY

    spec: str

    def run(self, ctx: RunContext) -> dict[str, Any]:
        namespace = self.rendered_namespace(ctx)
        wait = self.wait_seconds(ctx)
        resources = parse_spec(required_text(ctx, self.spec, "spec"))
        applied = []
        with connect(ctx, self.connection, bool(self.inherit_cluster_config)) as api:
            for resource in resources:
                result = apply_one(ctx, api, resource, namespace, wait)
                applied.append(metadata(result))
        return {"metadata": applied}


def parse_spec(text: str) -> list[dict[str, Any]]:
    try:
        documents = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        raise TaskFailure(f"spec is not valid YAML: {exc}") from None
    resources: list[dict[str, Any]] = []
    for number, doc in enumerate(documents, 1):
        # a `kind: List` (kubectl get -o yaml) holds its resources in `items`
        items = doc.get("items") if isinstance(doc, dict) and doc.get("kind", "").endswith(
            "List") else [doc]
        for item in items or ():
            if not isinstance(item, dict) or not item.get("apiVersion") or not item.get("kind"):
                raise TaskFailure(f"spec: document {number} is not a Kubernetes resource "
                                  "(apiVersion and kind are required)")
            if not (item.get("metadata") or {}).get("name"):
                raise TaskFailure(f"spec: the {item['kind']} of document {number} has no "
                                  "metadata.name")
            resources.append(item)
    if not resources:
        raise TaskFailure("spec holds no resource to apply")
    return resources


def apply_one(ctx: RunContext, api: KubeApi, resource: dict[str, Any], namespace: str,
              wait: float) -> dict[str, Any]:
    kind = api.resource_type(resource["apiVersion"], resource["kind"])
    body = dict(resource)
    meta = dict(body.get("metadata") or {})
    meta.pop("resourceVersion", None)  # fabric8's unlock(): apply whatever the version
    target = None
    if kind.namespaced:
        target = meta.get("namespace") or namespace
        meta["namespace"] = target
    body["metadata"] = meta
    name = meta["name"]
    # JSON is YAML: the apply-patch content type takes either.
    result = api.request("PATCH", kind.path(target, name),
                         params={"fieldManager": FIELD_MANAGER, "force": "true"},
                         body=body, content_type="application/apply-patch+yaml")
    ctx.log("INFO", f"Applied resource: {resource['kind']} {name}"
                    + (f" in namespace {target}" if target else ""))
    if wait > 0:
        result = api.wait_until_ready(ctx, kind, target, name, wait)
    return result

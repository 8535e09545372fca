"""io.kestra.plugin.kubernetes.kubectl.Get: resources of one kind in a namespace."""

from __future__ import annotations

import io
from typing import Any, ClassVar, Literal

from podium.sdk import Expr, RunContext, Task
from podium.sdk.ion import write_ion
from podium_kubernetes.api import KubeApi, ResourceType, connect, plural_of
from podium_kubernetes.examples import GET
from podium_kubernetes.kubectl.base import KubectlProperties, names, optional_text, required_text
from podium_kubernetes.models import metadata, status


class Get(KubectlProperties, Task):
    """Reads the resources of `resourceType` (a kind or its plural, case-insensitive) in
    `namespace`: all of them, or those of `resourcesNames` (a missing one is skipped with a
    WARN line). `apiGroup` (empty: the core group) and `apiVersion` (default v1) locate the
    kind. `fetchType`: NONE (default; no output), FETCH (`metadataItems`, `statusItems`,
    `size`), FETCH_ONE (`metadataItem`, `statusItem`, `size`) or STORE (`uri` of an ION file
    of `{metadata, status}` rows, `size`). With `waitUntilReady`, each named resource is
    awaited until Ready=True. Metric `fetch.size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.kubernetes.kubectl.Get"
    EXAMPLES = GET

    resource_type: str
    resources_names: list[str] | Expr | None = None
    api_group: str | None = None
    api_version: str | None = None
    fetch_type: Literal["NONE", "FETCH", "FETCH_ONE", "STORE"] | Expr = "NONE"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        namespace = self.rendered_namespace(ctx)
        kind = ResourceType(optional_text(ctx, self.api_group, ""),
                            optional_text(ctx, self.api_version, "v1"),
                            plural_of(required_text(ctx, self.resource_type, "resourceType")))
        wanted = names(ctx, self.resources_names, "resourcesNames")
        wait = self.wait_seconds(ctx)
        with connect(ctx, self.connection, bool(self.inherit_cluster_config)) as api:
            found = fetch(ctx, api, kind, namespace, wanted, wait)
        ctx.log("INFO", f"Fetched {len(found)} resource(s) of kind '{kind.plural}' in "
                        f"namespace '{namespace}'")
        return outputs(ctx, str(self.fetch_type), found)


def fetch(ctx: RunContext, api: KubeApi, kind: ResourceType, namespace: str,
          wanted: list[str], wait: float) -> list[dict[str, Any]]:
    if not wanted:
        listed = api.request("GET", kind.path(namespace)) or {}
        return [item for item in listed.get("items") or () if item.get("metadata")]
    found = []
    for name in wanted:
        resource = api.request("GET", kind.path(namespace, name), missing_ok=True)
        if resource is None:
            ctx.log("WARN", f"Resource of kind '{kind.plural}' with name '{name}' not found "
                            f"in namespace '{namespace}'")
            continue
        if wait > 0:
            resource = api.wait_until_ready(ctx, kind, namespace, name, wait)
        found.append(resource)
    return found


def outputs(ctx: RunContext, fetch_type: str, found: list[dict[str, Any]]) -> dict[str, Any]:
    size = len(found)
    tags = {"fetch": "true", "store": "false"}
    result: dict[str, Any]
    if fetch_type == "FETCH":
        result = {"metadataItems": [metadata(r) for r in found],
                  "statusItems": [status(r) for r in found], "size": size}
    elif fetch_type == "FETCH_ONE":
        result = {"metadataItem": metadata(found[0]) if found else None,
                  "statusItem": status(found[0]) if found else None, "size": size}
    elif fetch_type == "STORE":
        result = {"uri": store(ctx, found), "size": size}
        tags = {"fetch": "false", "store": "true"}
    else:
        result, size, tags = {}, 0, {"fetch": "false", "store": "false"}
    ctx.metric({"name": "fetch.size", "type": "counter", "value": size, "tags": tags})
    return result


def store(ctx: RunContext, found: list[dict[str, Any]]) -> str:
    path = ctx.working_dir / "resources.ion"
    with io.open(path, "w", encoding="utf-8") as out:
        for resource in found:
            write_ion(out, {"metadata": metadata(resource), "status": status(resource)})
    return ctx.put_file(path)

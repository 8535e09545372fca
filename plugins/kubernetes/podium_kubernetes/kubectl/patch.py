"""io.kestra.plugin.kubernetes.kubectl.Patch: one named resource, three patch types."""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from podium.sdk import Expr, RunContext, Task, TaskFailure
from podium_kubernetes.api import ResourceType, connect, plural_of
from podium_kubernetes.examples import PATCH
from podium_kubernetes.kubectl.base import KubectlProperties, optional_text, required_text
from podium_kubernetes.models import metadata, status

CONTENT_TYPES = {"STRATEGIC_MERGE": "application/strategic-merge-patch+json",
                 "JSON_MERGE": "application/merge-patch+json",
                 "JSON_PATCH": "application/json-patch+json"}


class Patch(KubectlProperties, Task):
    """Patches the resource `resourceName` of `resourceType` (a kind or its plural,
    case-insensitive; namespaced kinds) in `namespace` with `patch`, JSON in the form of
    `patchStrategy`: STRATEGIC_MERGE (default; an object, merged the Kubernetes way),
    JSON_MERGE (an object, RFC 7386: null removes a field) or JSON_PATCH (a list of RFC 6902
    operations). `apiGroup` (empty: core) and `apiVersion` (default v1) locate the kind;
    `waitUntilReady` waits for Ready=True afterwards. Outputs `metadata` and `status` of
    the patched resource."""

    TYPE: ClassVar[str] = "io.kestra.plugin.kubernetes.kubectl.Patch"
    EXAMPLES = PATCH

    resource_type: str
    resource_name: str
    patch: str
    patch_strategy: Literal["STRATEGIC_MERGE", "JSON_MERGE", "JSON_PATCH"] | Expr = \
        "STRATEGIC_MERGE"
    api_group: str | None = None
    api_version: str | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        namespace = self.rendered_namespace(ctx)
        kind = ResourceType(optional_text(ctx, self.api_group, ""),
                            optional_text(ctx, self.api_version, "v1"),
                            plural_of(required_text(ctx, self.resource_type, "resourceType")))
        name = required_text(ctx, self.resource_name, "resourceName")
        strategy = str(self.patch_strategy)
        body = patch_body(required_text(ctx, self.patch, "patch"), strategy)
        wait = self.wait_seconds(ctx)
        ctx.log("INFO", f"Patching {kind.plural} '{name}' in namespace '{namespace}' using "
                        f"{strategy} strategy")
        with connect(ctx, self.connection, bool(self.inherit_cluster_config)) as api:
            patched = api.request("PATCH", kind.path(namespace, name), body=body,
                                  content_type=CONTENT_TYPES[strategy])
            if wait > 0:
                patched = api.wait_until_ready(ctx, kind, namespace, name, wait)
        ctx.log("INFO", f"Successfully patched {kind.plural} '{name}'")
        return {"metadata": metadata(patched), "status": status(patched)}


def patch_body(text: str, strategy: str) -> Any:
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise TaskFailure(f"patch is not valid JSON: {exc}") from None
    wanted = list if strategy == "JSON_PATCH" else dict
    if not isinstance(body, wanted):
        raise TaskFailure(f"patch: {strategy} takes a JSON "
                          f"{'array of operations' if wanted is list else 'object'}")
    return body

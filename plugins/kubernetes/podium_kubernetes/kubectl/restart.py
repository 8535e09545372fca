"""io.kestra.plugin.kubernetes.kubectl.Restart: a rolling restart, as kubectl rollout
restart does it."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import ClassVar, Literal

from podium.sdk import Expr, RunContext, Task
from podium_kubernetes.api import ResourceType, connect
from podium_kubernetes.examples import RESTART
from podium_kubernetes.kubectl.base import KubectlProperties, names

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


class Restart(KubectlProperties, Task):
    """Restarts the Deployments or StatefulSets (`resourceType`) `resourcesNames` of
    `namespace`: their pod template gets the annotation
    `kubectl.kubernetes.io/restartedAt` (a strategic merge patch, as kubectl's and fabric8's
    rollout restart), so their controller replaces the pods. `waitUntilReady` is not
    supported (a WARN line, as in Kestra). No outputs."""

    TYPE: ClassVar[str] = "io.kestra.plugin.kubernetes.kubectl.Restart"
    EXAMPLES = RESTART

    resource_type: Literal["Deployment", "StatefulSet"] | Expr
    resources_names: list[str] | Expr

    def run(self, ctx: RunContext) -> None:
        namespace = self.rendered_namespace(ctx)
        plural = "deployments" if str(self.resource_type) == "Deployment" else "statefulsets"
        kind = ResourceType("apps", "v1", plural)
        wanted = names(ctx, self.resources_names, "resourcesNames")
        if self.wait_seconds(ctx) > 0:
            ctx.log("WARN", "waitUntilReady is not supported by Restart and is ignored: the "
                            "task returns once the restart is triggered")
        now = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}}
        with connect(ctx, self.connection, bool(self.inherit_cluster_config)) as api:
            for name in wanted:
                ctx.log("INFO", f"Restarting {self.resource_type} '{name}'")
                api.request("PATCH", kind.path(namespace, name), body=body,
                            content_type="application/strategic-merge-patch+json")

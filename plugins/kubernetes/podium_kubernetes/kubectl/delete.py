"""io.kestra.plugin.kubernetes.kubectl.Delete: named resources of one kind."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Expr, RunContext, Task
from podium_kubernetes.api import ResourceType, connect, plural_of
from podium_kubernetes.examples import DELETE
from podium_kubernetes.kubectl.base import KubectlProperties, names, optional_text, required_text


class Delete(KubectlProperties, Task):
    """Deletes the resources `resourcesNames` of `resourceType` (a kind or its plural,
    case-insensitive) in `namespace`; `apiGroup` (empty: core) and `apiVersion` (default
    v1) locate the kind. A name that does not exist is skipped with a WARN line, as
    fabric8's delete returns nothing for it. No outputs."""

    TYPE: ClassVar[str] = "io.kestra.plugin.kubernetes.kubectl.Delete"
    EXAMPLES = DELETE

    resource_type: str
    resources_names: list[str] | Expr
    api_group: str | None = None
    api_version: str | None = None

    def run(self, ctx: RunContext) -> None:
        namespace = self.rendered_namespace(ctx)
        kind = ResourceType(optional_text(ctx, self.api_group, ""),
                            optional_text(ctx, self.api_version, "v1"),
                            plural_of(required_text(ctx, self.resource_type, "resourceType")))
        wanted = names(ctx, self.resources_names, "resourcesNames")
        with connect(ctx, self.connection, bool(self.inherit_cluster_config)) as api:
            for name in wanted:
                gone = api.request("DELETE", kind.path(namespace, name), missing_ok=True)
                if gone is None:
                    ctx.log("WARN", f"Resource of kind '{kind.plural}' with name '{name}' "
                                    f"not found in namespace '{namespace}'")
                else:
                    ctx.log("INFO", f"Deleted {kind.plural} '{name}' in namespace "
                                    f"'{namespace}'")

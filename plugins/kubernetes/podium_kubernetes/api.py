"""The Kubernetes REST API, spoken over the worker's guarded HTTP client.

Why plain HTTP and not the `kubernetes` Python client: every request goes through the same
SSRF guard as the other plugins (the host checked, the address connected to the one
checked), the credentials stay in one place to mask, and the three kubectl tasks need only
a handful of calls (discovery, get, list, server-side apply, delete).
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from podium.sdk import PodiumError, RunContext, TaskFailure
from podium.sdk import guarded_http as guarded
from podium_kubernetes.connection import ClusterConfig, Connection, cluster_config

# httpx is imported by the code that sends, not here: the executor and the scheduler load
# the task classes alone and never talk to a cluster.
if TYPE_CHECKING:
    import httpx

# Kestra's client is fabric8, whose server-side apply uses this field manager: keeping it
# lets flows moved from Kestra keep owning the fields they applied (and drop removed ones).
FIELD_MANAGER = "fabric8"


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    namespaced: bool = True

    def path(self, namespace: str | None, name: str | None = None) -> str:
        base = f"/api/{self.version}" if not self.group else \
            f"/apis/{self.group}/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return f"{base}/{name}" if name else base


def plural_of(kind: str) -> str:
    """`pods`, `Pod` or `pod` -> `pods` (Kestra's resourceType is a kind or a plural,
    case-insensitive). A name already ending in `s` is taken as a plural."""
    word = kind.strip().lower()
    if word.endswith("s"):
        return word
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    if word.endswith(("x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


class KubeApi:
    """One task's connection to the API server: JSON requests, errors as TaskFailure."""

    def __init__(self, client: httpx.Client, config: ClusterConfig) -> None:
        self.client = client
        self.config = config
        self.base = config.master_url.rstrip("/")
        self._discovered: dict[str, list[dict[str, Any]]] = {}

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                body: Any = None, content_type: str = "application/json",
                missing_ok: bool = False) -> Any:
        """The decoded JSON answer; None for a 404 when `missing_ok`."""
        import httpx

        headers = {"Accept": "application/json", **self.config.headers()}
        content = None
        if body is not None:
            headers["Content-Type"] = content_type
            content = json.dumps(body).encode()
        try:
            response = self.client.request(method, self.base + path, params=params,
                                           content=content, headers=headers)
        except httpx.TimeoutException:
            raise TaskFailure(f"{method} {path}: the Kubernetes API server at {self.base} "
                              "did not answer in time") from None
        except httpx.HTTPError as exc:
            raise TaskFailure(f"{method} {path}: cannot reach the Kubernetes API server at "
                              f"{self.base} ({self.config.origin}): {exc}") from None
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code >= 400:
            raise TaskFailure(f"{method} {path}: {_status_message(response)}")
        return response.json() if response.content else None

    def resource_type(self, api_version: str, kind: str) -> ResourceType:
        """The plural and scope of `kind` from the API server's discovery document (as
        kubectl and fabric8 find a custom resource's)."""
        group, version = split_api_version(api_version)
        path = f"/apis/{group}/{version}" if group else f"/api/{version}"
        if path not in self._discovered:
            found = self.request("GET", path, missing_ok=True)
            self._discovered[path] = (found or {}).get("resources") or []
        for entry in self._discovered[path]:
            if entry.get("kind") == kind and "/" not in entry.get("name", ""):
                return ResourceType(group, version, entry["name"],
                                    bool(entry.get("namespaced", True)))
        raise TaskFailure(f"the API server serves no kind '{kind}' in '{api_version}' "
                          f"(GET {path})")

    def wait_until_ready(self, ctx: RunContext, kind: ResourceType, namespace: str | None,
                         name: str, seconds: float) -> dict[str, Any]:
        """Polls the resource until its status has the condition Ready=True (Kestra's
        waitUntilReady: Pods, StatefulSets, custom resources; not Deployments)."""
        ctx.log("INFO", f"Waiting for resource '{name}' to become ready (timeout: "
                        f"{seconds:g} s)...")
        deadline = time.monotonic() + seconds
        while True:
            ctx.check_killed()
            found = self.request("GET", kind.path(namespace, name), missing_ok=True)
            if found is None:
                raise TaskFailure(f"Resource '{name}' not found in namespace '{namespace}' "
                                  "during wait")
            if is_ready(found):
                ctx.log("INFO", f"Resource '{name}' is ready")
                return found
            if time.monotonic() >= deadline:
                raise TaskFailure(f"Resource '{name}' in namespace '{namespace}' did not "
                                  f"become ready within {seconds:g} s")
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def is_ready(resource: dict[str, Any]) -> bool:
    status = resource.get("status")
    conditions = status.get("conditions") if isinstance(status, dict) else None
    return any(isinstance(c, dict) and c.get("type") == "Ready" and c.get("status") == "True"
               for c in conditions or ())


def _status_message(response: httpx.Response) -> str:
    """The API server's Status message (`pods "x" is forbidden: ...`) with the code."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    return f"{response.status_code} {response.reason_phrase}" + (
        f": {message}" if message else f": {response.text[:300]}" if response.text else "")


@contextmanager
def connect(ctx: RunContext, connection: Connection | None,
            inherit: bool) -> Iterator[KubeApi]:
    config = cluster_config(ctx, connection, inherit)
    verify = config.ssl_context(ctx.working_dir)
    try:
        with guarded.client(ctx, verify=verify) as client:
            yield KubeApi(client, config)
    except TaskFailure:
        raise
    except PodiumError as exc:  # the guard's refusal (HostNotAllowedError) names the host
        raise TaskFailure(f"Kubernetes API server {config.master_url} ({config.origin}): "
                          f"{exc}") from None

"""Podium's Kubernetes plugin: Kestra's `io.kestra.plugin.kubernetes.kubectl` tasks, over
the Kubernetes REST API through the worker's guarded HTTP client (podium_kubernetes/api.py)."""

from podium.sdk import Plugin
from podium_kubernetes.kubectl.apply import Apply
from podium_kubernetes.kubectl.delete import Delete
from podium_kubernetes.kubectl.get import Get
from podium_kubernetes.kubectl.patch import Patch
from podium_kubernetes.kubectl.restart import Restart

plugin = Plugin(
    name="kubernetes",
    title="Kubernetes",
    description="Apply manifests (server-side apply), get, patch, delete and restart "
                "resources of a Kubernetes cluster, as kubectl does.",
    tasks=(Apply, Get, Delete, Patch, Restart),
)

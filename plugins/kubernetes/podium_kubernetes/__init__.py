"""Podium's Kubernetes plugin: Kestra's `io.kestra.plugin.kubernetes.kubectl` tasks, over
the Kubernetes REST API through the worker's guarded HTTP client (podium_kubernetes/api.py)."""

from podium.sdk import Plugin
from podium_kubernetes.kubectl.apply import Apply
from podium_kubernetes.kubectl.delete import Delete
from podium_kubernetes.kubectl.get import Get

plugin = Plugin(
    name="kubernetes",
    title="Kubernetes",
    description="Apply manifests (server-side apply), get and delete resources of a "
                "Kubernetes cluster, as kubectl does.",
    tasks=(Apply, Get, Delete),
)

"""Outputs as Kestra shapes them (io.kestra.plugin.kubernetes.models)."""

from __future__ import annotations

from typing import Any

# Kestra's Metadata fields, in its order; null ones are left out, as Kestra's JSON does.
_FIELDS = ("uid", "name", "namespace", "clusterName", "annotations", "labels",
           "creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp",
           "finalizers", "generateName", "generation", "managedFields", "ownerReferences",
           "resourceVersion", "selfLink")


def metadata(resource: dict[str, Any]) -> dict[str, Any]:
    meta = dict(resource.get("metadata") or {})
    # Kestra's Metadata.from fills clusterName with the resource's name (sic): kept, so
    # flows reading it see the same value.
    meta["clusterName"] = meta.get("name")
    return {key: meta[key] for key in _FIELDS if meta.get(key) is not None}


def status(resource: dict[str, Any]) -> dict[str, Any]:
    """Kestra's ResourceStatus: `{status: <the resource's status map, or null>}`."""
    value = resource.get("status")
    return {"status": value if isinstance(value, dict) else None}

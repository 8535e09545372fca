"""Render the Helm chart and validate what it renders: built-in kinds against Kubernetes'
own schemas (kubernetes-validate, strict: an unknown field is an error), our CRDs against
schemas of our own."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

from tests.deploy import paths

KUBERNETES_VERSION = "1.33.0"
SCHEMAS = Path(__file__).parent / "schemas"


class RenderError(Exception):
    """helm refused the chart or the values; the message is helm's."""


def helm(helm_bin: Path, *args: str) -> str:
    result = subprocess.run([str(helm_bin), *args], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RenderError(result.stderr.strip() or result.stdout.strip())
    return result.stdout


def set_args(values: dict[str, str]) -> list[str]:
    return [arg for key, value in values.items() for arg in ("--set", f"{key}={value}")]


def render(helm_bin: Path, values: dict[str, str] | None = None) -> list[dict]:
    """Every manifest `helm template` renders (hooks included), as dicts."""
    text = helm(helm_bin, "template", "podium", str(paths.CHART), *set_args(values or {}))
    return [doc for doc in yaml.safe_load_all(text) if doc]


def _crd_schemas() -> dict[str, dict]:
    return {"ScaledObject": json.loads((SCHEMAS / "keda-scaledobject.schema.json").read_text()),
            "ServiceMonitor": json.loads((SCHEMAS / "servicemonitor.schema.json").read_text())}


CRD_SCHEMAS = _crd_schemas()


def errors(doc: dict) -> list[str]:
    """Why the API server would refuse this manifest; empty when it would accept it."""
    schema = CRD_SCHEMAS.get(doc.get("kind"))
    if schema is not None:
        validator = jsonschema.Draft7Validator(schema)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'/'.join(map(str, error.path))}: {error.message}"]
    return []


def of_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def named(docs: list[dict], kind: str, suffix: str) -> dict:
    """The one manifest of this kind whose name ends with `suffix`."""
    [doc] = [d for d in of_kind(docs, kind) if d["metadata"]["name"].endswith(suffix)]
    return doc

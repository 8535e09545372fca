"""Where tests/deploy find the deployment files and the tools scripts/deploy-tools.sh fetches."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
CHART = DEPLOY / "helm" / "podium"
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
GRAFANA = DEPLOY / "grafana"

TOOLS = REPO / ".tools"
HELM = TOOLS / "bin" / "helm"
COMPOSE_SCHEMA = TOOLS / "compose-spec.json"


def require_tool(path: Path) -> Path:
    """The tool at `path`, or a skip (a failure under CI=true, see tests/conftest.py)."""
    if not path.exists():
        pytest.skip(f"{path.relative_to(REPO)} is missing: run bash scripts/deploy-tools.sh")
    return path

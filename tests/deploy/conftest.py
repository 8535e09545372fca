"""Fixtures of the deployment tests: the fetched tools, loaded once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.deploy import paths


@pytest.fixture(scope="session")
def helm() -> Path:
    return paths.require_tool(paths.HELM)


@pytest.fixture(scope="session")
def compose_schema() -> dict:
    return json.loads(paths.require_tool(paths.COMPOSE_SCHEMA).read_text())


@pytest.fixture(scope="session")
def compose() -> dict:
    return yaml.safe_load(paths.COMPOSE_FILE.read_text())

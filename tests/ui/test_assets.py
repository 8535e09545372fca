"""The committed front-end files are what package-lock.json pins: scripts/build_ui.py
rebuilds them with `npm ci` into a scratch folder, byte for byte the same."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def build_ui():
    spec = importlib.util.spec_from_file_location("build_ui", ROOT / "scripts" / "build_ui.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_served_library_is_pinned_by_the_lockfile():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]
    for package in build_ui().ASSETS:
        pinned = lock["packages"][f"node_modules/{package}"]
        assert pinned["version"] == wanted[package] and pinned["integrity"].startswith("sha512-")


@pytest.mark.node
def test_the_committed_build_matches_the_lockfile(tmp_path):
    if not shutil.which("npm"):
        pytest.skip("npm is not on PATH (.ci/services.sh installs it)")
    module = build_ui()
    module.build(tmp_path / "vendor")
    assert module.differences(tmp_path / "vendor") == []
    (tmp_path / "vendor" / "htmx.org" / "htmx.min.js").write_text("changed")
    assert module.differences(tmp_path / "vendor") == ["htmx.org/htmx.min.js: differs"]

"""Every flow of Kestra's own test suite (the shared conformance corpus) is valid."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podium.common.flow.loader import load_flow_file, parse_flow

_CANDIDATES = [os.environ.get("PODIUM_SHARED_DIR"), Path(__file__).parents[4] / "shared", "/work/shared"]
SHARED = next((Path(c) for c in _CANDIDATES if c and Path(c, "conformance").is_dir()), Path("shared"))
FLOWS = sorted((SHARED / "conformance" / "kestra" / "flows").glob("*.y*ml"))


@pytest.mark.skipif(not FLOWS, reason="shared conformance corpus not found beside the repo")
@pytest.mark.parametrize("path", FLOWS, ids=[p.name for p in FLOWS])
def test_conformance_flow_is_valid(path: Path):
    loaded = load_flow_file(path)
    assert loaded.flow.id and loaded.flow.namespace
    assert loaded.source == path.read_text(encoding="utf-8").lstrip("\ufeff")


def test_source_text_is_kept_verbatim():
    source = "# my flow\nid: hello\nnamespace: company.team\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: \"{{ flow.id }}\"   # kept\n"
    loaded = parse_flow(source)
    assert loaded.source == source
    assert loaded.flow.tasks[0].message == "{{ flow.id }}"


def test_all_tasks_walks_nested_and_error_branches():
    source = """id: f
namespace: n
tasks:
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: a
        type: io.kestra.plugin.core.log.Log
        message: a
    errors:
      - id: b
        type: io.kestra.plugin.core.log.Log
        message: b
errors:
  - id: c
    type: io.kestra.plugin.core.log.Log
    message: c
"""
    flow = parse_flow(source).flow
    assert [t.id for t in flow.all_tasks()] == ["par", "a", "b", "c"]
    assert flow.task_index()["b"].message == "b"

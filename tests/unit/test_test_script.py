"""scripts/test.sh runs the suite as two pytest processes (in-process tests, service
tests): every folder of tests/ that holds tests must be in exactly one of the two lists, or
a plain `./scripts/test.sh` (and CI) would silently leave it out."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def groups() -> dict[str, list[str]]:
    text = (ROOT / "scripts" / "test.sh").read_text()
    return {name: match.split() for name, match in
            re.findall(r"^(IN_PROCESS|SERVICES)=\(([^)]*)\)", text, re.M)}


def test_both_groups_are_read():
    found = groups()
    assert set(found) == {"IN_PROCESS", "SERVICES"}
    assert "tests/unit" in found["IN_PROCESS"] and "tests/integration" in found["SERVICES"]


def test_every_test_folder_runs_in_exactly_one_group():
    listed = [path for paths in groups().values() for path in paths]
    assert len(listed) == len(set(listed)), listed
    with_tests = {path.relative_to(ROOT).parts[1] for path in (ROOT / "tests").rglob("test_*.py")
                  if "flows" not in path.parts}
    assert {f"tests/{name}" for name in with_tests} == set(listed)

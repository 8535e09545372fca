"""The fault scenarios take minutes, so a plain `pytest` leaves them out (deselected, not
skipped: nothing to report). Run them with `pytest tests/faults -m faults` or with
PODIUM_FAULTS=1; they then need redis-server and PostgreSQL's initdb/pg_ctl, and under
CI=true a missing one fails the run (tests/conftest.py)."""

from __future__ import annotations

import os

import pytest


def _selected(config: pytest.Config) -> bool:
    return "faults" in (config.option.markexpr or "") or os.environ.get("PODIUM_FAULTS") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _selected(config):
        return
    left_out = [item for item in items if item.get_closest_marker("faults")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("faults")]

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from podium.common.inputs import AnyInput

ADAPTER = TypeAdapter(list[AnyInput])


def declare(**fields):
    """One validated input declaration from YAML-style (camelCase) fields."""
    return ADAPTER.validate_python([fields])[0]


@pytest.fixture
def adapter():
    return ADAPTER

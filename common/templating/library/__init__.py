"""Podium's template library: Kestra's and Pebble's filters, functions and tests.

`FILTERS`, `FUNCTIONS` and `TESTS` map a template name to its callable; the environment
installs them over Jinja's own (Pebble's semantics win where they differ). Every error is a
`common.errors.TemplateError`.
"""

from __future__ import annotations

from typing import Any

from . import calendar as _calendar
from . import collections as _collections
from . import dates as _dates
from . import functions as _functions
from . import ids as _ids
from . import json_yaml as _json_yaml
from . import numbers as _numbers
from . import patterns as _patterns
from . import runtime as _runtime
from . import tests as _tests
from . import text as _text

FILTERS: dict[str, Any] = {
    **_collections.FILTERS,
    **_text.FILTERS,
    **_patterns.FILTERS,
    **_numbers.FILTERS,
    **_dates.FILTERS,
    **_json_yaml.FILTERS,
}

FUNCTIONS: dict[str, Any] = {
    **_dates.FUNCTIONS,
    **_json_yaml.FUNCTIONS,
    **_functions.FUNCTIONS,
    **_ids.FUNCTIONS,
    **_calendar.FUNCTIONS,
    **_runtime.FUNCTIONS,
}

TESTS: dict[str, Any] = dict(_tests.TESTS)

__all__ = ["FILTERS", "FUNCTIONS", "TESTS"]

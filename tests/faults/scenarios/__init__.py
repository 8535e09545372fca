"""The scenarios: `registry` (what one is), one module per kind of fault, and `catalog`,
which registers each by name. Adding one: a function in the right module and a line in
the catalog."""

from tests.faults.scenarios.catalog import SCENARIOS

__all__ = ["SCENARIOS"]

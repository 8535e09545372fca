"""Why a condition could not be judged."""

from __future__ import annotations

from podium.common.errors import PodiumError


class ConditionError(PodiumError):
    """A condition could not be evaluated (a template that does not render, a date that is
    not one, a condition missing what it needs)."""


class UnsupportedCondition(ConditionError):
    """A condition type the trigger at hand does not evaluate."""

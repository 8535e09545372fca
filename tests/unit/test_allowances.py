"""allowFailure / allowWarning folding (common/allowances.py), the one rule the worker and
the executor both apply."""

from __future__ import annotations

import pytest

from podium.common.allowances import fold_allowances
from podium.common.models.state import State

S = State


@pytest.mark.parametrize(("state", "allow_failure", "allow_warning", "expected"), [
    (S.FAILED, False, False, S.FAILED),
    (S.FAILED, True, False, S.WARNING),
    (S.FAILED, True, True, S.SUCCESS),  # allowFailure first, then allowWarning
    (S.FAILED, False, True, S.FAILED),  # allowWarning alone leaves a failure a failure
    (S.WARNING, False, False, S.WARNING),
    (S.WARNING, True, False, S.WARNING),
    (S.WARNING, False, True, S.SUCCESS),
    (S.SUCCESS, True, True, S.SUCCESS),
    (S.KILLED, True, True, S.KILLED),  # a kill is never tolerated
])
def test_the_ladder(state, allow_failure, allow_warning, expected):
    assert fold_allowances(state, allow_failure=allow_failure,
                           allow_warning=allow_warning) is expected


def test_allow_failure_waits_for_the_last_attempt():
    assert fold_allowances(S.FAILED, allow_failure=True, allow_warning=True,
                           retry_left=True) is S.FAILED
    # a WARNING attempt is not retried: allowWarning applies at once
    assert fold_allowances(S.WARNING, allow_failure=False, allow_warning=True,
                           retry_left=True) is S.SUCCESS

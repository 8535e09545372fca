"""The admin pages' form readers and small layouts, without a server."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from podium.api.ui.actions import notice_of
from podium.api.ui.namespaces import folder_crumbs
from podium.api.ui.triggers import parse_date, parse_inputs, parse_labels
from podium.common.errors import PodiumError


def test_backfill_dates_are_utc_unless_they_say_otherwise():
    assert parse_date("2026-01-02T03:04", "start") == datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
    assert parse_date("2026-01-02T03:04+02:00", "end").utcoffset().total_seconds() == 7200
    with pytest.raises(PodiumError, match="start date is missing"):
        parse_date("", "start")


def test_backfill_inputs_and_labels():
    assert parse_inputs("") == {} and parse_inputs('{"a": 1}') == {"a": 1}
    for bad in ("[1]", "nope", "1"):
        with pytest.raises(PodiumError, match="JSON object"):
            parse_inputs(bad)
    assert parse_labels(" a = 1 \n\nb=x=y\n") == {"a": "1", "b": "x=y"}
    with pytest.raises(PodiumError, match="key=value"):
        parse_labels("lonely")
    with pytest.raises(PodiumError):
        parse_labels("=value")


def test_folder_crumbs_lead_from_the_root():
    assert folder_crumbs("") == []
    assert folder_crumbs("a/b/c") == [("a", "a"), ("b", "a/b"), ("c", "a/b/c")]


def test_an_unknown_notice_code_says_nothing():
    assert notice_of("saved") == "File saved." and notice_of("<script>") == ""

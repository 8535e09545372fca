"""The scheduler's decisions for one trigger row (scheduler/plan.py), with a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.store.triggers import TriggerState
from podium.scheduler.plan import execution_id, initial_state, iso, recover, step
from podium.scheduler.specs import build_spec

UTC = timezone.utc
T0 = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)  # a Monday


def spec(trigger_yaml: str, zone: str = "UTC"):
    # A Schedule's `inputs` must name inputs of the flow (checked at save).
    flow = parse_flow("id: f\nnamespace: n\ninputs:\n  - id: a\n    type: INT\n"
                      "    required: false\ntasks:\n  - id: t\n"
                      "    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
                      "triggers:\n" + trigger_yaml).flow
    return build_spec(flow, 1, flow.triggers[0], default_zone=zone)


HOURLY = """  - id: s
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
"""


def state_for(s, **fields) -> TriggerState:
    return TriggerState("n", "f", "s", s.fingerprint, **fields)


def test_a_new_trigger_waits_for_its_next_date():
    s = spec(HOURLY)
    assert initial_state(s, T0 + timedelta(minutes=5)).next_date == T0 + timedelta(hours=1)


def test_a_due_date_fires_with_kestra_trigger_variables_and_advances_the_row():
    s = spec(HOURLY + "    inputs:\n      a: 1\n    labels:\n      team: data\n")
    result = step(s, state_for(s, next_date=T0), T0 + timedelta(seconds=1), None)
    assert result.fire.variables == {"date": "2025-06-02T12:00:00Z",
                                     "next": "2025-06-02T13:00:00Z",
                                     "previous": "2025-06-02T11:00:00Z"}
    assert result.fire.inputs == {"a": 1} and result.fire.labels == {"team": "data"}
    assert result.state.last_date == T0
    assert result.state.next_date == T0 + timedelta(hours=1)
    assert result.state.execution_id == result.fire.execution_id == execution_id(s.key, T0)


def test_nothing_fires_before_the_date():
    s = spec(HOURLY)
    result = step(s, state_for(s, next_date=T0), T0 - timedelta(seconds=1), None)
    assert result.fire is None and result.state.next_date == T0


def test_execution_ids_are_deterministic_22_base62_characters():
    first = execution_id(("n", "f", "s"), T0)
    assert first == execution_id(("n", "f", "s"), T0.astimezone(timezone(timedelta(hours=2))))
    assert len(first) == 22 and first.isalnum()
    assert first != execution_id(("n", "f", "s"), T0 + timedelta(seconds=1))
    assert first != execution_id(("n", "f", "other"), T0)


def test_iso_prints_z_for_utc_and_the_offset_elsewhere():
    assert iso(T0) == "2025-06-02T12:00:00Z"
    assert iso(T0.astimezone(timezone(timedelta(hours=2)))) == "2025-06-02T14:00:00+02:00"


def test_the_trigger_waits_while_its_last_execution_runs():
    s = spec(HOURLY)
    row = state_for(s, next_date=T0, execution_id="x")
    assert step(s, row, T0, State.RUNNING).busy
    assert step(s, row, T0, State.RUNNING).fire is None
    assert step(s, row, T0, State.SUCCESS).fire is not None


def test_allow_concurrent_fires_while_the_last_execution_still_runs():
    s = spec(HOURLY + "    allowConcurrent: true\n")
    row = state_for(s, next_date=T0, execution_id="x")
    result = step(s, row, T0, State.RUNNING)
    assert not result.busy and result.fire is not None
    assert result.state.execution_id == result.fire.execution_id != "x"
    # the default (false) is Kestra's: no overlap with its own running execution
    assert step(spec(HOURLY + "    allowConcurrent: false\n"), row, T0, State.RUNNING).busy


def test_allow_concurrent_keeps_stop_after_for_an_ended_execution():
    s = spec(HOURLY + "    allowConcurrent: true\n    stopAfter: [FAILED]\n")
    row = state_for(s, next_date=T0, execution_id="x")
    assert step(s, row, T0, State.FAILED).state.disabled


def test_stop_after_disables_the_trigger_once_an_execution_ends_in_a_listed_state():
    s = spec(HOURLY + "    stopAfter: [FAILED]\n")
    row = state_for(s, next_date=T0, execution_id="x")
    stopped = step(s, row, T0, State.FAILED)
    assert stopped.fire is None and stopped.state.disabled
    assert step(s, row, T0, State.SUCCESS).fire is not None
    assert step(s, stopped.state, T0 + timedelta(hours=5), State.FAILED).fire is None


def test_late_maximum_delay_skips_dates_older_than_the_delay():
    s = spec(HOURLY + "    lateMaximumDelay: PT90M\n")
    now = T0 + timedelta(hours=3, minutes=10)
    result = step(s, state_for(s, next_date=T0), now, None)
    # 12:00 and 13:00 are older than now - 90 min (13:40): skipped; 14:00 fires.
    assert [d for d, _ in result.skipped] == [T0, T0 + timedelta(hours=1)]
    assert result.fire.date == T0 + timedelta(hours=2)


def test_conditions_skip_dates_and_next_previous_skip_them_too():
    weekdays = HOURLY.replace('"0 * * * *"', '"0 12 * * *"') + """    conditions:
      - type: io.kestra.plugin.core.condition.Not
        conditions:
          - type: io.kestra.plugin.core.condition.Weekend
"""
    s = spec(weekdays)
    saturday = datetime(2025, 6, 7, 12, tzinfo=UTC)
    result = step(s, state_for(s, next_date=saturday), saturday + timedelta(days=2), None)
    assert [d for d, _ in result.skipped] == [saturday, saturday + timedelta(days=1)]
    monday = saturday + timedelta(days=2)
    assert result.fire.date == monday
    assert result.fire.variables["previous"] == "2025-06-06T12:00:00Z"  # Friday
    assert result.fire.variables["next"] == "2025-06-10T12:00:00Z"


def test_when_skips_dates_as_kestra_2_writes_conditions():
    # Kestra 2.0 migration guide (trigger conditions redesign): weekdays only.
    weekdays = HOURLY.replace('"0 * * * *"', '"0 12 * * *"') + \
        '    when: "{{ not isWeekend(trigger.date) }}"\n'
    s = spec(weekdays)
    saturday = datetime(2025, 6, 7, 12, tzinfo=UTC)
    result = step(s, state_for(s, next_date=saturday), saturday + timedelta(days=2), None)
    assert [d for d, _ in result.skipped] == [saturday, saturday + timedelta(days=1)]
    assert result.fire.date == saturday + timedelta(days=2)
    assert result.fire.variables["previous"] == "2025-06-06T12:00:00Z"
    mondays = spec(HOURLY.replace('"0 * * * *"', '"0 9 * * *"') +
                   '    when: "{{ dayOfWeek(trigger.date) == \'MONDAY\' }}"\n')
    assert mondays.fingerprint != spec(HOURLY.replace('"0 * * * *"', '"0 9 * * *"')).fingerprint


def test_recover_all_last_none_after_downtime():
    grace = timedelta(seconds=2)
    now = T0 + timedelta(hours=3, minutes=30)
    row_all = state_for(spec(HOURLY), next_date=T0)
    assert recover(spec(HOURLY), row_all, now, grace).next_date == T0
    last = spec(HOURLY + "    recoverMissedSchedules: LAST\n")
    assert recover(last, state_for(last, next_date=T0), now, grace).next_date == \
        T0 + timedelta(hours=3)
    none = spec(HOURLY + "    recoverMissedSchedules: NONE\n")
    assert recover(none, state_for(none, next_date=T0), now, grace).next_date == \
        T0 + timedelta(hours=4)
    # not late: nothing to recover
    assert recover(none, state_for(none, next_date=now), now, grace).next_date == now


def test_backfill_fires_every_date_of_its_range_then_the_schedule_goes_on():
    s = spec(HOURLY)
    backfill = {"start": (T0 - timedelta(hours=2)).isoformat(),
                "end": (T0 - timedelta(minutes=30)).isoformat(),
                "current": (T0 - timedelta(hours=2)).isoformat(),
                "inputs": {"b": 2}, "labels": {}, "paused": False, "requested": "r1"}
    row = state_for(s, next_date=T0 + timedelta(hours=1), backfill=backfill)
    fired = []
    for _ in range(5):
        result = step(s, row, T0, None)
        if result.fire:
            fired.append(result.fire)
        row = result.state.but(execution_id=None)
    assert [f.date for f in fired] == [T0 - timedelta(hours=2), T0 - timedelta(hours=1)]
    assert fired[0].labels["system.backfill"] == "true" and fired[0].inputs == {"b": 2}
    assert fired[0].execution_id != execution_id(s.key, fired[0].date)  # a re-run, own id
    assert row.backfill is None and row.next_date == T0 + timedelta(hours=1)


def test_flow_backfill_property_starts_a_backfill_on_a_new_trigger():
    s = spec(HOURLY + f"    backfill:\n      start: \"{(T0 - timedelta(hours=3)).isoformat()}\"\n")
    row = initial_state(s, T0)
    assert row.backfill["start"] == (T0 - timedelta(hours=3)).isoformat()
    assert step(s, row, T0, None).fire.date == T0 - timedelta(hours=3)


def test_schedule_on_dates_fires_each_listed_date_with_its_schedule_date():
    s = spec("""  - id: s
    type: io.kestra.plugin.core.trigger.ScheduleOnDates
    dates:
      - 2025-06-02T12:00:00Z
      - 2025-06-02T14:00:00+02:00
      - 2025-06-03T12:00:00Z
""")
    row = initial_state(s, T0 - timedelta(hours=1))
    assert row.next_date == T0
    first = step(s, row, T0, None)
    assert first.fire.variables == {} and first.fire.schedule_date == T0
    assert first.state.next_date == T0 + timedelta(days=1)  # 14:00+02:00 is 12:00Z too


def test_a_timezone_gives_local_trigger_variables():
    s = spec(HOURLY.replace('"0 * * * *"', '"30 2 * * *"') + "    timezone: Europe/Paris\n")
    date = datetime(2025, 3, 30, 1, 30, tzinfo=UTC)  # 03:30+02:00: 02:30 does not exist
    result = step(s, state_for(s, next_date=date), date, None)
    assert result.fire.variables["date"] == "2025-03-30T03:30:00+02:00"
    assert result.fire.variables["previous"] == "2025-03-29T02:30:00+01:00"
    assert result.fire.variables["next"] == "2025-03-31T02:30:00+02:00"

"""Date filters and now(); oracles from Kestra's DateFilterTest (core/.../pebble/filters)."""

import datetime as dt

import pytest

from podium.common.errors import TemplateError
from podium.common.templating.library import FILTERS, FUNCTIONS
from podium.common.templating.library import dates as dates_mod

# DateFilterTest.NOW = ZonedDateTime.parse("2013-09-08T16:19:12.123456+01")
NOW = dt.datetime(2013, 9, 8, 16, 19, 12, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
date, date_add = FILTERS["date"], FILTERS["dateAdd"]


def test_date_format_dateFormat():  # DateFilterTest.dateFormat
    as_date = dt.datetime(2013, 9, 8, 15, 19, 12, tzinfo=dt.timezone.utc)  # new Date(epochSecond*1000)
    assert date(as_date, format="iso", timeZone="Europe/Paris") == "2013-09-08T17:19:12.000000+02:00"
    assert date(NOW, format="iso_sec", timeZone="Europe/Paris") == "2013-09-08T17:19:12+02:00"
    assert date(NOW, format="iso", timeZone="Europe/Paris") == "2013-09-08T17:19:12.123456+02:00"
    local = NOW.replace(tzinfo=None)
    assert date(local, "yyyy-MM-dd HH:mm:ss.SSSSSSXXX", timeZone="Europe/Paris") == "2013-09-08 16:19:12.123456+02:00"
    assert date(local, "yyyy-MM-dd HH:mm:ss.SSSSSSXXX", timeZone="UTC") == "2013-09-08 16:19:12.123456Z"


def test_date_string_inputs_dateStringFormat():  # DateFilterTest.dateStringFormat
    assert date("July 24, 2001", "yyyy-MM-dd", existingFormat="MMMM dd, yyyy") == "2001-07-24"
    assert date("2013-09-08T17:19:12+02:00", timeZone="Europe/Paris") == "2013-09-08T17:19:12.000000+02:00"
    assert date("2013-09-08T17:19:12", timeZone="Europe/Paris") == "2013-09-08T17:19:12.000000+02:00"
    assert date("2013-09-08", timeZone="Europe/Paris") == "2013-09-08T00:00:00.000000+02:00"


def test_date_rfc_existing_format_dateRfc():  # DateFilterTest.dateRfc
    assert date("Tue, 08 Feb 2022 19:38:26 GMT", existingFormat="rfc_1123_date_time",
                timeZone="Europe/Paris") == "2022-02-08T20:38:26.000000+01:00"


@pytest.mark.parametrize("fmt,expected", [
    ("iso_sec", "2013-09-08T17:19:12+02:00"),
    ("sql", "2013-09-08 17:19:12.123456"),
    ("sql_seq", "2013-09-08 17:19:12"),
    ("iso_date_time", "2013-09-08T17:19:12.123456+02:00[Europe/Paris]"),
    ("iso_date", "2013-09-08+02:00"),
    ("iso_time", "17:19:12.123456+02:00"),
    ("iso_local_date", "2013-09-08"),
    ("iso_instant", "2013-09-08T15:19:12.123456Z"),
    ("iso_local_date_time", "2013-09-08T17:19:12.123456"),
    ("iso_local_time", "17:19:12.123456"),
    ("iso_offset_time", "17:19:12.123456+02:00"),
    ("iso_ordinal_date", "2013-251+02:00"),
    ("iso_week_date", "2013-W36-7+02:00"),
    ("iso_zoned_date_time", "2013-09-08T17:19:12.123456+02:00[Europe/Paris]"),
    ("rfc_1123_date_time", "Sun, 8 Sep 2013 17:19:12 +0200"),
    ("full", "Sunday, September 8, 2013 at 5:19:12\u202fPM Central European Summer Time"),
    ("long", "September 8, 2013 at 5:19:12\u202fPM CEST"),
    ("medium", "Sep 8, 2013, 5:19:12\u202fPM"),
    ("short", "9/8/13, 5:19\u202fPM"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2013-09-08T17:19:12.123+02:00"),
    ("EEEE, EEE d MMMM MMM M", "Sunday, Sun 8 September Sep 9"),
    ("h:mm a", "5:19 PM"),
    ("K k H hh", "5 17 17 05"),
    ("D Q QQQ QQQQ G", "251 3 Q3 3rd quarter AD"),
    ("z zzzz VV O OOOO", "CEST Central European Summer Time Europe/Paris GMT+2 GMT+02:00"),
    ("x xx xxx X Z ZZZZ ZZZZZ", "+02 +0200 +02:00 +02 +0200 GMT+02:00 +02:00"),
    ("yy-M-d 'at' HH'h' '''quoted''' ''", "13-9-8 at 17h 'quoted' '"),
    ("yyyy[-MM]", "2013-09"),
    ("w Y e", "37 2013 1"),
])
def test_date_named_and_java_patterns(fmt, expected):
    assert date(NOW, fmt, timeZone="Europe/Paris") == expected


def test_date_zero_offset_letters():
    utc = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert date(utc, "X|x|Z|ZZZZZ|O", timeZone="UTC") == "Z|+00|+0000|Z|GMT"
    assert date(utc, "iso_date_time", timeZone="Z") == "2020-01-02T03:04:05Z"
    assert date(utc, "iso_date_time", timeZone="UTC") == "2020-01-02T03:04:05Z[UTC]"
    assert date(utc, timeZone="+05:30") == "2020-01-02T08:34:05.000000+05:30"


def test_date_epoch_seconds_and_default_zone_utc():
    assert date(1378653552, "iso") == "2013-09-08T15:19:12.000000Z"
    assert date(1378653552, "yyyy-MM-dd HH:mm", timeZone="America/New_York") == "2013-09-08 11:19"


def test_date_local_date_is_noon():
    assert date(dt.date(2020, 5, 17), "iso_local_date_time", timeZone="UTC") == "2020-05-17T12:00:00"


def test_date_existing_format_patterns():
    assert date("08/09/2013 17:19", "iso_sec", existingFormat="dd/MM/yyyy HH:mm", timeZone="UTC") \
        == "2013-09-08T17:19:00Z"
    assert date("2013-09-08 05:19 PM +0200", "iso_sec", existingFormat="yyyy-MM-dd hh:mm a Z",
                timeZone="UTC") == "2013-09-08T15:19:00Z"
    assert date("20130908", "iso_local_date", existingFormat="yyyyMMdd") == "2013-09-08"


def test_date_null_and_errors():
    assert date(None) is None
    with pytest.raises(TemplateError, match="Unable to parse date"):
        date("not a date")
    with pytest.raises(TemplateError, match="Unknown time zone"):
        date(NOW, timeZone="Mars/Olympus")
    with pytest.raises(TemplateError, match="Unknown time zone"):
        date(NOW, timeZone="../../etc/passwd")
    with pytest.raises(TemplateError, match="Unknown pattern letter"):
        date(NOW, "yyyy-bb")
    with pytest.raises(TemplateError, match="Too many pattern letters"):
        date(NOW, "aa")
    with pytest.raises(TemplateError, match="incomplete string literal"):
        date(NOW, "yyyy 'oops")
    with pytest.raises(TemplateError, match="too long"):
        date(NOW, "y" * 10_000)
    with pytest.raises(TemplateError):
        date(True)
    with pytest.raises(TemplateError, match="out of range"):
        date(10**20)


def test_date_locale():
    assert date(NOW, "EEEE", timeZone="UTC", locale="en_US") == "Sunday"
    assert date(NOW, "yyyy-MM-dd", timeZone="UTC", locale="fr") == "2013-09-08"
    with pytest.raises(TemplateError, match="English"):
        date(NOW, "EEEE", timeZone="UTC", locale="fr_FR")


def test_date_add_add():  # DateFilterTest.add
    assert date_add(NOW, -1, "DAYS", timeZone="Europe/Paris") == "2013-09-07T17:19:12.123456+02:00"


def test_date_add_units_and_dst():
    paris = dt.datetime(2021, 3, 27, 12, 0, tzinfo=dt.timezone.utc)
    assert date_add("2021-03-27T12:00:00", 1, "DAYS", "iso_sec", timeZone="Europe/Paris") == "2021-03-28T12:00:00+02:00"
    assert date_add("2021-03-27T12:00:00", 24, "HOURS", "iso_sec", timeZone="Europe/Paris") == "2021-03-28T13:00:00+02:00"
    assert date_add("2020-01-31", 1, "MONTHS", "iso_local_date", timeZone="UTC") == "2020-02-29"
    assert date_add(paris, 2, "YEARS", "yyyy") == "2023"
    assert date_add(paris, 90, "MINUTES", "HH:mm", timeZone="UTC") == "13:30"
    with pytest.raises(TemplateError, match="Unknown time unit"):
        date_add(paris, 1, "FORTNIGHTS")
    with pytest.raises(TemplateError, match="out of the supported date range"):
        date_add(paris, 10**9, "YEARS")
    with pytest.raises(TemplateError, match="amount"):
        date_add(paris, "one", "DAYS")


def test_timestamp_timestampCompare():  # DateFilterTest.timestamp / timestampCompare
    assert FILTERS["timestamp"](NOW, timeZone="Europe/Paris") == 1378653552
    yesterday = date_add(NOW, -1, "DAYS")
    assert FILTERS["timestamp"](NOW) > FILTERS["timestamp"](yesterday)


def test_timestamp_nano_instantnano():  # DateFilterTest.instantnano
    assert FILTERS["timestampNano"](NOW, timeZone="Europe/Paris") == "1378653552123456000"


def test_timestamp_micro_instantmicro():  # DateFilterTest.instantmicro (Kestra's own arithmetic)
    assert FILTERS["timestampMicro"](NOW, timeZone="Europe/Paris") == "1378653552000123456"


def test_timestamp_milli():  # TimestampMilliFilter: toInstant().toEpochMilli(), a number
    assert FILTERS["timestampMilli"](NOW, timeZone="Europe/Paris") == 1378653552123
    assert FILTERS["timestampMilli"]("2013-09-08T16:19:12+01:00") == 1378653552000
    assert FILTERS["timestampMilli"](dt.datetime(1969, 12, 31, 23, 59, 59, 500000,
                                                 tzinfo=dt.timezone.utc)) == -500


def test_timestamps_null():
    for name in ("timestamp", "timestampMilli", "timestampMicro", "timestampNano", "date",
                 "dateAdd"):
        assert FILTERS[name](None) is None


def test_now_with_fixed_clock(monkeypatch):  # DateFilterTest.now
    monkeypatch.setattr(dates_mod, "clock", lambda: NOW)
    now = FUNCTIONS["now"]
    assert now() == "2013-09-08T15:19:12.123456Z"
    assert now(timeZone="Europe/Lisbon") == "2013-09-08T16:19:12.123456+01:00"
    assert now(format="iso_local_date") == "2013-09-08"
    assert now("EEE", locale="en") == "Sun"


def test_now_real_clock_shape():
    assert len(FUNCTIONS["now"]("yyyy")) == 4

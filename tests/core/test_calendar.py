"""The working calendar: working days, office hours and deadlines.

Expected values are worked out by hand from the State Council's schedule and checked against
the ``chinesecalendar`` package (2021 Spring Festival: holiday 11-17 February; Sunday 7 and
Saturday 20 February were 调休 make-up working days). Office hours are the default
``08:30-12:00,13:30-17:30`` (7.5 hours a day) unless a test overrides them.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from wenming.core.calendar import (
    DayInfo,
    Deadline,
    add_working_days,
    add_working_hours,
    day_info,
    working_hours_between,
)
from wenming.core.models import CalendarDay

SH = ZoneInfo("Asia/Shanghai")
DEFAULT_HOURS = "08:30-12:00,13:30-17:30"

pytestmark = pytest.mark.django_db


def sh(*args: int) -> datetime:
    """An aware Asia/Shanghai datetime."""
    return datetime(*args, tzinfo=SH)


def no_data_warning(year: int) -> str:
    return f"The working calendar has no holiday data for {year}; weekends only were skipped."


@pytest.fixture(autouse=True)
def _default_office_hours(settings):
    # Independent of a WENMING_OFFICE_HOURS environment variable on the test machine.
    settings.WENMING_OFFICE_HOURS = DEFAULT_HOURS


@pytest.fixture
def english():
    with translation.override("en"):
        yield


# --- the package agrees with the facts the tests rely on -----------------------------------


def test_package_knows_the_2021_spring_festival():
    holidays = [date(2021, 2, d) for d in range(11, 18)]
    assert not any(chinese_calendar.is_workday(d) for d in holidays)
    assert chinese_calendar.is_workday(date(2021, 2, 7))  # Sunday, 调休
    assert chinese_calendar.is_workday(date(2021, 2, 20))  # Saturday, 调休
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2028, 3, 1))


# --- day_info -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2021, 2, 10), DayInfo(is_workday=True, known=True)),  # Wednesday before
        (date(2021, 2, 11), DayInfo(is_workday=False, known=True)),  # 除夕 holiday, Thursday
        (date(2021, 2, 15), DayInfo(is_workday=False, known=True)),  # holiday, Monday
        (date(2021, 2, 7), DayInfo(is_workday=True, known=True)),  # 调休 Sunday
        (date(2021, 2, 20), DayInfo(is_workday=True, known=True)),  # 调休 Saturday
        (date(2021, 2, 21), DayInfo(is_workday=False, known=True)),  # ordinary Sunday
        (date(2028, 6, 1), DayInfo(is_workday=True, known=False)),  # Thursday, no data
        (date(2028, 6, 3), DayInfo(is_workday=False, known=False)),  # Saturday, no data
        (date(2003, 6, 2), DayInfo(is_workday=True, known=False)),  # before the package
    ],
)
def test_day_info(d, expected):
    assert day_info(d) == expected


def test_day_info_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        day_info(date(2021, 2, 11))


# --- add_working_days -----------------------------------------------------------------------


def test_working_days_skip_the_spring_festival():
    # The start day (Tue 9 Feb) is not counted: Wed 10 (1), holiday 11-17, Thu 18 (2), Fri 19 (3).
    deadline = add_working_days(sh(2021, 2, 9, 10, 0), 3)
    assert deadline == Deadline(at=sh(2021, 2, 19, 17, 30), warnings=())


def test_working_days_from_the_last_day_before_the_holiday():
    assert add_working_days(sh(2021, 2, 10, 16, 0), 1).at == sh(2021, 2, 18, 17, 30)


def test_working_days_count_a_make_up_saturday():
    # Fri 19 Feb -> Sat 20 Feb, a 调休 working day.
    assert add_working_days(sh(2021, 2, 19, 10, 0), 1).at == sh(2021, 2, 20, 17, 30)
    # ... and past it: Sat 20 (1), Sun 21 off, Mon 22 (2).
    assert add_working_days(sh(2021, 2, 19, 10, 0), 2).at == sh(2021, 2, 22, 17, 30)


def test_working_days_ignore_the_start_time():
    early = add_working_days(sh(2021, 3, 3, 0, 1), 1)
    late = add_working_days(sh(2021, 3, 3, 23, 59), 1)
    assert early.at == late.at == sh(2021, 3, 4, 17, 30)


def test_working_days_from_a_weekend_start():
    # Saturday 6 March: the next working day is Monday 8 March.
    assert add_working_days(sh(2021, 3, 6, 10, 0), 1).at == sh(2021, 3, 8, 17, 30)


def test_working_days_start_date_is_taken_in_local_time():
    # 18:00 UTC on 9 Feb is 02:00 on 10 Feb in Shanghai, so counting starts after 10 Feb:
    # Thu 18 (1), Fri 19 (2), Sat 20 调休 (3).
    deadline = add_working_days(datetime(2021, 2, 9, 18, 0, tzinfo=UTC), 3)
    assert deadline.at == sh(2021, 2, 20, 17, 30)
    assert deadline.at.tzinfo == SH


def test_working_days_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(sh(2021, 2, 9, 10, 0), 3)


@pytest.mark.parametrize("days", [0, -1])
def test_working_days_must_be_positive(days):
    with pytest.raises(ValueError):
        add_working_days(sh(2021, 3, 5, 10, 0), days)


def test_working_days_search_is_capped():
    with pytest.raises(ValueError):
        add_working_days(sh(2021, 3, 5, 10, 0), 5000)


# --- add_working_hours ----------------------------------------------------------------------


def test_working_hours_cross_the_weekend():
    # Fri 5 March 15:00-17:30 is 2.5 h; the remaining 1.5 h run from Mon 8 March 08:30.
    deadline = add_working_hours(sh(2021, 3, 5, 15, 0), 4)
    assert deadline == Deadline(at=sh(2021, 3, 8, 10, 0), warnings=())


def test_working_hours_cross_lunch():
    # 10:00-12:00 is 2 h, then 13:30 + 2 h.
    assert add_working_hours(sh(2021, 3, 5, 10, 0), 4).at == sh(2021, 3, 5, 15, 30)


def test_working_hours_ending_on_an_interval_end_stay_there():
    # The morning interval holds 3.5 h: the deadline is 12:00, not 13:30 after lunch.
    assert add_working_hours(sh(2021, 3, 8, 8, 30), 3.5).at == sh(2021, 3, 8, 12, 0)
    # A whole day ends at 17:30 that day, not 08:30 the next working day.
    assert add_working_hours(sh(2021, 3, 8, 8, 30), 7.5).at == sh(2021, 3, 8, 17, 30)
    # 4 h from 08:30 is 3.5 h in the morning and 0.5 h after lunch.
    assert add_working_hours(sh(2021, 3, 8, 8, 30), 4).at == sh(2021, 3, 8, 14, 0)
    # Starting at 10:00, 2 h end exactly at 12:00.
    assert add_working_hours(sh(2021, 3, 8, 10, 0), 2).at == sh(2021, 3, 8, 12, 0)


def test_working_hours_fractional():
    assert add_working_hours(sh(2021, 3, 8, 9, 0), 0.25).at == sh(2021, 3, 8, 9, 15)
    assert add_working_hours(sh(2021, 3, 8, 9, 0), Decimal("1.5")).at == sh(2021, 3, 8, 10, 30)


def test_working_hours_skip_the_spring_festival():
    # Wed 10 Feb 16:30-17:30 is 1 h; 11-17 Feb are holidays; Thu 18 Feb 08:30 + 1 h.
    assert add_working_hours(sh(2021, 2, 10, 16, 30), 2).at == sh(2021, 2, 18, 9, 30)


def test_working_hours_count_make_up_weekend_days():
    # Fri 19 Feb 16:30-17:30 is 1 h, then Saturday 20 Feb (调休) 08:30 + 1 h.
    assert add_working_hours(sh(2021, 2, 19, 16, 30), 2).at == sh(2021, 2, 20, 9, 30)
    # Saturday 6 Feb is off, Sunday 7 Feb (调休) is a working day.
    assert add_working_hours(sh(2021, 2, 6, 10, 0), 1).at == sh(2021, 2, 7, 9, 30)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (sh(2021, 3, 3, 19, 0), sh(2021, 3, 4, 9, 30)),  # Wednesday evening
        (sh(2021, 3, 3, 6, 0), sh(2021, 3, 3, 9, 30)),  # before opening
        (sh(2021, 3, 3, 12, 30), sh(2021, 3, 3, 14, 30)),  # lunch break
        (sh(2021, 3, 3, 12, 0), sh(2021, 3, 3, 14, 30)),  # exactly at the start of lunch
        (sh(2021, 3, 3, 17, 30), sh(2021, 3, 4, 9, 30)),  # exactly at closing
        (sh(2021, 3, 6, 10, 0), sh(2021, 3, 8, 9, 30)),  # Saturday
        (sh(2021, 3, 5, 20, 0), sh(2021, 3, 8, 9, 30)),  # Friday evening
        (sh(2021, 2, 13, 10, 0), sh(2021, 2, 18, 9, 30)),  # during the Spring Festival
    ],
)
def test_working_hours_start_outside_office_hours(start, expected):
    assert add_working_hours(start, 1).at == expected


def test_working_hours_accept_any_zone_and_answer_in_shanghai():
    # 07:00 UTC is 15:00 in Shanghai: the same as test_working_hours_cross_the_weekend.
    deadline = add_working_hours(datetime(2021, 3, 5, 7, 0, tzinfo=UTC), 4)
    assert deadline.at == sh(2021, 3, 8, 10, 0)
    assert deadline.at.tzinfo == SH
    assert deadline.at.utcoffset().total_seconds() == 8 * 3600


def test_working_hours_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_hours(sh(2021, 2, 10, 16, 30), 30)


@pytest.mark.parametrize("hours", [0, -1, -0.5, math.nan, math.inf])
def test_working_hours_must_be_positive_and_finite(hours):
    with pytest.raises(ValueError):
        add_working_hours(sh(2021, 3, 5, 10, 0), hours)


def test_working_hours_refuse_naive_datetimes():
    with pytest.raises(ValueError):
        add_working_hours(datetime(2021, 3, 5, 10, 0), 1)
    with pytest.raises(ValueError):
        add_working_days(datetime(2021, 3, 5, 10, 0), 1)


def test_working_hours_search_is_capped():
    # 10 years hold about 2,500 working days, i.e. under 19,000 working hours.
    with pytest.raises(ValueError):
        add_working_hours(sh(2021, 3, 5, 10, 0), 100_000)


# --- years without holiday data -------------------------------------------------------------


def test_year_without_data_falls_back_to_weekends_with_one_warning(english):
    # Wed 1 March 2028: Thu 2 (1), Fri 3 (2), Mon 6 (3), weekends only skipped.
    deadline = add_working_days(sh(2028, 3, 1, 10, 0), 3)
    assert deadline.at == sh(2028, 3, 6, 17, 30)
    assert deadline.warnings == (no_data_warning(2028),)


def test_working_hours_in_a_year_without_data_warn_once(english):
    deadline = add_working_hours(sh(2028, 3, 3, 15, 0), 21)
    # Fri 2.5 h, Mon 7.5 h, Tue 7.5 h (17.5 h), Wed 08:30 + 3.5 h = 12:00 (an interval end).
    assert deadline.at == sh(2028, 3, 8, 12, 0)
    assert deadline.warnings == (no_data_warning(2028),)


def test_walk_into_an_uncovered_year_warns_for_that_year_only(english):
    # 2026 is covered by the package, 2027 is not: Thu 31 Dec 2026 (1), Fri 1 Jan 2027
    # (really New Year's Day, but unknown: counted as a working day) (2), Mon 4 Jan (3).
    deadline = add_working_days(sh(2026, 12, 30, 10, 0), 3)
    assert deadline.at == sh(2027, 1, 4, 17, 30)
    assert deadline.warnings == (no_data_warning(2027),)


def test_warnings_are_one_per_year_in_order(english):
    # Fri 31 Dec 2027 (1), Mon 3 Jan 2028 (2), Tue 4 Jan 2028 (3).
    deadline = add_working_days(sh(2027, 12, 30, 10, 0), 3)
    assert deadline.at == sh(2028, 1, 4, 17, 30)
    assert deadline.warnings == (no_data_warning(2027), no_data_warning(2028))


def test_covered_years_do_not_warn():
    assert add_working_days(sh(2026, 12, 28, 10, 0), 2).warnings == ()
    assert add_working_hours(sh(2021, 2, 10, 10, 0), 100).warnings == ()


def test_warning_is_translatable(monkeypatch):
    import wenming.core.calendar as module

    monkeypatch.setattr(module, "gettext", lambda s: "无{year}年节假日数据")
    assert add_working_days(sh(2028, 3, 1, 10, 0), 1).warnings == ("无2028年节假日数据",)


# --- the office's CalendarDay rows ----------------------------------------------------------


@pytest.fixture
def office_overrides():
    # Tue 9 March 2021 is a working day in the package; Sun 7 March is not.
    CalendarDay.objects.create(date=date(2021, 3, 9), is_workday=False, name="local holiday")
    CalendarDay.objects.create(date=date(2021, 3, 7), is_workday=True, name="make-up day")


def test_office_rows_override_the_package(office_overrides):
    assert day_info(date(2021, 3, 9)) == DayInfo(is_workday=False, known=True)
    assert day_info(date(2021, 3, 7)) == DayInfo(is_workday=True, known=True)
    # Unlisted dates of that year still come from the package.
    assert day_info(date(2021, 2, 11)) == DayInfo(is_workday=False, known=True)
    # Fri 5 March: Sun 7 (1), Mon 8 (2), Tue 9 off, Wed 10 (3).
    assert add_working_days(sh(2021, 3, 5, 10, 0), 3).at == sh(2021, 3, 10, 17, 30)
    # Saturday 6 March 10:00 + 1 h lands on Sunday 7 March.
    assert add_working_hours(sh(2021, 3, 6, 10, 0), 1).at == sh(2021, 3, 7, 9, 30)
    # Mon 8 March 17:00 + 1 h: 0.5 h on Monday, Tuesday off, Wednesday 08:30 + 0.5 h.
    assert add_working_hours(sh(2021, 3, 8, 17, 0), 1).at == sh(2021, 3, 10, 9, 0)


def test_office_row_can_reopen_a_package_holiday():
    CalendarDay.objects.create(date=date(2021, 2, 11), is_workday=True)
    assert add_working_days(sh(2021, 2, 10, 10, 0), 1).at == sh(2021, 2, 11, 17, 30)


def test_office_rows_cover_a_year_the_package_lacks():
    # The office entered the notice for 2028 (here: one holiday, Monday 2 October).
    CalendarDay.objects.create(date=date(2028, 10, 2), is_workday=False, name="National Day")
    assert day_info(date(2028, 6, 1)) == DayInfo(is_workday=True, known=True)
    deadline = add_working_days(sh(2028, 9, 29, 10, 0), 1)  # Friday
    assert deadline == Deadline(at=sh(2028, 10, 3, 17, 30), warnings=())


def test_office_rows_are_read_in_one_query(office_overrides, django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(sh(2021, 3, 5, 10, 0), 3)
    with django_assert_num_queries(1):
        working_hours_between(sh(2021, 3, 5, 10, 0), sh(2021, 3, 12, 10, 0))


# --- office hours from settings -------------------------------------------------------------


def test_office_hours_from_settings(settings):
    settings.WENMING_OFFICE_HOURS = "09:00-17:00"
    # Fri 15:00-17:00 is 2 h, then Mon 09:00 + 2 h.
    assert add_working_hours(sh(2021, 3, 5, 15, 0), 4).at == sh(2021, 3, 8, 11, 0)
    assert add_working_days(sh(2021, 3, 5, 15, 0), 1).at == sh(2021, 3, 8, 17, 0)
    assert working_hours_between(sh(2021, 3, 5, 8, 0), sh(2021, 3, 5, 18, 0)) == (8.0, ())


def test_office_hours_tolerate_spaces_and_full_width_punctuation(settings):
    settings.WENMING_OFFICE_HOURS = " 8:00 - 11:30 ， 14：00-18:00 "
    assert add_working_hours(sh(2021, 3, 5, 11, 0), 1).at == sh(2021, 3, 5, 14, 30)
    assert add_working_days(sh(2021, 3, 5, 11, 0), 1).at == sh(2021, 3, 8, 18, 0)


def test_office_hours_round_the_clock(settings):
    settings.WENMING_OFFICE_HOURS = "00:00-24:00"
    # Fri 20:00-24:00 is 4 h; the weekend is off; Mon 00:00 + 1 h.
    assert add_working_hours(sh(2021, 3, 5, 20, 0), 5).at == sh(2021, 3, 8, 1, 0)
    assert add_working_hours(sh(2021, 3, 5, 20, 0), 4).at == sh(2021, 3, 6, 0, 0)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "office hours",
        "08:30",
        "8.30-12.00",
        "25:00-26:00",
        "08:60-12:00",
        "24:30-24:40",
        "17:30-08:30",
        "12:00-12:00",
        "08:30-12:00,11:00-13:00",
        "08:30-12:00,",
        None,
    ],
)
def test_bad_office_hours_are_refused(settings, value):
    settings.WENMING_OFFICE_HOURS = value
    with pytest.raises(ImproperlyConfigured):
        add_working_hours(sh(2021, 3, 5, 10, 0), 1)


# --- working_hours_between ------------------------------------------------------------------


def test_hours_between_across_the_spring_festival():
    # Wed 10 Feb 10:00-12:00 and 13:30-17:30 (6 h), 11-17 Feb off, Thu 18 08:30-10:00 (1.5 h).
    start, end = sh(2021, 2, 10, 10, 0), sh(2021, 2, 18, 10, 0)
    assert working_hours_between(start, end) == (7.5, ())
    assert working_hours_between(end, start) == (-7.5, ())


def test_hours_between_on_one_day_and_outside_office_hours():
    assert working_hours_between(sh(2021, 3, 5, 10, 0), sh(2021, 3, 5, 15, 30)) == (4.0, ())
    assert working_hours_between(sh(2021, 3, 5, 12, 0), sh(2021, 3, 5, 13, 30)) == (0.0, ())
    assert working_hours_between(sh(2021, 3, 6, 9, 0), sh(2021, 3, 7, 17, 0)) == (0.0, ())
    instant = sh(2021, 3, 5, 10, 0)
    assert working_hours_between(instant, instant) == (0.0, ())


def test_hours_between_accept_mixed_zones():
    # 02:00 UTC = 10:00 Shanghai; 07:30 UTC = 15:30 Shanghai.
    start = datetime(2021, 3, 5, 2, 0, tzinfo=UTC)
    assert working_hours_between(start, sh(2021, 3, 5, 15, 30)) == (4.0, ())


def test_hours_between_in_a_year_without_data(english):
    hours, warnings = working_hours_between(sh(2028, 3, 3, 15, 0), sh(2028, 3, 6, 10, 0))
    assert hours == 4.0
    assert warnings == (no_data_warning(2028),)


@pytest.mark.parametrize(
    ("start", "hours"),
    [
        (sh(2021, 2, 9, 10, 0), 30),
        (sh(2021, 2, 19, 16, 45), 2.5),
        (sh(2021, 3, 5, 20, 0), 1),
        (sh(2021, 3, 5, 15, 0), 4),
    ],
)
def test_hours_between_is_the_inverse_of_add_working_hours(start, hours):
    deadline = add_working_hours(start, hours)
    assert working_hours_between(start, deadline.at) == (pytest.approx(hours), ())


def test_hours_between_span_is_capped():
    with pytest.raises(ValueError):
        working_hours_between(sh(2010, 1, 1, 0, 0), sh(2021, 1, 1, 0, 0))

"""The working calendar: working days, office hours, and case deadlines.

Case time limits (处置时限) follow 数字化城市管理 (digital city management) case-handling
practice, where a category's limit is stated either in 工作时 (working hours: time inside
office hours on working days only) or in 工作日 (whole working days). Nights, lunch breaks,
weekends and public holidays do not count; 调休 make-up working days (a Saturday or Sunday the
State Council declares a working day) do.

Where a day's status comes from, in order of precedence:

1. ``CalendarDay`` rows entered by the office (a holiday, or a make-up working day).
2. The ``chinesecalendar`` package (``chinese_calendar``), which covers 2004-2026 and raises
   ``NotImplementedError`` for other years.
3. For a year the package lacks but in which the office has entered at least one row:
   Monday-Friday, *known*. The office enters the State Council's notice for the year
   (holidays and make-up days only), so its other dates follow the ordinary weekly rule.
4. Otherwise, Monday-Friday are working days, but that is a guess: the day is marked
   ``known=False`` and every computation reports a warning naming the year (one per year, in
   the order met), e.g. "The working calendar has no holiday data for 2028; weekends only
   were skipped." It never crashes and never pretends.

Office hours come from ``settings.WENMING_OFFICE_HOURS`` (``"08:30-12:00,13:30-17:30"``), in
local time of ``settings.TIME_ZONE`` (Asia/Shanghai). Inputs may be aware datetimes in any
zone (UTC from the database); naive datetimes are refused. Everything is computed, and
returned, in the local zone.

Each public call reads the ``CalendarDay`` rows of the whole years it needs in one query
(rarely one more, when a walk runs past its first estimate) and never walks more than
``MAX_SPAN_DAYS`` calendar days.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "MAX_SPAN_DAYS",
    "DayInfo",
    "Deadline",
    "add_working_days",
    "add_working_hours",
    "day_info",
    "working_hours_between",
]

#: Used when ``settings.WENMING_OFFICE_HOURS`` is not defined at all.
DEFAULT_OFFICE_HOURS = "08:30-12:00,13:30-17:30"

#: No computation walks further than this many calendar days (about ten years).
MAX_SPAN_DAYS = 3660

_DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class DayInfo:
    """Whether a date is a working day, and whether that is known or only assumed.

    ``known`` is False when neither the office's ``CalendarDay`` rows nor the
    ``chinesecalendar`` package cover the date's year and Monday-Friday was assumed.
    """

    is_workday: bool
    known: bool


@dataclass(frozen=True)
class Deadline:
    """A computed deadline (aware, local time) and the calendar warnings met on the way."""

    at: datetime
    warnings: tuple[str, ...]


# --- office hours ---------------------------------------------------------------------------

_NORMALISE = str.maketrans({"：": ":", "，": ",", "；": ",", ";": ",", "–": "-", "—": "-", "~": "-", "～": "-"})  # fmt: skip
_INTERVAL_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@functools.lru_cache(maxsize=16)
def _parse_office_hours(value: str) -> tuple[tuple[int, int], ...]:
    """Parse ``"08:30-12:00,13:30-17:30"`` into sorted ``(start, end)`` minutes of the day.

    Whitespace and full-width punctuation (``：``, ``，``) are tolerated; ``24:00`` is allowed
    as an end. Intervals must be non-empty and must not overlap (touching is fine).
    """
    text = "".join(value.translate(_NORMALISE).split())
    if not text:
        raise ImproperlyConfigured("WENMING_OFFICE_HOURS is empty.")
    intervals: list[tuple[int, int]] = []
    for part in text.split(","):
        match = _INTERVAL_RE.match(part)
        if match is None:
            raise ImproperlyConfigured(
                f"WENMING_OFFICE_HOURS: {part!r} is not an interval like '08:30-12:00'."
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
            raise ImproperlyConfigured(f"WENMING_OFFICE_HOURS: {part!r} is not a valid time.")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start >= end:
            raise ImproperlyConfigured(
                f"WENMING_OFFICE_HOURS: {part!r} ends before it starts (intervals may not "
                "span midnight)."
            )
        intervals.append((start, end))
    intervals.sort()
    for (_, previous_end), (next_start, _) in zip(intervals, intervals[1:], strict=False):
        if next_start < previous_end:
            raise ImproperlyConfigured(f"WENMING_OFFICE_HOURS: intervals overlap in {value!r}.")
    return tuple(intervals)


def _office_minutes() -> tuple[tuple[int, int], ...]:
    value = getattr(settings, "WENMING_OFFICE_HOURS", DEFAULT_OFFICE_HOURS)
    if not isinstance(value, str):
        raise ImproperlyConfigured("WENMING_OFFICE_HOURS must be a string like '08:30-12:00'.")
    return _parse_office_hours(value)


def _intervals_on(day: date, tz: tzinfo) -> list[tuple[datetime, datetime]]:
    """The office intervals of ``day`` as aware local datetimes."""
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    return [
        (midnight + timedelta(minutes=s), midnight + timedelta(minutes=e))
        for s, e in _office_minutes()
    ]


def _daily_office_time() -> timedelta:
    return timedelta(minutes=sum(e - s for s, e in _office_minutes()))


# --- which days are working days ------------------------------------------------------------


def _package_is_workday(day: date) -> bool | None:
    """The package's answer, or None when it has no data for the year."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


class _Calendar:
    """Working-day lookups for one computation, with the office's rows loaded by whole years.

    Rows are loaded for a range of whole years in one query; a lookup outside the loaded
    years loads the missing years (one more query). Years without data are collected for the
    warnings, in the order they were first met.
    """

    def __init__(self, first: date, last: date) -> None:
        self._overrides: dict[date, bool] = {}
        self._office_years: set[int] = set()
        self._first_year = first.year
        self._last_year = first.year - 1  # nothing loaded yet
        self._unknown_years: list[int] = []
        self._load(first.year, max(first, last).year)

    def _load(self, first_year: int, last_year: int) -> None:
        from wenming.core.models import CalendarDay

        rows = CalendarDay.objects.filter(
            date__gte=date(first_year, 1, 1), date__lte=date(last_year, 12, 31)
        ).values_list("date", "is_workday")
        for day, is_workday in rows:
            self._overrides[day] = is_workday
            self._office_years.add(day.year)
        self._first_year = min(self._first_year, first_year)
        self._last_year = max(self._last_year, last_year)

    def _ensure_loaded(self, day: date) -> None:
        if day.year > self._last_year:
            # Load ahead: a walk that ran past its estimate usually continues.
            self._load(self._last_year + 1, max(day.year, self._last_year + 2))
        elif day.year < self._first_year:
            self._load(day.year, self._first_year - 1)

    def info(self, day: date) -> DayInfo:
        self._ensure_loaded(day)
        override = self._overrides.get(day)
        if override is not None:
            return DayInfo(is_workday=override, known=True)
        package = _package_is_workday(day)
        if package is not None:
            return DayInfo(is_workday=package, known=True)
        weekday = day.weekday() < 5
        if day.year in self._office_years:
            return DayInfo(is_workday=weekday, known=True)
        if day.year not in self._unknown_years:
            self._unknown_years.append(day.year)
        return DayInfo(is_workday=weekday, known=False)

    def warnings(self) -> tuple[str, ...]:
        return _warnings_for(self._unknown_years)


def _warnings_for(years: Iterable[int]) -> tuple[str, ...]:
    return tuple(
        gettext(
            "The working calendar has no holiday data for {year}; weekends only were skipped."
        ).format(year=year)
        for year in years
    )


def day_info(d: date) -> DayInfo:
    """Whether ``d`` is a working day: office rows, then the package, then Monday-Friday.

    See the module docstring for the order of sources.

    ``known=False`` means Monday-Friday was assumed because no source covers ``d``'s year.
    One query (the office's rows of that year).
    """
    if isinstance(d, datetime):
        raise TypeError("day_info() takes a date, not a datetime.")
    return _Calendar(d, d).info(d)


# --- deadlines ------------------------------------------------------------------------------


def _local(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime.")
    if timezone.is_naive(value):
        raise ValueError(f"{name} must be an aware datetime.")
    return value.astimezone(timezone.get_default_timezone())


def _span_error() -> ValueError:
    return ValueError(
        f"The working calendar does not look further than {MAX_SPAN_DAYS} days; "
        "check the deadline rule."
    )


def add_working_hours(start: datetime, hours: float) -> Deadline:
    """The moment ``hours`` 工作时 (working hours) after ``start``.

    Rule (数字化城市管理 practice: 工作时 are counted only within office hours on working
    days): walk the office intervals of working days forward from ``start``.

    - A start outside office hours (evening, lunch break, weekend, holiday) begins counting
      at the next office interval of a working day.
    - A result landing exactly on the end of an interval stays there: with
      ``08:30-12:00,13:30-17:30``, 3.5 working hours from 08:30 on a Monday is 12:00 that
      Monday, not 13:30, and 7.5 hours is 17:30 that day, not 08:30 the next working day.
      (4 hours from 08:30 is therefore 14:00: 3.5 h in the morning, 0.5 h after lunch.)
    - ``hours`` must be a finite number > 0 (``ValueError`` otherwise); fractions and
      ``Decimal`` are fine.

    Returns the deadline as an aware Asia/Shanghai (``TIME_ZONE``) datetime with the
    calendar warnings, one per year without holiday data that the walk consulted.
    Raises ``ValueError`` when the walk would exceed ``MAX_SPAN_DAYS`` calendar days.
    """
    if isinstance(hours, bool) or not isinstance(hours, numbers.Real | Decimal):
        raise TypeError("hours must be a number.")
    hours = float(hours)
    if not math.isfinite(hours) or hours <= 0:
        raise ValueError("hours must be a finite number greater than 0.")
    local = _local(start, "start")
    tz = local.tzinfo
    assert tz is not None
    remaining = timedelta(hours=hours)
    if remaining <= timedelta(0):  # below a microsecond
        raise ValueError("hours must be a finite number greater than 0.")

    first_day = local.date()
    # Estimate the end for the first load: the working days needed, with room for weekends
    # and the longest holidays (the Spring Festival week).
    per_day = _daily_office_time()
    needed_days = math.ceil(remaining / per_day) + 1
    calendar = _Calendar(first_day, first_day + timedelta(days=needed_days * 7 // 5 + 21))

    day, cursor = first_day, local
    while True:
        if (day - first_day).days > MAX_SPAN_DAYS:
            raise _span_error()
        intervals = [(s, e) for s, e in _intervals_on(day, tz) if e > cursor]
        # Consult the calendar only when office time is left on the day, so a start after
        # hours on 31 December does not report a year it did not use.
        if intervals and calendar.info(day).is_workday:
            for interval_start, interval_end in intervals:
                begin = max(interval_start, cursor)
                available = interval_end - begin
                if remaining <= available:
                    return Deadline(at=begin + remaining, warnings=calendar.warnings())
                remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time(0), tzinfo=tz)


def add_working_days(start: datetime, days: int) -> Deadline:
    """The deadline ``days`` 工作日 (whole working days) after ``start``.

    Rule (数字化城市管理 practice: a limit in 工作日 counts whole working days): the start's
    own date is never counted, whatever the time of day (a case reported at 08:00 and one
    reported at 23:00 get the same deadline). The deadline is the end of office hours (the end
    of the last interval, e.g. 17:30) of the ``days``-th working day after the start's date.
    Make-up working days (调休) count; holidays and ordinary weekends do not.

    ``days`` must be an integer >= 1 (``ValueError`` otherwise). Returns an aware
    Asia/Shanghai (``TIME_ZONE``) datetime with the calendar warnings, one per year without
    holiday data that the walk consulted. Raises ``ValueError`` when the walk would exceed
    ``MAX_SPAN_DAYS`` calendar days.
    """
    if isinstance(days, bool):
        raise TypeError("days must be an integer.")
    days = operator.index(days)
    if days < 1:
        raise ValueError("days must be at least 1.")
    local = _local(start, "start")
    tz = local.tzinfo
    assert tz is not None
    if days > MAX_SPAN_DAYS:
        raise _span_error()

    first_day = local.date()
    calendar = _Calendar(
        first_day + timedelta(days=1), first_day + timedelta(days=days * 7 // 5 + 21)
    )
    day, counted = first_day, 0
    while counted < days:
        day += timedelta(days=1)
        if (day - first_day).days > MAX_SPAN_DAYS:
            raise _span_error()
        if calendar.info(day).is_workday:
            counted += 1
    _, end_of_day = _intervals_on(day, tz)[-1]
    return Deadline(at=end_of_day, warnings=calendar.warnings())


def working_hours_between(start: datetime, end: datetime) -> tuple[float, tuple[str, ...]]:
    """Office hours (工作时) elapsed from ``start`` to ``end``, and the calendar warnings.

    Counts the overlap of ``[start, end]`` with the office intervals of working days (the
    same rule as ``add_working_hours``, of which it is the inverse:
    ``working_hours_between(s, add_working_hours(s, h).at)`` is ``h``). Used by indicators (time to dispatch, time to fix). Negative when ``end`` is
    before ``start``. Raises ``ValueError`` when the span exceeds ``MAX_SPAN_DAYS`` days.
    """
    local_start, local_end = _local(start, "start"), _local(end, "end")
    if local_end < local_start:
        hours, warnings = working_hours_between(local_end, local_start)
        return -hours, warnings
    tz = local_start.tzinfo
    assert tz is not None
    first_day, last_day = local_start.date(), local_end.date()
    if (last_day - first_day).days > MAX_SPAN_DAYS:
        raise _span_error()

    calendar = _Calendar(first_day, last_day)
    total = timedelta(0)
    day = first_day
    while day <= last_day:
        overlaps = [
            min(e, local_end) - max(s, local_start)
            for s, e in _intervals_on(day, tz)
            if min(e, local_end) > max(s, local_start)
        ]
        if overlaps and calendar.info(day).is_workday:
            total += sum(overlaps, timedelta(0))
        day += timedelta(days=1)
    return total / timedelta(hours=1), calendar.warnings()

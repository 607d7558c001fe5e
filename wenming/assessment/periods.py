"""Assessment periods: week, month, quarter, year or any date range (Asia/Shanghai dates).

A period is written as a key:

=================  ===========================  ==============================
key                kind                         dates (inclusive)
=================  ===========================  ==============================
``2021``           year                         2021-01-01 … 2021-12-31
``2021-Q1``        quarter                      2021-01-01 … 2021-03-31
``2021-03``        month                        2021-03-01 … 2021-03-31
``2021-W10``       ISO week (Monday–Sunday)     2021-03-08 … 2021-03-14
``2021-03-01..2021-03-15``  range               as written
=================  ===========================  ==============================

A range whose dates are exactly a year, quarter, month or ISO week is that named period
(``2021-03-01..2021-03-31`` is ``2021-03``).

Dates are local calendar dates of ``settings.TIME_ZONE`` (Asia/Shanghai); :func:`bounds`
turns them into the aware half-open interval ``[start 00:00, end+1 00:00)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_RANGE_DAYS = 366 * 5


@dataclass(frozen=True)
class Period:
    """One assessment period: ``key`` as written above, ``kind`` (year, quarter, month,
    week, range), ``start`` and ``end`` local dates, both inclusive."""

    key: str
    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """A human label in Chinese-style notation (e.g. ``2021年3月``)."""
        if self.kind == "year":
            return f"{self.start.year}年"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "week":
            y, w, _d = self.start.isocalendar()
            return f"{y}年第{w}周"
        return f"{self.start.isoformat()}至{self.end.isoformat()}"

    def previous(self) -> Period:
        """The period of the same kind and length just before this one."""
        if self.kind == "year":
            return period_of(str(self.start.year - 1))
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            y, q = (self.start.year, q - 1) if q > 1 else (self.start.year - 1, 4)
            return period_of(f"{y}-Q{q}")
        if self.kind == "month":
            d = self.start - timedelta(days=1)
            return period_of(f"{d.year}-{d.month:02d}")
        if self.kind == "week":
            y, w, _d = (self.start - timedelta(days=7)).isocalendar()
            return period_of(f"{y}-W{w:02d}")
        length = (self.end - self.start).days + 1
        end = self.start - timedelta(days=1)
        start = end - timedelta(days=length - 1)
        return Period(f"{start.isoformat()}..{end.isoformat()}", "range", start, end)


def _bad(text: str) -> ApplicationError:
    return ApplicationError(
        "invalid_period",
        _(
            "Unknown period %(period)s: write 2021, 2021-Q1, 2021-03, 2021-W10 or "
            "2021-03-01..2021-03-15."
        )
        % {"period": text[:40]},
        detail={"field": "period"},
    )


def period_of(text: str) -> Period:
    """Parse a period key (see the module docstring). Raises ApplicationError 400."""
    text = (text or "").strip()
    try:
        if m := re.fullmatch(r"(\d{4})", text):
            y = int(m[1])
            p = Period(text, "year", date(y, 1, 1), date(y, 12, 31))
        elif m := re.fullmatch(r"(\d{4})-Q([1-4])", text, flags=re.I):
            y, q = int(m[1]), int(m[2])
            start = date(y, 3 * q - 2, 1)
            end = (date(y, 3 * q, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            p = Period(f"{y}-Q{q}", "quarter", start, end)
        elif m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            y, mo = int(m[1]), int(m[2])
            start = date(y, mo, 1)
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            p = Period(text, "month", start, end)
        elif m := re.fullmatch(r"(\d{4})-W(\d{1,2})", text, flags=re.I):
            y, w = int(m[1]), int(m[2])
            start = date.fromisocalendar(y, w, 1)
            p = Period(f"{y}-W{w:02d}", "week", start, start + timedelta(days=6))
        elif m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if end < start or (end - start).days > MAX_RANGE_DAYS:
                raise ValueError
            # A range that is exactly a year, quarter, month or week is that period, so
            # that the same dates never have two keys (two rankings, two publications).
            p = _named(start, end) or Period(text, "range", start, end)
        else:
            raise ValueError
    except ValueError:
        raise _bad(text) from None
    if not (MIN_YEAR <= p.start.year and p.end.year <= MAX_YEAR):
        raise _bad(text)
    return p


def _named(start: date, end: date) -> Period | None:
    """The year, quarter, month or ISO week whose dates are exactly ``start``…``end``."""
    if not MIN_YEAR <= start.year <= MAX_YEAR:
        return None
    for key in (
        f"{start.year}",
        f"{start.year}-Q{(start.month - 1) // 3 + 1}",
        f"{start.year}-{start.month:02d}",
        "{}-W{:02d}".format(*start.isocalendar()[:2]),
    ):
        p = period_of(key)
        if (p.start, p.end) == (start, end):
            return p
    return None


def period_for_dates(start: date, end: date) -> Period:
    """The period whose dates are exactly ``start``…``end`` (a named one when it is one)."""
    return _named(start, end) or period_of(f"{start.isoformat()}..{end.isoformat()}")


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Aware ``[start 00:00, end+1 00:00)`` in the current time zone (Asia/Shanghai)."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )

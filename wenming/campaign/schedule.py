"""When a task falls due: the occurrences of a task's schedule within its plan's period.

Pure computation (one query per distinct date for the working calendar, memoised per call):

- ``once``: the task's ``deadline`` (key ``once``);
- ``monthly``: day ``due_day`` of every month of the plan's years (clipped to the month's last
  day; no ``due_day`` = the last day), keys ``2021-03``;
- ``quarterly``: day ``due_day`` of the last month of every quarter (March, June, September,
  December), keys ``2021Q1``;
- ``before_evaluation``: ``due_day`` calendar days (0 when empty) before each evaluation date
  of the plan, keys ``eval-<EvaluationDate id>``.

A date that is not a working day (weekend or Chinese public holiday, per
:mod:`wenming.core.calendar`: office overrides, then ``chinesecalendar``) moves forward to the
next working day, e.g. a monthly task due on 2021-02-12 (Spring Festival) is due on 2021-02-20
(a make-up working Saturday), one due on 2021-10-01 (National Day) on 2021-10-08.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from wenming.core.calendar import day_info


@dataclass(frozen=True)
class Due:
    """One scheduled occurrence: ``key`` (unique per task), ``label`` (for people),
    ``nominal`` (the date the schedule gives) and ``due`` (moved to a working day)."""

    key: str
    label: str
    nominal: date
    due: date


class WorkingDays:
    """Next-working-day lookups, memoised for one generation run."""

    def __init__(self) -> None:
        self._memo: dict[date, bool] = {}

    def is_workday(self, d: date) -> bool:
        if d not in self._memo:
            self._memo[d] = day_info(d).is_workday
        return self._memo[d]

    def on_or_after(self, d: date) -> date:
        """``d`` if it is a working day, else the next working day (at most 60 days on)."""
        for _step in range(60):
            if self.is_workday(d):
                return d
            d += timedelta(days=1)
        return d  # pragma: no cover - no calendar has 60 days off in a row


def _month_day(year: int, month: int, day: int | None) -> date:
    last = pycalendar.monthrange(year, month)[1]
    return date(year, month, min(day or last, last))


def nominal_dates(task, evaluations) -> list[tuple[str, str, date]]:
    """``(key, label, nominal date)`` of every occurrence of ``task`` within its plan's
    years. ``evaluations``: the plan's :class:`~wenming.campaign.models.EvaluationDate` rows."""
    plan = task.plan
    first, last = date(plan.start_year, 1, 1), date(plan.end_year, 12, 31)
    out: list[tuple[str, str, date]] = []
    if task.frequency == "once":
        if task.deadline is not None:
            out.append(("once", _("once"), task.deadline))
    elif task.frequency == "monthly":
        for year in range(plan.start_year, plan.end_year + 1):
            for month in range(1, 13):
                out.append(
                    (
                        f"{year}-{month:02d}",
                        _("%(year)d-%(month)02d") % {"year": year, "month": month},
                        _month_day(year, month, task.due_day),
                    )
                )
    elif task.frequency == "quarterly":
        for year in range(plan.start_year, plan.end_year + 1):
            for quarter in range(1, 5):
                out.append(
                    (
                        f"{year}Q{quarter}",
                        _("%(year)d Q%(quarter)d") % {"year": year, "quarter": quarter},
                        _month_day(year, quarter * 3, task.due_day),
                    )
                )
    elif task.frequency == "before_evaluation":
        for ev in evaluations:
            nominal = ev.date - timedelta(days=task.due_day or 0)
            out.append((f"eval-{ev.id}", _("before %(name)s") % {"name": ev.name}, nominal))
    return [(k, label, d) for k, label, d in out if first <= d <= last or task.frequency == "once"]


def schedule(task, evaluations, days: WorkingDays | None = None) -> list[Due]:
    """The occurrences of ``task`` (see the module docstring), in date order."""
    days = days or WorkingDays()
    return [
        Due(key, label, nominal, days.on_or_after(nominal))
        for key, label, nominal in nominal_dates(task, evaluations)
    ]

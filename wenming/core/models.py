"""Core configuration tables. No domain models live here (see DESIGN.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An office-entered calendar fact that overrides the ``chinesecalendar`` package.

    The State Council publishes next year's holidays and 调休 make-up working days each
    November (国务院办公厅关于…部分节假日安排的通知); the package lags behind, so the office
    enters them here. ``is_workday=False`` marks a holiday, ``True`` a make-up working day
    (e.g. a Saturday). Entries take precedence over the package for their date.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'} {self.name}"


class Sequence(models.Model):
    """A named gapless counter (case numbers per year, briefing issue numbers per series).

    Use :func:`wenming.core.sequences.next_value` inside the caller's transaction: the row
    lock it takes makes two concurrent callers wait for each other, never share a number.
    """

    name = models.CharField(max_length=100, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class ReferenceStamp(models.Model):
    """A random stamp per part of the reference data (``geo``, ``org``, ``taxonomy``), moved
    by database triggers on every change to that part's tables; see
    :mod:`wenming.core.reference`.

    Written only by the triggers (:func:`wenming.core.reference.install_triggers`, after
    every ``migrate``): any write path — services, admin, importers, bulk updates, raw SQL —
    moves it, a rolled-back transaction leaves it, and a new random value (not a counter)
    can never repeat one that a rolled-back or truncated history already handed out.
    """

    name = models.CharField(max_length=20, primary_key=True)
    value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}={self.value}"

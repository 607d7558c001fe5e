"""Scoped reads of the campaign app, and the indicators the assessment counts.

Visibility: the office, leaders and superusers see every plan, task, occurrence, evidence file
and pairing; a unit handler sees the tasks its units lead or cooperate on (their occurrences
and evidence) and its units' pairings; everyone else sees nothing (404).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wenming.org.models import Unit
from wenming.org.scope import Scope

from .models import Evidence, Occurrence, Pairing, Plan, Task, UnitPlan

UNFINISHED = (Occurrence.Status.OPEN, Occurrence.Status.RETURNED)


def sees_all(scope: Scope) -> bool:
    """Office, leader or superuser: every campaign object is visible."""
    return scope.is_office or scope.is_leader


def can_see_campaign(scope: Scope) -> bool:
    """Whether the campaign pages concern the user at all (menus, landing page)."""
    return sees_all(scope) or bool(scope.unit_ids)


def tasks_visible_to(scope: Scope) -> QuerySet[Task]:
    """Tasks the scope may see: all, or those its units lead or cooperate on."""
    qs = Task.objects.all()
    if sees_all(scope):
        return qs
    if not scope.unit_ids:
        return qs.none()
    ids = Task.objects.filter(
        Q(lead_unit_id__in=scope.unit_ids) | Q(cooperating_units__in=scope.unit_ids)
    ).values("pk")
    return qs.filter(pk__in=ids)


def plans_visible_to(scope: Scope) -> QuerySet[Plan]:
    """Plans with at least one visible task (all plans for the office and leaders)."""
    if sees_all(scope):
        return Plan.objects.all()
    return Plan.objects.filter(pk__in=tasks_visible_to(scope).values("plan_id"))


def occurrences_visible_to(scope: Scope) -> QuerySet[Occurrence]:
    """Occurrences of the visible tasks."""
    if sees_all(scope):
        return Occurrence.objects.all()
    return Occurrence.objects.filter(task__in=tasks_visible_to(scope).values("pk"))


def evidence_visible_to(scope: Scope) -> QuerySet[Evidence]:
    """Evidence of the visible occurrences."""
    if sees_all(scope):
        return Evidence.objects.all()
    return Evidence.objects.filter(occurrence__in=occurrences_visible_to(scope).values("pk"))


def pairings_visible_to(scope: Scope) -> QuerySet[Pairing]:
    """All pairings, or those of the scope's units."""
    if sees_all(scope):
        return Pairing.objects.all()
    return Pairing.objects.filter(unit_id__in=scope.unit_ids)


def unit_plans_visible_to(scope: Scope) -> QuerySet[UnitPlan]:
    """All units' own plans, or those of the scope's units."""
    if sees_all(scope):
        return UnitPlan.objects.all()
    return UnitPlan.objects.filter(unit_id__in=scope.unit_ids)


def is_overdue(occ: Occurrence, today: datetime.date | None = None) -> bool:
    """Open or returned, and its due date is before ``today`` (local date by default)."""
    today = today or timezone.localdate()
    return occ.status in UNFINISHED and occ.due < today


def overview(scope: Scope, today: datetime.date | None = None) -> list[dict]:
    """Per lead unit, the occurrences that concern the office at a glance, worst first:
    ``{"unit", "tasks", "due" (due date up to today), "overdue" (open or returned, past due),
    "missing" (past due and never reported: still open), "waiting" (submitted, to review),
    "accepted", "upcoming" (due within 30 days, unfinished)}``.
    One aggregate query plus one for the units."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=30)
    rows = (
        occurrences_visible_to(scope)
        .values("task__lead_unit_id")
        .annotate(
            n_tasks=Count("task", distinct=True),
            n_due=Count("pk", filter=Q(due__lte=today)),
            n_overdue=Count("pk", filter=Q(due__lt=today, status__in=UNFINISHED)),
            n_missing=Count("pk", filter=Q(due__lt=today, status=Occurrence.Status.OPEN)),
            n_waiting=Count("pk", filter=Q(status=Occurrence.Status.SUBMITTED)),
            n_accepted=Count("pk", filter=Q(status=Occurrence.Status.ACCEPTED)),
            n_upcoming=Count("pk", filter=Q(due__gte=today, due__lte=soon, status__in=UNFINISHED)),
        )
        .order_by()
    )
    units = Unit.objects.in_bulk([r["task__lead_unit_id"] for r in rows])
    out = [
        {
            "unit": units[r["task__lead_unit_id"]],
            **{
                k: r["n_" + k]
                for k in ("tasks", "due", "overdue", "missing", "waiting", "accepted", "upcoming")
            },
        }
        for r in rows
    ]
    out.sort(key=lambda r: (-r["overdue"], -r["waiting"], r["unit"].code))
    return out


def criterion_evidence(scope: Scope, criterion_id: int) -> QuerySet[Evidence]:
    """Accepted evidence of occurrences whose task is linked to the criterion, ordered by
    task number, due date and upload time (the per-criterion evidence folder)."""
    return (
        evidence_visible_to(scope)
        .filter(status=Evidence.Status.ACCEPTED, occurrence__task__criteria=criterion_id)
        .select_related("occurrence__task__lead_unit", "occurrence__task__plan")
        .order_by("occurrence__task__code", "occurrence__due", "uploaded_at", "pk")
    )


def unit_task_indicators(start: datetime.date, end: datetime.date) -> dict[int, dict]:
    """Task completion per lead unit, for the assessment.

    Counts the occurrences whose ``due`` date (after moving to a working day) lies in
    ``[start, end]``, grouped by the task's lead unit:

    - ``due``: all of them;
    - ``on_time``: accepted, and the accepted submission was made on or before the due date
      (local date of ``completed_at``);
    - ``late``: accepted, submitted after the due date;
    - ``missing``: not accepted and the due date has passed (before today, local date);
      occurrences not yet past due and not accepted count only in ``due``;
    - ``evidence_accepted``: accepted evidence files of those occurrences;
    - ``occurrence_ids``: ids of those occurrences in due-date order (to explain the counts
      item by item).

    Returns ``{unit_id: {...}}``; units with nothing due are absent. Two queries.
    """
    today = timezone.localdate()
    tz = timezone.get_default_timezone()
    occs = (
        Occurrence.objects.filter(due__gte=start, due__lte=end)
        .order_by("due", "pk")
        .values("pk", "task__lead_unit_id", "status", "due", "completed_at")
    )
    evidence = dict(
        Evidence.objects.filter(
            status=Evidence.Status.ACCEPTED, occurrence__due__gte=start, occurrence__due__lte=end
        )
        .values("occurrence_id")
        .annotate(n=Count("pk"))
        .values_list("occurrence_id", "n")
    )
    out: dict[int, dict] = defaultdict(
        lambda: {
            "due": 0,
            "on_time": 0,
            "late": 0,
            "missing": 0,
            "evidence_accepted": 0,
            "occurrence_ids": [],
        }
    )
    for o in occs:
        row = out[o["task__lead_unit_id"]]
        row["due"] += 1
        row["occurrence_ids"].append(o["pk"])
        row["evidence_accepted"] += evidence.get(o["pk"], 0)
        if o["status"] == Occurrence.Status.ACCEPTED and o["completed_at"] is not None:
            if o["completed_at"].astimezone(tz).date() <= o["due"]:
                row["on_time"] += 1
            else:
                row["late"] += 1
        elif o["due"] < today:
            row["missing"] += 1
    return dict(out)

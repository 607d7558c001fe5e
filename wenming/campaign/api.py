"""JSON API of the campaign app: task occurrences (list, submit with evidence, review) and the
per-unit task indicators. Handlers only translate HTTP to services and selectors."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from wenming.core.errors import ApplicationError, NotFound
from wenming.org.scope import scope_for

from . import selectors, services
from .models import Occurrence

router = Router(tags=["campaign"])

MAX_LIMIT = 500


class OccurrenceOut(Schema):
    id: int
    task_id: int
    task_code: str
    task_title: str
    lead_unit_id: int
    lead_unit: str
    key: str
    label: str
    nominal_due: date
    due: date
    status: str
    overdue: bool
    version: int
    evidence_count: int


class OccurrenceFilter(Schema):
    unit: int | None = None
    status: str | None = None
    overdue: bool | None = None
    due_from: date | None = None
    due_to: date | None = None
    limit: int = 100
    offset: int = 0


def _out(o: Occurrence, today: date) -> dict:
    return {
        "id": o.pk,
        "task_id": o.task_id,
        "task_code": o.task.code,
        "task_title": o.task.title,
        "lead_unit_id": o.task.lead_unit_id,
        "lead_unit": o.task.lead_unit.name,
        "key": o.key,
        "label": o.label,
        "nominal_due": o.nominal_due,
        "due": o.due,
        "status": o.status,
        "overdue": selectors.is_overdue(o, today),
        "version": o.version,
        "evidence_count": o.n_evidence,
    }


@router.get("/campaign/occurrences", response=list[OccurrenceOut])
def list_occurrences(request, f: Query[OccurrenceFilter]):
    """Task occurrences the caller may see, by due date; ``overdue=true`` for open or
    returned ones past due. ``limit`` at most 500."""
    from django.db.models import Count

    scope = scope_for(request.user)
    if not selectors.can_see_campaign(scope):
        raise NotFound("campaign")
    if not 1 <= f.limit <= MAX_LIMIT or f.offset < 0:
        raise ApplicationError(
            "invalid_limit",
            _("The limit must be between 1 and 500, the offset at least 0."),
            detail={"field": "limit"},
        )
    today = timezone.localdate()
    qs = selectors.occurrences_visible_to(scope).select_related("task", "task__lead_unit")
    if f.unit is not None:
        qs = qs.filter(task__lead_unit_id=f.unit)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.overdue is True:
        qs = qs.filter(status__in=selectors.UNFINISHED, due__lt=today)
    elif f.overdue is False:
        qs = qs.exclude(status__in=selectors.UNFINISHED, due__lt=today)
    if f.due_from:
        qs = qs.filter(due__gte=f.due_from)
    if f.due_to:
        qs = qs.filter(due__lte=f.due_to)
    qs = qs.annotate(n_evidence=Count("evidence")).order_by("due", "pk")
    return [_out(o, today) for o in qs[f.offset : f.offset + f.limit]]


@router.post("/campaign/occurrences/{occurrence_id}/submit", response=OccurrenceOut)
def submit(
    request,
    occurrence_id: int,
    progress: Form[str],
    figures: Form[str] = "",
    version: Form[int | None] = None,
    files: File[list[UploadedFile]] = None,
):
    """Report progress with evidence files (multipart) for review (lead unit)."""
    services.occurrence_submit(
        request.user,
        occurrence_id,
        progress=progress,
        figures=figures,
        files=files or [],
        expected_version=version,
    )
    return _one(request, occurrence_id)


class ReviewIn(Schema):
    decision: str
    note: str = ""
    version: int | None = None


@router.post("/campaign/occurrences/{occurrence_id}/review", response=OccurrenceOut)
def review(request, occurrence_id: int, body: ReviewIn):
    """Accept a submitted occurrence, or return it with a note (office)."""
    services.occurrence_review(
        request.user,
        occurrence_id,
        decision=body.decision,
        note=body.note,
        expected_version=body.version,
    )
    return _one(request, occurrence_id)


def _one(request, occurrence_id: int) -> dict:
    from django.db.models import Count

    o = (
        selectors.occurrences_visible_to(scope_for(request.user))
        .select_related("task", "task__lead_unit")
        .annotate(n_evidence=Count("evidence"))
        .get(pk=occurrence_id)
    )
    return _out(o, timezone.localdate())


class IndicatorRow(Schema):
    unit_id: int
    due: int
    on_time: int
    late: int
    missing: int
    evidence_accepted: int
    occurrence_ids: list[int]


@router.get("/campaign/indicators", response=list[IndicatorRow])
def indicators(request, start: date, end: date):
    """Task completion per lead unit for occurrences due in ``[start, end]`` (office and
    leaders): see :func:`wenming.campaign.selectors.unit_task_indicators`."""
    scope = scope_for(request.user)
    if not selectors.sees_all(scope):
        raise NotFound("campaign")
    if end < start or (end - start).days > 3660:
        raise ApplicationError(
            "invalid_period",
            _("The end must not be before the start, and at most 10 years later."),
            detail={"field": "end"},
        )
    rows = selectors.unit_task_indicators(start, end)
    return [{"unit_id": k, **v} for k, v in sorted(rows.items())]

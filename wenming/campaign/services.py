"""Campaign writes: one function per change, each checking permission, validating, and writing
the change with a :class:`~wenming.campaign.models.CampaignEvent` audit row in one transaction.

Who may do what:

==========================  =================================================================
function                    who
==========================  =================================================================
plan_create / plan_update   office
evaluation_add              office
task_create / task_update   office (occurrences regenerated in the same transaction)
occurrences_generate        office (idempotent)
plan_import                 office (or a command run with ``user=None``: the system)
occurrence_submit           handler of the task's lead unit (open or returned occurrence)
occurrence_review           office (submitted occurrence): accept or return with a note
unit_plan_save              office, or a handler of the unit
pairing_create / _end       office
activity_record             handler of the paired unit, or office
activity_offer              handler of the paired unit, or office; once per activity
registrations_import        office (or the system)
==========================  =================================================================

Out of scope objects are 404 (``NotFound``), a wrong role 403, a wrong state 409; bad input
400 with a Chinese message. Refusals change nothing and store no file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wenming.core.errors import ApplicationError, NotFound
from wenming.core.ids import MAX_ID
from wenming.core.photos import process_photos
from wenming.core.text import clean_text
from wenming.geo.models import Region
from wenming.org.models import Unit
from wenming.org.scope import scope_for

from . import imports, selectors
from .evidence import check_files
from .models import (
    Activity,
    ActivityPhoto,
    CampaignEvent,
    EvaluationDate,
    Evidence,
    EvidenceKind,
    Frequency,
    LeadingGroupMember,
    Occurrence,
    Pairing,
    Plan,
    Registration,
    Task,
    UnitPlan,
)
from .schedule import WorkingDays, schedule

TITLE_MAX = 200
TEXT_MAX = 5000
NOTE_MAX = 2000
MAX_PLAN_YEARS = 10


# --- helpers ----------------------------------------------------------------------------------


def _is_system(user) -> bool:
    return user is None


def _require_office(user) -> None:
    if _is_system(user):
        return
    scope = scope_for(user)
    if not scope.is_office:
        if scope.is_leader or scope.unit_ids:
            raise ApplicationError(
                "forbidden", _("Only the campaign office can do this."), status=403
            )
        raise NotFound("campaign")


def _audit(user, action: str, obj, data: dict | None = None) -> CampaignEvent:
    return CampaignEvent.objects.create(
        action=action,
        object_type=obj.__class__.__name__.lower(),
        object_id=obj.pk,
        actor=user if getattr(user, "pk", None) else None,
        data=data or {},
    )


def _bad(code: str, message: str, field: str) -> ApplicationError:
    return ApplicationError(code, message, detail={"field": field})


def _year(value, field: str, label: str) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise _bad(
            "invalid_year", _("%(field)s must be a year.") % {"field": label}, field
        ) from None
    if not 2000 <= year <= 2100:
        raise _bad("invalid_year", _("%(field)s must be a year.") % {"field": label}, field)
    return year


def _date(value, field: str, label: str, *, required: bool = True) -> date | None:
    if value in (None, "") and not required:
        return None
    if isinstance(value, date):
        return value
    parsed = imports.as_date(value) if isinstance(value, str) else None
    if parsed is None:
        raise _bad("invalid_date", _("%(field)s must be a date.") % {"field": label}, field)
    return parsed


def _period(start_year, end_year) -> tuple[int, int]:
    start = _year(start_year, "start_year", _("First year"))
    end = _year(end_year, "end_year", _("Last year"))
    if end < start:
        raise _bad("invalid_period", _("The last year is before the first year."), "end_year")
    if end - start + 1 > MAX_PLAN_YEARS:
        raise _bad(
            "invalid_period",
            _("A plan covers at most %(max)d years.") % {"max": MAX_PLAN_YEARS},
            "end_year",
        )
    return start, end


def _lock_plan(plan_id) -> Plan:
    try:
        return Plan.objects.select_for_update().get(pk=int(plan_id))
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise NotFound("plan") from None


# --- plans ------------------------------------------------------------------------------------


def plan_create(user, *, title: str, start_year, end_year, note: str = "") -> Plan:
    """Create an implementation plan (office). ``start_year``..``end_year`` inclusive, at most
    10 years. Raises 400 for a bad title/period, 409 ``duplicate`` for a title in use."""
    _require_office(user)
    title = clean_text(title, "title", _("Title"), max_length=TITLE_MAX, required=True)
    note = clean_text(note, "note", _("Note"), max_length=TEXT_MAX)
    start, end = _period(start_year, end_year)
    with transaction.atomic():
        if Plan.objects.filter(title=title).exists():
            raise ApplicationError(
                "duplicate",
                _("A plan with this title exists already."),
                detail={"field": "title"},
                status=409,
            )
        plan = Plan.objects.create(
            title=title,
            start_year=start,
            end_year=end,
            note=note,
            created_by=user if getattr(user, "pk", None) else None,
        )
        _audit(user, "plan_create", plan, {"title": title, "start_year": start, "end_year": end})
    return plan


def plan_update(user, plan_id: int, *, title: str, start_year, end_year, note: str = "") -> Plan:
    """Change a plan's title, period or note (office); occurrences are regenerated."""
    _require_office(user)
    title = clean_text(title, "title", _("Title"), max_length=TITLE_MAX, required=True)
    note = clean_text(note, "note", _("Note"), max_length=TEXT_MAX)
    start, end = _period(start_year, end_year)
    with transaction.atomic():
        plan = _lock_plan(plan_id)
        if Plan.objects.filter(title=title).exclude(pk=plan.pk).exists():
            raise ApplicationError(
                "duplicate",
                _("A plan with this title exists already."),
                detail={"field": "title"},
                status=409,
            )
        before = {"title": plan.title, "start_year": plan.start_year, "end_year": plan.end_year}
        plan.title, plan.start_year, plan.end_year, plan.note = title, start, end, note
        plan.save()
        counts = _generate(plan)
        _audit(user, "plan_update", plan, {"before": before, "occurrences": counts})
    return plan


def evaluation_add(user, plan_id: int, *, name: str, date_value) -> EvaluationDate:
    """Add an evaluation date to a plan (office); tasks due before each evaluation get an
    occurrence for it. The date must lie within the plan's years and be new."""
    _require_office(user)
    name = clean_text(name, "name", _("Name"), max_length=100, required=True)
    day = _date(date_value, "date", _("Date"))
    with transaction.atomic():
        plan = _lock_plan(plan_id)
        if not plan.start_year <= day.year <= plan.end_year:
            raise _bad("invalid_date", _("The date is outside the plan's years."), "date")
        if plan.evaluations.filter(date=day).exists():
            raise ApplicationError(
                "duplicate",
                _("This plan has an evaluation on that date already."),
                detail={"field": "date"},
                status=409,
            )
        ev = EvaluationDate.objects.create(plan=plan, name=name, date=day)
        counts = _generate(plan)
        _audit(user, "evaluation_add", plan, {"name": name, "date": day.isoformat(), **counts})
    return ev


def evaluation_remove(user, evaluation_id) -> None:
    """Remove an evaluation date (office). Its occurrences go with it; refused (409) when a
    unit has already reported on one of them."""
    _require_office(user)
    with transaction.atomic():
        try:
            ev = EvaluationDate.objects.select_for_update().get(pk=int(evaluation_id))
        except (EvaluationDate.DoesNotExist, ValueError, TypeError):
            raise NotFound("evaluation") from None
        plan = _lock_plan(ev.plan_id)
        key = f"eval-{ev.pk}"
        reported = Occurrence.objects.filter(task__plan=plan, key=key).filter(
            ~Q(status=Occurrence.Status.OPEN) | Q(evidence__isnull=False)
        )
        if reported.exists():
            raise ApplicationError(
                "invalid_state",
                _("Units have reported for this evaluation already; it cannot be removed."),
                status=409,
            )
        data = {"name": ev.name, "date": ev.date.isoformat()}
        ev.delete()
        counts = _generate(plan)
        _audit(user, "evaluation_remove", plan, {**data, **counts})


# --- tasks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskInput:
    """Validated fields of a task (see :class:`~wenming.campaign.models.Task`)."""

    code: str
    title: str
    description: str
    lead_unit: Unit
    cooperating_units: tuple[Unit, ...]
    frequency: str
    deadline: date | None
    due_day: int | None
    criteria: tuple
    evidence_kinds: tuple[str, ...]
    evidence_note: str


MAX_PK = MAX_ID  # BIGINT primary keys (wenming.core.ids)


def _pks(ids) -> set[int]:
    """``ids`` as a set of primary keys; ValueError when one cannot be a key (not an integer,
    or outside 1 … :data:`MAX_PK`)."""
    wanted = {int(i) for i in ids}
    if any(not 1 <= i <= MAX_PK for i in wanted):
        raise ValueError("not a primary key")
    return wanted


def _units(ids, field: str) -> list[Unit]:
    try:
        wanted = _pks(ids)
    except (TypeError, ValueError):
        raise _bad("unknown_unit", _("Unknown unit."), field) from None
    units = list(Unit.objects.filter(pk__in=wanted, is_active=True))
    if len(units) != len(wanted):
        raise _bad("unknown_unit", _("Unknown unit."), field)
    return units


def _criteria(ids) -> list:
    from wenming.inspections.models import Criterion

    try:
        wanted = _pks(ids)
    except (TypeError, ValueError):
        raise _bad("unknown_criterion", _("Unknown criterion."), "criteria") from None
    found = list(Criterion.objects.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise _bad("unknown_criterion", _("Unknown criterion."), "criteria")
    return found


def _schedule_fields(frequency, deadline, due_day) -> tuple[str, date | None, int | None]:
    if frequency not in Frequency.values:
        raise _bad("invalid_frequency", _("Choose a frequency."), "frequency")
    if frequency == Frequency.ONCE:
        return frequency, _date(deadline, "deadline", pgettext("task", "Deadline")), None
    if due_day in (None, ""):
        return frequency, None, None
    try:
        day = int(due_day)
    except (TypeError, ValueError):
        raise _bad("invalid_due_day", _("The due day must be a whole number."), "due_day") from None
    limit = 90 if frequency == Frequency.BEFORE_EVALUATION else 31
    low = 0 if frequency == Frequency.BEFORE_EVALUATION else 1
    if not low <= day <= limit:
        raise _bad(
            "invalid_due_day",
            _("The due day must be between %(low)d and %(high)d.") % {"low": low, "high": limit},
            "due_day",
        )
    return frequency, None, day


def task_input(
    *,
    code: str,
    title: str,
    description: str = "",
    lead_unit_id,
    cooperating_unit_ids: Sequence = (),
    frequency: str,
    deadline=None,
    due_day=None,
    criterion_ids: Sequence = (),
    evidence_kinds: Sequence[str] = (),
    evidence_note: str = "",
) -> TaskInput:
    """Validate the fields of a task; raises ApplicationError (400) naming the field."""
    code = clean_text(code, "code", _("Number"), max_length=32, required=True)
    title = clean_text(title, "title", _("Task"), max_length=TITLE_MAX, required=True)
    description = clean_text(description, "description", _("Content"), max_length=TEXT_MAX)
    evidence_note = clean_text(
        evidence_note, "evidence_note", _("What counts as evidence"), max_length=500
    )
    if lead_unit_id in (None, ""):
        raise _bad("required", _("Choose the lead unit."), "lead_unit")
    (lead,) = _units([lead_unit_id], "lead_unit")
    cooperating = [u for u in _units(cooperating_unit_ids, "cooperating_units") if u.pk != lead.pk]
    frequency, deadline, due_day = _schedule_fields(frequency, deadline, due_day)
    kinds = tuple(dict.fromkeys(evidence_kinds))
    if any(k not in EvidenceKind.values for k in kinds):
        raise _bad("invalid_evidence_kind", _("Unknown kind of evidence."), "evidence_kinds")
    return TaskInput(
        code,
        title,
        description,
        lead,
        tuple(sorted(cooperating, key=lambda u: u.code)),
        frequency,
        deadline,
        due_day,
        tuple(_criteria(criterion_ids)),
        kinds,
        evidence_note,
    )


def _write_task(task: Task, data: TaskInput) -> None:
    task.code, task.title, task.description = data.code, data.title, data.description
    task.lead_unit = data.lead_unit
    task.frequency, task.deadline, task.due_day = data.frequency, data.deadline, data.due_day
    task.evidence_kinds, task.evidence_note = list(data.evidence_kinds), data.evidence_note
    task.save()
    task.cooperating_units.set(data.cooperating_units)
    task.criteria.set(data.criteria)


def _task_snapshot(data: TaskInput) -> dict:
    return {
        "code": data.code,
        "title": data.title,
        "lead_unit": data.lead_unit.pk,
        "cooperating_units": [u.pk for u in data.cooperating_units],
        "frequency": data.frequency,
        "deadline": data.deadline.isoformat() if data.deadline else None,
        "due_day": data.due_day,
        "criteria": [c.pk for c in data.criteria],
        "evidence_kinds": list(data.evidence_kinds),
    }


def _check_once_in_plan(plan: Plan, data: TaskInput) -> None:
    if data.deadline and not plan.start_year <= data.deadline.year <= plan.end_year:
        raise _bad("invalid_date", _("The deadline is outside the plan's years."), "deadline")


def task_create(user, plan_id: int, **fields: Any) -> Task:
    """Add a task to a plan (office) and generate its occurrences. ``fields``: see
    :func:`task_input`. 409 ``duplicate`` when the number is in use in the plan."""
    _require_office(user)
    data = task_input(**fields)
    with transaction.atomic():
        plan = _lock_plan(plan_id)
        _check_once_in_plan(plan, data)
        if plan.tasks.filter(code=data.code).exists():
            raise ApplicationError(
                "duplicate",
                _("This plan has a task with this number already."),
                detail={"field": "code"},
                status=409,
            )
        task = Task(plan=plan, seq=plan.tasks.count() + 1)
        _write_task(task, data)
        counts = _generate_task(task, list(plan.evaluations.all()), WorkingDays())
        _audit(user, "task_create", task, {**_task_snapshot(data), "occurrences": counts})
    return task


def task_update(user, task_id: int, **fields: Any) -> Task:
    """Change a task (office); its occurrences are regenerated (accepted or reported ones are
    kept, open ones whose period no longer applies are removed)."""
    _require_office(user)
    data = task_input(**fields)
    with transaction.atomic():
        try:
            task = Task.objects.select_for_update().select_related("plan").get(pk=int(task_id))
        except (Task.DoesNotExist, ValueError, TypeError):
            raise NotFound("task") from None
        _check_once_in_plan(task.plan, data)
        if task.plan.tasks.filter(code=data.code).exclude(pk=task.pk).exists():
            raise ApplicationError(
                "duplicate",
                _("This plan has a task with this number already."),
                detail={"field": "code"},
                status=409,
            )
        _write_task(task, data)
        counts = _generate_task(task, list(task.plan.evaluations.all()), WorkingDays())
        _audit(user, "task_update", task, {**_task_snapshot(data), "occurrences": counts})
    return task


# --- occurrences ------------------------------------------------------------------------------


def _generate_task(task: Task, evaluations, days: WorkingDays) -> dict:
    """Make the task's occurrences match its schedule: create missing ones, move the due date
    of unfinished ones, remove open ones without evidence that no longer apply. Idempotent."""
    wanted = {d.key: d for d in schedule(task, evaluations, days)}
    existing = {o.key: o for o in task.occurrences.all()}
    created = updated = removed = 0
    new = []
    for key, due in wanted.items():
        occ = existing.get(key)
        if occ is None:
            new.append(
                Occurrence(
                    task=task, key=key, label=due.label, nominal_due=due.nominal, due=due.due
                )
            )
        elif occ.status != Occurrence.Status.ACCEPTED and (
            occ.due != due.due or occ.nominal_due != due.nominal or occ.label != due.label
        ):
            occ.due, occ.nominal_due, occ.label = due.due, due.nominal, due.label
            occ.save(update_fields=["due", "nominal_due", "label"])
            updated += 1
    Occurrence.objects.bulk_create(new)
    created = len(new)
    stale = [
        o.pk
        for key, o in existing.items()
        if key not in wanted and o.status == Occurrence.Status.OPEN
    ]
    if stale:
        stale_qs = Occurrence.objects.filter(pk__in=stale, evidence__isnull=True)
        removed = stale_qs.count()
        stale_qs.delete()
    return {"created": created, "updated": updated, "removed": removed}


def _generate(plan: Plan) -> dict:
    evaluations = list(plan.evaluations.all())
    days = WorkingDays()
    total = {"created": 0, "updated": 0, "removed": 0}
    for task in plan.tasks.select_related("plan"):
        for k, v in _generate_task(task, evaluations, days).items():
            total[k] += v
    return total


def occurrences_generate(user, plan_id: int) -> dict:
    """(Re)generate the occurrences of every task of a plan (office). Idempotent: a second
    run creates nothing. Returns ``{"created", "updated", "removed"}`` counts."""
    _require_office(user)
    with transaction.atomic():
        plan = _lock_plan(plan_id)
        counts = _generate(plan)
        _audit(user, "occurrences_generate", plan, counts)
    return counts


def _lock_occurrence(user, occurrence_id) -> Occurrence:
    scope = scope_for(user)
    try:
        return (
            selectors.occurrences_visible_to(scope)
            .select_for_update(of=("self",))
            .select_related("task", "task__lead_unit")
            .get(pk=int(occurrence_id))
        )
    except (Occurrence.DoesNotExist, ValueError, TypeError):
        raise NotFound("occurrence") from None


def _store(rows_and_files) -> list[str]:
    """Save files through the storage API; returns the stored names (for cleanup)."""
    stored = []
    for row, attr, content in rows_and_files:
        getattr(row, attr).save(content.name, content, save=False)
        stored.append(getattr(row, attr).name)
    return stored


def _delete_stored(names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(Exception):
            default_storage.delete(name)


def _stale(occ: Occurrence, expected_version) -> None:
    if expected_version not in (None, "") and int(expected_version) != occ.version:
        raise ApplicationError(
            "stale",
            _("Someone else changed this task just now; reload it and try again."),
            status=409,
        )


def occurrence_submit(
    user,
    occurrence_id: int,
    *,
    progress: str,
    figures: str = "",
    files: Sequence = (),
    expected_version=None,
) -> Occurrence:
    """The lead unit reports progress (required text) with figures and evidence files
    (checked by content, see :mod:`wenming.campaign.evidence`) and submits the occurrence for
    review. Allowed on an open or returned occurrence by a handler of the lead unit. A
    returned occurrence keeps its earlier files; at least one file must be attached in all
    unless the task asks for figures only. Raises 400 (bad text or file; nothing stored),
    403, 404, 409 (state)."""
    scope = scope_for(user)
    progress = clean_text(
        progress, "progress", _("Work progress"), max_length=TEXT_MAX, required=True
    )
    figures = clean_text(figures, "figures", _("Figures"), max_length=500)
    checked = check_files(files)
    stored: list[str] = []
    try:
        with transaction.atomic():
            occ = _lock_occurrence(user, occurrence_id)
            if occ.task.lead_unit_id not in scope.unit_ids:
                raise ApplicationError(
                    "forbidden", _("Only the lead unit reports on this task."), status=403
                )
            if occ.status not in (Occurrence.Status.OPEN, Occurrence.Status.RETURNED):
                raise ApplicationError(
                    "invalid_state",
                    _("This task is %(status)s and cannot be submitted now.")
                    % {"status": Occurrence.Status(occ.status).label},
                    status=409,
                )
            _stale(occ, expected_version)
            kinds = occ.task.evidence_kinds or []
            if not checked and not occ.evidence.exists() and kinds != ["figures"]:
                raise _bad("evidence_required", _("Attach at least one evidence file."), "files")
            if kinds == ["figures"] and not figures:
                raise _bad(
                    "required", _("%(field)s is required.") % {"field": _("Figures")}, "figures"
                )
            now = timezone.now()
            before = occ.status
            occ.progress, occ.figures = progress, figures
            occ.status = Occurrence.Status.SUBMITTED
            occ.submitted_at, occ.submitted_by = now, user
            occ.version += 1
            occ.save()
            rows = []
            for c in checked:
                row = Evidence(
                    occurrence=occ,
                    format=c.format,
                    original_name=c.original_name,
                    size=c.size,
                    sha256=c.sha256,
                    uploaded_by=user,
                )
                stored += _store([(row, "file", c.content)])
                if c.thumbnail is not None:
                    stored += _store([(row, "thumbnail", c.thumbnail)])
                row.save()
                rows.append(row.pk)
            _audit(
                user,
                "occurrence_submit",
                occ,
                {"from": before, "evidence": rows, "figures": figures},
            )
    except BaseException:
        _delete_stored(stored)
        raise
    return occ


def evidence_delete(user, evidence_id) -> Occurrence:
    """Remove a file the lead unit uploaded by mistake, while its occurrence is open or
    returned (accepted evidence is never removed). The stored file is deleted once the
    transaction commits. Raises 403 (not the lead unit), 404, 409 (state)."""
    scope = scope_for(user)
    with transaction.atomic():
        try:
            ev = (
                selectors.evidence_visible_to(scope)
                .select_for_update(of=("self",))
                .select_related("occurrence__task")
                .get(pk=int(evidence_id))
            )
        except (Evidence.DoesNotExist, ValueError, TypeError):
            raise NotFound("evidence") from None
        occ = _lock_occurrence(user, ev.occurrence_id)
        if occ.task.lead_unit_id not in scope.unit_ids:
            raise ApplicationError(
                "forbidden", _("Only the lead unit reports on this task."), status=403
            )
        if occ.status not in selectors.UNFINISHED or ev.status != Evidence.Status.SUBMITTED:
            raise ApplicationError(
                "invalid_state",
                _("Files can be removed only before the office accepts the task."),
                status=409,
            )
        names = [n for n in (ev.file.name, ev.thumbnail.name) if n]
        data = {"evidence": ev.pk, "name": ev.original_name, "sha256": ev.sha256}
        ev.delete()
        occ.version += 1
        occ.save(update_fields=["version"])
        _audit(user, "evidence_delete", occ, data)
        transaction.on_commit(lambda: _delete_stored(names))
    return occ


def occurrence_review(
    user, occurrence_id: int, *, decision: str, note: str = "", expected_version=None
) -> Occurrence:
    """The office reviews a submitted occurrence: ``decision="accept"`` (its evidence becomes
    accepted; ``completed_at`` = the submission time) or ``"return"`` with ``note`` (required:
    what is missing). Raises 400, 403 (not office), 404, 409 (not submitted, or stale)."""
    scope = scope_for(user)
    note = clean_text(
        note, "note", _("Review note"), max_length=NOTE_MAX, required=decision == "return"
    )
    if decision not in ("accept", "return"):
        raise _bad("invalid_decision", _("Choose accept or return."), "decision")
    with transaction.atomic():
        occ = _lock_occurrence(user, occurrence_id)
        if not scope.is_office:
            raise ApplicationError(
                "forbidden", _("Only the campaign office can do this."), status=403
            )
        if occ.status != Occurrence.Status.SUBMITTED:
            raise ApplicationError(
                "invalid_state",
                _("This task is %(status)s and cannot be reviewed now.")
                % {"status": Occurrence.Status(occ.status).label},
                status=409,
            )
        _stale(occ, expected_version)
        now = timezone.now()
        occ.reviewed_at, occ.reviewed_by, occ.review_note = now, user, note
        occ.version += 1
        if decision == "accept":
            occ.status = Occurrence.Status.ACCEPTED
            occ.completed_at = occ.submitted_at
            occ.evidence.filter(status=Evidence.Status.SUBMITTED).update(
                status=Evidence.Status.ACCEPTED, accepted_at=now
            )
        else:
            occ.status = Occurrence.Status.RETURNED
        occ.save()
        _audit(user, f"occurrence_{decision}", occ, {"note": note})
    return occ


# --- plan import ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What :func:`plan_import` did: the plan, whether it was new, task counts, and the
    occurrence counts of the regeneration."""

    plan: Plan
    plan_created: bool
    tasks_created: int
    tasks_updated: int
    occurrences: dict


def _resolve_units(names: list[str], problems, sheet, row, column, cache) -> list[Unit]:
    out = []
    for name in names:
        unit = cache.get(name)
        if unit is None:
            problems.add(sheet, row, column, _("Unknown unit “%(name)s”.") % {"name": name})
        else:
            out.append(unit)
    return out


def _parse_plan(wb, problems) -> dict:
    sheets = {ws.title: ws for ws in wb.worksheets}
    meta: dict[str, Any] = {}
    if imports.PLAN_SHEET not in sheets:
        problems.add(
            imports.PLAN_SHEET,
            None,
            "",
            _("Sheet “%(sheet)s” is missing.") % {"sheet": imports.PLAN_SHEET},
        )
    else:
        for number, values in enumerate(sheets[imports.PLAN_SHEET].iter_rows(values_only=True), 1):
            if values and len(values) >= 2:
                meta[imports.text(values[0])] = (number, values[1])
    plan: dict[str, Any] = {}
    title_row, title = meta.get("方案名称", (None, None))
    plan["title"] = imports.text(title)
    if not plan["title"]:
        problems.add(imports.PLAN_SHEET, title_row, "方案名称", _("The plan's title is missing."))
    elif len(plan["title"]) > TITLE_MAX:
        problems.add(
            imports.PLAN_SHEET,
            title_row,
            "方案名称",
            _("Too long: at most %(max)d characters.") % {"max": TITLE_MAX},
        )
    for key, label in (("start_year", "起始年份"), ("end_year", "结束年份")):
        row, value = meta.get(label, (None, None))
        year = imports.as_int(value)
        if year is None or not 2000 <= year <= 2100:
            problems.add(imports.PLAN_SHEET, row, label, _("Not a year."))
        plan[key] = year
    if plan.get("start_year") and plan.get("end_year"):
        if plan["end_year"] < plan["start_year"]:
            problems.add(
                imports.PLAN_SHEET,
                meta["结束年份"][0],
                "结束年份",
                _("The last year is before the first year."),
            )
        elif plan["end_year"] - plan["start_year"] + 1 > MAX_PLAN_YEARS:
            problems.add(
                imports.PLAN_SHEET,
                meta["结束年份"][0],
                "结束年份",
                _("A plan covers at most %(max)d years.") % {"max": MAX_PLAN_YEARS},
            )
    plan["note"] = imports.text(meta.get("说明", (None, ""))[1])[:TEXT_MAX]

    evaluations = []
    if imports.EVALUATION_SHEET in sheets:
        index, rows = imports.rows_with_header(
            sheets[imports.EVALUATION_SHEET],
            ("测评名称", "测评日期"),
            ("测评名称", "测评日期"),
            problems,
        )
        seen = set()
        for number, values in rows:
            name = imports.text(imports.cell(values, index, "测评名称"))
            day = imports.as_date(imports.cell(values, index, "测评日期"))
            if not name or len(name) > 100:
                problems.add(
                    imports.EVALUATION_SHEET,
                    number,
                    "测评名称",
                    _("The name is missing or too long."),
                )
            if day is None:
                problems.add(imports.EVALUATION_SHEET, number, "测评日期", _("Not a date."))
            elif (
                plan.get("start_year")
                and plan.get("end_year")
                and not plan["start_year"] <= day.year <= plan["end_year"]
            ):
                problems.add(
                    imports.EVALUATION_SHEET,
                    number,
                    "测评日期",
                    _("The date is outside the plan's years."),
                )
            elif day in seen:
                problems.add(
                    imports.EVALUATION_SHEET, number, "测评日期", _("This date appears twice.")
                )
            else:
                seen.add(day)
                evaluations.append((name, day))
    plan["evaluations"] = evaluations

    tasks = []
    if imports.TASK_SHEET not in sheets:
        problems.add(
            imports.TASK_SHEET,
            None,
            "",
            _("Sheet “%(sheet)s” is missing.") % {"sheet": imports.TASK_SHEET},
        )
        plan["tasks"] = tasks
        return plan
    index, rows = imports.rows_with_header(
        sheets[imports.TASK_SHEET], imports.TASK_COLUMNS, imports.REQUIRED_TASK_COLUMNS, problems
    )
    if not rows and index:
        problems.add(imports.TASK_SHEET, 2, "", _("The sheet has no tasks."))
    units = {}
    for u in Unit.objects.filter(is_active=True):
        units[u.name] = u
        units[u.code] = u
    from wenming.inspections.models import Criterion

    criteria = {c.code: c for c in Criterion.objects.filter(version__is_current=True)}
    codes_seen: dict[str, int] = {}
    sheet = imports.TASK_SHEET
    for number, values in rows:

        def get(column, values=values):
            return imports.cell(values, index, column)

        def report(column, message, number=number):
            problems.add(sheet, number, column, message)

        t: dict[str, Any] = {"row": number}
        t["code"] = imports.text(get("编号"))
        if not t["code"]:
            report("编号", _("The number is missing."))
        elif len(t["code"]) > 32:
            report("编号", _("Too long: at most %(max)d characters.") % {"max": 32})
        elif t["code"] in codes_seen:
            report(
                "编号",
                _("Number %(code)s appears twice (row %(row)d).")
                % {"code": t["code"], "row": codes_seen[t["code"]]},
            )
        else:
            codes_seen[t["code"]] = number
        t["title"] = imports.text(get("任务名称"))
        if not t["title"]:
            report("任务名称", _("The task's title is missing."))
        elif len(t["title"]) > TITLE_MAX:
            report("任务名称", _("Too long: at most %(max)d characters.") % {"max": TITLE_MAX})
        t["description"] = imports.text(get("任务内容"))[:TEXT_MAX]
        lead_names = imports.split(get("牵头单位"))
        if len(lead_names) != 1:
            report("牵头单位", _("Name exactly one lead unit."))
            t["lead"] = None
        else:
            found = _resolve_units(lead_names, problems, sheet, number, "牵头单位", units)
            t["lead"] = found[0] if found else None
        t["cooperating"] = _resolve_units(
            imports.split(get("配合单位")), problems, sheet, number, "配合单位", units
        )
        freq_text = imports.text(get("频次"))
        t["frequency"] = imports.FREQUENCIES.get(freq_text)
        if t["frequency"] is None:
            report(
                "频次",
                _("Frequency must be one of: %(choices)s.")
                % {"choices": "、".join(imports.FREQUENCIES)},
            )
        raw = get("完成时限")
        t["deadline"] = t["due_day"] = None
        if t["frequency"] == "once":
            t["deadline"] = imports.as_date(raw)
            if t["deadline"] is None:
                report("完成时限", _("A one-off task needs a date, e.g. 2021-06-30."))
            elif (
                plan.get("start_year")
                and plan.get("end_year")
                and not plan["start_year"] <= t["deadline"].year <= plan["end_year"]
            ):
                report("完成时限", _("The deadline is outside the plan's years."))
        elif t["frequency"] in ("monthly", "quarterly"):
            if imports.text(raw):
                day = imports.as_int(raw)
                if day is None or not 1 <= day <= 31:
                    report(
                        "完成时限",
                        _(
                            "Give the day of the month (1-31), or leave it empty for the month's last day."
                        ),
                    )
                t["due_day"] = day
        elif t["frequency"] == "before_evaluation":
            day = imports.as_int(raw) if imports.text(raw) else 0
            if day is None or not 0 <= day <= 90:
                report("完成时限", _("Give the number of days before the evaluation (0-90)."))
            t["due_day"] = day
        t["criteria"] = []
        for code in imports.split(get("关联测评标准")):
            if code in criteria:
                t["criteria"].append(criteria[code])
            else:
                report(
                    "关联测评标准",
                    _("Unknown criterion “%(code)s” in the current evaluation standard.")
                    % {"code": code},
                )
        kinds = []
        for word in imports.split(get("佐证材料")):
            if word in imports.EVIDENCE_KINDS:
                kinds.append(imports.EVIDENCE_KINDS[word])
            else:
                report(
                    "佐证材料",
                    _("Evidence must be among: %(choices)s.")
                    % {"choices": "、".join(imports.EVIDENCE_KINDS)},
                )
        t["evidence_kinds"] = list(dict.fromkeys(kinds))
        t["evidence_note"] = imports.text(get("材料说明"))
        if len(t["evidence_note"]) > 500:
            report("材料说明", _("Too long: at most %(max)d characters.") % {"max": 500})
        tasks.append(t)
    plan["tasks"] = tasks
    return plan


def plan_import(user, file) -> ImportResult:
    """Import a task breakdown workbook (format: :mod:`wenming.campaign.imports`).

    The plan is found by title (created when new; its period and evaluation dates updated);
    tasks are matched by number (created or updated; tasks not in the file are kept);
    occurrences are regenerated. All or nothing: any problem raises ApplicationError (400,
    ``import_invalid``) whose ``detail["errors"]`` lists ``{"sheet", "row", "column",
    "message"}``, and nothing is written. ``user=None`` means the system (command line)."""
    _require_office(user)
    wb = imports.open_workbook(file)
    problems = imports.Problems()
    try:
        data = _parse_plan(wb, problems)
    finally:
        wb.close()
    problems.raise_if_any()
    with transaction.atomic():
        plan = Plan.objects.select_for_update().filter(title=data["title"]).first()
        created = plan is None
        if created:
            plan = Plan.objects.create(
                title=data["title"],
                start_year=data["start_year"],
                end_year=data["end_year"],
                note=data["note"],
                created_by=user if getattr(user, "pk", None) else None,
            )
        else:
            plan.start_year, plan.end_year = data["start_year"], data["end_year"]
            plan.note = data["note"] or plan.note
            plan.save()
        for name, day in data["evaluations"]:
            EvaluationDate.objects.update_or_create(plan=plan, date=day, defaults={"name": name})
        existing = {t.code: t for t in plan.tasks.all()}
        n_created = n_updated = 0
        for seq, t in enumerate(data["tasks"], start=1):
            task = existing.get(t["code"])
            if task is None:
                task = Task(plan=plan)
                n_created += 1
            else:
                n_updated += 1
            task.seq = seq
            _write_task(
                task,
                TaskInput(
                    t["code"],
                    t["title"],
                    t["description"],
                    t["lead"],
                    tuple(u for u in t["cooperating"] if u.pk != t["lead"].pk),
                    t["frequency"],
                    t["deadline"],
                    t["due_day"],
                    tuple(t["criteria"]),
                    tuple(t["evidence_kinds"]),
                    t["evidence_note"],
                ),
            )
        counts = _generate(plan)
        _audit(
            user,
            "plan_import",
            plan,
            {"created": created, "tasks_created": n_created, "tasks_updated": n_updated, **counts},
        )
    return ImportResult(plan, created, n_created, n_updated, counts)


# --- units' own plans -------------------------------------------------------------------------


def unit_plan_save(
    user,
    *,
    unit_id: int,
    year,
    title: str,
    division_of_work: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    members: Sequence[dict] = (),
) -> UnitPlan:
    """Record (create or replace) a unit's annual plan: division of work, contact person
    (联络员) and leading group ``members`` (``[{"name", "position", "role"}]``; empty rows are
    skipped; name and role required). Office, or a handler of the unit; other units → 404."""
    scope = scope_for(user)
    try:
        unit_id = int(unit_id)
    except (TypeError, ValueError):
        raise NotFound("unit") from None
    if not (scope.is_office or unit_id in scope.unit_ids):
        raise NotFound("unit")
    year = _year(year, "year", _("Year"))
    title = clean_text(title, "title", _("Title"), max_length=TITLE_MAX, required=True)
    division = clean_text(
        division_of_work, "division_of_work", _("Division of work"), max_length=TEXT_MAX
    )
    contact_name = clean_text(contact_name, "contact_name", _("Contact person"), max_length=50)
    contact_phone = clean_text(contact_phone, "contact_phone", _("Contact phone"), max_length=32)
    if contact_phone and not all(c.isdigit() or c in "-+ " for c in contact_phone):
        raise _bad(
            "invalid_phone", _("The phone number may hold only digits and “-”."), "contact_phone"
        )
    clean_members = []
    for i, m in enumerate(members):
        name = clean_text(m.get("name"), f"members.{i}.name", _("Name"), max_length=50)
        position = clean_text(
            m.get("position"), f"members.{i}.position", _("Position"), max_length=100
        )
        role = clean_text(m.get("role"), f"members.{i}.role", _("Role in the group"), max_length=50)
        if not (name or position or role):
            continue
        if not name or not role:
            raise _bad(
                "required",
                _("Leading group member %(n)d needs a name and a role.") % {"n": i + 1},
                f"members.{i}",
            )
        clean_members.append((name, position, role))
    with transaction.atomic():
        try:
            unit = Unit.objects.get(pk=unit_id)
        except Unit.DoesNotExist:
            raise NotFound("unit") from None
        plan, created = UnitPlan.objects.select_for_update().get_or_create(
            unit=unit, year=year, defaults={"title": title}
        )
        plan.title, plan.division_of_work = title, division
        plan.contact_name, plan.contact_phone = contact_name, contact_phone
        plan.save()
        plan.members.all().delete()
        LeadingGroupMember.objects.bulk_create(
            LeadingGroupMember(plan=plan, name=n, position=p, role=r, seq=i)
            for i, (n, p, r) in enumerate(clean_members)
        )
        _audit(
            user,
            "unit_plan_create" if created else "unit_plan_update",
            plan,
            {"year": year, "members": len(clean_members), "contact": contact_name},
        )
    return plan


# --- pairing ----------------------------------------------------------------------------------


def pairing_create(user, *, unit_id, community_id, since=None) -> Pairing:
    """Pair a unit with a community (office). ``community_id``: a Region of level community.
    409 ``duplicate`` when the pair exists (an ended pair is re-activated instead)."""
    _require_office(user)
    try:
        unit = Unit.objects.get(pk=int(unit_id), is_active=True)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise _bad("unknown_unit", _("Unknown unit."), "unit") from None
    try:
        community = Region.objects.get(pk=int(community_id), level=Region.Level.COMMUNITY)
    except (Region.DoesNotExist, ValueError, TypeError):
        raise _bad("unknown_community", _("Unknown community."), "community") from None
    since = _date(since, "since", _("Since"), required=False) or timezone.localdate()
    with transaction.atomic():
        pairing = Pairing.objects.select_for_update().filter(unit=unit, community=community).first()
        if pairing is not None and pairing.is_active:
            raise ApplicationError(
                "duplicate",
                _("This unit is paired with this community already."),
                detail={"field": "community"},
                status=409,
            )
        if pairing is None:
            pairing = Pairing.objects.create(unit=unit, community=community, since=since)
        else:
            pairing.is_active, pairing.since = True, since
            pairing.save()
        _audit(user, "pairing_create", pairing, {"unit": unit.pk, "community": community.pk})
    return pairing


def pairing_end(user, pairing_id) -> Pairing:
    """End a pairing (office); its activities are kept. 409 when ended already."""
    _require_office(user)
    with transaction.atomic():
        try:
            pairing = Pairing.objects.select_for_update().get(pk=int(pairing_id))
        except (Pairing.DoesNotExist, ValueError, TypeError):
            raise NotFound("pairing") from None
        if not pairing.is_active:
            raise ApplicationError(
                "invalid_state", _("This pairing has ended already."), status=409
            )
        pairing.is_active = False
        pairing.save(update_fields=["is_active"])
        _audit(user, "pairing_end", pairing)
    return pairing


def activity_record(
    user,
    pairing_id,
    *,
    kind: str,
    date_value,
    title: str,
    description: str = "",
    participants,
    hours,
    photos: Sequence = (),
) -> Activity:
    """Record an activity of a unit in its paired community: ``participants`` (a count, 1 to
    100000), ``hours`` (total hours, 0 to 1000000, one decimal), photos through the photo
    pipeline. A handler of the paired unit or the office; other units → 404. The date may not
    be in the future. Raises 400 for bad input (nothing stored)."""
    scope = scope_for(user)
    if kind not in Activity.Kind.values:
        raise _bad("invalid_kind", _("Choose the kind of activity."), "kind")
    day = _date(date_value, "date", _("Date"))
    if day > timezone.localdate():
        raise _bad("invalid_date", _("The date is in the future."), "date")
    title = clean_text(title, "title", _("Title"), max_length=TITLE_MAX, required=True)
    description = clean_text(
        description, "description", pgettext("activity", "Description"), max_length=TEXT_MAX
    )
    try:
        participants = int(participants)
    except (TypeError, ValueError):
        raise _bad(
            "invalid_number", _("Participants must be a whole number."), "participants"
        ) from None
    if not 1 <= participants <= 100000:
        raise _bad(
            "invalid_number", _("Participants must be between 1 and 100000."), "participants"
        )
    try:
        hours = Decimal(str(hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise _bad("invalid_number", _("Hours must be a number."), "hours") from None
    if not hours.is_finite() or not Decimal(0) <= hours <= Decimal(1000000):
        raise _bad("invalid_number", _("Hours must be between 0 and 1000000."), "hours")
    processed = process_photos(photos) if photos else []
    stored: list[str] = []
    try:
        with transaction.atomic():
            try:
                pairing = (
                    selectors.pairings_visible_to(scope)
                    .select_for_update(of=("self",))
                    .get(pk=int(pairing_id))
                )
            except (Pairing.DoesNotExist, ValueError, TypeError):
                raise NotFound("pairing") from None
            if not (scope.is_office or pairing.unit_id in scope.unit_ids):
                raise ApplicationError(
                    "forbidden", _("Only the paired unit records activities."), status=403
                )
            if not pairing.is_active:
                raise ApplicationError("invalid_state", _("This pairing has ended."), status=409)
            activity = Activity.objects.create(
                pairing=pairing,
                kind=kind,
                date=day,
                title=title,
                description=description,
                participants=participants,
                hours=hours,
                created_by=user,
            )
            for photo in processed:
                row = ActivityPhoto(activity=activity, width=photo.width, height=photo.height)
                stored += _store(
                    [(row, "image", photo.content), (row, "thumbnail", photo.thumbnail)]
                )
                row.save()
            _audit(
                user,
                "activity_record",
                activity,
                {"pairing": pairing.pk, "participants": participants, "hours": str(hours)},
            )
    except BaseException:
        _delete_stored(stored)
        raise
    return activity


def activity_offer(user, activity_id, *, headline: str | None = None) -> int:
    """Offer an activity to the briefing as a work item (信息报送), once: calls
    ``wenming.briefings.services.work_item_create`` with the activity's unit, the headline
    (``headline`` as typed, or the activity's title when None or blank), date, a paragraph
    built from its description and figures, and its photos; stores the work item's id on the
    activity. Returns that id. The work item is a draft the unit checks and submits.

    An activity title may hold 200 characters, a briefing headline at most
    ``wenming.briefings.services.HEADLINE_MAX`` (100): a longer title without a ``headline``
    is refused with code ``headline_too_long`` (400) asking for a shorter headline.
    409 when offered already; 404 out of scope; 403 not the paired unit or the office."""
    scope = scope_for(user)
    from wenming.briefings import services as briefing_services

    if headline is not None and not isinstance(headline, str):
        raise _bad("invalid_text", _("The headline must be text."), "headline")
    headline = (headline or "").strip() or None

    with transaction.atomic():
        try:
            activity = (
                Activity.objects.select_for_update(of=("self",))
                .select_related("pairing__unit", "pairing__community")
                .filter(pairing__in=selectors.pairings_visible_to(scope))
                .get(pk=int(activity_id))
            )
        except (Activity.DoesNotExist, ValueError, TypeError):
            raise NotFound("activity") from None
        if not (scope.is_office or activity.pairing.unit_id in scope.unit_ids):
            raise ApplicationError(
                "forbidden", _("Only the paired unit can offer this."), status=403
            )
        if activity.work_item_id:
            raise ApplicationError(
                "invalid_state",
                _("This activity has been offered to the briefing already."),
                status=409,
            )
        if headline is None and len(activity.title) > briefing_services.HEADLINE_MAX:
            raise _bad(
                "headline_too_long",
                _(
                    "The activity's title has %(n)d characters; a briefing headline may "
                    "have at most %(max)d. Write a shorter headline and offer it again."
                )
                % {"n": len(activity.title), "max": briefing_services.HEADLINE_MAX},
                "headline",
            )
        summary = _(
            "%(date)s, %(unit)s held “%(title)s” (%(kind)s) in %(community)s: %(participants)d "
            "participants, %(hours)s hours."
        ) % {
            "date": f"{activity.date.month}月{activity.date.day}日",
            "unit": activity.pairing.unit.name,
            "title": activity.title,
            "kind": Activity.Kind(activity.kind).label,
            "community": activity.pairing.community.name,
            "participants": activity.participants,
            "hours": activity.hours,
        }
        paragraphs = [summary] + [p for p in activity.description.split("\n") if p.strip()]
        photos = []
        for p in activity.photos.all()[:9]:
            with p.image.open("rb") as fh:
                photos.append(fh.read())
        item = briefing_services.work_item_create(
            user,
            unit=activity.pairing.unit,
            headline=headline if headline is not None else activity.title,
            date=activity.date,
            paragraphs=paragraphs,
            photos=photos,
            origin=f"campaign.activity:{activity.pk}",
        )
        activity.work_item_id = item.pk
        activity.save(update_fields=["work_item_id"])
        _audit(user, "activity_offer", activity, {"work_item": item.pk})
    return item.pk


REGISTRATIONS_MAX = 100_000  # party members of one unit in one community, far above any real count


def registrations_import(user, file) -> int:
    """Import 双报到 counts (format: :mod:`wenming.campaign.imports`): one row per unit and
    community, upserted; counts 0 … :data:`REGISTRATIONS_MAX`, dates not after today. All or
    nothing (400 ``import_invalid`` with the problems). Returns
    the number of rows written. Office, or the system (``user=None``)."""
    _require_office(user)
    wb = imports.open_workbook(file)
    problems = imports.Problems()
    ws = wb.worksheets[0]
    index, rows = imports.rows_with_header(
        ws, imports.REGISTRATION_COLUMNS, imports.REGISTRATION_COLUMNS, problems
    )
    units = {}
    for u in Unit.objects.all():
        units[u.name] = u
        units[u.code] = u
    communities: dict[str, Region | None] = {}
    for r in Region.objects.filter(level=Region.Level.COMMUNITY):
        communities[r.code] = r
        communities[r.name] = None if r.name in communities else r  # ambiguous names → None
    parsed = []
    seen: dict[tuple[int, int], int] = {}
    for number, values in rows:
        unit = units.get(imports.text(imports.cell(values, index, "单位")))
        if unit is None:
            problems.add(
                ws.title,
                number,
                "单位",
                _("Unknown unit “%(name)s”.")
                % {"name": imports.text(imports.cell(values, index, "单位"))},
            )
        name = imports.text(imports.cell(values, index, "社区"))
        community = communities.get(name)
        if community is None:
            problems.add(
                ws.title,
                number,
                "社区",
                _("Unknown or ambiguous community “%(name)s” (use its 12-digit code).")
                % {"name": name},
            )
        count = imports.as_int(imports.cell(values, index, "报到党员人数"))
        if count is None:
            problems.add(ws.title, number, "报到党员人数", _("Not a whole number."))
        elif not 0 <= count <= REGISTRATIONS_MAX:
            problems.add(
                ws.title,
                number,
                "报到党员人数",
                _("The count must be between 0 and %(max)d.") % {"max": REGISTRATIONS_MAX},
            )
        day = imports.as_date(imports.cell(values, index, "统计日期"))
        if day is None:
            problems.add(ws.title, number, "统计日期", _("Not a date."))
        elif day > timezone.localdate():
            problems.add(ws.title, number, "统计日期", _("The date is in the future."))
        if unit and community:
            key = (unit.pk, community.pk)
            if key in seen:
                problems.add(
                    ws.title,
                    number,
                    "社区",
                    _("This unit and community appear twice (row %(row)d).") % {"row": seen[key]},
                )
            seen[key] = number
        parsed.append((unit, community, count, day))
    wb.close()
    if not rows and not problems.items:
        problems.add(ws.title, 2, "", _("The sheet has no rows."))
    problems.raise_if_any()
    with transaction.atomic():
        for unit, community, count, day in parsed:
            row, _created = Registration.objects.update_or_create(
                unit=unit, community=community, defaults={"members": count, "as_of": day}
            )
        # One audit row for the import, on the last row written.
        _audit(user, "registrations_import", row, {"rows": len(parsed)})
    return len(parsed)


__all__ = [
    "ImportResult",
    "TaskInput",
    "activity_offer",
    "activity_record",
    "evaluation_add",
    "evaluation_remove",
    "evidence_delete",
    "occurrence_review",
    "occurrence_submit",
    "occurrences_generate",
    "pairing_create",
    "pairing_end",
    "plan_create",
    "plan_import",
    "plan_update",
    "registrations_import",
    "task_create",
    "task_input",
    "task_update",
    "unit_plan_save",
]

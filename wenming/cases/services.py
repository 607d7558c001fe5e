"""Case lifecycle: one function per transition (the only place a case changes).

State table (from → to, who):

=============================  ===========================  ==========================
transition                     from                         who
=============================  ===========================  ==========================
case_report                    (new) → reported             office, inspector, leader, area staff
case_dispatch                  reported, returned → dispatched   office
case_reject (不予立案)         reported, returned → rejected     office
case_merge (duplicate)         reported, returned → merged       office
case_accept (签收)             dispatched → accepted        handler of the case's unit
case_return (退回)             dispatched → returned        handler of the case's unit
case_submit (申请销号)         accepted → submitted         handler of the case's unit
case_verify (复查通过, 销号)   submitted → closed           inspector in scope, office
case_rework (复查不通过, 返工)  submitted → accepted (+1)    inspector in scope, office
case_request_extension (延期)  dispatched, accepted         handler of the case's unit
case_decide_extension          (pending request)            office
=============================  ===========================  ==========================

Every function: locks the case row (``SELECT … FOR UPDATE``; SQLite serialises writers
with ``BEGIN IMMEDIATE``), checks scope (out of scope → 404), role (403) and state (409),
writes the change and one :class:`CaseEvent` in the same transaction, and bumps
``Case.version``. Refusals raise :class:`ApplicationError` and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from wenming.core import calendar
from wenming.core.errors import ApplicationError, NotFound
from wenming.core.sequences import next_value
from wenming.core.text import clean_text
from wenming.geo.locate import locate
from wenming.org.models import Unit
from wenming.org.routing import propose_unit
from wenming.org.scope import Scope, scope_for
from wenming.taxonomy.models import Category

from . import selectors
from .models import FINAL, Case, CaseEvent, ExtensionRequest, Source, Status

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
NOTE_MAX = 2000
ADDRESS_MAX = 300


@dataclass(frozen=True)
class Actor:
    """Who acts, with the scope computed once. ``user`` may be None for system jobs."""

    user: object
    scope: Scope

    @classmethod
    def of(cls, user) -> Actor:
        return cls(user, scope_for(user))


def _actor(user) -> Actor:
    return user if isinstance(user, Actor) else Actor.of(user)


def _forbidden(message: str) -> ApplicationError:
    return ApplicationError("forbidden", message, status=403)


def _invalid_transition(case: Case, action: str) -> ApplicationError:
    return ApplicationError(
        "invalid_transition",
        _("This case is %(status)s; the action “%(action)s” is not possible now.")
        % {"status": Status(case.status).label, "action": _ACTION_LABELS.get(action, action)},
        detail={"status": case.status, "action": action},
        status=409,
    )


_ACTION_LABELS = {
    "dispatch": pgettext_lazy("case action", "dispatch"),
    "reject": pgettext_lazy("case action", "reject"),
    "merge": pgettext_lazy("case action", "merge"),
    "accept": pgettext_lazy("case action", "accept"),
    "return": pgettext_lazy("case action", "return"),
    "submit": pgettext_lazy("case action", "submit"),
    "verify": pgettext_lazy("case action", "verify"),
    "rework": pgettext_lazy("case action", "rework"),
    "request_extension": pgettext_lazy("case action", "request an extension"),
}


def _lock(actor: Actor, case_id: int, expected_version: int | None) -> Case:
    """Lock and return the case if it is in the actor's scope; 404 otherwise."""
    try:
        case = (
            selectors.cases_visible_to(actor.scope)
            .select_for_update(of=("self",))
            .select_related("category", "unit")
            .get(pk=case_id)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound("case") from None
    if expected_version is not None and case.version != expected_version:
        raise ApplicationError(
            "stale",
            _("Someone else changed this case just now; reload it and try again."),
            detail={"version": case.version},
            status=409,
        )
    return case


def _event(
    case: Case,
    actor: Actor,
    action: str,
    from_status: str,
    *,
    note: str = "",
    data: dict | None = None,
    at: datetime | None = None,
) -> CaseEvent:
    last = case.events.aggregate(m=Max("seq"))["m"] or 0
    return CaseEvent.objects.create(
        case=case,
        seq=last + 1,
        action=action,
        actor=actor.user if getattr(actor.user, "pk", None) else None,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=data or {},
    )


def _save(case: Case, fields: Iterable[str]) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version"])


def _require_state(case: Case, action: str, *states: str) -> None:
    if case.status not in states:
        raise _invalid_transition(case, action)


def _require_office(actor: Actor) -> None:
    if not actor.scope.is_office:
        raise _forbidden(_("Only the campaign office can do this."))


def _require_handler(actor: Actor, case: Case) -> None:
    if case.unit_id is None or case.unit_id not in actor.scope.unit_ids:
        raise _forbidden(_("Only the responsible unit can do this."))


def _require_verifier(actor: Actor) -> None:
    if not (actor.scope.is_office or actor.scope.is_inspector):
        raise _forbidden(_("Only an inspector or the campaign office can verify a fix."))


# --- report ---------------------------------------------------------------------------

_DEFAULT_SOURCE = {
    "inspector": Source.INSPECTION,
    "leader": Source.LEADER,
    "area_staff": Source.INSPECTION,
}


def case_report(
    user,
    *,
    title: str,
    category_id: int,
    lat,
    lon,
    description: str = "",
    address: str = "",
    source: str | None = None,
    reported_at: datetime | None = None,
) -> Case:
    """Put a new case on the ledger (status ``reported``) and route it.

    ``lat``/``lon`` are WGS-84 degrees. Routing fills county, subdistrict, community, unit
    grid and supervision grid from the point and proposes a unit from the routing rules.
    Raises ApplicationError: 403 for a role that may not report, 400 for bad text, unknown
    or inactive category, invalid source, or a location that is missing, (0, 0) or outside
    the city.
    """
    actor = _actor(user)
    scope = actor.scope
    if not (scope.is_office or scope.roles & {"inspector", "leader", "area_staff"}):
        raise _forbidden(_("You may not report cases."))
    title = clean_text(title, "title", _("Title"), max_length=TITLE_MAX, required=True)
    description = clean_text(
        description, "description", _("Description"), max_length=DESCRIPTION_MAX
    )
    address = clean_text(address, "address", _("Address"), max_length=ADDRESS_MAX)
    try:
        category = Category.objects.select_related("parent").get(pk=category_id, is_active=True)
    except (Category.DoesNotExist, ValueError, TypeError):
        raise ApplicationError(
            "unknown_category", _("Unknown category."), detail={"field": "category_id"}
        ) from None
    if source is None:
        source = (
            Source.OFFICE
            if scope.is_office
            else next(_DEFAULT_SOURCE[r] for r in _DEFAULT_SOURCE if r in scope.roles)
        )
    if source not in Source.values:
        raise ApplicationError("invalid_source", _("Unknown source."), detail={"field": "source"})
    if not scope.is_office and source not in {_DEFAULT_SOURCE.get(r) for r in scope.roles}:
        raise _forbidden(_("You may not report cases from this source."))
    where = locate(lat, lon)
    routed_region = where.community or where.subdistrict or where.county
    unit, rule = propose_unit(category, routed_region)
    notes = []
    if where.near_boundary:
        notes.append(
            _("Within %(m)d m of a boundary; check the area.")
            % {"m": settings.WENMING_BOUNDARY_MARGIN_M}
        )
    if where.grid is None:
        notes.append(_("Not inside any unit grid."))
    now = timezone.now()
    with transaction.atomic():
        at = reported_at or now
        number = f"{timezone.localtime(at):%Y}{next_value(f'case:{timezone.localtime(at):%Y}'):06d}"
        case = Case.objects.create(
            number=number,
            title=title,
            description=description,
            category=category,
            source=source,
            status=Status.REPORTED,
            lat=where.lat,
            lon=where.lon,
            address=address,
            county=where.county,
            subdistrict=where.subdistrict,
            community=where.community,
            grid=where.grid,
            supervision_grid_id=where.supervision_grid_id,
            near_boundary=bool(where.near_boundary),
            routing_note=" ".join(notes)[:300],
            proposed_unit=unit,
            reporter=actor.user if getattr(actor.user, "pk", None) else None,
            reported_at=at,
            version=1,
        )
        _event(
            case,
            actor,
            "report",
            "",
            at=at,
            data={
                "source": source,
                "proposed_unit_id": unit.id if unit else None,
                "routing_rule_id": rule.id if rule else None,
                "near_boundary": list(where.near_boundary),
            },
        )
    return case


# --- office ---------------------------------------------------------------------------


def case_dispatch(
    user,
    case_id: int,
    *,
    unit_id: int | None = None,
    deadline: datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Dispatch (派遣) a reported or returned case to a unit with a deadline.

    ``unit_id`` defaults to the proposed unit. ``deadline`` defaults to the category's time
    limit counted in working time from now (see :mod:`wenming.core.calendar`); an explicit
    deadline must be in the future. Raises ApplicationError 400 (no unit, unknown unit,
    deadline in the past, no time limit), 403, 404, 409.
    """
    actor = _actor(user)
    note = clean_text(note, "note", _("Note"), max_length=NOTE_MAX)
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _require_office(actor)
        _require_state(case, "dispatch", Status.REPORTED, Status.RETURNED)
        unit_id = unit_id or case.proposed_unit_id
        if unit_id is None:
            raise ApplicationError(
                "unit_required",
                _("Choose the responsible unit: no routing rule proposes one."),
                detail={"field": "unit_id"},
            )
        try:
            unit = Unit.objects.get(pk=unit_id, is_active=True)
        except (Unit.DoesNotExist, ValueError, TypeError):
            raise ApplicationError(
                "unknown_unit", _("Unknown unit."), detail={"field": "unit_id"}
            ) from None
        now = timezone.now()
        warning = ""
        if deadline is not None:
            if timezone.is_naive(deadline):
                raise ApplicationError(
                    "invalid_deadline",
                    _("The deadline needs a time zone."),
                    detail={"field": "deadline"},
                )
            if deadline <= now:
                raise ApplicationError(
                    "invalid_deadline",
                    _("The deadline must be in the future."),
                    detail={"field": "deadline"},
                )
        else:
            deadline, warning = _deadline_for(case.category, now)
        from_status = case.status
        case.status = Status.DISPATCHED
        case.unit = unit
        case.dispatched_at = now
        case.deadline = deadline
        case.deadline_warning = warning
        _save(case, ["status", "unit", "dispatched_at", "deadline", "deadline_warning"])
        _event(
            case,
            actor,
            "dispatch",
            from_status,
            note=note,
            at=now,
            data={"unit_id": unit.id, "deadline": deadline.isoformat(), "warning": warning},
        )
    return case


def _deadline_for(category: Category, start: datetime) -> tuple[datetime, str]:
    cat = category
    while cat is not None and not (cat.deadline_amount and cat.deadline_unit):
        cat = cat.parent
    if cat is None:
        raise ApplicationError(
            "no_time_limit",
            _("The category has no time limit; enter the deadline."),
            detail={"field": "deadline"},
        )
    if cat.deadline_unit == Category.DeadlineUnit.WORKING_HOURS:
        result = calendar.add_working_hours(start, cat.deadline_amount)
    else:
        result = calendar.add_working_days(start, cat.deadline_amount)
    return result.at, " ".join(result.warnings)[:300]


def case_reject(user, case_id: int, *, reason: str, expected_version: int | None = None) -> Case:
    """Reject (不予立案) a reported or returned case; the reason is required."""
    actor = _actor(user)
    reason = clean_text(reason, "reason", _("Reason"), max_length=NOTE_MAX, required=True)
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _require_office(actor)
        _require_state(case, "reject", Status.REPORTED, Status.RETURNED)
        from_status = case.status
        case.status = Status.REJECTED
        case.closed_at = timezone.now()
        _save(case, ["status", "closed_at"])
        _event(case, actor, "reject", from_status, note=reason, at=case.closed_at)
    return case


def case_merge(
    user, case_id: int, *, into_id: int, note: str = "", expected_version: int | None = None
) -> Case:
    """Merge a reported or returned case into another, open case (duplicate report).

    Raises 400 when the target is the case itself, unknown, itself merged or ended.
    """
    actor = _actor(user)
    note = clean_text(note, "note", _("Note"), max_length=NOTE_MAX)
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _require_office(actor)
        _require_state(case, "merge", Status.REPORTED, Status.RETURNED)
        if str(into_id) == str(case.pk):
            raise ApplicationError(
                "invalid_merge",
                _("A case cannot be merged into itself."),
                detail={"field": "into_id"},
            )
        target = (
            selectors.cases_visible_to(actor.scope)
            .select_for_update(of=("self",))
            .filter(pk=into_id)
            .exclude(status__in=FINAL)
            .first()
            if str(into_id).isdigit()
            else None
        )
        if target is None:
            raise ApplicationError(
                "invalid_merge",
                _("The case to merge into is unknown or already ended."),
                detail={"field": "into_id"},
            )
        from_status = case.status
        case.status = Status.MERGED
        case.merged_into = target
        case.closed_at = timezone.now()
        _save(case, ["status", "merged_into", "closed_at"])
        _event(case, actor, "merge", from_status, note=note, data={"into_id": target.pk})
    return case


# --- unit -----------------------------------------------------------------------------


def case_accept(user, case_id: int, *, note: str = "", expected_version: int | None = None) -> Case:
    """The responsible unit accepts (签收) a dispatched case and starts rectifying."""
    actor = _actor(user)
    note = clean_text(note, "note", _("Note"), max_length=NOTE_MAX)
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _require_handler(actor, case)
        _require_state(case, "accept", Status.DISPATCHED)
        case.status = Status.ACCEPTED
        _save(case, ["status"])
        _event(case, actor, "accept", Status.DISPATCHED, note=note)
    return case


def case_return(user, case_id: int, *, reason: str, expected_version: int | None = None) -> Case:
    """The unit returns (退回) a dispatched case that is not theirs; the office re-dispatches."""
    actor = _actor(user)
    reason = clean_text(reason, "reason", _("Reason"), max_length=NOTE_MAX, required=True)
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _require_handler(actor, case)
        _require_state(case, "return", Status.DISPATCHED)
        returned_by = case.unit_id
        case.status = Status.RETURNED
        case.unit = None
        case.deadline = None
        case.deadline_warning = ""
        _save(case, ["status", "unit", "deadline", "deadline_warning"])
        _event(case, actor, "return", Status.DISPATCHED, note=reason, data={"unit_id": returned_by})
    return case


def case_submit(user, case_id: int, *, note: str, expected_version: int | None = None) -> Case:
    """The unit reports the fix (整改完成申请销号); the case waits for verification.

    ``note`` (what was done) is required. After-photos are attached to the returned event
    by the photo pipeline.
    """
    actor = _actor(user)
    note = clean_text(note, "note", _("Rectification note"), max_length=NOTE_MAX, required=True)
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _require_handler(actor, case)
        _require_state(case, "submit", Status.ACCEPTED)
        case.status = Status.SUBMITTED
        case.submitted_at = timezone.now()
        _save(case, ["status", "submitted_at"])
        _event(case, actor, "submit", Status.ACCEPTED, note=note, at=case.submitted_at)
    return case


# --- verification ---------------------------------------------------------------------


def case_verify(user, case_id: int, *, note: str = "", expected_version: int | None = None) -> Case:
    """Verify the fix (复查通过) and close the case (销号).

    Stores ``rectified_on_time`` (last submission at or before the deadline) and
    ``closed_on_time`` (closure at or before the deadline) for the indicators
    按期处置率 and 按期结案率.
    """
    actor = _actor(user)
    note = clean_text(note, "note", _("Note"), max_length=NOTE_MAX)
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _require_verifier(actor)
        _require_state(case, "verify", Status.SUBMITTED)
        now = timezone.now()
        case.status = Status.CLOSED
        case.closed_at = now
        case.rectified_on_time = bool(case.deadline and case.submitted_at <= case.deadline)
        case.closed_on_time = bool(case.deadline and now <= case.deadline)
        _save(case, ["status", "closed_at", "rectified_on_time", "closed_on_time"])
        _event(
            case,
            actor,
            "verify",
            Status.SUBMITTED,
            note=note,
            at=now,
            data={
                "rectified_on_time": case.rectified_on_time,
                "closed_on_time": case.closed_on_time,
            },
        )
    return case


def case_rework(user, case_id: int, *, reason: str, expected_version: int | None = None) -> Case:
    """Verification failed (复查不通过): back to the unit (整改中), rework count + 1.

    The deadline is not reset: time spent on a failed fix counts against the unit, as the
    返工率 and 按期处置率 indicators expect.
    """
    actor = _actor(user)
    reason = clean_text(reason, "reason", _("Reason"), max_length=NOTE_MAX, required=True)
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _require_verifier(actor)
        _require_state(case, "rework", Status.SUBMITTED)
        case.status = Status.ACCEPTED
        case.rework_count += 1
        _save(case, ["status", "rework_count"])
        _event(
            case,
            actor,
            "rework",
            Status.SUBMITTED,
            note=reason,
            data={"rework_count": case.rework_count},
        )
    return case


# --- extensions -----------------------------------------------------------------------


def case_request_extension(
    user,
    case_id: int,
    *,
    requested_deadline: datetime,
    reason: str,
    expected_version: int | None = None,
) -> ExtensionRequest:
    """The unit asks for a later deadline (延期申请). One pending request per case.

    ``requested_deadline`` must be aware and later than the current deadline.
    """
    actor = _actor(user)
    reason = clean_text(reason, "reason", _("Reason"), max_length=NOTE_MAX, required=True)
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _require_handler(actor, case)
        _require_state(case, "request_extension", Status.DISPATCHED, Status.ACCEPTED)
        if requested_deadline is None or timezone.is_naive(requested_deadline):
            raise ApplicationError(
                "invalid_deadline",
                _("The requested deadline needs a date, time and time zone."),
                detail={"field": "requested_deadline"},
            )
        if case.deadline and requested_deadline <= case.deadline:
            raise ApplicationError(
                "invalid_deadline",
                _("The requested deadline must be later than the current one."),
                detail={"field": "requested_deadline"},
            )
        if case.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
            raise ApplicationError(
                "extension_pending",
                _("An extension request for this case is already waiting for a decision."),
                status=409,
            )
        now = timezone.now()
        request = ExtensionRequest.objects.create(
            case=case,
            requested_by=actor.user,
            requested_at=now,
            requested_deadline=requested_deadline,
            reason=reason,
            previous_deadline=case.deadline,
        )
        _save(case, [])
        _event(
            case,
            actor,
            "request_extension",
            case.status,
            note=reason,
            at=now,
            data={"request_id": request.pk, "requested_deadline": requested_deadline.isoformat()},
        )
    return request


def case_decide_extension(
    user, request_id: int, *, approve: bool, note: str = ""
) -> ExtensionRequest:
    """The office approves (the case's deadline moves) or denies an extension request."""
    actor = _actor(user)
    note = clean_text(note, "note", _("Note"), max_length=NOTE_MAX, required=not approve)
    with transaction.atomic():
        try:
            request = ExtensionRequest.objects.select_for_update().get(pk=request_id)
        except (ExtensionRequest.DoesNotExist, ValueError, TypeError):
            raise NotFound("extension_request") from None
        case = _lock(actor, request.case_id, None)
        _require_office(actor)
        if request.status != ExtensionRequest.Status.PENDING:
            raise ApplicationError(
                "already_decided", _("This extension request was already decided."), status=409
            )
        if case.status not in (Status.DISPATCHED, Status.ACCEPTED):
            raise _invalid_transition(case, "request_extension")
        now = timezone.now()
        request.status = (
            ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.DENIED
        )
        request.decided_by = actor.user
        request.decided_at = now
        request.decision_note = note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        fields = []
        if approve:
            case.deadline = request.requested_deadline
            case.extension_count += 1
            fields = ["deadline", "extension_count"]
        _save(case, fields)
        _event(
            case,
            actor,
            "approve_extension" if approve else "deny_extension",
            case.status,
            note=note,
            at=now,
            data={
                "request_id": request.pk,
                "deadline": case.deadline.isoformat() if case.deadline else None,
            },
        )
    return request

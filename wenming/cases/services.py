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

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from wenming.core import calendar
from wenming.core.errors import ApplicationError, NotFound
from wenming.core.inserts import insert
from wenming.core.photos import process_photos
from wenming.core.sequences import next_value
from wenming.core.text import clean_text
from wenming.core.trees import ancestors
from wenming.geo.locate import Location, locate
from wenming.org.models import Unit
from wenming.org.routing import propose_unit
from wenming.org.scope import Scope, scope_for
from wenming.taxonomy.models import Category
from wenming.taxonomy.selectors import reportable_categories

from . import outbox, selectors
from .models import FINAL, Case, CaseEvent, CasePhoto, ExtensionRequest, Source, Status
from .selectors import Earlier

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
    first: bool = False,
) -> CaseEvent:
    # ``first``: the case was created in this transaction, so it has no event yet.
    last = 0 if first else case.events.aggregate(m=Max("seq"))["m"] or 0
    (event,) = insert(
        CaseEvent(
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
    )
    # The outbox: readers (notifications) learn of the event once it is committed.
    transaction.on_commit(partial(outbox.notify, event.pk, action), robust=True)
    return event


def _attach_photos(case: Case, event: CaseEvent, kind: str, processed: list) -> None:
    """Store cleaned photos (from :func:`wenming.core.photos.process_photos`) on the event.

    Files are written by the storage backend before the transaction commits; a rollback can
    leave an orphan file, never a row without its file.
    """
    for photo in processed:
        row = CasePhoto(case=case, event=event, kind=kind, width=photo.width, height=photo.height)
        row.image.save(photo.content.name, photo.content, save=False)
        row.thumbnail.save(f"thumb-{photo.content.name}", photo.thumbnail, save=False)
        row.save()


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


def _require_verifier(actor: Actor, case: Case | None = None) -> None:
    if not (actor.scope.is_office or actor.scope.is_inspector):
        raise _forbidden(_("Only an inspector or the campaign office can verify a fix."))


def _require_office_for(actor: Actor, case: Case) -> None:
    _require_office(actor)


# Who may take each action, and in which states. The services and allowed_actions() (which
# the pages use to show only the possible actions) read the same table.
RULES: dict[str, tuple[tuple[str, ...], object]] = {
    "dispatch": ((Status.REPORTED, Status.RETURNED), _require_office_for),
    "reject": ((Status.REPORTED, Status.RETURNED), _require_office_for),
    "merge": ((Status.REPORTED, Status.RETURNED), _require_office_for),
    "accept": ((Status.DISPATCHED,), _require_handler),
    "return": ((Status.DISPATCHED,), _require_handler),
    "submit": ((Status.ACCEPTED,), _require_handler),
    "verify": ((Status.SUBMITTED,), _require_verifier),
    "rework": ((Status.SUBMITTED,), _require_verifier),
    "request_extension": ((Status.DISPATCHED, Status.ACCEPTED), _require_handler),
}


def _guard(actor: Actor, case: Case, action: str) -> None:
    """Raise 403 if the actor may not take ``action`` on cases like this one, 409 if the
    case's state does not allow it now."""
    states, check = RULES[action]
    check(actor, case)
    _require_state(case, action, *states)


def allowed_actions(user, case: Case) -> list[str]:
    """The actions of :data:`RULES` that ``user`` may take on ``case`` now (for the pages).

    ``case`` must already be one the user can see (read through the selectors).
    """
    actor = _actor(user)
    allowed = []
    for action in RULES:
        try:
            _guard(actor, case, action)
        except ApplicationError:
            continue
        allowed.append(action)
    return allowed


# --- report ---------------------------------------------------------------------------


def _floats(lat, lon) -> tuple[float, float] | None:
    try:
        return float(lat), float(lon)
    except (TypeError, ValueError):
        return None


_DEFAULT_SOURCE = {
    "inspector": Source.INSPECTION,
    "leader": Source.LEADER,
    "area_staff": Source.INSPECTION,
}


def case_report(user, *, event_data: dict | None = None, **report) -> Case:
    """Put a new case on the ledger (status ``reported``) and route it.

    ``report``: the arguments of :func:`case_report_prepare` (title, category, WGS-84
    ``lat``/``lon``, description, address, source, reported_at, photos, located), which
    states what is checked and the errors raised. ``event_data`` (optional) is merged into
    the ``report`` event's data, e.g. the channel's reference (``{"public_report_id": 12}``
    from the citizen pre-ledger); it cannot replace the keys this function writes.
    """
    return case_report_write(case_report_prepare(user, **report), event_data=event_data)


@dataclass
class ReportDraft:
    """A checked and routed case report, not yet written (:func:`case_report_prepare`)."""

    actor: Actor
    fields: dict  # Case fields, without number, recurrence and version
    category: Category
    source: str
    at: datetime
    processed: list
    event_data: dict
    recurrence_of: Earlier | None  # the earlier case at this place (顽疾 rule), read unlocked
    at_given: bool = False  # reported_at was given; else the case is stamped when written


def case_report_prepare(
    user,
    *,
    title: str,
    category_id: int | Category,
    lat,
    lon,
    description: str = "",
    address: str = "",
    source: str | None = None,
    reported_at: datetime | None = None,
    photos: Sequence = (),
    located: Location | None = None,
) -> ReportDraft:
    """Check and route a new case without writing it; pass the result to
    :func:`case_report_write` (:func:`case_report` does both). An intake that writes rows of
    its own around the case (the citizen pre-ledger) calls this before its transaction, so
    SQLite's write lock is held only for the writes.

    ``lat``/``lon`` are WGS-84 degrees. Routing fills county, subdistrict, community, unit
    grid and supervision grid from the point and proposes a unit from the routing rules.
    ``category_id``: an id, or a category the caller read from
    :func:`wenming.taxonomy.selectors.reportable_categories` (not read again). ``located``
    (optional): the result of :func:`~wenming.geo.locate.locate` for this very point,
    computed earlier by the caller; used only when its coordinates equal ``lat``/``lon``.
    ``photos``: uploaded files for :func:`wenming.core.photos.process_photos`, checked here
    (a bad photo loses nothing else). ``reported_at``: default now.

    Raises ApplicationError: 403 for a role that may not report, 400 for bad text, unknown
    or inactive category, a class of problems instead of a specific category, invalid
    source, bad photos, or a location that is missing, (0, 0) or outside the city.
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
        if isinstance(category_id, Category) and hasattr(category_id, "broad"):
            category = category_id  # read by the caller from reportable_categories()
        else:
            category = reportable_categories().get(pk=category_id)
    except (Category.DoesNotExist, ValueError, TypeError, OverflowError):
        raise ApplicationError(
            "unknown_category", _("Unknown category."), detail={"field": "category_id"}
        ) from None
    if category.broad:
        raise ApplicationError(
            "category_too_broad",
            _("%(name)s is a class of problems; choose a specific category in it.")
            % {"name": category.name},
            detail={"field": "category_id"},
        )
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
    if located is not None and (located.lat, located.lon) == _floats(lat, lon):
        where = located
    else:
        where = locate(lat, lon)
    # Photos are checked before anything is written: a bad photo loses nothing else.
    processed = process_photos(photos) if photos else []
    routed_region = where.community or where.subdistrict or where.county
    unit, rule = propose_unit(category, routed_region)
    at = reported_at or timezone.now()
    # Read before the writing transaction, like the routing: on SQLite the write lock is then
    # held only for the writes. Two reports at one place within the same moment do not see
    # each other, as under PostgreSQL's READ COMMITTED anyway; the office merges them.
    earlier = _recurrence_of(category, where.lat, where.lon, at)
    notes = []
    if where.near_boundary:
        notes.append(
            _("Within %(m)d m of a boundary; check the area.")
            % {"m": settings.WENMING_BOUNDARY_MARGIN_M}
        )
    if where.grid is None:
        notes.append(_("Not inside any unit grid."))
    return ReportDraft(
        actor=actor,
        fields={
            "title": title,
            "description": description,
            "category": category,
            "source": source,
            "status": Status.REPORTED,
            "lat": where.lat,
            "lon": where.lon,
            "address": address,
            "county": where.county,
            "subdistrict": where.subdistrict,
            "community": where.community,
            "grid": where.grid,
            "supervision_grid_id": where.supervision_grid_id,
            "near_boundary": bool(where.near_boundary),
            "routing_note": " ".join(notes)[:300],
            "proposed_unit": unit,
            "reporter": actor.user if getattr(actor.user, "pk", None) else None,
        },
        category=category,
        source=source,
        at=at,
        processed=processed,
        event_data={
            "source": source,
            "proposed_unit_id": unit.id if unit else None,
            "routing_rule_id": rule.id if rule else None,
            "near_boundary": list(where.near_boundary),
        },
        recurrence_of=earlier,
        at_given=reported_at is not None,
    )


def case_report_write(
    draft: ReportDraft,
    *,
    event_data: dict | None = None,
    linked: Callable[[Case], dict] | None = None,
) -> Case:
    """Write the case of a :func:`case_report_prepare` draft with its number, recurrence
    link (found by the draft), ``report`` event and photos, in one transaction (the
    caller's, when one is open: no savepoint — nothing here is caught and retried, so an
    error undoes it all). ``event_data``: as in :func:`case_report`. ``linked`` (optional):
    called with the new case before its event is written, to write the caller's rows that
    point to it (the citizen report that became this case); the dict it returns is added to
    the event's data like ``event_data``."""
    f = draft.fields
    earlier = draft.recurrence_of
    with transaction.atomic(savepoint=False):
        # Stamped here, not when prepared: case numbers then follow the report times.
        at = draft.at if draft.at_given else timezone.now()
        year = timezone.localtime(at).year
        (case,) = insert(
            Case(
                **f,
                number=f"{year}{next_value(f'case:{year}'):06d}",
                reported_at=at,
                version=1,
                recurring=earlier is not None,
                recurrence_of_id=earlier.id if earlier else None,
                recurrence_reason=_recurrence_reason(earlier),
            )
        )
        if linked is not None:
            event_data = {**(event_data or {}), **linked(case)}
        event = _event(
            case,
            draft.actor,
            "report",
            "",
            at=at,
            data={
                **(event_data or {}),
                **draft.event_data,
                "recurrence_of": earlier.id if earlier else None,
            },
            first=True,
        )
        _attach_photos(case, event, CasePhoto.Kind.BEFORE, draft.processed)
    return case


# --- recurrence (顽疾) -------------------------------------------------------------------


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres between two WGS-84 points."""
    r = 6371008.8  # mean Earth radius, metres (IUGG)
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, a)))


def recurrence_settings() -> tuple[int, float]:
    """``(days, metres)`` of the place rule: ``WENMING_RECURRENCE_DAYS`` (default 30) and
    ``WENMING_RECURRENCE_RADIUS_M`` (default 50 m, about the frontage of one compound gate or
    one corner of an intersection: the same place for an inspector)."""
    return (
        int(getattr(settings, "WENMING_RECURRENCE_DAYS", 30)),
        float(getattr(settings, "WENMING_RECURRENCE_RADIUS_M", 50)),
    )


def recurrence_box(lat: float, metres: float) -> tuple[float, float]:
    """Half-sizes ``(dlat, dlon)`` in degrees of a box around a point at latitude ``lat`` that
    contains every point within ``metres`` (111,320 m per degree of latitude)."""
    return metres / 111_320.0, metres / (111_320.0 * max(0.01, math.cos(math.radians(lat))))


RECURRENCE_CANDIDATES = 50  # most recent cases in the box that are measured
# Read first: the box is little larger than the circle, so the newest few candidates almost
# always decide. At a hotspot (the very place a 顽疾 is) the box holds hundreds of recent
# cases, and reading 50 of them cost more than the rest of an intake (bench/open311.py).
RECURRENCE_FIRST_READ = 4


def _recurrence_of(category: Category, lat: float, lon: float, at: datetime) -> Earlier | None:
    """The rule "same category at the same place within 30 days" (any source): the most
    recent earlier case of ``category`` reported in the ``days`` before ``at`` within
    ``metres`` of (lat, lon), not rejected or merged (those were not real problems), or None.
    A bounding box narrows the rows (:func:`selectors.recurrence_candidates`); the haversine
    distance decides."""
    days, metres = recurrence_settings()
    dlat, dlon = recurrence_box(lat, metres)
    box = (lat - dlat, lat + dlat, lon - dlon, lon + dlon)
    since = at - timedelta(days=days)
    offset = 0
    for limit in (RECURRENCE_FIRST_READ, RECURRENCE_CANDIDATES - RECURRENCE_FIRST_READ):
        batch = selectors.recurrence_candidates(category.pk, box, since, at, offset, limit)
        for earlier in batch:
            if _distance_m(lat, lon, earlier.lat, earlier.lon) <= metres:
                return earlier
        if len(batch) < limit:
            return None
        offset += limit
    return None


def _recurrence_reason(earlier) -> str:
    """The stored reason for ``earlier`` (anything with ``number``), or "" for None."""
    if earlier is None:
        return ""
    days, metres = recurrence_settings()
    return (
        _("Same category within %(days)d days and %(metres)d m of case %(number)s.")
        % {"days": days, "metres": metres, "number": earlier.number}
    )[:200]


def case_mark_recurring(user, case_id: int, *, of: int, reason: str) -> Case:
    """Mark a case as recurring (顽疾): the problem of case ``of`` again (e.g. the same
    criterion failing at the same point in consecutive inspection rounds).

    Office or inspector; the case must be in scope (404). ``of`` must be another, earlier
    case (400). Writes ``recurring``, ``recurrence_of``, ``recurrence_reason`` (at most 200
    characters) and one ``mark_recurring`` event; the status does not change. Marking again
    with the same ``of`` and reason changes nothing and returns the case.
    """
    actor = _actor(user)
    reason = clean_text(reason, "reason", _("Reason"), max_length=200, required=True)
    with transaction.atomic():
        case = _lock(actor, case_id, None)
        if not (actor.scope.is_office or actor.scope.is_inspector):
            raise _forbidden(_("Only an inspector or the campaign office can do this."))
        earlier = Case.objects.filter(pk=of).only("id", "number", "reported_at").first()
        if earlier is None or earlier.pk == case.pk or earlier.reported_at > case.reported_at:
            raise ApplicationError(
                "invalid_recurrence",
                _("A case can only recur an earlier, different case."),
                detail={"field": "of"},
            )
        if (
            case.recurring
            and case.recurrence_of_id == earlier.pk
            and case.recurrence_reason == reason
        ):
            return case
        case.recurring = True
        case.recurrence_of = earlier
        case.recurrence_reason = reason
        _save(case, ["recurring", "recurrence_of", "recurrence_reason"])
        _event(
            case,
            actor,
            "mark_recurring",
            case.status,
            note=reason,
            data={"recurrence_of": earlier.pk, "number": earlier.number},
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
        _guard(actor, case, "dispatch")
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
            _check_horizon(deadline, now, "deadline")
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
            data={
                "unit_id": unit.id,
                "deadline": timezone.localtime(deadline).isoformat(),
                "warning": warning,
            },
        )
    return case


# No rectification deadline lies further ahead than this: a typo like 9999 would make a case
# that can never be overdue. (The longest real time limits are some tens of working days.)
MAX_DEADLINE_DAYS = 366


def _check_horizon(deadline: datetime, now: datetime, field: str) -> None:
    if deadline - now > timedelta(days=MAX_DEADLINE_DAYS):
        raise ApplicationError(
            "invalid_deadline",
            _("The deadline may be at most %(days)d days ahead.") % {"days": MAX_DEADLINE_DAYS},
            detail={"field": field},
        )


def _deadline_for(category: Category, start: datetime) -> tuple[datetime, str]:
    # The nearest rule up the tree (a loop in it, from a bad import, ends the walk: no rule).
    cat = next((c for c in ancestors(category) if c.deadline_amount and c.deadline_unit), None)
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
        _guard(actor, case, "reject")
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
        _guard(actor, case, "merge")
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
        # The surviving case's timeline names the duplicate; its fields and version stay.
        _event(
            target,
            actor,
            "merged_in",
            target.status,
            note=note,
            data={"case_id": case.pk, "number": case.number},
        )
    return case


def case_link_report(user, case_id, *, public_report_id: int, note: str = "") -> CaseEvent:
    """Record on an open case that the office merged a citizen report of the same problem
    into it (:func:`wenming.public.services.public_report_merge` calls this inside its
    transaction): a ``merge_report`` event with ``{"public_report_id"}``, so the case's
    timeline shows that citizens reported it again. Not the report's tracking code: event
    data reaches everyone who sees the case (the API), and the code opens the citizen's
    status page.
    The case's status, fields and version stay as they are: a unit's open form stays valid.

    Office only (403); 404 for an unknown case or one outside the user's scope; 409
    ``case_ended`` when the case has ended. Returns the event (its ``case`` is the locked
    case).
    """
    actor = _actor(user)
    note = clean_text(note, "note", _("Note"), max_length=NOTE_MAX)
    with transaction.atomic():
        case = _lock(actor, case_id, None)
        if not actor.scope.is_office:
            raise _forbidden(_("Only the campaign office can do this."))
        if case.status in FINAL:
            raise ApplicationError(
                "case_ended",
                _("The case to merge into is unknown or already ended."),
                detail={"field": "case_id"},
                status=409,
            )
        return _event(
            case,
            actor,
            "merge_report",
            case.status,
            note=note,
            data={"public_report_id": int(public_report_id)},
        )


# --- unit -----------------------------------------------------------------------------


def case_accept(user, case_id: int, *, note: str = "", expected_version: int | None = None) -> Case:
    """The responsible unit accepts (签收) a dispatched case and starts rectifying."""
    actor = _actor(user)
    note = clean_text(note, "note", _("Note"), max_length=NOTE_MAX)
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _guard(actor, case, "accept")
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
        _guard(actor, case, "return")
        returned_by = case.unit_id
        case.status = Status.RETURNED
        case.unit = None
        case.deadline = None
        case.deadline_warning = ""
        _save(case, ["status", "unit", "deadline", "deadline_warning"])
        _event(case, actor, "return", Status.DISPATCHED, note=reason, data={"unit_id": returned_by})
    return case


def case_submit(
    user, case_id: int, *, note: str, photos: Sequence = (), expected_version: int | None = None
) -> Case:
    """The unit reports the fix (整改完成申请销号); the case waits for verification.

    ``note`` (what was done) is required. After-photos are attached to the returned event
    by the photo pipeline.
    """
    actor = _actor(user)
    note = clean_text(note, "note", _("Rectification note"), max_length=NOTE_MAX, required=True)
    processed = process_photos(photos) if photos else []
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _guard(actor, case, "submit")
        case.status = Status.SUBMITTED
        case.submitted_at = timezone.now()
        _save(case, ["status", "submitted_at"])
        event = _event(case, actor, "submit", Status.ACCEPTED, note=note, at=case.submitted_at)
        _attach_photos(case, event, CasePhoto.Kind.AFTER, processed)
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
        _guard(actor, case, "verify")
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
        _guard(actor, case, "rework")
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
        _guard(actor, case, "request_extension")
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
        _check_horizon(requested_deadline, timezone.now(), "requested_deadline")
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
            data={
                "request_id": request.pk,
                "requested_deadline": timezone.localtime(requested_deadline).isoformat(),
            },
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
                "deadline": timezone.localtime(case.deadline).isoformat()
                if case.deadline
                else None,
            },
        )
    return request


# --- escalation (督办) -------------------------------------------------------------------
# Escalation does not change the case's status: it adds an Escalation row (the 督办单), an
# "escalate" event on the timeline, and raises Case.escalation_level.


_ACTION_LABELS["escalate"] = pgettext_lazy("case action", "escalate")


def _escalation_settings() -> tuple[int, int]:
    """(working days after level 1 before level 2 by rule, working days to respond)."""
    return (
        int(getattr(settings, "WENMING_ESCALATE_LEVEL2_WORKING_DAYS", 3)),
        int(getattr(settings, "WENMING_ESCALATION_RESPOND_WORKING_DAYS", 1)),
    )


def _default_requirements(level: int, respond_by: datetime) -> str:
    when = timezone.localtime(respond_by)
    if level == 2:
        return _(
            "The unit's principal is to take charge in person: rectify the problem and report "
            "the result with photos to the campaign office by %(when)s. The case is listed for "
            "supervision and counted in the unit's assessment."
        ) % {"when": f"{when:%Y-%m-%d %H:%M}"}
    return _(
        "Rectify the problem and report the result with photos to the campaign office by %(when)s."
    ) % {"when": f"{when:%Y-%m-%d %H:%M}"}


def _escalate(
    actor: Actor,
    case: Case,
    *,
    level: int,
    reason: str,
    requirements: str,
    auto: bool,
    now: datetime,
):
    """Issue the notice on a locked case (caller holds the transaction). Returns it."""
    from .models import Escalation

    _, respond_days = _escalation_settings()
    respond_by = calendar.add_working_days(now, respond_days).at
    year = timezone.localtime(now).year
    serial = next_value(f"escalation:{year}")
    escalation = Escalation.objects.create(
        case=case,
        level=level,
        year=year,
        serial=serial,
        number=f"{year}-{serial:04d}",
        unit_id=case.unit_id,
        deadline=case.deadline,
        respond_by=respond_by,
        issued_at=now,
        issued_by=actor.user if getattr(actor.user, "pk", None) else None,
        auto=auto,
        reason=reason,
        requirements=requirements or _default_requirements(level, respond_by),
    )
    case.escalation_level = max(case.escalation_level, level)
    _save(case, ["escalation_level"])
    escalation.event = _event(
        case,
        actor,
        "escalate",
        case.status,
        note=reason,
        at=now,
        data={
            "escalation_id": escalation.pk,
            "level": level,
            "number": escalation.number,
            "auto": auto,
            "unit_id": case.unit_id,
        },
    )
    escalation.save(update_fields=["event"])
    return escalation


def _check_level(level) -> int:
    if isinstance(level, bool) or level not in (1, 2):
        raise ApplicationError(
            "invalid_level",
            _("The supervision level must be 1 (督办) or 2 (挂牌督办)."),
            detail={"field": "level"},
        )
    return int(level)


def case_escalate(
    user,
    case_id: int,
    *,
    level: int,
    note: str,
    requirements: str = "",
    expected_version: int | None = None,
):
    """The office escalates (督办) a case the unit holds (dispatched or rectifying).

    ``level`` 1 (督办) or 2 (挂牌督办); ``note`` (why) is required; ``requirements`` defaults
    to a standard text with the response time (``WENMING_ESCALATION_RESPOND_WORKING_DAYS``
    working days, default 1). Overdue is not required: the office may escalate any case the
    unit holds. Returns the :class:`~wenming.cases.models.Escalation`. Raises
    ApplicationError 400 (bad level or text), 403 (not the office), 404 (unknown or out of
    scope), 409 (wrong state, stale version, or ``already_escalated`` at that level).
    """
    actor = _actor(user)
    level = _check_level(level)
    note = clean_text(note, "note", _("Note"), max_length=NOTE_MAX, required=True)
    requirements = clean_text(requirements, "requirements", _("Requirements"), max_length=NOTE_MAX)
    with transaction.atomic():
        case = _lock(actor, case_id, expected_version)
        _require_office(actor)
        _require_state(case, "escalate", Status.DISPATCHED, Status.ACCEPTED)
        if case.escalations.filter(level=level, unit_id=case.unit_id).exists():
            raise ApplicationError(
                "already_escalated",
                _("A supervision notice of this level was already issued for this case."),
                detail={"level": level},
                status=409,
            )
        return _escalate(
            actor,
            case,
            level=level,
            reason=note,
            requirements=requirements,
            auto=False,
            now=timezone.now(),
        )


_SYSTEM = Actor(None, Scope(None, frozenset(), frozenset(), frozenset()))


def case_escalate_by_rule(case_id: int, *, level: int, now: datetime | None = None):
    """Issue a level-``level`` notice by rule, as the system (no user), if still due.

    Re-checks under the row lock that the case is held by the unit, overdue at ``now``, has
    no notice of that level to that unit and (for level 2) has had level 1 (to that unit) for
    ``WENMING_ESCALATE_LEVEL2_WORKING_DAYS`` working days; returns None when not (so a second
    worker, or a second run, does nothing). Returns the new Escalation otherwise.
    """
    from django.db import IntegrityError

    from .models import UNIT_HOLDS, Escalation

    level = _check_level(level)
    now = now or timezone.now()
    level2_days, _respond = _escalation_settings()
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("unit")
            .filter(pk=case_id)
            .first()
        )
        if case is None or case.status not in UNIT_HOLDS or not case.deadline:
            return None
        # Notices count per unit: a case sent on to another unit starts again at level 1.
        own = case.escalations.filter(unit_id=case.unit_id)
        if case.deadline >= now or own.filter(level=level).exists():
            return None
        if level == 2:
            first = own.filter(level=1).first()
            if first is None or calendar.add_working_days(first.issued_at, level2_days).at > now:
                return None
            reason = _(
                "Still overdue %(days)d working days after supervision notice %(number)s."
            ) % {"days": level2_days, "number": first.number}
        else:
            reason = _("Overdue: the deadline %(deadline)s has passed.") % {
                "deadline": f"{timezone.localtime(case.deadline):%Y-%m-%d %H:%M}"
            }
        try:
            with transaction.atomic():
                return _escalate(
                    _SYSTEM, case, level=level, reason=reason, requirements="", auto=True, now=now
                )
        except IntegrityError:  # pragma: no cover - the row lock makes this unreachable
            if Escalation.objects.filter(case=case, unit_id=case.unit_id, level=level).exists():
                return None
            raise


def cases_escalate_overdue(now: datetime | None = None) -> list:
    """The periodic rule (run by ``cases.tasks.escalate_overdue``): returns the new notices.

    Level 1 for every case the unit holds whose deadline has passed and that has no level-1
    notice to that unit; level 2 for those still overdue ``WENMING_ESCALATE_LEVEL2_WORKING_DAYS`` working
    days after their level-1 notice. Idempotent: running it twice, or on two workers at once,
    issues each notice once (row lock + unique (case, unit, level)).
    """
    from .models import UNIT_HOLDS, Escalation

    now = now or timezone.now()
    level2_days, _respond = _escalation_settings()
    overdue = Case.objects.filter(status__in=UNIT_HOLDS, deadline__lt=now)

    def notice(level: int):
        # A notice of ``level`` issued to the unit that holds the case now.
        return Exists(
            Escalation.objects.filter(case=OuterRef("pk"), unit=OuterRef("unit"), level=level)
        )

    issued = []
    first_ids = overdue.exclude(notice(1)).order_by("deadline", "id")
    for case_id in first_ids.values_list("id", flat=True):
        escalation = case_escalate_by_rule(case_id, level=1, now=now)
        if escalation:
            issued.append(escalation)
    # Level 2: the working-day rule depends only on the level-1 notice's local date, so the
    # calendar is consulted once per date, not once per case.
    candidates = (
        Escalation.objects.filter(
            level=1, unit=F("case__unit"), case__in=overdue.exclude(notice(2))
        )
        .order_by("issued_at", "id")
        .values_list("case_id", "issued_at")
    )
    due_by_date: dict = {}
    for case_id, issued_at in candidates:
        day = timezone.localtime(issued_at).date()
        if day not in due_by_date:
            due_by_date[day] = calendar.add_working_days(issued_at, level2_days).at
        if due_by_date[day] <= now:
            escalation = case_escalate_by_rule(case_id, level=2, now=now)
            if escalation:
                issued.append(escalation)
    return issued

"""Assessment writes: schemes and their versions, adjustments, publishing (红黑榜).

Every function checks that the user is the office (403 otherwise, also for anonymous
users), validates, and writes its rows and one :class:`~wenming.assessment.models.AuditEntry`
in one transaction. Nothing here writes cases: assessment only reads the ledger.

Published rankings are immutable: there is no function that changes or deletes a
publication or its rows; a correction is a new publication of the same period
(:func:`assessment_publish` with a ``note``), numbered 2, 3 … and pointing to the one it
supersedes.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError, NotFound
from wenming.core.sequences import next_value
from wenming.core.text import clean_text
from wenming.org.models import Unit
from wenming.org.scope import scope_for

from .indicators import COUNTS, case_ids_by_indicator
from .models import Adjustment, AuditEntry, Publication, PublishedRow, Scheme, SchemeVersion
from .periods import Period, period_of
from .ranking import compute_ranking
from .scoring import clean_config

NOTE_MAX = 2000
REASON_MAX = 300


def _require_office(user) -> None:
    if not scope_for(user).is_office:
        raise ApplicationError("forbidden", _("Only the campaign office may do this."), status=403)


def _audit(user, action: str, obj, data: dict | None = None) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        actor=user if getattr(user, "pk", None) else None,
        at=timezone.now(),
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        data=data or {},
    )


def scheme_create(user, *, name: str, unit_kind: str = "", config: dict, note: str = "") -> Scheme:
    """Create a scheme for a unit kind ('' = default for every kind) with version 1.

    Raises ApplicationError 400 (bad name, kind or config — see
    :func:`~wenming.assessment.scoring.clean_config`), 403, 409 (``scheme_exists``: the name
    is taken or the kind already has an active scheme).
    """
    _require_office(user)
    name = clean_text(name, "name", _("Name"), max_length=100, required=True)
    note = clean_text(note, "note", _("Note"), max_length=300)
    if unit_kind not in ("", *Unit.Kind.values):
        raise ApplicationError(
            "invalid_choice", _("Unknown unit kind."), detail={"field": "unit_kind"}
        )
    config = clean_config(config)
    with transaction.atomic():
        if (
            Scheme.objects.filter(name=name).exists()
            or Scheme.objects.filter(unit_kind=unit_kind, is_active=True).exists()
        ):
            raise ApplicationError(
                "scheme_exists",
                _("A scheme with this name, or an active scheme for this unit kind, exists."),
                detail={"field": "name"},
                status=409,
            )
        now = timezone.now()
        scheme = Scheme.objects.create(name=name, unit_kind=unit_kind, created_at=now)
        version = SchemeVersion.objects.create(
            scheme=scheme, number=1, config=config, note=note, created_by=user, created_at=now
        )
        _audit(user, "scheme_create", scheme, {"version": version.number, "config": config})
    return scheme


def scheme_version_create(user, scheme_id: int, *, config: dict, note: str = "") -> SchemeVersion:
    """Save a new version (n + 1) of a scheme; earlier versions stay unchanged, and
    publications keep pointing to the version they used. A ``note`` saying what changed is
    required. Raises ApplicationError 400, 403, 404."""
    _require_office(user)
    note = clean_text(note, "note", _("Note"), max_length=300, required=True)
    config = clean_config(config)
    with transaction.atomic():
        try:
            scheme = Scheme.objects.select_for_update().get(pk=scheme_id)
        except (Scheme.DoesNotExist, ValueError, TypeError):
            raise NotFound("scheme") from None
        last = scheme.versions.order_by("-number").first()
        version = SchemeVersion.objects.create(
            scheme=scheme,
            number=(last.number if last else 0) + 1,
            config=config,
            note=note,
            created_by=user,
            created_at=timezone.now(),
        )
        _audit(user, "scheme_version_create", version, {"scheme_id": scheme.pk, "note": note})
    return version


def scheme_set_active(user, scheme_id: int, *, active: bool) -> Scheme:
    """Switch a scheme on or off. An inactive scheme is not used for new rankings (units of
    its kind fall back to the default scheme); its versions and publications stay. Raises
    ApplicationError 403, 404, 409 (``scheme_exists``: another active scheme for the kind;
    ``default_required``: the last active default scheme cannot be switched off)."""
    _require_office(user)
    with transaction.atomic():
        try:
            scheme = Scheme.objects.select_for_update().get(pk=scheme_id)
        except (Scheme.DoesNotExist, ValueError, TypeError):
            raise NotFound("scheme") from None
        active = bool(active)
        if scheme.is_active == active:
            return scheme
        if active and Scheme.objects.filter(unit_kind=scheme.unit_kind, is_active=True).exists():
            raise ApplicationError(
                "scheme_exists",
                _("Another scheme for this unit kind is active; switch it off first."),
                status=409,
            )
        if not active and scheme.unit_kind == "":
            raise ApplicationError(
                "default_required",
                _("The default scheme cannot be switched off: units without a scheme need it."),
                status=409,
            )
        scheme.is_active = active
        scheme.save(update_fields=["is_active"])
        _audit(user, "scheme_set_active", scheme, {"active": active})
    return scheme


def adjustment_create(user, *, unit_id: int, period_key: str, points, reason: str) -> Adjustment:
    """Give a unit a bonus (positive ``points``) or penalty (negative) for a period, with a
    required reason. ``points`` between −100 and 100, not 0. Raises ApplicationError 400
    (bad period, points, reason or unknown unit), 403."""
    _require_office(user)
    period = period_of(period_key)
    reason = clean_text(reason, "reason", _("Reason"), max_length=REASON_MAX, required=True)
    try:
        value = Decimal(str(points)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        value = None
    if value is None or not value.is_finite() or value == 0 or abs(value) > 100:
        raise ApplicationError(
            "invalid_points",
            _("Points must be a number between -100 and 100, not 0."),
            detail={"field": "points"},
        )
    try:
        unit = Unit.objects.get(pk=unit_id, is_active=True)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise ApplicationError(
            "unknown_unit", _("Unknown unit."), detail={"field": "unit_id"}
        ) from None
    with transaction.atomic():
        adj = Adjustment.objects.create(
            unit=unit,
            period_key=period.key,
            points=value,
            reason=reason,
            created_by=user,
            created_at=timezone.now(),
        )
        _audit(user, "adjustment_create", adj, {"unit_id": unit.pk, "points": str(value)})
    return adj


def adjustment_withdraw(user, adjustment_id: int, *, reason: str) -> Adjustment:
    """Withdraw an adjustment (it stays on record, no longer counts). Raises 400, 403, 404,
    409 (already withdrawn)."""
    _require_office(user)
    reason = clean_text(reason, "reason", _("Reason"), max_length=REASON_MAX, required=True)
    with transaction.atomic():
        try:
            adj = Adjustment.objects.select_for_update().get(pk=adjustment_id)
        except (Adjustment.DoesNotExist, ValueError, TypeError):
            raise NotFound("adjustment") from None
        if adj.withdrawn_at is not None:
            raise ApplicationError(
                "already_withdrawn", _("This adjustment was already withdrawn."), status=409
            )
        adj.withdrawn_at = timezone.now()
        adj.save(update_fields=["withdrawn_at"])
        _audit(user, "adjustment_withdraw", adj, {"reason": reason})
    return adj


PUBLISH_ATTEMPTS = 3


def _counts_match_ids(ranking, ids: dict) -> bool:
    """True when every unit's counts equal the number of case ids stored behind them.

    The ranking and the ids are two reads; a case that moves between them would leave a
    published figure that its case list contradicts. (返工数 counted as rework *times* is a
    sum, not a number of cases, and is not compared.)"""
    for u in ranking.units():
        stored = ids.get(u.unit_id, {})
        for key in COUNTS:
            if key == "rework" and u.row.denominators.get("rework_count") == "times":
                continue
            if getattr(u.row, key) != len(stored.get(key, [])):
                return False
    return True


def assessment_publish(user, period: Period | str, *, note: str = "") -> Publication:
    """Freeze the period's ranking into a new immutable publication (红黑榜).

    Computes the ranking now (:func:`~wenming.assessment.ranking.compute_ranking`) and stores
    every active unit's row — scheme version, rank, previous rank, score, grade, indicators,
    score parts, board and reason — and the case ids behind each count, plus the city
    indicators. The first publication of a period is number 1; publishing again is a
    correction and needs a ``note`` (400 ``note_required``); it supersedes the newest one.
    Every stored count equals the number of its stored case ids: when cases move between
    the two reads, both are recomputed (up to ``PUBLISH_ATTEMPTS`` times).
    Raises ApplicationError 400 (bad period or note; ``period_not_started`` for a period
    that starts after today), 403, 409 (``no_scheme``;
    ``cases_changed`` when the cases kept moving).
    """
    _require_office(user)
    period = period if isinstance(period, Period) else period_of(period)
    note = clean_text(note, "note", _("Note"), max_length=NOTE_MAX)
    as_of = timezone.now()
    if period.start > timezone.localdate(as_of):
        raise ApplicationError(
            "period_not_started",
            _("%(period)s has not started yet: there is nothing to publish.")
            % {"period": period.label},
            detail={"field": "period"},
        )
    for _attempt in range(PUBLISH_ATTEMPTS):
        ranking = compute_ranking(period, as_of=as_of)
        ids = case_ids_by_indicator(period.start, period.end, group_by="unit", as_of=as_of)
        if _counts_match_ids(ranking, ids):
            break
    else:
        raise ApplicationError(
            "cases_changed",
            _("Cases changed while the ranking was being computed; publish again."),
            status=409,
        )
    with transaction.atomic():
        number = next_value(f"assessment:{period.key}")
        latest = (
            Publication.objects.select_for_update()
            .filter(period_key=period.key)
            .order_by("-number")
            .first()
        )
        if latest is not None and not note:
            raise ApplicationError(
                "note_required",
                _("This period is already published: say what the correction changes."),
                detail={"field": "note"},
            )
        pub = Publication.objects.create(
            period_key=period.key,
            period_kind=period.kind,
            start=period.start,
            end=period.end,
            number=number,
            supersedes=latest,
            note=note,
            published_by=user,
            published_at=timezone.now(),
            as_of=as_of,
            board_size=max(
                (len([u for u in rows if u.board == "red"]) for rows in ranking.tables.values()),
                default=0,
            ),
            city=ranking.city.as_dict(),
        )
        PublishedRow.objects.bulk_create(
            [
                PublishedRow(
                    publication=pub,
                    unit_id=u.unit_id,
                    unit_name=u.name,
                    unit_kind=u.kind,
                    scheme_version=u.scheme_version,
                    rank=u.rank,
                    previous_rank=u.previous_rank,
                    score=u.score.score,
                    grade=u.score.grade,
                    indicators=u.row.as_dict(),
                    parts={
                        **u.score.parts,
                        "inspection": u.inspection,
                        "tasks": u.tasks,
                        "sources": ranking.sources,
                    },
                    case_ids=ids.get(u.unit_id, {}),
                    board=u.board,
                    reason=u.reason,
                )
                for u in ranking.units()
            ],
            batch_size=500,
        )
        _audit(
            user,
            "assessment_publish",
            pub,
            {
                "period": period.key,
                "number": number,
                "supersedes": latest.pk if latest else None,
                "scheme_versions": sorted({u.scheme_version.pk for u in ranking.units()}),
            },
        )
    return pub

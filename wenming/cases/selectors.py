"""Scoped reads of the ledger. Anything outside the user's scope is invisible (404)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError, NotFound
from wenming.org.scope import Scope, scope_for

from .models import UNIT_HOLDS, Case, CaseEvent


def cases_visible_to(scope_or_user) -> QuerySet[Case]:
    """All cases the user may see.

    Office, leaders and city-wide inspectors see everything; unit handlers the cases of
    their units; area staff and area-limited inspectors the cases located in their
    regions (county, subdistrict or community); everyone the cases they reported.
    """
    scope = scope_or_user if isinstance(scope_or_user, Scope) else scope_for(scope_or_user)
    qs = Case.objects.all()
    if scope.user_id is None:
        return qs.none()
    if scope.sees_all:
        return qs
    q = Q(reporter_id=scope.user_id)
    if scope.unit_ids:
        q |= Q(unit_id__in=scope.unit_ids)
    if scope.region_ids:
        ids = scope.region_ids
        q |= Q(county_id__in=ids) | Q(subdistrict_id__in=ids) | Q(community_id__in=ids)
    return qs.filter(q)


def case_detail(user, case_id) -> Case:
    """One case with its timeline, or NotFound (also when out of scope)."""
    try:
        return (
            cases_visible_to(user)
            .select_related(
                "category",
                "unit",
                "proposed_unit",
                "county",
                "subdistrict",
                "community",
                "grid",
                "supervision_grid",
                "reporter",
                "merged_into",
            )
            .get(pk=case_id)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound("case") from None


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    """The case's events in order (by sequence number)."""
    return case.events.select_related("actor").order_by("seq")


@dataclass
class LedgerFilter:
    """Ledger filters. ``category`` is exact (its id or code), never a substring.
    ``date_from``/``date_to`` bound ``reported_at`` by local calendar date, inclusive."""

    status: list[str] | None = None
    category: str | None = None
    unit: int | None = None
    grid: int | None = None
    supervision_grid: int | None = None
    region: int | None = None
    source: str | None = None
    overdue: bool | None = None
    date_from: date | None = None
    date_to: date | None = None


SORTS = {
    "deadline": ("deadline", False),
    "-deadline": ("deadline", True),
    "reported_at": ("reported_at", False),
    "-reported_at": ("reported_at", True),
}


def _filtered(user, f: LedgerFilter) -> QuerySet[Case]:
    qs = cases_visible_to(user)
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.category:
        cat = f.category
        qs = qs.filter(category_id=int(cat)) if cat.isdigit() else qs.filter(category__code=cat)
    if f.unit is not None:
        qs = qs.filter(unit_id=f.unit)
    if f.grid is not None:
        qs = qs.filter(grid_id=f.grid)
    if f.supervision_grid is not None:
        qs = qs.filter(supervision_grid_id=f.supervision_grid)
    if f.region is not None:
        qs = qs.filter(
            Q(county_id=f.region) | Q(subdistrict_id=f.region) | Q(community_id=f.region)
        )
    if f.source:
        qs = qs.filter(source=f.source)
    now = timezone.now()
    if f.overdue is True:
        qs = qs.filter(status__in=UNIT_HOLDS, deadline__lt=now)
    elif f.overdue is False:
        qs = qs.exclude(status__in=UNIT_HOLDS, deadline__lt=now)
    tz = timezone.get_current_timezone()
    if f.date_from:
        qs = qs.filter(reported_at__gte=datetime.combine(f.date_from, time.min, tzinfo=tz))
    if f.date_to:
        qs = qs.filter(reported_at__lt=datetime.combine(f.date_to, time.max, tzinfo=tz))
    return qs


def _encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != 3:
            raise ValueError
        return values
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ApplicationError(
            "invalid_cursor", _("The page cursor is invalid."), detail={"field": "cursor"}
        ) from None


def ledger_page(
    user, f: LedgerFilter, *, sort: str = "-reported_at", limit: int = 50, cursor: str | None = None
) -> tuple[list[Case], str | None]:
    """One page of the ledger with keyset pagination.

    Returns ``(cases, next_cursor)``; ``next_cursor`` is None on the last page. Sorting by
    deadline puts cases without a deadline last in both directions; ``id`` breaks ties so
    the order is total and pages never repeat or skip a row while the ledger changes.
    """
    if sort not in SORTS:
        raise ApplicationError(
            "invalid_sort",
            _("Unknown sort order."),
            detail={"field": "sort", "allowed": list(SORTS)},
        )
    field, desc = SORTS[sort]
    qs = _filtered(user, f)
    nullable = field == "deadline"
    if cursor:
        is_null, value, last_id = _decode_cursor(cursor)
        value = datetime.fromisoformat(value) if value else None
        op = "lt" if desc else "gt"
        if nullable and is_null:
            qs = qs.filter(**{f"{field}__isnull": True, f"id__{op}": last_id})
        else:
            after = Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": last_id})
            if nullable:
                after |= Q(**{f"{field}__isnull": True})
            qs = qs.filter(after)
    order = [f"-{field}", "-id"] if desc else [field, "id"]
    if nullable:
        order = [
            F(field).desc(nulls_last=True) if desc else F(field).asc(nulls_last=True),
            "-id" if desc else "id",
        ]
    rows = list(
        qs.select_related("category", "unit", "subdistrict", "community", "grid").order_by(*order)[
            : limit + 1
        ]
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        v = getattr(last, field)
        next_cursor = _encode_cursor([v is None, v.isoformat() if v else None, last.id])
    return rows, next_cursor


def status_counts(user, f: LedgerFilter) -> dict[str, int]:
    """Number of cases per status under the filter (ignoring its status part)."""
    base = LedgerFilter(**{**f.__dict__, "status": None})
    return dict(_filtered(user, base).order_by().values_list("status").annotate(n=Count("id")))

"""Scoped reads of assessment results.

Who sees what:

* office and leaders: live rankings and indicators of every unit, grid and subdistrict, and
  the cases behind every figure;
* a unit handler: the published rankings (scores, ranks, grades and reasons of all units —
  the public 红黑榜), its own units' live indicators and scores, and the cases behind its own
  units' figures; another unit's case details are a 404;
* anyone else logged in: the published rankings only.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import F, QuerySet

from wenming.cases.models import Case
from wenming.cases.selectors import cases_visible_to
from wenming.core.errors import NotFound
from wenming.org.scope import Scope, scope_for

from .indicators import indicator_cases
from .models import Publication, PublishedRow


def _scope(user_or_scope) -> Scope:
    return user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)


def sees_everything(user) -> bool:
    """Office and leaders: live rankings and every unit's case details."""
    scope = _scope(user)
    return scope.is_office or scope.is_leader


def own_unit_ids(user) -> frozenset[int]:
    """The units whose scores and case details the user may see (all for office/leader is
    handled by :func:`sees_everything`)."""
    return _scope(user).unit_ids


def check_unit_details(user, unit_id: int | None) -> None:
    """Raise NotFound unless the user may see the case details of ``unit_id`` (None: the
    cases without a unit, office and leaders only)."""
    if sees_everything(user):
        return
    if unit_id is None or unit_id not in own_unit_ids(user):
        raise NotFound("unit")


def explain_cases(
    user,
    start: date,
    end: date,
    indicator: str,
    *,
    group_by: str = "unit",
    key: int | None = None,
    part: str = "numerator",
    as_of: datetime | None = None,
    denominators: dict | None = None,
) -> QuerySet[Case]:
    """The live cases behind one figure, as the user may see them. Units other than the
    user's own (and grids, subdistricts, the city) are office/leader only: NotFound.
    Raises ApplicationError 400 for an unknown indicator or group."""
    if group_by != "unit" or key is None:
        if not sees_everything(user):
            raise NotFound("unit")
    else:
        check_unit_details(user, key)
    qs = indicator_cases(
        start,
        end,
        indicator,
        group_by=group_by,
        key=key,
        part=part,
        as_of=as_of,
        denominators=denominators,
    )
    return (
        qs.filter(pk__in=cases_visible_to(_scope(user)).values("pk"))
        if not sees_everything(user)
        else qs
    )


def publications(user) -> QuerySet[Publication]:
    """All publications, newest period and version first (public to logged-in users)."""
    if _scope(user).user_id is None:
        return Publication.objects.none()
    return Publication.objects.select_related("published_by", "supersedes").order_by(
        "-start", "-period_key", "-number"
    )


def publication(user, publication_id) -> Publication:
    """One publication or NotFound."""
    try:
        return publications(user).get(pk=publication_id)
    except (Publication.DoesNotExist, ValueError, TypeError):
        raise NotFound("publication") from None


def latest_publication(period_key: str) -> Publication | None:
    """The newest publication (highest version) of a period, or None. Unscoped: the
    published ranking is public to the organisation (briefings read it)."""
    return Publication.objects.filter(period_key=period_key).order_by("-number").first()


def newest_published_period_key() -> str | None:
    """The key of the newest published period (latest start), or None when nothing is
    published. Unscoped, like :func:`latest_publication`. One query."""
    return (
        Publication.objects.order_by("-start", "-period_key")
        .values_list("period_key", flat=True)
        .first()
    )


def published_rows(pub: Publication) -> QuerySet[PublishedRow]:
    """The rows of a publication ordered by kind, rank (unranked units last, on every
    database), name (no case ids loaded)."""
    return (
        pub.rows.defer("case_ids")
        .select_related("scheme_version__scheme")
        .order_by("unit_kind", F("rank").asc(nulls_last=True), "unit_name")
    )


def latest_board(period_key: str) -> dict | None:
    """For briefings: the newest published 红黑榜 of a period, or None when unpublished.

    ``{"publication": Publication, "period": key, "number": n, "published_at": datetime,
    "red": {unit kind: [row]}, "black": {unit kind: [row]}}``; each row is a dict
    ``{"unit_id", "unit_name", "unit_kind", "rank", "score", "grade", "reason"}``, red lists
    by rank, black lists worst first. Two queries.
    """
    pub = latest_publication(period_key)
    if pub is None:
        return None
    out = {
        "publication": pub,
        "period": pub.period_key,
        "number": pub.number,
        "published_at": pub.published_at,
        "red": {},
        "black": {},
    }
    rows = (
        pub.rows.filter(board__in=("red", "black"))
        .order_by("unit_kind", "rank", "unit_name")
        .values("unit_id", "unit_name", "unit_kind", "rank", "score", "grade", "reason", "board")
    )
    for r in rows:
        board = r.pop("board")
        out[board].setdefault(r["unit_kind"], []).append(r)
    for lst in out["black"].values():
        lst.sort(key=lambda r: (r["score"], r["unit_name"]))
    return out


def published_row_details(user, pub: Publication, unit_id) -> PublishedRow:
    """A unit's frozen row with its case ids; NotFound unless the user may see that unit's
    case details."""
    try:
        unit_id = int(unit_id)
    except (TypeError, ValueError):
        raise NotFound("unit") from None
    if not 0 < unit_id < 2**63:
        raise NotFound("unit")  # no such unit (and no OverflowError from the database)
    check_unit_details(user, unit_id)
    try:
        return pub.rows.select_related("scheme_version__scheme").get(unit_id=unit_id)
    except PublishedRow.DoesNotExist:
        raise NotFound("unit") from None


def frozen_cases(user, row: PublishedRow, indicator: str) -> QuerySet[Case]:
    """The cases a published row counted for ``indicator`` (as stored at publication; their
    current state may differ). Scoped by :func:`check_unit_details` on the row's unit."""
    check_unit_details(user, row.unit_id)
    ids = row.case_ids.get(indicator)
    if ids is None:
        raise NotFound("indicator")
    return Case.objects.filter(pk__in=ids)

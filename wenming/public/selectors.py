"""Reads for the public pages and the office's triage.

Citizens see only: their own report (by its tracking code), the public part of the linked
case's timeline (status words and times, the responsible unit's name; never staff names,
notes or other reporters' data), and nearby open cases as category, distance, date, status
and number of supports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import FINAL, Case, CaseEvent
from wenming.core.errors import ApplicationError, NotFound
from wenming.geo.locate import Location, locate
from wenming.org.models import Unit
from wenming.org.routing import propose_unit
from wenming.org.scope import scope_for

from .models import PublicReport, Support
from .statuses import (
    EARLIER_REPORT_WORDS,
    PUBLIC_EVENT_WORDS,
    REPORT_EVENT_WORDS,
    REPORT_STATUS_WORDS,
    outward,
)

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres
NEARBY_RADIUS_M = 50.0  # metres
NEARBY_DAYS = 7  # days back from now
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and retyped
CODE_LENGTH = 8
MERGE_HOPS = 5  # how far a merged case's successor chain is followed


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points (degrees), on a sphere of
    the mean Earth radius (error < 0.5 % against the ellipsoid: centimetres at 50 m)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class NearbyCase:
    """An open case near a point, as a citizen may see it. ``distance_m`` in metres."""

    case_id: int
    number: str  # for the office's triage; the citizen's page does not show it
    category_name: str
    distance_m: float
    reported_at: datetime
    status_text: str
    supports: int


def _box(lat: float, radius_m: float) -> tuple[float, float]:
    """Half-sizes ``(dlat, dlon)`` in degrees of a box that holds every point within
    ``radius_m`` metres of latitude ``lat``: a SQL filter before the exact distance."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    return dlat, dlat / max(math.cos(math.radians(lat)), 1e-6)


def nearby_open_cases(
    lat: float,
    lon: float,
    category_id: int | None,
    *,
    radius_m: float = NEARBY_RADIUS_M,
    days: int = NEARBY_DAYS,
    limit: int = 5,
) -> list[NearbyCase]:
    """Open cases of the same category within ``radius_m`` metres of the WGS-84 point
    (degrees), reported in the last ``days`` days; nearest first, at most ``limit``.

    A bounding box in SQL (latitude ± radius/111 195 m per degree, longitude divided by
    cos(latitude)) narrows the rows; the exact haversine distance in Python decides. Without a
    category nothing is returned (the rule is "same category").
    """
    if category_id is None:
        return []
    dlat, dlon = _box(lat, radius_m)
    since = timezone.now() - timedelta(days=days)
    rows = (
        Case.objects.filter(
            category_id=category_id,
            reported_at__gte=since,
            lat__gte=lat - dlat,
            lat__lte=lat + dlat,
            lon__gte=lon - dlon,
            lon__lte=lon + dlon,
        )
        .exclude(status__in=FINAL)
        .values_list("id", "number", "category__name", "lat", "lon", "reported_at", "status")[:200]
    )
    found = []
    for case_id, number, cat_name, c_lat, c_lon, reported_at, status in rows:
        d = haversine_m(lat, lon, c_lat, c_lon)
        if d <= radius_m:
            found.append((d, case_id, number, cat_name, reported_at, status))
    found.sort()
    found = found[:limit]
    counts = support_counts([f[1] for f in found])
    return [
        NearbyCase(
            case_id=case_id,
            number=number,
            category_name=cat_name,
            distance_m=round(d, 1),
            reported_at=reported_at,
            status_text=str(outward(status).citizen),
            supports=counts.get(case_id, 0),
        )
        for d, case_id, number, cat_name, reported_at, status in found
    ]


def nearby_pending_reports(
    report: PublicReport,
    *,
    radius_m: float = NEARBY_RADIUS_M,
    days: int = NEARBY_DAYS,
    limit: int = 10,
) -> list[tuple[float, PublicReport]]:
    """Other citizen reports still waiting for triage within ``radius_m`` metres of
    ``report``'s point, of its category or suggested category, submitted at most ``days``
    before it or at any time after it: ``(distance in metres, report)``, nearest first, at
    most ``limit``. Citizens
    are offered only accepted cases (a pending report is not public yet), so two of them at
    one spot before triage do not see each other: the office does, here, and merges the
    second into the case the first becomes."""
    categories = {report.category_id, report.suggested_category_id} - {None}
    if report.lat is None or report.lon is None or not categories:
        return []
    dlat, dlon = _box(report.lat, radius_m)
    rows = (
        PublicReport.objects.filter(
            status=PublicReport.Status.PENDING,
            submitted_at__gte=report.submitted_at - timedelta(days=days),
            lat__gte=report.lat - dlat,
            lat__lte=report.lat + dlat,
            lon__gte=report.lon - dlon,
            lon__lte=report.lon + dlon,
        )
        .filter(Q(category_id__in=categories) | Q(suggested_category_id__in=categories))
        .exclude(pk=report.pk)
        .select_related("category")
        .order_by("submitted_at", "id")[:200]
    )
    found = []
    for other in rows:
        d = haversine_m(report.lat, report.lon, other.lat, other.lon)
        if d <= radius_m:
            found.append((round(d, 1), other))
    found.sort(key=lambda pair: (pair[0], pair[1].pk))
    return found[:limit]


def support_counts(case_ids: list[int]) -> dict[int, int]:
    """Number of supports ("+1") per case id (absent: 0)."""
    if not case_ids:
        return {}
    return dict(
        Support.objects.filter(case_id__in=case_ids)
        .values_list("case_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def normalize_code(code: str) -> str:
    """A typed tracking code made canonical: upper case, spaces and dashes removed."""
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def report_by_code(code: str) -> PublicReport:
    """The report with this tracking code, or NotFound (404)."""
    code = normalize_code(code)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise NotFound("report")
    try:
        return PublicReport.objects.select_related("category", "case").get(code=code)
    except PublicReport.DoesNotExist:
        raise NotFound("report") from None


@dataclass
class PublicStatus:
    """What the status page shows: ``status_text`` (the citizen's words), ``reason`` (the
    office's reason when not accepted), ``is_final`` and the ``timeline`` (oldest first)."""

    status_text: str
    is_final: bool
    reason: str = ""
    timeline: list[dict] = field(default_factory=list)


def _surviving_case(case: Case | None) -> tuple[Case | None, list[Case]]:
    """Follow ``merged_into`` from ``case``; returns the last case and the chain walked."""
    chain: list[Case] = []
    while case is not None and len(chain) <= MERGE_HOPS:
        chain.append(case)
        if case.merged_into_id is None:
            break
        case = Case.objects.only("id", "status", "merged_into_id").get(pk=case.merged_into_id)
    return (chain[-1] if chain else None), chain


def public_status(report: PublicReport) -> PublicStatus:
    """The citizen's view of a report: its current status and public timeline.

    Steps of the report itself (received, accepted, not accepted with the reason, merged),
    then the public steps of the linked case, and of the case it was merged into (from the
    merge on). Internal steps (extension requests, escalations) and every note, staff name
    and other reporter's detail are left out; the unit's name is shown on assignment.
    """
    timeline: list[dict] = []
    for ev in report.events.order_by("at", "id"):
        words = REPORT_EVENT_WORDS.get(ev.action)
        if words:
            timeline.append(
                {
                    "at": ev.at,
                    "text": str(words),
                    "reason": report.reject_reason if ev.action == "reject" else "",
                }
            )
    if report.status in (PublicReport.Status.PENDING, PublicReport.Status.REJECTED):
        return PublicStatus(
            status_text=str(REPORT_STATUS_WORDS[report.status]),
            is_final=report.status == PublicReport.Status.REJECTED,
            reason=report.reject_reason,
            timeline=timeline,
        )
    last, chain = _surviving_case(report.case)
    events = list(
        CaseEvent.objects.filter(case_id__in=[c.id for c in chain])
        .only("case_id", "action", "at", "data", "seq")
        .order_by("at", "seq")
    )
    unit_ids = {e.data.get("unit_id") for e in events if e.action == "dispatch"} - {None}
    units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("id", "name"))
    merge_at: dict[int, datetime] = {}
    for e in events:
        if e.action == "merge":
            merge_at[e.case_id] = e.at
    for idx, case in enumerate(chain):
        # A successor's history counts from the moment the predecessor joined it.
        start = merge_at.get(chain[idx - 1].id) if idx else None
        for e in events:
            if e.case_id != case.id or (start is not None and e.at < start):
                continue
            if idx == 0 and e.action == "report" and report.status == "accepted":
                continue  # the report's own "accepted" step already says it
            words = PUBLIC_EVENT_WORDS.get(e.action)
            if idx == 0 and e.action == "report" and report.status == "merged":
                words = EARLIER_REPORT_WORDS  # the case this report joined: not the citizen's
            if words is None:
                continue
            text = str(words)
            if e.action == "dispatch" and units.get(e.data.get("unit_id")):
                text = f"{text}：{units[e.data['unit_id']]}"
            timeline.append({"at": e.at, "text": text, "reason": ""})
    timeline.sort(key=lambda item: item["at"])
    row = outward(last.status)
    return PublicStatus(
        status_text=str(row.citizen), is_final=row.open311 == "closed", timeline=timeline
    )


# --- the office's triage ----------------------------------------------------------------


def _require_office(user) -> None:
    if not scope_for(user).is_office:
        raise ApplicationError(
            "forbidden", _("Only the campaign office can review citizen reports."), status=403
        )


def reports_for_triage(user, status: str = "pending") -> QuerySet[PublicReport]:
    """Reports in ``status`` (oldest first for pending, newest first otherwise) for the
    office; 403 for anyone else."""
    _require_office(user)
    if status not in PublicReport.Status.values:
        raise ApplicationError("invalid_status", _("Unknown status."), detail={"field": "status"})
    qs = PublicReport.objects.filter(status=status).select_related(
        "category", "suggested_category", "case", "open311_client"
    )
    qs = qs.annotate(photo_count=Count("photos"))
    return qs.order_by("submitted_at", "id") if status == "pending" else qs


def place(report: PublicReport) -> Location | None:
    """The areas (county, subdistrict, community, unit grid) of the report's point, as a case
    filed there would get them (:func:`wenming.geo.locate.locate`); None without coordinates
    or for a point the city does not contain."""
    if report.lat is None or report.lon is None:
        return None
    try:
        return locate(report.lat, report.lon)
    except ApplicationError:
        return None


def proposed_unit(report: PublicReport) -> Unit | None:
    """The unit a case for this report would be proposed to when accepted now: the routing of
    the report's category at its place (``org.routing.propose_unit`` over
    ``geo.locate.locate``, the same lookup ``cases.services.case_report`` makes). None
    without a category or coordinates, or for a point the city does not contain."""
    if report.category_id is None:
        return None
    where = place(report)
    if where is None:
        return None
    unit, _rule = propose_unit(
        report.category, where.community or where.subdistrict or where.county
    )
    return unit


def pending_count(user) -> int:
    """How many citizen reports wait for the office's triage: for an office user, one indexed
    COUNT (``public_report_st``); 0 for anyone else (they may not triage)."""
    if not scope_for(user).is_office:
        return 0
    return PublicReport.objects.filter(status=PublicReport.Status.PENDING).count()

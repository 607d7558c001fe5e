"""JSON API of the ledger: list, detail, one endpoint per transition.

Handlers only translate HTTP to service calls (:mod:`wenming.cases.services`) and
scoped reads (:mod:`wenming.cases.selectors`).
"""

from __future__ import annotations

import json
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja import Status as Reply
from ninja.responses import NinjaJSONEncoder
from pydantic import Field

from . import selectors, services
from .models import UNIT_HOLDS, Case, CaseEvent, ExtensionRequest, Status

router = Router(tags=["cases"])


class Ref(Schema):
    id: int
    name: str


class CaseRow(Schema):
    id: int
    number: str
    title: str
    status: str
    status_label: str
    source: str
    category: Ref
    category_code: str
    unit: Ref | None
    subdistrict: Ref | None
    community: Ref | None
    grid_id: int | None
    lat: float
    lon: float
    address: str
    reported_at: datetime
    deadline: datetime | None
    overdue: bool
    overdue_hours: float | None = Field(None, description="Hours past the deadline, if overdue.")
    rework_count: int
    version: int
    recurring: bool = Field(False, description="顽疾: the same problem again at the same place.")


class EventOut(Schema):
    seq: int
    action: str
    actor: str | None
    at: datetime
    from_status: str
    to_status: str
    note: str
    data: dict


class ExtensionOut(Schema):
    id: int
    status: str
    requested_at: datetime
    requested_deadline: datetime
    reason: str
    decided_at: datetime | None
    decision_note: str


class CaseDetail(CaseRow):
    description: str
    county: Ref | None
    supervision_grid: Ref | None
    proposed_unit: Ref | None
    near_boundary: bool
    routing_note: str
    dispatched_at: datetime | None
    deadline_warning: str
    submitted_at: datetime | None
    closed_at: datetime | None
    rectified_on_time: bool | None
    closed_on_time: bool | None
    extension_count: int
    merged_into_id: int | None
    timeline: list[EventOut]
    extension_requests: list[ExtensionOut]


class CasePage(Schema):
    items: list[CaseRow]
    next_cursor: str | None
    counts: dict[str, int] | None


def _local(dt: datetime | None) -> datetime | None:
    """Datetimes leave the API in local time with their offset (+08:00)."""
    return timezone.localtime(dt) if dt is not None else None


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _row(case: Case, now: datetime) -> dict:
    """A :class:`CaseRow` dict of a case instance (category, unit, subdistrict and
    community loaded)."""
    return _row_values(
        {
            "id": case.pk,
            "number": case.number,
            "title": case.title,
            "status": case.status,
            "source": case.source,
            "lat": case.lat,
            "lon": case.lon,
            "address": case.address,
            "reported_at": case.reported_at,
            "deadline": case.deadline,
            "rework_count": case.rework_count,
            "version": case.version,
            "recurring": case.recurring,
            "grid_id": case.grid_id,
            "category_id": case.category_id,
            "category__code": case.category.code,
            "category__name": case.category.name,
            "unit_id": case.unit_id,
            "unit__name": case.unit.name if case.unit_id else None,
            "subdistrict_id": case.subdistrict_id,
            "subdistrict__name": case.subdistrict.name if case.subdistrict_id else None,
            "community_id": case.community_id,
            "community__name": case.community.name if case.community_id else None,
        },
        now,
    )


def _row_values(v: dict, now: datetime, labels: dict | None = None) -> dict:
    """A :class:`CaseRow` dict from a dict keyed by :data:`selectors.ROW_VALUES`.

    ``labels``: a dict kept by the caller across the rows of one page, filled with the
    status labels in the active language (each translated once per page).
    """
    status, deadline = v["status"], v["deadline"]
    overdue = status in UNIT_HOLDS and deadline is not None and deadline < now
    if labels is None:
        labels = {}
    label = labels.get(status)
    if label is None:
        label = labels[status] = str(Status(status).label)
    tz = labels.get(_TZ)
    if tz is None:
        tz = labels[_TZ] = timezone.get_current_timezone()
    return {
        "id": v["id"],
        "number": v["number"],
        "title": v["title"],
        "status": status,
        "status_label": label,
        "source": v["source"],
        "category": {"id": v["category_id"], "name": v["category__name"]},
        "category_code": v["category__code"],
        "unit": _ref_values(v["unit_id"], v["unit__name"]),
        "subdistrict": _ref_values(v["subdistrict_id"], v["subdistrict__name"]),
        "community": _ref_values(v["community_id"], v["community__name"]),
        "grid_id": v["grid_id"],
        "lat": v["lat"],
        "lon": v["lon"],
        "address": v["address"],
        # In local time with the offset (+08:00), as _local() gives.
        "reported_at": v["reported_at"].astimezone(tz),
        "deadline": deadline.astimezone(tz) if deadline is not None else None,
        "overdue": overdue,
        "overdue_hours": round((now - deadline).total_seconds() / 3600, 1) if overdue else None,
        "rework_count": v["rework_count"],
        "version": v["version"],
        "recurring": v.get("recurring", False),
    }


_TZ = object()  # the key of the time zone in _row_values' ``labels``


def _ref_values(pk: int | None, name: str | None) -> dict | None:
    return {"id": pk, "name": name} if pk is not None else None


def _extension(req: ExtensionRequest) -> dict:
    return {
        "id": req.pk,
        "status": req.status,
        "requested_at": _local(req.requested_at),
        "requested_deadline": _local(req.requested_deadline),
        "reason": req.reason,
        "decided_at": _local(req.decided_at),
        "decision_note": req.decision_note,
    }


def _detail(case: Case) -> dict:
    events: list[CaseEvent] = list(selectors.case_timeline(case))
    return {
        **_row(case, timezone.now()),
        "description": case.description,
        "county": _ref(case.county),
        "supervision_grid": _ref(case.supervision_grid),
        "proposed_unit": _ref(case.proposed_unit),
        "near_boundary": case.near_boundary,
        "routing_note": case.routing_note,
        "dispatched_at": _local(case.dispatched_at),
        "deadline_warning": case.deadline_warning,
        "submitted_at": _local(case.submitted_at),
        "closed_at": _local(case.closed_at),
        "rectified_on_time": case.rectified_on_time,
        "closed_on_time": case.closed_on_time,
        "extension_count": case.extension_count,
        "merged_into_id": case.merged_into_id,
        "timeline": [
            {
                "seq": e.seq,
                "action": e.action,
                "actor": (e.actor.get_full_name() or e.actor.username) if e.actor else None,
                "at": _local(e.at),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "data": e.data,
            }
            for e in events
        ],
        "extension_requests": [_extension(r) for r in case.extension_requests.all()],
    }


class LedgerQuery(Schema):
    status: list[str] | None = Field(None, description="One or more statuses (repeat the key).")
    category: str | None = Field(None, max_length=32, description="A category's exact code.")
    category_id: int | None = Field(None, description="A category's id.")
    unit: int | None = None
    grid: int | None = None
    supervision_grid: int | None = None
    region: int | None = Field(None, description="County, subdistrict or community id.")
    source: str | None = Field(None, max_length=16)
    overdue: bool | None = None
    recurring: bool | None = Field(None, description="Only recurring (顽疾) cases, or none.")
    date_from: date | None = None
    date_to: date | None = None
    sort: str = Field("-reported_at", max_length=16)
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=200)
    with_counts: bool = Field(
        False,
        description="Also count cases per status under the same filters (costs a second "
        "query that grows with the area's whole history; ask for it on the first page).",
    )


@router.get(
    "/cases",
    response=CasePage,
    summary="List the ledger",
    description="The answer is written straight from the database rows; it has exactly the "
    "shape of `CasePage` (tests/cases/test_api.py checks it against the schema).",
)
def list_cases(request, q: Query[LedgerQuery]):
    # LedgerQuery documents the parameters and checks their types; what they mean comes from
    # the one parser that the ledger page and the exports use too, so the three cannot drift.
    f, sort = selectors.parse_ledger_filter(request.GET)
    rows, next_cursor = selectors.ledger_page_values(
        request.user, f, sort=sort, limit=q.limit, cursor=q.cursor
    )
    now, labels = timezone.now(), {}
    page = {
        "items": [_row_values(v, now, labels) for v in rows],
        "next_cursor": next_cursor,
        "counts": selectors.status_counts(request.user, f) if q.with_counts else None,
    }
    # Pre-serialised: validating 50 rows against CasePage only to dump them again cost more
    # than the page's query (bench/ledger_list.py). The encoder is Ninja's own, so values
    # (datetimes with offset, floats) are written exactly as a validated response writes them.
    return HttpResponse(
        json.dumps(page, cls=NinjaJSONEncoder, ensure_ascii=False, separators=(",", ":")),
        content_type="application/json; charset=utf-8",
    )


class ReportIn(Schema):
    title: str
    category_id: int
    lat: float | None = None
    lon: float | None = None
    description: str = ""
    address: str = ""
    source: str | None = None


@router.post("/cases", response={201: CaseDetail}, summary="Report a case")
def report_case(request, payload: ReportIn):
    case = services.case_report(request.user, **payload.dict())
    return Reply(201, _detail(selectors.case_detail(request.user, case.pk)))


@router.get("/cases/{case_id}", response=CaseDetail, summary="A case with its timeline")
def get_case(request, case_id: int):
    return _detail(selectors.case_detail(request.user, case_id))


class VersionIn(Schema):
    expected_version: int | None = Field(
        None, description="If given, the action fails with 409 when the case has changed."
    )


class DispatchIn(VersionIn):
    unit_id: int | None = None
    deadline: datetime | None = None
    note: str = ""


class NoteIn(VersionIn):
    note: str = ""


class ReasonIn(VersionIn):
    reason: str = ""


class MergeIn(VersionIn):
    into_id: int
    note: str = ""


class ExtensionIn(VersionIn):
    requested_deadline: datetime
    reason: str = ""


class DecisionIn(Schema):
    approve: bool
    note: str = ""


def _transition(request, func, case_id: int, payload: Schema):
    case = func(request.user, case_id, **payload.dict())
    return _detail(selectors.case_detail(request.user, case.pk))


@router.post("/cases/{case_id}/dispatch", response=CaseDetail, summary="Dispatch (派遣)")
def dispatch(request, case_id: int, payload: DispatchIn):
    return _transition(request, services.case_dispatch, case_id, payload)


@router.post("/cases/{case_id}/reject", response=CaseDetail, summary="Reject (不予立案)")
def reject(request, case_id: int, payload: ReasonIn):
    return _transition(request, services.case_reject, case_id, payload)


@router.post("/cases/{case_id}/merge", response=CaseDetail, summary="Merge into another case")
def merge(request, case_id: int, payload: MergeIn):
    return _transition(request, services.case_merge, case_id, payload)


@router.post("/cases/{case_id}/accept", response=CaseDetail, summary="Accept (签收)")
def accept(request, case_id: int, payload: NoteIn):
    return _transition(request, services.case_accept, case_id, payload)


@router.post("/cases/{case_id}/return", response=CaseDetail, summary="Return (退回)")
def return_case(request, case_id: int, payload: ReasonIn):
    return _transition(request, services.case_return, case_id, payload)


@router.post("/cases/{case_id}/submit", response=CaseDetail, summary="Submit the fix")
def submit(request, case_id: int, payload: NoteIn):
    return _transition(request, services.case_submit, case_id, payload)


@router.post("/cases/{case_id}/verify", response=CaseDetail, summary="Verify and close (销号)")
def verify(request, case_id: int, payload: NoteIn):
    return _transition(request, services.case_verify, case_id, payload)


@router.post("/cases/{case_id}/rework", response=CaseDetail, summary="Send back for rework")
def rework(request, case_id: int, payload: ReasonIn):
    return _transition(request, services.case_rework, case_id, payload)


@router.post(
    "/cases/{case_id}/extensions",
    response={201: ExtensionOut},
    summary="Request an extension (延期申请)",
)
def request_extension(request, case_id: int, payload: ExtensionIn):
    req = services.case_request_extension(request.user, case_id, **payload.dict())
    return Reply(201, _extension(req))


@router.post(
    "/extensions/{request_id}/decide",
    response=ExtensionOut,
    summary="Approve or deny an extension",
)
def decide_extension(request, request_id: int, payload: DecisionIn):
    req = services.case_decide_extension(request.user, request_id, **payload.dict())
    return _extension(req)

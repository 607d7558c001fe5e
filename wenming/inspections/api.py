"""JSON API of the inspections app: rounds, checklists (without photos; the page sends
photos), round reports and unit scores. Every handler calls the services/selectors."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from wenming.core.errors import ApplicationError
from wenming.org.scope import scope_for

from . import selectors, services

router = Router(tags=["inspections"])


class RoundOut(Schema):
    id: int
    number: str
    name: str
    kind: str
    status: str
    starts_on: dt.date
    ends_on: dt.date
    standard_version_id: int
    points: int
    inspected: int


class RoundIn(Schema):
    name: str = Field(..., max_length=200)
    kind: str = Field("planned", max_length=12)
    starts_on: dt.date
    ends_on: dt.date
    supervision_grid_ids: list[int] = []
    point_type_ids: list[int] = []
    point_ids: list[int] = []
    inspector_ids: list[int] = []
    leader_id: int | None = None
    note: str = Field("", max_length=2000)


class AnswerIn(Schema):
    criterion_id: int
    answer: str = Field(..., max_length=4, description="pass (符合), fail (不符合), na (不涉及)")
    note: str = Field("", max_length=500)


class ChecklistIn(Schema):
    uuid: uuid_module.UUID = Field(..., description="Made by the client once per checklist.")
    answers: list[AnswerIn]
    lat: float | None = None
    lon: float | None = None
    accuracy: float | None = None
    note: str = Field("", max_length=2000)


class ChecklistOut(Schema):
    submission_id: int
    created: bool
    checked: int
    passed: int
    failed: int
    far_from_point: bool
    distance_m: float | None
    case_ids: list[int]


class UnitScore(Schema):
    unit_id: int
    checked: int
    passed: int
    failed: int
    score: float | None
    result_ids: list[int]


def _round_out(r, progress) -> dict:
    planned, done = progress.get(r.pk, (0, 0))
    return {
        "id": r.pk,
        "number": r.number,
        "name": r.name,
        "kind": r.kind,
        "status": r.status,
        "starts_on": r.starts_on,
        "ends_on": r.ends_on,
        "standard_version_id": r.standard_version_id,
        "points": planned,
        "inspected": done,
    }


@router.get("/inspections/rounds", response=list[RoundOut], summary="Inspection rounds")
def list_rounds(request):
    rounds = list(selectors.rounds_visible_to(request.user).order_by("-starts_on", "-id")[:200])
    progress = selectors.round_progress([r.pk for r in rounds])
    return [_round_out(r, progress) for r in rounds]


@router.post("/inspections/rounds", response={201: RoundOut}, summary="Plan a round")
def plan_round(request, body: RoundIn):
    rnd = services.round_plan(request.user, **body.dict())
    return Status(201, _round_out(rnd, selectors.round_progress([rnd.pk])))


@router.post(
    "/inspections/rounds/{round_id}/points/{point_id}/checklist",
    response={200: ChecklistOut, 201: ChecklistOut},
    summary="Submit a point's checklist (idempotent by uuid)",
)
def submit_checklist(request, round_id: int, point_id: int, body: ChecklistIn):
    sub, created = services.checklist_submit(
        request.user,
        round_id=round_id,
        point_id=point_id,
        uuid=body.uuid,
        answers=[a.dict() for a in body.answers],
        lat=body.lat,
        lon=body.lon,
        accuracy_m=body.accuracy,
        note=body.note,
    )
    body = {
        "submission_id": sub.pk,
        "created": created,
        "checked": sub.checked,
        "passed": sub.passed,
        "failed": sub.failed,
        "far_from_point": sub.far_from_point,
        "distance_m": sub.distance_m,
        "case_ids": sorted(
            sub.results.filter(finding__isnull=False).values_list("finding__case_id", flat=True)
        ),
    }
    return Status(201 if created else 200, body)


@router.get("/inspections/rounds/{round_id}/report", summary="Round report and scores")
def round_report(request, round_id: int):
    rnd = selectors.round_detail(request.user, round_id)
    rep = selectors.round_report(rnd)

    def groups(items):
        return [{k: (float(v) if k == "deductions" else v) for k, v in g.items()} for g in items]

    total = {k: (float(v) if k == "deductions" else v) for k, v in rep["total"].items()}
    return {
        "round": rnd.number,
        "total": total,
        "previous_round": rep["previous_round"].number if rep["previous_round"] else None,
        "grids": groups(rep["grids"]),
        "units": groups(rep["units"]),
        "types": groups(rep["types"]),
        "points": [
            {
                "point_id": r["point"].pk,
                "code": r["point"].code,
                "checked": r["checked"],
                "passed": r["passed"],
                "failed": r["failed"],
                "deductions": float(r["deductions"]),
                "score": r["score"],
            }
            for r in rep["points"]
        ],
        "failed_criteria": [
            {"criterion_id": f["criterion"].pk, "code": f["criterion"].code, "count": f["count"]}
            for f in rep["failed_criteria"]
        ],
    }


@router.get(
    "/inspections/unit-scores",
    response=list[UnitScore],
    summary="Inspection scores per unit (office and leaders)",
)
def unit_scores(request, start: dt.date, end: dt.date):
    scope = scope_for(request.user)
    if not (scope.is_office or scope.is_leader):
        raise ApplicationError("forbidden", _("Only the campaign office can do this."), status=403)
    if end < start:
        raise ApplicationError(
            "invalid_range", _("The end date is before the start date."), detail={"field": "end"}
        )
    data = selectors.unit_inspection_scores(start, end)
    return [{"unit_id": k, **v} for k, v in sorted(data.items())]

"""JSON API of the assessment app.

* ``GET /api/assessment/indicators?period=2021-03&group_by=unit`` — live indicators (office
  and leaders; others 404), see :func:`wenming.assessment.indicators.compute_indicators`.
* ``GET /api/assessment/published?period=2021-03`` — the newest publication of the period
  (any logged-in user: the public ranking, without case ids), 404 when unpublished.
* ``POST /api/assessment/publish`` ``{"period", "note"}`` — publish (office).
"""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Router, Schema, Status

from wenming.core.errors import NotFound

from . import selectors, services
from .indicators import compute_indicators
from .periods import period_of

router = Router(tags=["assessment"])


class IndicatorOut(Schema):
    group: str
    key: int | None
    name: str
    kind: str
    report: int
    # 立案数. Not named "register": that would shadow pydantic's ABC ``register`` classmethod and
    # break the OpenAPI schema; the indicator rows call it "register".
    registered: int = Field(validation_alias="register")
    rejected: int
    merged: int
    dispatch: int
    due: int
    dispose: int
    in_time_dispose: int
    overtime_dispose: int
    archive: int
    in_time_archive: int
    overtime_archive: int
    to_dispose: int
    overtime_to_dispose: int
    rework: int
    extension: int
    escalation: int
    listed_escalation: int
    recurring: int
    dispose_rate: float | None
    in_time_dispose_rate: float | None
    archive_rate: float | None
    in_time_archive_rate: float | None
    overtime_archive_rate: float | None
    rework_rate: float | None
    extension_rate: float | None
    overtime_rate: float | None
    escalation_per_100: float | None
    overtime_per_100: float | None
    recurring_per_100: float | None
    denominators: dict


@router.get(
    "/assessment/indicators",
    response=list[IndicatorOut],
    summary="Case indicators per unit, supervision grid, subdistrict or the city",
)
def indicators(request, period: str, group_by: str = "unit"):
    """Live indicators of the period (office and leaders; others get 404). Formulas:
    :mod:`wenming.assessment.indicators`."""
    if not selectors.sees_everything(request.user):
        raise NotFound("assessment")
    p = period_of(period)
    return [r.as_dict() for r in compute_indicators(p.start, p.end, group_by=group_by)]


class PublishedRowOut(Schema):
    unit_id: int
    unit_name: str
    unit_kind: str
    rank: int | None
    previous_rank: int | None
    score: float | None
    grade: str
    board: str
    reason: str
    scheme_version_id: int


class PublicationOut(Schema):
    id: int
    period: str
    number: int
    start: str
    end: str
    published_at: datetime
    as_of: datetime
    note: str
    supersedes_id: int | None
    rows: list[PublishedRowOut]


def _publication(pub) -> dict:
    return {
        "id": pub.pk,
        "period": pub.period_key,
        "number": pub.number,
        "start": pub.start.isoformat(),
        "end": pub.end.isoformat(),
        "published_at": pub.published_at,
        "as_of": pub.as_of,
        "note": pub.note,
        "supersedes_id": pub.supersedes_id,
        "rows": list(
            selectors.published_rows(pub).values(
                "unit_id",
                "unit_name",
                "unit_kind",
                "rank",
                "previous_rank",
                "score",
                "grade",
                "board",
                "reason",
                "scheme_version_id",
            )
        ),
    }


@router.get(
    "/assessment/published",
    response=PublicationOut,
    summary="The newest published ranking (红黑榜) of a period",
)
def published(request, period: str):
    """Public to logged-in users; case ids are not included (see the unit pages)."""
    p = period_of(period)
    pub = selectors.latest_publication(p.key)
    if pub is None or not selectors.publications(request.user).filter(pk=pub.pk).exists():
        raise NotFound("publication")
    return _publication(pub)


class PublishIn(Schema):
    period: str
    note: str = ""


@router.post(
    "/assessment/publish",
    response={201: PublicationOut},
    summary="Publish (freeze) a period's ranking (office)",
)
def publish(request, body: PublishIn):
    pub = services.assessment_publish(request.user, body.period, note=body.note)
    return Status(201, _publication(pub))

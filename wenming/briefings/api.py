"""JSON API of the briefings app: work information (信息报送) and published issues.

Handlers only translate HTTP to :mod:`wenming.briefings.services` and
:mod:`wenming.briefings.selectors`; errors are the API's ``{"code", "message", "detail"}``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import Field

from . import selectors, services
from .models import Issue, WorkItem

router = Router(tags=["briefings"])


class WorkItemIn(Schema):
    unit_id: int
    headline: str = Field(..., max_length=1000)
    date: date
    paragraphs: list[str] = Field(..., max_length=1000)
    submit: bool = Field(True, description="Submit to the office at once (else a draft).")


class WorkItemOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    headline: str
    date: date
    paragraphs: list[str]
    status: str
    status_label: str
    return_reason: str
    origin: str
    version: int


class ReturnIn(Schema):
    reason: str = Field(..., max_length=5000)
    expected_version: int | None = None


class AcceptIn(Schema):
    headline: str | None = Field(None, max_length=1000)
    paragraphs: list[str] | None = Field(None, max_length=1000)
    expected_version: int | None = None


class ArticleOut(Schema):
    position: int
    headline: str
    paragraphs: list[str]
    work_item_id: int | None


class IssueOut(Schema):
    id: int
    series: str
    year: int
    number: int | None
    date: date
    office: str
    status: str
    toc: list[str]
    report_to: str
    send_to: str
    copies: int
    published_at: datetime | None
    articles: list[ArticleOut] = []


def _item(item: WorkItem) -> dict:
    return {
        "id": item.pk,
        "unit_id": item.unit_id,
        "unit_name": item.unit.name,
        "headline": item.headline,
        "date": item.date,
        "paragraphs": item.paragraphs,
        "status": item.status,
        "status_label": str(WorkItem.Status(item.status).label),
        "return_reason": item.return_reason,
        "origin": item.origin,
        "version": item.version,
    }


def _issue(issue: Issue, with_articles: bool) -> dict:
    data = {
        "id": issue.pk,
        "series": issue.series.name,
        "year": issue.year,
        "number": issue.number,
        "date": issue.date,
        "office": issue.office,
        "status": issue.status,
        "toc": issue.toc,
        "report_to": issue.report_to,
        "send_to": issue.send_to,
        "copies": issue.copies,
        "published_at": issue.published_at,
        "articles": [],
    }
    if with_articles:
        data["articles"] = [
            {
                "position": a.position,
                "headline": a.headline,
                "paragraphs": a.paragraphs,
                "work_item_id": a.work_item_id,
            }
            for a in issue.articles.all()
        ]
    return data


def _reload(request, item_id: int) -> dict:
    return _item(
        selectors.work_items_visible_to(request.user).get(pk=selectors.valid_id(item_id) or 0)
    )


@router.get("/briefings/work-items", response=list[WorkItemOut])
def list_work_items(request, status: str | None = None, limit: int = 100):
    """Work information the caller may see, newest first (``status`` filters)."""
    qs = selectors.work_items_visible_to(request.user).order_by("-id")
    if status:
        qs = qs.filter(status=status)
    return [_item(i) for i in qs[: max(1, min(limit, 500))]]


@router.post("/briefings/work-items", response={201: WorkItemOut})
def create_work_item(request, body: WorkItemIn):
    """Create work information for a unit (and submit it unless ``submit`` is false)."""
    item = services.work_item_create(
        request.user,
        unit=body.unit_id,
        headline=body.headline,
        date=body.date,
        paragraphs=body.paragraphs,
    )
    if body.submit:
        services.work_item_submit(request.user, item.pk)
    return Status(201, _reload(request, item.pk))


@router.get("/briefings/work-items/{item_id}", response=WorkItemOut)
def get_work_item(request, item_id: int):
    try:
        return _reload(request, item_id)
    except WorkItem.DoesNotExist:
        raise Http404 from None


@router.post("/briefings/work-items/{item_id}/accept", response=WorkItemOut)
def accept_work_item(request, item_id: int, body: AcceptIn):
    """The office accepts (采用), optionally with edits."""
    services.work_item_accept(
        request.user,
        item_id,
        headline=body.headline,
        paragraphs=body.paragraphs,
        expected_version=body.expected_version,
    )
    return _reload(request, item_id)


@router.post("/briefings/work-items/{item_id}/return", response=WorkItemOut)
def return_work_item(request, item_id: int, body: ReturnIn):
    """The office returns it to the unit with a reason."""
    services.work_item_return(
        request.user, item_id, reason=body.reason, expected_version=body.expected_version
    )
    return _reload(request, item_id)


@router.get("/briefings/issues", response=list[IssueOut])
def list_issues(request, limit: int = 50):
    """Issues the caller may see (published ones; drafts too for the office)."""
    qs = selectors.issues_visible_to(request.user).order_by("-year", "-number", "-id")
    return [_issue(i, False) for i in qs[: max(1, min(limit, 200))]]


@router.get("/briefings/issues/{issue_id}", response=IssueOut)
def get_issue(request, issue_id: int):
    try:
        return _issue(selectors.issue_detail(request.user, issue_id), True)
    except Issue.DoesNotExist:
        raise Http404 from None

"""One function per notification type: each builds a :class:`Draft` (who, what) from its
source and renders the text from ``templates/notifications/messages/<kind>.txt`` (first line
the subject, the rest the body) in the site language.

Audiences: ``unit_ids`` — the unit handlers of those units and the units' group robots;
``office`` — the campaign office's users and the office's own group robot; ``user_ids`` —
named users (e.g. a supervision grid's leader).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from wenming.cases.models import Case, CaseEvent, Escalation

from . import conf
from .models import Kind


@dataclass
class Draft:
    kind: str
    key: str
    subject: str
    body: str
    url: str = ""
    case_id: int | None = None
    event_id: int | None = None
    unit_ids: list[int] = field(default_factory=list)
    office: bool = False
    user_ids: list[int] = field(default_factory=list)
    exclude_user_id: int | None = None


def _fmt(dt) -> str:
    return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}" if dt else ""


def render(kind: str, context: dict) -> tuple[str, str]:
    """Render the type's template; returns (subject, body) with blank lines collapsed."""
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"notifications/messages/{kind}.txt", context)
    lines = [line.strip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    subject = lines[0][:200] if lines else kind
    return subject, "\n".join(lines[1:])[:4000]


def case_url(case_id: int) -> str:
    """The case's page if the site has one, else the inbox."""
    try:
        return reverse("cases:case", args=[case_id])
    except NoReverseMatch:
        return reverse("notifications:inbox")


def _case_context(case: Case, **extra) -> dict:
    return {
        "case": case,
        "unit_name": case.unit.name if case.unit_id else "",
        "category_name": case.category.name,
        "deadline": _fmt(case.deadline),
        "office_name": conf.office_name(),
        **extra,
    }


def _from_event(kind: str, event: CaseEvent, **extra) -> Draft:
    case = event.case
    subject, body = render(kind, _case_context(case, event=event, note=event.note, **extra))
    return Draft(
        kind=kind,
        key=f"event:{event.pk}",
        subject=subject,
        body=body,
        url=case_url(case.pk),
        case_id=case.pk,
        event_id=event.pk,
        exclude_user_id=event.actor_id,
    )


def case_dispatched(event: CaseEvent) -> Draft:
    """派遣: to the unit the case was dispatched to."""
    draft = _from_event(Kind.CASE_DISPATCHED, event)
    draft.unit_ids = [event.data.get("unit_id") or event.case.unit_id]
    return draft


def case_returned(event: CaseEvent) -> Draft:
    """退回: to the office, which must dispatch the case again."""
    from wenming.org.models import Unit

    unit = Unit.objects.filter(pk=event.data.get("unit_id")).first()
    draft = _from_event(Kind.CASE_RETURNED, event, returned_by=unit.name if unit else "")
    draft.office = True
    return draft


def case_reworked(event: CaseEvent) -> Draft:
    """返工: verification failed; to the unit."""
    draft = _from_event(Kind.CASE_REWORKED, event, rework_count=event.data.get("rework_count"))
    draft.unit_ids = [event.case.unit_id]
    return draft


def extension_decided(event: CaseEvent) -> Draft:
    """延期 approved or denied: to the unit."""
    draft = _from_event(Kind.EXTENSION_DECIDED, event, approved=event.action == "approve_extension")
    draft.unit_ids = [event.case.unit_id]
    return draft


def escalated(event: CaseEvent) -> Draft:
    """督办 / 挂牌督办: to the unit and the office; level 2 also to the supervision grid's
    leader (when the grid has a leader account)."""
    escalation = (
        Escalation.objects.select_related("unit").filter(pk=event.data.get("escalation_id")).first()
    )
    level = escalation.level if escalation else event.data.get("level", 1)
    draft = _from_event(
        Kind.ESCALATED,
        event,
        escalation=escalation,
        level=level,
        number=escalation.number if escalation else "",
        respond_by=_fmt(escalation.respond_by) if escalation else "",
        requirements=escalation.requirements if escalation else "",
    )
    if escalation is not None:
        draft.url = reverse("notifications:escalation_docx", args=[escalation.pk])
    draft.unit_ids = [event.case.unit_id]
    draft.office = True
    grid = event.case.supervision_grid
    if level >= 2 and grid is not None and grid.leader_id:
        draft.user_ids = [grid.leader_id]
    return draft


def due_soon(case: Case, reminder_id: int) -> Draft:
    """The deadline is near (``WENMING_REMIND_DUE_SOON_WORKING_HOURS``): to the unit."""
    subject, body = render(Kind.DUE_SOON, _case_context(case, hours=f"{conf.due_soon_hours():g}"))
    return Draft(
        kind=Kind.DUE_SOON,
        key=f"reminder:{reminder_id}",
        subject=subject,
        body=body,
        url=case_url(case.pk),
        case_id=case.pk,
        unit_ids=[case.unit_id],
    )


def overdue(case: Case, reminder_id: int) -> Draft:
    """The deadline has passed: to the unit and the office."""
    subject, body = render(Kind.OVERDUE, _case_context(case))
    return Draft(
        kind=Kind.OVERDUE,
        key=f"reminder:{reminder_id}",
        subject=subject,
        body=body,
        url=case_url(case.pk),
        case_id=case.pk,
        unit_ids=[case.unit_id],
        office=True,
    )


def work_item_returned(*, item_id: int, unit_id: int, title: str, reason: str, url: str) -> Draft:
    """A unit's work information (信息报送) was returned by the office: to the unit."""
    subject, body = render(
        Kind.WORK_ITEM_RETURNED,
        {"title": title, "reason": reason, "office_name": conf.office_name()},
    )
    return Draft(
        kind=Kind.WORK_ITEM_RETURNED,
        key=f"work_item_returned:{item_id}",
        subject=subject,
        body=body,
        url=url,
        unit_ids=[unit_id],
    )


def briefing_published(
    *, issue_id: int, title: str, number: str, url: str, unit_ids: list[int]
) -> Draft:
    """A briefing issue (工作简报 第N期) was published: to the listed units and the office."""
    subject, body = render(
        Kind.BRIEFING_PUBLISHED,
        {"title": title, "number": number, "office_name": conf.office_name()},
    )
    return Draft(
        kind=Kind.BRIEFING_PUBLISHED,
        key=f"briefing_published:{issue_id}",
        subject=subject,
        body=body,
        url=url,
        unit_ids=list(unit_ids),
        office=True,
    )


#: Case event action → builder. Other actions notify nobody.
EVENT_BUILDERS = {
    "dispatch": case_dispatched,
    "return": case_returned,
    "rework": case_reworked,
    "escalate": escalated,
    "approve_extension": extension_decided,
    "deny_extension": extension_decided,
}

"""Work information and briefings: one function per change (the only place they change).

Work information (信息报送), by the unit (unit handler of the item's unit; the office may act
for a unit) and the office:

=========================  ===================================  =======================
function                   from → to                            who
=========================  ===================================  =======================
work_item_create           (new) → draft                        unit handler, office
work_item_update           draft, returned                      unit handler, office
work_item_submit           draft, returned → submitted          unit handler, office
work_item_accept (采用)    submitted → accepted (may edit)      office
work_item_return (退回)    submitted, accepted → returned       office
(issue_publish)            accepted → published                 office
=========================  ===================================  =======================

Issues (office only): issue_create, issue_update, issue_add_items, issue_add_article,
issue_move_article, issue_remove_article, issue_generate_toc, issue_fill_data,
issue_clear_data, issue_publish, issue_correct, issue_import; series_create,
recipient_list_save.

Every function locks the row it changes (``SELECT … FOR UPDATE``; SQLite serialises writers
with ``BEGIN IMMEDIATE``), checks scope (out of scope → 404), role (403) and state (409),
writes the change and one audit row (:class:`WorkItemEvent` / :class:`IssueEvent`) in one
transaction. Refusals raise :class:`ApplicationError` and change nothing.

Numbering: an issue gets 第N期 when it is published, from the gapless counter
``briefing:<series id>:<year>`` (:func:`wenming.core.sequences.next_value`) inside the
publishing transaction, so a failed publication leaves no gap and two publications at the
same moment wait for each other. Imported issues raise the counter to their number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence as Seq

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError, NotFound
from wenming.core.models import Sequence
from wenming.core.photos import process_photos
from wenming.core.sequences import next_value
from wenming.core.text import clean_text
from wenming.org.models import Unit
from wenming.org.scope import scope_for

from . import selectors
from .models import (
    Article,
    Issue,
    IssueEvent,
    RecipientList,
    Series,
    WorkItem,
    WorkItemEvent,
    WorkItemPhoto,
)
from .parse import ParsedBriefing

HEADLINE_MAX = 100
PARAGRAPH_MAX = 5000
PARAGRAPHS_MAX = 60
REASON_MAX = 1000
RECIPIENTS_MAX = 2000
COPIES_MAX = 100_000
ORIGIN_MAX = 100
TOC_MAX = 100  # entries of 本期要目
TOC_ENTRY_MAX = 200
NUMBER_MAX = 9999  # 第N期: a series publishes a few dozen issues a year
NAME_MAX = 100  # series name and issuing office (the model's max_length)
IMPORT_YEARS = (1949, 2100)  # dates an imported briefing may carry

S = WorkItem.Status
IS = Issue.Status


# --- helpers ------------------------------------------------------------------------------


def _forbidden(message) -> ApplicationError:
    return ApplicationError("forbidden", message, status=403)


def _require_office(user) -> None:
    if not scope_for(user).is_office:
        raise _forbidden(_("Only the campaign office can do this."))


def _now():
    return timezone.now()


def _user(user):
    return user if getattr(user, "pk", None) else None


def paragraphs_from_text(text: str) -> list[str]:
    """Split typed body text into paragraphs: every non-empty line is one paragraph."""
    if not isinstance(text, str):
        return []
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


def _clean_headline(value) -> str:
    return clean_text(value, "headline", _("Headline"), max_length=HEADLINE_MAX, required=True)


def _clean_paragraphs(value, field: str = "paragraphs") -> list[str]:
    if value is None:
        value = []
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise ApplicationError(
            "invalid_text", _("The body must be a list of paragraphs."), detail={"field": field}
        )
    value = list(value)
    out = []
    for i, p in enumerate(value):
        text = clean_text(
            p, field, _("Paragraph %(n)d") % {"n": i + 1}, max_length=PARAGRAPH_MAX
        ).replace("\n", "")
        if text:
            out.append(text)
    if not out:
        raise ApplicationError(
            "required", _("Write at least one paragraph."), detail={"field": field}
        )
    if len(out) > PARAGRAPHS_MAX:
        raise ApplicationError(
            "too_long",
            _("At most %(max)d paragraphs.") % {"max": PARAGRAPHS_MAX},
            detail={"field": field},
        )
    return out


def _clean_date(value, field: str = "date") -> dt.date:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ApplicationError("invalid_date", _("Enter a valid date."), detail={"field": field})
    if not 2000 <= value.year <= 2100:
        raise ApplicationError("invalid_date", _("Enter a valid date."), detail={"field": field})
    return value


def _clean_item_date(value) -> dt.date:
    """A work item's date: what the unit did happened on or before today (local date)."""
    value = _clean_date(value)
    if value > timezone.localdate():
        raise ApplicationError(
            "invalid_date",
            _("The date of work information cannot be later than today."),
            detail={"field": "date"},
        )
    return value


def _stale(expected_version, obj) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise ApplicationError(
            "stale",
            _("Someone else changed this just now; reload it and try again."),
            detail={"version": obj.version},
            status=409,
        )


# --- work information -------------------------------------------------------------------


def _item_event(item, user, action, *, note="", data=None) -> WorkItemEvent:
    return WorkItemEvent.objects.create(
        item=item, action=action, actor=_user(user), at=_now(), note=note, data=data or {}
    )


def _lock_item(user, item_id, expected_version=None) -> WorkItem:
    try:
        item = (
            selectors.work_items_visible_to(user)
            .select_for_update(of=("self",))
            .get(pk=selectors.valid_id(item_id) or 0)
        )
    except (WorkItem.DoesNotExist, ValueError, TypeError):
        raise NotFound("work_item") from None
    _stale(expected_version, item)
    return item


def _require_unit_side(user, unit_id: int) -> None:
    scope = scope_for(user)
    if not (scope.is_office or unit_id in scope.unit_ids):
        raise _forbidden(_("Only the unit's handlers or the campaign office can do this."))


def wrong_state_message(item: WorkItem) -> str:
    """The Chinese message for an action the work item's status does not allow."""
    return _("This work information is %(status)s; that is not possible now.") % {
        "status": S(item.status).label
    }


def _wrong_state(item: WorkItem) -> ApplicationError:
    return ApplicationError(
        "invalid_transition",
        wrong_state_message(item),
        detail={"status": item.status},
        status=409,
    )


def _save_photos(item: WorkItem, processed, start: int = 0) -> None:
    for k, photo in enumerate(processed):
        row = WorkItemPhoto(
            item=item,
            position=start + k,
            width=photo.width,
            height=photo.height,
            original_name=photo.original_name,
        )
        row.image.save(photo.content.name, photo.content, save=False)
        row.thumbnail.save(f"thumb-{photo.content.name}", photo.thumbnail, save=False)
        row.save()


def work_item_create(
    user,
    *,
    unit,
    headline: str,
    date: dt.date,
    paragraphs: Seq[str],
    photos=(),
    origin: str = "",
) -> WorkItem:
    """Create a draft work item of ``unit`` (a Unit or its id). ``paragraphs``: body
    paragraphs in order; ``photos``: uploads for :func:`wenming.core.photos.process_photos`;
    ``origin``: where another app offered it from (``campaign.activity:12``).

    Who: a handler of the unit, or the office. Raises ApplicationError: 404 unknown unit,
    403 not the unit's, 400 bad input such as a date after today (nothing is written then).
    Submit it with :func:`work_item_submit`.
    """
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    scope = scope_for(user)
    try:
        unit_obj = Unit.objects.get(pk=selectors.valid_id(unit_id) or 0, is_active=True)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise NotFound("unit") from None
    if not (scope.is_office or unit_obj.pk in scope.unit_ids):
        if not scope.roles:
            raise NotFound("unit")
        raise _forbidden(_("Only the unit's handlers or the campaign office can do this."))
    headline = _clean_headline(headline)
    date = _clean_item_date(date)
    paragraphs = _clean_paragraphs(paragraphs)
    origin = clean_text(origin, "origin", _("Origin"), max_length=ORIGIN_MAX)
    processed = process_photos(photos)
    with transaction.atomic():
        item = WorkItem.objects.create(
            unit=unit_obj,
            headline=headline,
            date=date,
            paragraphs=paragraphs,
            origin=origin,
            created_by=_user(user),
            created_at=_now(),
        )
        _save_photos(item, processed)
        _item_event(item, user, "create", data={"origin": origin, "photos": len(processed)})
    return item


def work_item_update(
    user,
    item_id: int,
    *,
    headline: str,
    date: dt.date,
    paragraphs: Seq[str],
    photos=(),
    expected_version: int | None = None,
) -> WorkItem:
    """Change a draft or returned item (new ``photos`` are added). Unit side or office.
    Raises 404 / 403 / 409 (state, stale) / 400."""
    headline = _clean_headline(headline)
    date = _clean_item_date(date)
    paragraphs = _clean_paragraphs(paragraphs)
    processed = process_photos(photos)
    with transaction.atomic():
        item = _lock_item(user, item_id, expected_version)
        _require_unit_side(user, item.unit_id)
        if item.status not in (S.DRAFT, S.RETURNED):
            raise _wrong_state(item)
        item.headline, item.date, item.paragraphs = headline, date, paragraphs
        item.version += 1
        item.save(update_fields=["headline", "date", "paragraphs", "version"])
        start = item.photos.aggregate(m=Max("position"))["m"]
        _save_photos(item, processed, 0 if start is None else start + 1)
        _item_event(item, user, "update", data={"photos": len(processed)})
    return item


def work_item_submit(user, item_id: int, *, expected_version: int | None = None) -> WorkItem:
    """Send a draft or returned item to the office (→ submitted)."""
    with transaction.atomic():
        item = _lock_item(user, item_id, expected_version)
        _require_unit_side(user, item.unit_id)
        if item.status not in (S.DRAFT, S.RETURNED):
            raise _wrong_state(item)
        item.status = S.SUBMITTED
        item.submitted_at = _now()
        item.version += 1
        item.save(update_fields=["status", "submitted_at", "version"])
        _item_event(item, user, "submit")
    return item


def work_item_accept(
    user,
    item_id: int,
    *,
    headline: str | None = None,
    paragraphs: Seq[str] | None = None,
    expected_version: int | None = None,
) -> WorkItem:
    """The office accepts (采用) a submitted item, optionally with its own edits of the
    headline and paragraphs (the original text is kept in the audit row)."""
    new_headline = _clean_headline(headline) if headline is not None else None
    new_paragraphs = _clean_paragraphs(paragraphs) if paragraphs is not None else None
    with transaction.atomic():
        item = _lock_item(user, item_id, expected_version)
        _require_office(user)
        if item.status != S.SUBMITTED:
            raise _wrong_state(item)
        edits = {}
        if new_headline is not None and new_headline != item.headline:
            edits["headline"] = {"from": item.headline, "to": new_headline}
            item.headline = new_headline
        if new_paragraphs is not None and new_paragraphs != item.paragraphs:
            edits["paragraphs"] = {"from": item.paragraphs, "to": new_paragraphs}
            item.paragraphs = new_paragraphs
        item.status = S.ACCEPTED
        item.reviewed_at = _now()
        item.return_reason = ""
        item.version += 1
        item.save()
        _item_event(item, user, "accept", data={"edits": edits})
    return item


def work_item_return(
    user, item_id: int, *, reason: str, expected_version: int | None = None
) -> WorkItem:
    """The office returns an item to its unit with ``reason`` (required); the unit is
    notified (notification type ``work_item_returned``). An accepted item can be returned
    while no draft issue carries it."""
    reason = clean_text(reason, "reason", _("Reason"), max_length=REASON_MAX, required=True)
    with transaction.atomic():
        item = _lock_item(user, item_id, expected_version)
        _require_office(user)
        if item.status not in (S.SUBMITTED, S.ACCEPTED):
            raise _wrong_state(item)
        if item.articles.filter(issue__status=IS.DRAFT).exists():
            raise ApplicationError(
                "in_issue",
                _("This work information is in a draft issue; remove it from the issue first."),
                status=409,
            )
        item.status = S.RETURNED
        item.return_reason = reason
        item.reviewed_at = _now()
        item.version += 1
        item.save(update_fields=["status", "return_reason", "reviewed_at", "version"])
        _item_event(item, user, "return", note=reason)
        from wenming.notifications.services import notify_work_item_returned

        notify_work_item_returned(
            item_id=item.pk,
            unit_id=item.unit_id,
            title=item.headline,
            reason=reason,
            url=reverse("briefings:item", args=[item.pk]),
        )
    return item


# --- series and recipient lists ------------------------------------------------------------


def series_create(user, *, name: str, office: str) -> Series:
    """A new briefing series (office). Raises 403, 400, 409 (name taken)."""
    _require_office(user)
    name = clean_text(name, "name", _("Series name"), max_length=100, required=True)
    office = clean_text(office, "office", _("Issuing office"), max_length=100, required=True)
    try:
        with transaction.atomic():
            return Series.objects.create(name=name, office=office)
    except IntegrityError:
        raise ApplicationError(
            "duplicate",
            _("A series with this name exists already."),
            detail={"field": "name"},
            status=409,
        ) from None


def recipient_list_save(user, *, kind: str, name: str, text: str) -> RecipientList:
    """Save (or overwrite by name) a reusable 报 (``report``) or 发 (``send``) list."""
    _require_office(user)
    if kind not in RecipientList.Kind.values:
        raise ApplicationError("invalid_kind", _("Unknown list kind."), detail={"field": "kind"})
    name = clean_text(name, "name", _("Template name"), max_length=100, required=True)
    text = clean_text(text, "text", _("Recipients"), max_length=RECIPIENTS_MAX, required=True)
    with transaction.atomic():
        row, _created = RecipientList.objects.select_for_update().update_or_create(
            kind=kind, name=name, defaults={"text": text}
        )
    return row


# --- issues -------------------------------------------------------------------------------


def _issue_event(issue, user, action, data=None) -> IssueEvent:
    return IssueEvent.objects.create(
        issue=issue, action=action, actor=_user(user), at=_now(), data=data or {}
    )


def _lock_issue(user, issue_id, expected_version=None, *, draft=True) -> Issue:
    _require_office(user)
    try:
        issue = (
            Issue.objects.select_for_update(of=("self",))
            .select_related("series")
            .get(pk=selectors.valid_id(issue_id) or 0)
        )
    except (Issue.DoesNotExist, ValueError, TypeError):
        raise NotFound("issue") from None
    if draft and issue.status != IS.DRAFT:
        raise ApplicationError(
            "published",
            _("A published issue cannot be changed; publish a correction instead."),
            detail={"status": issue.status},
            status=409,
        )
    _stale(expected_version, issue)
    return issue


def _bump(issue: Issue, *fields: str) -> None:
    issue.version += 1
    issue.save(update_fields=[*fields, "version"] if fields else None)


def _next_position(issue: Issue) -> int:
    return (issue.articles.aggregate(m=Max("position"))["m"] or 0) + 1


def issue_create(user, *, series_id: int, date: dt.date | None = None) -> Issue:
    """A new draft issue of a series, dated ``date`` (default today). The issuing office
    comes from the series; 报/发 lists and copies from the series' last issue."""
    _require_office(user)
    try:
        series = Series.objects.get(pk=selectors.valid_id(series_id) or 0, is_active=True)
    except (Series.DoesNotExist, ValueError, TypeError):
        raise NotFound("series") from None
    date = _clean_date(date) if date is not None else timezone.localdate()
    last = series.issues.order_by("-year", "-number", "-id").first()
    with transaction.atomic():
        issue = Issue.objects.create(
            series=series,
            year=date.year,
            date=date,
            office=series.office,
            report_to=last.report_to if last else "",
            send_to=last.send_to if last else "",
            copies=last.copies if last else 0,
            created_by=_user(user),
            created_at=_now(),
        )
        _issue_event(issue, user, "create")
    return issue


def issue_update(
    user,
    issue_id: int,
    *,
    date: dt.date,
    toc: Seq[str],
    report_to: str,
    send_to: str,
    copies: int,
    articles: Seq[dict] | None = None,
    expected_version: int | None = None,
) -> Issue:
    """Save a draft's fields. ``toc``: entries in order (empty lines dropped); ``articles``:
    ``[{"id", "headline", "paragraphs"}]`` for articles of this issue (others are 404).
    Raises 403, 404, 409 (published, stale), 400."""
    date = _clean_date(date)
    toc_clean = []
    for i, entry in enumerate(toc or []):
        entry = clean_text(
            entry,
            "toc",
            _("Table of contents, line %(n)d") % {"n": i + 1},
            max_length=TOC_ENTRY_MAX,
        )
        if entry:
            toc_clean.append(entry)
    if len(toc_clean) > TOC_MAX:
        raise ApplicationError(
            "too_long",
            _("The table of contents has %(n)d entries; at most %(max)d.")
            % {"n": len(toc_clean), "max": TOC_MAX},
            detail={"field": "toc"},
        )
    report_to = clean_text(report_to, "report_to", _("Report to"), max_length=RECIPIENTS_MAX)
    send_to = clean_text(send_to, "send_to", _("Send to"), max_length=RECIPIENTS_MAX)
    try:
        copies = int(copies)
    except (TypeError, ValueError):
        copies = -1
    if not 0 <= copies <= COPIES_MAX:
        raise ApplicationError(
            "invalid_copies",
            _("Copies must be a whole number from 0 to %(max)d.") % {"max": COPIES_MAX},
            detail={"field": "copies"},
        )
    cleaned = []
    for a in articles or []:
        cleaned.append(
            (
                a.get("id"),
                _clean_headline(a.get("headline")),
                _clean_paragraphs(a.get("paragraphs") or [], "articles"),
            )
        )
    with transaction.atomic():
        issue = _lock_issue(user, issue_id, expected_version)
        own = {a.pk: a for a in issue.articles.all()}
        for pk, headline, paragraphs in cleaned:
            try:
                article = own[selectors.valid_id(pk)]
            except KeyError:
                raise NotFound("article") from None
            if (article.headline, article.paragraphs) != (headline, paragraphs):
                article.headline, article.paragraphs = headline, paragraphs
                article.save(update_fields=["headline", "paragraphs"])
        issue.date, issue.year, issue.toc = date, date.year, toc_clean
        issue.report_to, issue.send_to, issue.copies = report_to, send_to, copies
        _bump(issue, "date", "year", "toc", "report_to", "send_to", "copies")
        _issue_event(issue, user, "update")
    return issue


def issue_add_items(user, issue_id: int, item_ids: Seq[int]) -> list[Article]:
    """Append accepted work items (in the given order) as articles of a draft. An item
    already in a draft issue, or not accepted, is refused (409) and nothing is added."""
    ids = [selectors.valid_id(i) for i in item_ids]
    if None in ids:
        raise NotFound("work_item")
    if not ids:
        raise ApplicationError(
            "required", _("Choose at least one work item."), detail={"field": "items"}
        )
    with transaction.atomic():
        issue = _lock_issue(user, issue_id)
        items = {
            i.pk: i
            for i in WorkItem.objects.select_for_update().filter(pk__in=ids).select_related("unit")
        }
        busy = set(
            Article.objects.filter(work_item_id__in=ids, issue__status=IS.DRAFT).values_list(
                "work_item_id", flat=True
            )
        )
        position = _next_position(issue)
        added = []
        for item_id in dict.fromkeys(ids):
            item = items.get(item_id)
            if item is None:
                raise NotFound("work_item")
            if item.status != S.ACCEPTED or item_id in busy:
                raise ApplicationError(
                    "not_available",
                    _("“%(headline)s” is not waiting for an issue.") % {"headline": item.headline},
                    detail={"item": item_id},
                    status=409,
                )
            added.append(
                Article.objects.create(
                    issue=issue,
                    position=position,
                    headline=item.headline,
                    paragraphs=list(item.paragraphs),
                    work_item=item,
                )
            )
            position += 1
        _bump(issue)
        _issue_event(issue, user, "add_items", {"items": list(dict.fromkeys(ids))})
    return added


def issue_add_article(user, issue_id: int, *, headline: str, paragraphs: Seq[str]) -> Article:
    """Append an article typed by the office (e.g. a leader's activity) to a draft."""
    headline = _clean_headline(headline)
    paragraphs = _clean_paragraphs(paragraphs)
    with transaction.atomic():
        issue = _lock_issue(user, issue_id)
        article = Article.objects.create(
            issue=issue, position=_next_position(issue), headline=headline, paragraphs=paragraphs
        )
        _bump(issue)
        _issue_event(issue, user, "add_article", {"article": article.pk})
    return article


def _ordered(issue: Issue) -> list[Article]:
    return list(issue.articles.order_by("position", "id"))


def _renumber(articles: list[Article]) -> None:
    for k, a in enumerate(articles, start=1):
        if a.position != k:
            a.position = k
            a.save(update_fields=["position"])


def issue_move_article(user, issue_id: int, article_id: int, delta: int) -> Issue:
    """Move an article up (``delta`` −1) or down (+1) in a draft."""
    if delta not in (-1, 1):
        raise ApplicationError("invalid_input", _("The input is invalid."))
    with transaction.atomic():
        issue = _lock_issue(user, issue_id)
        articles = _ordered(issue)
        index = next((k for k, a in enumerate(articles) if a.pk == _int(article_id)), None)
        if index is None:
            raise NotFound("article")
        target = index + delta
        if 0 <= target < len(articles):
            articles[index], articles[target] = articles[target], articles[index]
        _renumber(articles)
        _bump(issue)
        _issue_event(issue, user, "move", {"article": _int(article_id), "delta": delta})
    return issue


def _int(value) -> int | None:
    return selectors.valid_id(value)


def issue_remove_article(user, issue_id: int, article_id: int) -> Issue:
    """Remove an article from a draft; its work item goes back to the waiting pool."""
    with transaction.atomic():
        issue = _lock_issue(user, issue_id)
        deleted, _rows = issue.articles.filter(pk=_int(article_id)).delete()
        if not deleted:
            raise NotFound("article")
        _renumber(_ordered(issue))
        _bump(issue)
        _issue_event(issue, user, "remove", {"article": _int(article_id)})
    return issue


def issue_generate_toc(user, issue_id: int) -> Issue:
    """Set the table of contents (本期要目) from the articles' headlines, in order; a space in
    a headline (the break between the unit and what it did) is dropped."""
    with transaction.atomic():
        issue = _lock_issue(user, issue_id)
        issue.toc = [toc_entry(a.headline) for a in _ordered(issue)]
        _bump(issue, "toc")
        _issue_event(issue, user, "toc", {"toc": issue.toc})
    return issue


def toc_entry(headline: str) -> str:
    """The table-of-contents wording of a headline: without its line-break spaces."""
    from .parse import squeeze

    return squeeze(headline)


def issue_fill_data(user, issue_id: int, *, start: dt.date, end: dt.date) -> Issue:
    """Fill the data section with figures computed from the ledger and assessment for the
    period ``start``–``end`` (inclusive, local dates); see :mod:`.figures`."""
    from . import figures

    start, end = _clean_date(start, "start"), _clean_date(end, "end")
    if end < start:
        raise ApplicationError(
            "invalid_period", _("The period ends before it starts."), detail={"field": "end"}
        )
    with transaction.atomic():
        issue = _lock_issue(user, issue_id)
        issue.data_section = figures.compute(start, end)
        _bump(issue, "data_section")
        _issue_event(issue, user, "data", {"start": str(start), "end": str(end)})
    return issue


def issue_clear_data(user, issue_id: int) -> Issue:
    """Drop the data section of a draft."""
    with transaction.atomic():
        issue = _lock_issue(user, issue_id)
        issue.data_section = None
        _bump(issue, "data_section")
        _issue_event(issue, user, "data", {"cleared": True})
    return issue


def issue_publish(user, issue_id: int, *, expected_version: int | None = None) -> Issue:
    """Publish a draft: it gets the next number of its series and year (gapless, never
    twice), becomes immutable, its work items become published, and the units of those
    items and the office are notified (``briefing_published``). Refused (400) without
    articles; 409 when already published or stale."""
    with transaction.atomic():
        issue = _lock_issue(user, issue_id, expected_version)
        articles = _ordered(issue)
        if not articles:
            raise ApplicationError(
                "empty_issue", _("Add at least one article before publishing."), status=400
            )
        if not issue.toc:
            issue.toc = [toc_entry(a.headline) for a in articles]
        issue.number = next_value(issue.series.sequence_name(issue.year))
        issue.status = IS.PUBLISHED
        issue.published_at = _now()
        _bump(issue, "number", "status", "published_at", "toc")
        item_ids = [a.work_item_id for a in articles if a.work_item_id]
        items = list(WorkItem.objects.select_for_update().filter(pk__in=item_ids))
        for item in items:
            item.status = S.PUBLISHED
            item.version += 1
            item.save(update_fields=["status", "version"])
            _item_event(item, user, "publish", data={"issue": issue.pk, "number": issue.number})
        _issue_event(issue, user, "publish", {"number": issue.number, "year": issue.year})
        from wenming.notifications.services import notify_briefing_published

        notify_briefing_published(
            issue_id=issue.pk,
            title=issue.series.name,
            number=_("No. %(number)d") % {"number": issue.number},
            url=reverse("briefings:issue", args=[issue.pk]),
            unit_ids=sorted({i.unit_id for i in items}),
        )
    return issue


def issue_correct(user, issue_id: int, *, note: str) -> Issue:
    """Start a correction of a published issue: a new draft with the same content whose
    ``corrects`` names the original and ``correction_note`` says what is corrected. It gets
    its own number when published; the original stays as it was."""
    note = clean_text(note, "note", _("Correction"), max_length=REASON_MAX, required=True)
    with transaction.atomic():
        original = _lock_issue(user, issue_id, draft=False)
        if original.status != IS.PUBLISHED:
            raise ApplicationError(
                "not_published", _("Only a published issue can be corrected."), status=409
            )
        today = timezone.localdate()
        issue = Issue.objects.create(
            series=original.series,
            year=today.year,
            date=today,
            office=original.office,
            toc=list(original.toc),
            report_to=original.report_to,
            send_to=original.send_to,
            copies=original.copies,
            data_section=original.data_section,
            corrects=original,
            correction_note=note,
            created_by=_user(user),
            created_at=_now(),
        )
        for a in _ordered(original):
            Article.objects.create(
                issue=issue, position=a.position, headline=a.headline, paragraphs=a.paragraphs
            )
        _issue_event(issue, user, "correct", {"corrects": original.pk, "note": note})
        _issue_event(original, user, "corrected", {"by": issue.pk, "note": note})
    return issue


def _raise_counter(name: str, value: int) -> None:
    """Make the counter ``name`` at least ``value`` (imported numbers are never reused)."""
    if not Sequence.objects.filter(name=name).exists():
        try:
            with transaction.atomic():
                Sequence.objects.create(name=name, value=value)
                return
        except IntegrityError:
            pass
    Sequence.objects.filter(name=name, value__lt=value).update(value=value)


def _check_parsed(parsed: ParsedBriefing) -> None:
    """Refuse (400, every problem named, in Chinese) a parsed briefing whose parts cannot be
    stored as printed: a number outside 1 … :data:`NUMBER_MAX`, copies outside
    0 … :data:`COPIES_MAX`, a date outside :data:`IMPORT_YEARS`, a series name or office
    longer than :data:`NAME_MAX`, a headline longer than :data:`HEADLINE_MAX`, 报/发 longer
    than :data:`RECIPIENTS_MAX`, more than :data:`TOC_MAX` table-of-contents entries or
    longer than :data:`TOC_ENTRY_MAX`. Nothing is cut short silently."""
    problems = []
    if not 1 <= parsed.number <= NUMBER_MAX:
        problems.append(
            _("the issue number %(n)d is not between 1 and %(max)d")
            % {"n": parsed.number, "max": NUMBER_MAX}
        )
    if not 0 <= parsed.copies <= COPIES_MAX:
        problems.append(
            _("the number of copies %(n)d is not between 0 and %(max)d")
            % {"n": parsed.copies, "max": COPIES_MAX}
        )
    if not IMPORT_YEARS[0] <= parsed.date.year <= IMPORT_YEARS[1]:
        problems.append(
            _("the year %(year)d is not between %(first)d and %(last)d")
            % {"year": parsed.date.year, "first": IMPORT_YEARS[0], "last": IMPORT_YEARS[1]}
        )
    too_long = _("%(part)s has %(n)d characters; at most %(max)d")
    for part, text, limit in (
        (_("the series name"), parsed.series, NAME_MAX),
        (_("the issuing office"), parsed.office, NAME_MAX),
        (_("the 报 list"), parsed.report_to, RECIPIENTS_MAX),
        (_("the 发 list"), parsed.send_to, RECIPIENTS_MAX),
    ):
        if len(text) > limit:
            problems.append(too_long % {"part": part, "n": len(text), "max": limit})
    if len(parsed.toc) > TOC_MAX:
        problems.append(
            _("the table of contents has %(n)d entries; at most %(max)d")
            % {"n": len(parsed.toc), "max": TOC_MAX}
        )
    for k, entry in enumerate(parsed.toc, start=1):
        if len(entry) > TOC_ENTRY_MAX:
            part = _("table-of-contents entry %(k)d") % {"k": k}
            problems.append(too_long % {"part": part, "n": len(entry), "max": TOC_ENTRY_MAX})
    for k, article in enumerate(parsed.articles, start=1):
        if len(article.headline) > HEADLINE_MAX:
            part = _("the headline of article %(k)d") % {"k": k}
            problems.append(
                too_long % {"part": part, "n": len(article.headline), "max": HEADLINE_MAX}
            )
    if problems:
        raise ApplicationError(
            "invalid_briefing",
            _("The briefing cannot be imported: %(problems)s.") % {"problems": "；".join(problems)},
            detail={"problems": problems},
        )


def issue_import(user, parsed: ParsedBriefing, *, source_name: str = "") -> Issue:
    """Take in an old briefing (see :mod:`.parse`) as a published issue with its number,
    date, office, table of contents, articles, 报/发 and copies as printed. The series is
    found by name or created with the issuing office. ``user`` None: a management command.
    Raises 403 (not office), 400 (parts that cannot be stored, see :func:`_check_parsed`),
    409 (that number exists already); all or nothing."""
    if user is not None:
        _require_office(user)
    _check_parsed(parsed)
    with transaction.atomic():
        series, _created = Series.objects.get_or_create(
            name=parsed.series, defaults={"office": parsed.office}
        )
        year = parsed.date.year
        if Issue.objects.filter(series=series, year=year, number=parsed.number).exists():
            raise ApplicationError(
                "duplicate_issue",
                _("%(series)s %(year)d No. %(number)d exists already.")
                % {"series": series.name, "year": year, "number": parsed.number},
                detail={"series": series.pk, "year": year, "number": parsed.number},
                status=409,
            )
        now = _now()
        issue = Issue.objects.create(
            series=series,
            year=year,
            number=parsed.number,
            date=parsed.date,
            office=parsed.office,
            status=IS.PUBLISHED,
            toc=list(parsed.toc),
            report_to=parsed.report_to,
            send_to=parsed.send_to,
            copies=parsed.copies,
            imported=True,
            source_name=source_name[:200],
            created_by=_user(user),
            created_at=now,
            published_at=now,
        )
        for k, a in enumerate(parsed.articles, start=1):
            Article.objects.create(
                issue=issue, position=k, headline=a.headline, paragraphs=a.paragraphs
            )
        _raise_counter(series.sequence_name(year), parsed.number)
        _issue_event(issue, user, "import", {"source": source_name[:200]})
    return issue

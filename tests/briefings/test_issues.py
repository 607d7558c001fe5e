"""Composing, numbering, publishing and correcting briefing issues (services)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.briefings.conftest import OFFICE
from wenming.briefings import services
from wenming.briefings.models import Article, Issue, IssueEvent, RecipientList, WorkItem
from wenming.core.errors import ApplicationError
from wenming.core.models import Sequence
from wenming.notifications.models import Message

D = dt.date(2021, 3, 7)


def accepted(cast, unit, headline, paragraphs=("正文一段。",)):
    item = services.work_item_create(
        cast.office, unit=unit, headline=headline, date=dt.date(2021, 3, 3), paragraphs=paragraphs
    )
    services.work_item_submit(cast.office, item.pk)
    return services.work_item_accept(cast.office, item.pk)


def save(cast, issue, **kw):
    args = {
        "date": issue.date,
        "toc": issue.toc,
        "report_to": issue.report_to,
        "send_to": issue.send_to,
        "copies": issue.copies,
    }
    args.update(kw)
    return services.issue_update(cast.office, issue.pk, **args)


def test_compose_and_publish_numbers_per_series_and_year(
    world, cast, series, django_capture_on_commit_callbacks
):
    a = accepted(cast, world.sanitation, "市环卫处 开展清洁行动")
    b = accepted(cast, world.police, "交警支队 整治交通秩序")
    issue = services.issue_create(cast.office, series_id=series.pk, date=D)
    assert (issue.status, issue.number, issue.office, issue.year) == ("draft", None, OFFICE, 2021)
    services.issue_add_items(cast.office, issue.pk, [b.pk, a.pk])
    services.issue_add_article(
        cast.office, issue.pk, headline="王建鹏到第九网格督导创城工作", paragraphs=["3月5日……。"]
    )
    services.issue_move_article(cast.office, issue.pk, issue.articles.get(work_item=a).pk, -1)
    leader = issue.articles.get(work_item=None)
    services.issue_move_article(cast.office, issue.pk, leader.pk, -1)
    services.issue_move_article(cast.office, issue.pk, leader.pk, -1)
    services.issue_move_article(cast.office, issue.pk, leader.pk, -1)  # already first: stays
    assert list(issue.articles.values_list("headline", flat=True)) == [
        "王建鹏到第九网格督导创城工作",
        "市环卫处 开展清洁行动",
        "交警支队 整治交通秩序",
    ]
    services.issue_generate_toc(cast.office, issue.pk)
    issue.refresh_from_db()
    assert issue.toc == [
        "王建鹏到第九网格督导创城工作",
        "市环卫处开展清洁行动",
        "交警支队整治交通秩序",
    ]
    issue = save(cast, issue, report_to="市委常委", send_to="各成员单位", copies=260)
    # The pool no longer offers items that are in a draft.
    from wenming.briefings.selectors import accepted_pool

    assert list(accepted_pool(cast.office)) == []
    with django_capture_on_commit_callbacks(execute=True):
        issue = services.issue_publish(cast.office, issue.pk)
    assert (issue.status, issue.number) == ("published", 1)
    assert set(WorkItem.objects.values_list("status", flat=True)) == {"published"}
    msg = Message.objects.get(kind="briefing_published")
    assert msg.url == f"/briefings/issues/{issue.pk}/"
    assert "第1期" in msg.subject
    # The next issue of the same year is 2, the first of 2022 is 1 again.
    second = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 14))
    assert (second.report_to, second.send_to, second.copies) == ("市委常委", "各成员单位", 260)
    services.issue_add_article(cast.office, second.pk, headline="甲", paragraphs=["乙。"])
    assert services.issue_publish(cast.office, second.pk).number == 2
    third = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2022, 1, 5))
    services.issue_add_article(cast.office, third.pk, headline="甲", paragraphs=["乙。"])
    assert (services.issue_publish(cast.office, third.pk).number, third.year) == (1, 2022)


def test_published_issues_are_immutable(world, cast, series):
    issue = services.issue_create(cast.office, series_id=series.pk, date=D)
    services.issue_add_article(cast.office, issue.pk, headline="甲", paragraphs=["乙。"])
    issue = services.issue_publish(cast.office, issue.pk)
    before = (issue.version, Article.objects.count(), IssueEvent.objects.count())
    attempts = [
        lambda: save(cast, issue, copies=1),
        lambda: services.issue_add_article(cast.office, issue.pk, headline="x", paragraphs=["y"]),
        lambda: services.issue_generate_toc(cast.office, issue.pk),
        lambda: services.issue_remove_article(cast.office, issue.pk, issue.articles.get().pk),
        lambda: services.issue_publish(cast.office, issue.pk),
    ]
    for attempt in attempts:
        with pytest.raises(ApplicationError) as info:
            attempt()
        assert (info.value.code, info.value.status) == ("published", 409)
    issue.refresh_from_db()
    assert (issue.version, Article.objects.count(), IssueEvent.objects.count()) == before
    assert issue.number == 1


def test_a_correction_is_a_new_issue(world, cast, series):
    issue = services.issue_create(cast.office, series_id=series.pk, date=D)
    services.issue_add_article(cast.office, issue.pk, headline="甲", paragraphs=["错字。"])
    issue = services.issue_publish(cast.office, issue.pk)
    with pytest.raises(ApplicationError) as info:
        services.issue_correct(cast.office, issue.pk, note="")
    assert info.value.code == "required"
    fix = services.issue_correct(cast.office, issue.pk, note="更正第1期错字")
    assert (fix.status, fix.corrects, fix.correction_note) == ("draft", issue, "更正第1期错字")
    assert list(fix.articles.values_list("headline", "paragraphs")) == [("甲", ["错字。"])]
    article = fix.articles.get()
    assert fix.date == timezone.localdate()  # dated when started
    save(
        cast,
        fix,
        date=dt.date(2021, 3, 8),
        articles=[{"id": article.pk, "headline": "甲", "paragraphs": ["正字。"]}],
    )
    fix = services.issue_publish(cast.office, fix.pk)
    assert fix.number == 2
    issue.refresh_from_db()
    assert issue.articles.get().paragraphs == ["错字。"]
    assert list(issue.events.values_list("action", flat=True)) == [
        "create",
        "add_article",
        "publish",
        "corrected",
    ]
    draft = services.issue_create(cast.office, series_id=series.pk, date=D)
    with pytest.raises(ApplicationError) as info:
        services.issue_correct(cast.office, draft.pk, note="x")
    assert info.value.code == "not_published"


def test_a_failed_publication_uses_no_number(world, cast, series):
    empty = services.issue_create(cast.office, series_id=series.pk, date=D)
    with pytest.raises(ApplicationError) as info:
        services.issue_publish(cast.office, empty.pk)
    assert (info.value.code, info.value.status) == ("empty_issue", 400)
    assert not Sequence.objects.filter(name=series.sequence_name(2021)).exists() or (
        Sequence.objects.get(name=series.sequence_name(2021)).value == 0
    )
    services.issue_add_article(cast.office, empty.pk, headline="甲", paragraphs=["乙。"])
    assert services.issue_publish(cast.office, empty.pk).number == 1


def test_items_are_added_once_and_go_back_to_the_pool_when_removed(world, cast, series):
    a = accepted(cast, world.sanitation, "甲单位 开展活动")
    first = services.issue_create(cast.office, series_id=series.pk, date=D)
    other = services.issue_create(cast.office, series_id=series.pk, date=D)
    services.issue_add_items(cast.office, first.pk, [a.pk])
    with pytest.raises(ApplicationError) as info:
        services.issue_add_items(cast.office, other.pk, [a.pk])
    assert (info.value.code, info.value.status) == ("not_available", 409)
    assert other.articles.count() == 0
    # An item in a draft cannot be returned to its unit.
    with pytest.raises(ApplicationError) as info:
        services.work_item_return(cast.office, a.pk, reason="x")
    assert info.value.code == "in_issue"
    services.issue_remove_article(cast.office, first.pk, first.articles.get().pk)
    services.issue_add_items(cast.office, other.pk, [a.pk])
    assert other.articles.get().work_item == a
    # A submitted (not accepted) item cannot be added; nothing of the batch is added.
    b = services.work_item_create(
        cast.handler, unit=world.sanitation, headline="乙", date=D, paragraphs=["丙。"]
    )
    c = accepted(cast, world.police, "丁")
    with pytest.raises(ApplicationError):
        services.issue_add_items(cast.office, first.pk, [c.pk, b.pk])
    assert first.articles.count() == 0
    with pytest.raises(ApplicationError) as info:
        services.issue_add_items(cast.office, first.pk, [])
    assert info.value.code == "required"
    with pytest.raises(ApplicationError) as info:
        services.issue_add_items(cast.office, first.pk, [999999])
    assert info.value.status == 404


@pytest.mark.parametrize(
    "kw, code",
    [
        ({"copies": -1}, "invalid_copies"),
        ({"copies": "many"}, "invalid_copies"),
        ({"date": "x"}, "invalid_date"),
        ({"report_to": "报" * 2001}, "too_long"),
        ({"articles": [{"id": 999999, "headline": "x", "paragraphs": ["y"]}]}, "not_found"),
        ({"articles": [{"id": 1, "headline": "", "paragraphs": ["y"]}]}, "required"),
    ],
)
def test_issue_update_refuses_bad_input(world, cast, series, kw, code):
    issue = services.issue_create(cast.office, series_id=series.pk, date=D)
    services.issue_add_article(cast.office, issue.pk, headline="甲", paragraphs=["乙。"])
    issue.refresh_from_db()
    before = (issue.version, issue.copies, issue.date)
    with pytest.raises(ApplicationError) as info:
        save(cast, issue, **kw)
    assert info.value.code == code
    issue.refresh_from_db()
    assert (issue.version, issue.copies, issue.date) == before
    assert issue.articles.get().headline == "甲"


def test_only_the_office_composes(world, cast, series):
    for user in (cast.handler, cast.leader, cast.inspector):
        with pytest.raises(ApplicationError) as info:
            services.issue_create(user, series_id=series.pk, date=D)
        assert info.value.status == 403
        with pytest.raises(ApplicationError) as info:
            services.series_create(user, name="x", office="y")
        assert info.value.status == 403
    assert Issue.objects.count() == 0
    with pytest.raises(ApplicationError) as info:
        services.issue_create(cast.office, series_id=999999, date=D)
    assert info.value.status == 404


def test_series_and_recipient_templates(world, cast, series):
    with pytest.raises(ApplicationError) as info:
        services.series_create(cast.office, name=series.name, office="x")
    assert (info.value.code, info.value.status) == ("duplicate", 409)
    with pytest.raises(ApplicationError) as info:
        services.series_create(cast.office, name=" ", office="x")
    assert info.value.code == "required"
    services.recipient_list_save(cast.office, kind="report", name="常用", text="市委常委")
    services.recipient_list_save(cast.office, kind="report", name="常用", text="市委常委，市政府")
    assert list(RecipientList.objects.values_list("kind", "name", "text")) == [
        ("report", "常用", "市委常委，市政府")
    ]
    with pytest.raises(ApplicationError) as info:
        services.recipient_list_save(cast.office, kind="cc", name="a", text="b")
    assert info.value.code == "invalid_kind"
    with pytest.raises(ApplicationError) as info:
        services.recipient_list_save(cast.handler, kind="send", name="a", text="b")
    assert info.value.status == 403
    assert RecipientList.objects.count() == 1

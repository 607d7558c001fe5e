"""The data section: city figures of a period computed from the ledger, never typed."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import TIETA, at
from wenming.briefings import documents, services
from wenming.cases import services as cases
from wenming.core.errors import ApplicationError


def _case(world, cast, title):
    return cases.case_report(
        cast.office, title=title, category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )


@pytest.fixture
def ledger(world, cast, clock):
    """Three cases reported on 2021-03-05: one closed on time, one with the unit, one
    rejected; one reported on 2021-03-10 (outside the period)."""
    clock.set(at("2021-03-05 09:00"))
    closed = _case(world, cast, "垃圾满溢")
    cases.case_dispatch(cast.office, closed.pk)
    cases.case_accept(cast.handler, closed.pk)
    cases.case_submit(cast.handler, closed.pk, note="已清运")
    cases.case_verify(cast.inspector, closed.pk)
    held = _case(world, cast, "垃圾未清运")
    cases.case_dispatch(cast.office, held.pk)
    rejected = _case(world, cast, "重复上报")
    cases.case_reject(cast.office, rejected.pk, reason="不属于创城问题")
    clock.set(at("2021-03-10 09:00"))
    _case(world, cast, "期外问题")
    clock.set(at("2021-03-12 09:00"))


def test_figures_of_a_period(ledger, cast, series):
    issue = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 7))
    services.issue_fill_data(
        cast.office, issue.pk, start=dt.date(2021, 3, 1), end=dt.date(2021, 3, 7)
    )
    issue.refresh_from_db()
    data = issue.data_section
    assert data["city"] == {
        "report": 3,
        "register": 2,
        "archive": 1,
        "in_time_dispose_rate": 0.5,
    }
    assert data["headline"] == "创城数据通报"
    assert data["paragraphs"] == [
        "3月1日至3月7日，全市共发现问题3个，立案2个；已办结1个，按期处置率50.0%。"
    ]
    # Rendered as the last article of the issue.
    services.issue_add_article(cast.office, issue.pk, headline="甲", paragraphs=["乙。"])
    issue.refresh_from_db()
    doc = documents.document_of(issue)
    assert doc.data.headline == "创城数据通报"
    services.issue_clear_data(cast.office, issue.pk)
    issue.refresh_from_db()
    assert issue.data_section is None


def test_an_empty_period_has_no_rate(ledger, cast, series):
    issue = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 7))
    services.issue_fill_data(
        cast.office, issue.pk, start=dt.date(2021, 2, 1), end=dt.date(2021, 2, 28)
    )
    issue.refresh_from_db()
    assert issue.data_section["paragraphs"] == [
        "2月1日至2月28日，全市共发现问题0个，立案0个；已办结0个，按期处置率—。"
    ]


def test_a_period_that_ends_before_it_starts(ledger, cast, series):
    issue = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 7))
    with pytest.raises(ApplicationError) as info:
        services.issue_fill_data(
            cast.office, issue.pk, start=dt.date(2021, 3, 7), end=dt.date(2021, 3, 1)
        )
    assert info.value.code == "invalid_period"
    issue.refresh_from_db()
    assert issue.data_section is None


def test_published_red_and_black_lists_are_named(ledger, world, cast, series, clock):
    from tests.assessment.conftest import open_red_list
    from wenming.assessment.models import PublishedRow
    from wenming.assessment.services import assessment_publish

    open_red_list()  # the ledger's best unit scores below the default red-list floor (75)

    # A second department with a case, so that each list can name one unit.
    clock.set(at("2021-03-08 09:00"))
    police_case = _case(world, cast, "信号灯故障")
    cases.case_dispatch(cast.office, police_case.pk, unit_id=world.police.pk)
    clock.set(at("2021-04-01 09:00"))
    publication = assessment_publish(cast.office, "2021-03")
    red = list(
        PublishedRow.objects.filter(publication=publication, board="red")
        .order_by("unit_kind", "rank")
        .values_list("unit_name", flat=True)
    )
    black = list(
        PublishedRow.objects.filter(publication=publication, board="black")
        .order_by("unit_kind", "-rank")
        .values_list("unit_name", flat=True)
    )
    assert red and black
    issue = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 4, 2))
    services.issue_fill_data(
        cast.office, issue.pk, start=dt.date(2021, 3, 1), end=dt.date(2021, 3, 31)
    )
    issue.refresh_from_db()
    assert issue.data_section["boards"]["publication"] == publication.pk
    assert issue.data_section["paragraphs"][1:] == [
        f"红榜：{'、'.join(red)}。",
        f"黑榜：{'、'.join(black)}。",
    ]
    # Outside the published period's span: no lists.
    services.issue_fill_data(
        cast.office, issue.pk, start=dt.date(2021, 3, 1), end=dt.date(2021, 3, 7)
    )
    issue.refresh_from_db()
    assert len(issue.data_section["paragraphs"]) == 1

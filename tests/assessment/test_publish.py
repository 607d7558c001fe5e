"""Publishing: immutable snapshots, corrections as new versions, audit, briefings' reader."""

from __future__ import annotations

import pytest

from tests.assessment.conftest import AS_OF, open_red_list
from tests.conftest import at
from wenming.assessment import selectors, services
from wenming.assessment.models import AuditEntry, Publication, PublishedRow
from wenming.assessment.periods import period_of
from wenming.assessment.ranking import compute_ranking
from wenming.cases import services as case_services
from wenming.core.errors import ApplicationError


@pytest.fixture(autouse=True)
def _no_external_inputs(monkeypatch):
    monkeypatch.setattr(
        "wenming.assessment.ranking.external_inputs", lambda start, end: (None, None)
    )


def frozen(pub):
    return sorted(
        PublishedRow.objects.filter(publication=pub).values_list(
            "unit_id", "rank", "score", "grade", "board", "reason", "indicators", "case_ids"
        )
    )


def test_publish_freezes_and_later_case_changes_do_not_alter_it(world, cast, march, clock):
    open_red_list()
    clock.set(AS_OF)
    pub = services.assessment_publish(cast.office, "2021-03")
    assert (pub.number, pub.supersedes, pub.period_kind) == (1, None, "month")
    assert (pub.start.isoformat(), pub.end.isoformat()) == ("2021-03-01", "2021-03-31")
    assert pub.published_by == cast.office and pub.as_of == AS_OF
    san = pub.rows.get(unit=world.sanitation)
    assert (san.rank, san.score, san.grade, san.board) == (1, 41.67, "D", "red")
    assert san.scheme_version.number == 1
    assert san.indicators["in_time_archive"] == 2
    assert san.case_ids["in_time_archive"] == march.ids("a", "c")
    assert san.case_ids["overtime_to_dispose"] == march.ids("d")
    assert pub.city["report"] == 10
    assert pub.rows.count() == 3  # every active unit, ranked or not
    before = frozen(pub)

    # The unit fixes D in April: the live figures change, the publication does not.
    clock.set(at("2021-04-01 09:00"))
    case_services.case_submit(cast.handler, march.d.pk, note="fixed")
    case_services.case_verify(cast.inspector, march.d.pk)
    live = next(
        u for u in compute_ranking(period_of("2021-03")).units() if u.unit_id == world.sanitation.pk
    )
    assert live.row.archive == 4 and live.score.score != 41.67
    assert frozen(pub) == before
    assert AuditEntry.objects.get(action="assessment_publish").object_id == pub.pk

    # Publishing again is a correction: a note is required, and it is a new version.
    with pytest.raises(ApplicationError) as exc:
        services.assessment_publish(cast.office, "2021-03")
    assert exc.value.code == "note_required"
    assert Publication.objects.count() == 1
    fix = services.assessment_publish(cast.office, "2021-03", note="D 已整改销号")
    assert (fix.number, fix.supersedes, fix.note) == (2, pub, "D 已整改销号")
    assert fix.rows.get(unit=world.sanitation).indicators["archive"] == 4
    assert frozen(pub) == before
    assert selectors.latest_publication("2021-03") == fix


def test_publish_refused_for_everyone_but_the_office(world, cast, march):
    for user in (cast.handler, cast.leader, cast.inspector, cast.area_staff, cast.outsider):
        with pytest.raises(ApplicationError) as exc:
            services.assessment_publish(user, "2021-03")
        assert exc.value.status == 403
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ApplicationError) as exc:
        services.assessment_publish(AnonymousUser(), "2021-03")
    assert exc.value.status == 403
    with pytest.raises(ApplicationError) as exc:
        services.assessment_publish(cast.office, "2021-14")
    assert exc.value.code == "invalid_period"
    assert Publication.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_latest_board_for_briefings(world, cast, march, clock, django_assert_max_num_queries):
    open_red_list()
    assert selectors.latest_board("2021-03") is None
    clock.set(AS_OF)
    services.assessment_publish(cast.office, "2021-03")
    with django_assert_max_num_queries(2):
        board = selectors.latest_board("2021-03")
    assert board["number"] == 1
    assert [r["unit_name"] for r in board["red"]["department"]] == ["市环卫处"]
    assert [r["unit_name"] for r in board["black"]["department"]] == ["市公安局交警支队"]
    assert board["black"]["department"][0]["score"] == 18.75


def test_previous_ranks_come_from_the_published_previous_period(world, cast, march, clock):
    clock.set(AS_OF)
    services.assessment_publish(cast.office, "2021-03")
    ranking = compute_ranking(period_of("2021-04"), as_of=AS_OF)
    assert ranking.previous_source == "published"
    san = next(u for u in ranking.units() if u.unit_id == world.sanitation.pk)
    assert san.previous_rank == 1


def test_periods():
    assert period_of("2021-W10").start.isoformat() == "2021-03-08"
    assert period_of("2021-Q1").end.isoformat() == "2021-03-31"
    assert period_of("2021-02").end.isoformat() == "2021-02-28"
    assert period_of("2021").previous().key == "2020"
    assert period_of("2021-01").previous().key == "2020-12"
    assert period_of("2021-Q1").previous().key == "2020-Q4"
    assert period_of("2021-W01").previous().key == "2020-W53"
    r = period_of("2021-03-01..2021-03-10")
    assert (r.previous().start.isoformat(), r.previous().end.isoformat()) == (
        "2021-02-19",
        "2021-02-28",
    )
    for bad in ("", "2021-13", "2021-Q5", "2021-W60", "21-03", "2021-03-10..2021-03-01", "x"):
        with pytest.raises(ApplicationError):
            period_of(bad)


def test_the_database_refuses_to_change_a_publication(world, cast, march, clock):
    from django.db import DatabaseError, transaction

    clock.set(AS_OF)
    pub = services.assessment_publish(cast.office, "2021-03")
    row = pub.rows.get(unit=world.sanitation)
    for qs, change in (
        (PublishedRow.objects.filter(pk=row.pk), {"score": 99.0}),
        (Publication.objects.filter(pk=pub.pk), {"note": "改"}),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            qs.update(**change)
    row.refresh_from_db()
    assert row.score == 41.67

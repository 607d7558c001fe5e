"""Recurrence (顽疾): the criterion rule (same criterion failing at the same point in
consecutive checklists of the point, in ``checklist_submit``) and the place rule (same
category within 30 days and 50 m, in ``case_report``, any source); the ledger shows it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import TIETA, at
from tests.inspections.conftest import answers_for, new_uuid
from wenming.cases import services as case_services
from wenming.cases.models import Case, CaseEvent
from wenming.cases.selectors import LedgerFilter, ledger_page, parse_ledger_filter
from wenming.core.errors import ApplicationError
from wenming.inspections import services


def _round(cast, scene, day: str):
    return services.round_plan(
        cast.office,
        name=f"督查 {day}",
        starts_on=day,
        ends_on=day,
        point_ids=[scene.crossing.pk],
        inspector_ids=[cast.inspector.pk],
    )


def _inspect(cast, scene, rnd, fail: bool) -> Case | None:
    sub, _ = services.checklist_submit(
        cast.inspector,
        round_id=rnd.pk,
        point_id=scene.crossing.pk,
        uuid=new_uuid(),
        answers=answers_for(rnd, scene.crossing, {scene.red_light: "闯红灯"} if fail else {}),
    )
    f = sub.results.filter(finding__isnull=False).first()
    return f.finding.case if f else None


def test_same_criterion_failing_in_consecutive_rounds(world, cast, scene, clock):
    clock.set(at("2021-03-05 10:00"))
    first = _inspect(cast, scene, _round(cast, scene, "2021-03-05"), fail=True)
    assert not first.recurring
    clock.set(at("2021-04-20 10:00"))  # beyond 30 days: only the criterion rule applies
    second = _inspect(cast, scene, _round(cast, scene, "2021-04-20"), fail=True)
    assert second.recurring and second.recurrence_of == first
    assert second.recurrence_reason == "该点位测评标准 P02-02-02 连续两轮不符合（上轮 DC2021001）。"
    event = CaseEvent.objects.get(case=second, action="mark_recurring")
    assert event.data["recurrence_of"] == first.pk and event.actor == cast.inspector
    # A passing round in between breaks the sequence.
    clock.set(at("2021-06-01 10:00"))
    assert _inspect(cast, scene, _round(cast, scene, "2021-06-01"), fail=False) is None
    clock.set(at("2021-07-15 10:00"))
    third = _inspect(cast, scene, _round(cast, scene, "2021-07-15"), fail=True)
    assert not third.recurring and third.recurrence_of is None


def test_criterion_rule_within_30_days_keeps_one_mark(world, cast, scene, clock):
    clock.set(at("2021-03-05 10:00"))
    first = _inspect(cast, scene, _round(cast, scene, "2021-03-05"), fail=True)
    clock.set(at("2021-03-12 10:00"))
    second = _inspect(cast, scene, _round(cast, scene, "2021-03-12"), fail=True)
    # Both rules match the same earlier case; the criterion rule's reason is kept.
    assert second.recurring and second.recurrence_of == first
    assert "连续两轮不符合" in second.recurrence_reason
    assert CaseEvent.objects.get(case=second, action="report").data["recurrence_of"] == first.pk


def report(user, category, lat, lon, title="垃圾满溢"):
    return case_services.case_report(user, title=title, category_id=category.pk, lat=lat, lon=lon)


def test_same_category_at_the_same_place_within_30_days(world, cast, clock):
    clock.set(at("2021-03-01 09:00"))
    first = report(cast.inspector, world.category, *TIETA)
    assert not first.recurring
    clock.set(at("2021-03-20 09:00"))
    near = report(cast.office, world.category, TIETA[0] + 0.0003, TIETA[1])  # about 33 m
    assert near.recurring and near.recurrence_of == first
    assert (
        near.recurrence_reason == f"与问题 {first.number} 同类别，30 天内、相距 50 米以内再次发生。"
    )
    far = report(cast.office, world.category, TIETA[0] - 0.0006, TIETA[1])  # 67 m, 100 m
    assert not far.recurring
    other_category = report(cast.office, world.category_days, *TIETA)
    assert not other_category.recurring
    clock.set(at("2021-04-19 09:00"))  # 30 days after the second case, 49 after the first
    late = report(cast.office, world.category, *TIETA)
    assert late.recurrence_of == near  # the most recent earlier case within the window
    clock.set(at("2021-06-01 09:00"))
    assert not report(cast.office, world.category, *TIETA).recurring


def test_newest_cases_in_the_box_corners_do_not_hide_an_older_one_within_50_m(world, cast, clock):
    """The candidates are read newest first in two steps (4, then up to 50): five newer cases
    in the corners of the search box (inside it, but 64 m away) are measured and passed
    over, and the older case 22 m away is found."""
    clock.set(at("2021-03-01 09:00"))
    inside = report(cast.office, world.category, TIETA[0] - 0.0002, TIETA[1])  # 22 m
    corners = []
    for hour in range(10, 15):
        clock.set(at(f"2021-03-02 {hour}:00"))
        corners.append(report(cast.office, world.category, TIETA[0] + 0.0004, TIETA[1] + 0.0005))
    assert [c.recurring for c in corners] == [False, True, True, True, True]
    clock.set(at("2021-03-03 09:00"))
    case = report(cast.office, world.category, *TIETA)
    assert case.recurrence_of == inside


def test_rejected_cases_do_not_count(world, cast, clock):
    clock.set(at("2021-03-01 09:00"))
    first = report(cast.inspector, world.category, *TIETA)
    case_services.case_reject(cast.office, first.pk, reason="误报")
    clock.set(at("2021-03-02 09:00"))
    assert not report(cast.office, world.category, *TIETA).recurring


def test_case_mark_recurring_rules(world, cast, clock):
    clock.set(at("2021-03-01 09:00"))
    a = report(cast.inspector, world.category, *TIETA)
    clock.set(at("2021-05-01 09:00"))
    b = report(cast.inspector, world.category, *TIETA)
    with pytest.raises(ApplicationError) as err:
        case_services.case_mark_recurring(cast.handler, b.pk, of=a.pk, reason="x")
    assert err.value.status == 404  # the handler does not see the case
    with pytest.raises(ApplicationError) as err:
        case_services.case_mark_recurring(cast.leader, b.pk, of=a.pk, reason="x")
    assert err.value.status == 403
    for of in (b.pk, 10**9):
        with pytest.raises(ApplicationError) as err:
            case_services.case_mark_recurring(cast.office, b.pk, of=of, reason="x")
        assert err.value.code == "invalid_recurrence"
    with pytest.raises(ApplicationError) as err:
        case_services.case_mark_recurring(cast.office, a.pk, of=b.pk, reason="x")
    assert err.value.code == "invalid_recurrence"  # a later case cannot be the origin
    with pytest.raises(ApplicationError) as err:
        case_services.case_mark_recurring(cast.office, b.pk, of=a.pk, reason="")
    assert err.value.status == 400
    b.refresh_from_db()
    assert not b.recurring and b.version == 1
    case_services.case_mark_recurring(cast.office, b.pk, of=a.pk, reason="同一点位反复出现")
    case_services.case_mark_recurring(cast.office, b.pk, of=a.pk, reason="同一点位反复出现")
    b.refresh_from_db()
    assert (b.recurring, b.recurrence_of, b.version) == (True, a, 2)
    assert CaseEvent.objects.filter(case=b, action="mark_recurring").count() == 1


def test_ledger_filter_badge_and_api(world, cast, clock):
    clock.set(at("2021-03-01 09:00"))
    first = report(cast.inspector, world.category, *TIETA, title="第一次")
    clock.set(at("2021-03-02 09:00"))
    again = report(cast.inspector, world.category, *TIETA, title="又一次")
    assert parse_ledger_filter({"recurring": "是"})[0].recurring is True
    assert parse_ledger_filter({"recurring": "false"})[0].recurring is False
    with pytest.raises(ApplicationError) as err:
        parse_ledger_filter({"recurring": "maybe"})
    assert err.value.detail["field"] == "recurring"
    rows, _ = ledger_page(cast.office, LedgerFilter(recurring=True))
    assert [c.pk for c in rows] == [again.pk]
    rows, _ = ledger_page(cast.office, LedgerFilter(recurring=False))
    assert [c.pk for c in rows] == [first.pk]
    c = Client()
    c.force_login(cast.office)
    page = c.get("/ledger/?recurring=true").content.decode()
    assert "又一次" in page and "第一次" not in page and "recurring-badge" in page
    detail = c.get(f"/cases/{again.pk}/").content.decode()
    assert 'id="case-recurring"' in detail and first.number in detail
    body = c.get("/api/cases?recurring=true").json()
    assert [(r["id"], r["recurring"]) for r in body["items"]] == [(again.pk, True)]
    body = c.get("/api/cases?recurring=false").json()
    assert [(r["id"], r["recurring"]) for r in body["items"]] == [(first.pk, False)]


def test_candidates_statement_reads_what_the_queryset_would(world, cast, clock):
    """``recurrence_candidates`` is written out for speed; it must select exactly what the
    equivalent queryset selects: box edges included, the window's ends to the microsecond,
    rejected and merged left out, newest first with the later id first on a tie, paged."""
    from datetime import timedelta

    from wenming.cases.models import Status
    from wenming.cases.selectors import recurrence_candidates

    clock.set(at("2021-03-01 09:00"))
    cases = [report(cast.office, world.category, TIETA[0] + i * 1e-4, TIETA[1]) for i in range(8)]
    other = report(cast.office, world.category_days, *TIETA)
    start = at("2021-03-01 09:00")
    stamps = [start + timedelta(microseconds=1), start, start, start - timedelta(days=3)]
    stamps += [start + timedelta(hours=h) for h in (1, 2, 3, 4)]
    for case, stamp in zip(cases, stamps, strict=True):
        Case.objects.filter(pk=case.pk).update(reported_at=stamp)
    Case.objects.filter(pk=cases[5].pk).update(status=Status.REJECTED)
    Case.objects.filter(pk=cases[6].pk).update(status=Status.MERGED)
    Case.objects.filter(pk=other.pk).update(reported_at=start)
    box = (TIETA[0], TIETA[0] + 4 * 1e-4, TIETA[1] - 1e-4, TIETA[1])  # case 4 on the edge
    for since, until in (
        (start, start + timedelta(hours=4)),
        (start + timedelta(microseconds=1), start + timedelta(hours=3)),
        (start - timedelta(days=3), start),
    ):
        expected = list(
            Case.objects.filter(
                category=world.category,
                lat__range=box[:2],
                lon__range=box[2:],
                reported_at__gte=since,
                reported_at__lte=until,
            )
            .exclude(status__in=(Status.REJECTED, Status.MERGED))
            .order_by("-reported_at", "-id")
            .values_list("id", "number", "lat", "lon")
        )
        got = recurrence_candidates(world.category.pk, box, since, until, 0, 50)
        assert [tuple(e) for e in got] == expected
        assert (cases[4].pk in [e.id for e in got]) == (until >= stamps[4])
        assert recurrence_candidates(world.category.pk, box, since, until, 1, 2) == got[1:3]
    got = recurrence_candidates(world.category.pk, box, start - timedelta(days=3), start, 0, 9)
    assert [e.id for e in got] == [cases[2].pk, cases[1].pk, cases[3].pk]
    with pytest.raises(ValueError):  # the ORM would read it in Asia/Shanghai, SQL in UTC
        recurrence_candidates(world.category.pk, box, start.replace(tzinfo=None), start, 0, 9)

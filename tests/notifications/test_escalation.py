"""Reminders and escalation (督办): by rule once, by the office with a note, never twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from tests.conftest import at
from wenming.cases import services as case_services
from wenming.cases.models import Case, CaseEvent, Escalation
from wenming.core.errors import ApplicationError
from wenming.notifications import services
from wenming.notifications.models import Message, Notification, Reminder


def kinds_for(user):
    return list(
        Notification.objects.filter(user=user)
        .order_by("pk")
        .values_list("message__kind", flat=True)
    )


def test_due_soon_then_overdue_reminders_once_each(world, cast, dispatched, clock):
    case = dispatched()  # deadline Monday 2021-03-08 10:00
    clock.set(at("2021-03-05 16:59"))  # 2 working hours from now: Monday 09:59
    assert services.send_reminders() == 0
    clock.set(at("2021-03-05 17:00"))  # … Monday 10:00: due soon
    assert services.send_reminders() == 1
    assert services.send_reminders() == 0
    message = Message.objects.get(kind="due_soon")
    assert message.subject == "问题 2021000001 即将到期"
    assert message.body.splitlines()[-1] == "距处置时限已不足 2 个工作小时。"
    assert kinds_for(cast.handler) == ["case_dispatched", "due_soon"]
    assert kinds_for(cast.office) == []

    clock.set(at("2021-03-08 10:00"))  # at the deadline: not yet overdue
    assert services.send_reminders() == 0
    clock.set(at("2021-03-08 10:01"))
    assert services.send_reminders() == 1
    assert services.send_reminders() == 0
    overdue = Message.objects.get(kind="overdue")
    assert overdue.subject == "问题 2021000001 已超期"
    assert kinds_for(cast.handler) == ["case_dispatched", "due_soon", "overdue"]
    assert kinds_for(cast.office) == ["overdue"]
    assert list(Reminder.objects.order_by("pk").values_list("case_id", "kind", "deadline")) == [
        (case.pk, "due_soon", at("2021-03-08 10:00")),
        (case.pk, "overdue", at("2021-03-08 10:00")),
    ]


def test_a_moved_deadline_gets_its_own_reminder(world, cast, dispatched, clock):
    case = dispatched()
    clock.set(at("2021-03-05 17:00"))
    services.send_reminders()
    request = case_services.case_request_extension(
        cast.handler, case.pk, requested_deadline=at("2021-03-10 17:30"), reason="设备检修"
    )
    case_services.case_decide_extension(cast.office, request.pk, approve=True)
    clock.set(at("2021-03-10 15:29"))
    assert services.send_reminders() == 0
    clock.set(at("2021-03-10 15:30"))
    assert services.send_reminders() == 1
    assert Reminder.objects.filter(kind="due_soon").count() == 2


def test_no_reminders_for_cases_the_unit_no_longer_holds(world, cast, dispatched, clock):
    case = dispatched()
    case_services.case_accept(cast.handler, case.pk)
    case_services.case_submit(cast.handler, case.pk, note="已清运")
    clock.set(at("2021-03-09 09:00"))
    assert services.send_reminders() == 0
    assert case_services.cases_escalate_overdue() == []


def test_escalation_by_rule_level_1_then_level_2_once(
    world, cast, dispatched, clock, django_capture_on_commit_callbacks
):
    world.ninth.leader = cast.leader
    world.ninth.save()
    case = dispatched()
    clock.set(at("2021-03-08 10:00"))
    assert case_services.cases_escalate_overdue() == []
    clock.set(at("2021-03-08 10:01"))
    with django_capture_on_commit_callbacks(execute=True):
        (first,) = case_services.cases_escalate_overdue()
    with django_capture_on_commit_callbacks(execute=True):
        assert case_services.cases_escalate_overdue() == []
    assert (first.level, first.number, first.year, first.serial, first.auto) == (
        1, "2021-0001", 2021, 1, True,
    )  # fmt: skip
    assert (first.unit, first.deadline, first.issued_by) == (world.sanitation, case.deadline, None)
    assert first.respond_by == at("2021-03-09 17:30")
    assert first.reason == "已超期：处置时限 2021-03-08 10:00 已过。"
    assert (
        first.requirements == "请于2021-03-09 17:30前整改到位，并将整改情况（附照片）报市创城办。"
    )
    case.refresh_from_db()
    assert (case.status, case.escalation_level, case.version) == ("dispatched", 1, 3)
    event = CaseEvent.objects.get(case=case, action="escalate")
    assert (event.from_status, event.to_status, event.actor, event.seq) == (
        "dispatched", "dispatched", None, 3,
    )  # fmt: skip
    assert event.data == {
        "escalation_id": first.pk, "level": 1, "number": "2021-0001", "auto": True,
        "unit_id": world.sanitation.pk,
    }  # fmt: skip
    assert kinds_for(cast.handler) == ["case_dispatched", "escalated"]
    assert kinds_for(cast.office) == ["escalated"]
    assert kinds_for(cast.leader) == []
    message = Message.objects.get(kind="escalated")
    assert message.subject == "问题 2021000001 督办通知"
    assert message.url == f"/notifications/escalations/{first.pk}/docx/"
    assert message.body.splitlines()[:2] == [
        "督办单编号：2021-0001",
        "问题：铁塔社区垃圾桶满溢未清运",
    ]

    # Level 2: still overdue 3 working days after level 1 (Thursday 17:30).
    clock.set(at("2021-03-11 17:29"))
    assert case_services.cases_escalate_overdue() == []
    clock.set(at("2021-03-11 17:30"))
    with django_capture_on_commit_callbacks(execute=True):
        (second,) = case_services.cases_escalate_overdue()
    assert case_services.cases_escalate_overdue() == []
    assert (second.level, second.number, second.auto) == (2, "2021-0002", True)
    assert second.reason == "督办单 2021-0001 下发后 3 个工作日仍未办结。"
    assert Case.objects.get(pk=case.pk).escalation_level == 2
    assert kinds_for(cast.leader) == ["escalated"]
    assert Message.objects.get(key=f"event:{second.event_id}").subject == (
        "问题 2021000001 已被挂牌督办"
    )


def test_level_2_waits_for_working_days_not_calendar_days(world, cast, dispatched, clock, settings):
    settings.WENMING_ESCALATE_LEVEL2_WORKING_DAYS = 1
    dispatched()
    clock.set(at("2021-03-12 17:00"))  # Friday: level 1
    assert [e.level for e in case_services.cases_escalate_overdue()] == [1]
    clock.set(at("2021-03-14 12:00"))  # Sunday: no working day has passed
    assert case_services.cases_escalate_overdue() == []
    clock.set(at("2021-03-15 17:30"))  # Monday end of office hours
    assert [e.level for e in case_services.cases_escalate_overdue()] == [2]


def refused(code, status, func, *args, **kw):
    with pytest.raises(ApplicationError) as exc:
        func(*args, **kw)
    assert (exc.value.code, exc.value.status) == (code, status)


def test_manual_escalation_by_the_office(world, cast, dispatched, clock):
    case = dispatched()
    clock.set(at("2021-03-05 16:00"))  # not overdue: the office may still escalate
    escalation = case_services.case_escalate(
        cast.office, case.pk, level=2, note="市领导交办，挂牌督办", requirements="3日内整改到位"
    )
    assert (escalation.level, escalation.auto, escalation.issued_by) == (2, False, cast.office)
    assert (escalation.reason, escalation.requirements) == ("市领导交办，挂牌督办", "3日内整改到位")
    assert escalation.respond_by == at("2021-03-08 17:30")
    assert Case.objects.get(pk=case.pk).escalation_level == 2
    # Level 1 by rule later still comes (a different level); level 2 is not repeated.
    clock.set(at("2021-03-08 10:01"))
    assert [e.level for e in case_services.cases_escalate_overdue()] == [1]
    assert Case.objects.get(pk=case.pk).escalation_level == 2


def _snapshot(case_id):
    c = Case.objects.get(pk=case_id)
    return (c.escalation_level, c.version, Escalation.objects.count(), CaseEvent.objects.count())


def test_manual_escalation_refusals_change_nothing(world, cast, dispatched, clock):
    case = dispatched()
    before = _snapshot(case.pk)
    refused("forbidden", 403, case_services.case_escalate, cast.handler, case.pk, level=1, note="x")
    refused("forbidden", 403, case_services.case_escalate, cast.leader, case.pk, level=1, note="x")
    refused(
        "not_found", 404, case_services.case_escalate, cast.outsider, case.pk, level=1, note="x"
    )
    refused("not_found", 404, case_services.case_escalate, cast.office, 999999, level=1, note="x")
    refused("required", 400, case_services.case_escalate, cast.office, case.pk, level=1, note=" ")
    for bad in (0, 3, "1", None, True):
        refused("invalid_level", 400, case_services.case_escalate, cast.office, case.pk,
                level=bad, note="x")  # fmt: skip
    refused("too_long", 400, case_services.case_escalate, cast.office, case.pk, level=1,
            note="x" * 2001)  # fmt: skip
    refused("stale", 409, case_services.case_escalate, cast.office, case.pk, level=1, note="x",
            expected_version=1)  # fmt: skip
    assert _snapshot(case.pk) == before
    case_services.case_escalate(cast.office, case.pk, level=1, note="督办")
    after = _snapshot(case.pk)
    refused("already_escalated", 409, case_services.case_escalate, cast.office, case.pk, level=1,
            note="again")  # fmt: skip
    assert _snapshot(case.pk) == after
    reported = case_services.case_report(
        cast.inspector, title="t", category_id=world.category.pk, lat=36.455, lon=115.985
    )
    refused("invalid_transition", 409, case_services.case_escalate, cast.office, reported.pk,
            level=1, note="x")  # fmt: skip


def _race(calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(fn):
        try:
            barrier.wait()
            fn()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_escalate_and_remind_once(world, cast, clock):
    from tests.notifications.conftest import new_case

    clock.set(at("2021-03-05 15:00"))
    cases = [new_case(world, cast, title=f"问题{i}") for i in range(3)]
    for case in cases:
        case_services.case_dispatch(cast.office, case.pk)
    clock.set(at("2021-03-08 10:01"))
    _race([case_services.cases_escalate_overdue, case_services.cases_escalate_overdue])
    assert Escalation.objects.count() == 3
    assert sorted(Escalation.objects.values_list("serial", flat=True)) == [1, 2, 3]
    assert CaseEvent.objects.filter(action="escalate").count() == 3
    _race([services.send_reminders, services.send_reminders])
    assert Reminder.objects.filter(kind="overdue").count() == 3
    _race([services.sweep_outbox, services.sweep_outbox])
    # Per case: dispatched + escalated + overdue for the handler, exactly once each.
    assert Notification.objects.filter(user=cast.handler).count() == 9
    assert sorted(kinds_for(cast.handler)) == sorted(
        ["case_dispatched", "escalated", "overdue"] * 3
    )


def test_a_case_sent_to_another_unit_starts_again_at_level_1(world, cast, dispatched, clock):
    case = dispatched()  # to sanitation, deadline Monday 2021-03-08 10:00
    clock.set(at("2021-03-08 10:01"))
    assert [(e.level, e.unit) for e in case_services.cases_escalate_overdue()] == [
        (1, world.sanitation)
    ]
    clock.set(at("2021-03-08 11:00"))
    case_services.case_return(cast.handler, case.pk, reason="不属于本单位职责")
    clock.set(at("2021-03-08 14:00"))
    case_services.case_dispatch(
        cast.office, case.pk, unit_id=world.police.pk, deadline=at("2021-03-09 17:30")
    )
    # Three working days after sanitation's notice the police's own deadline has passed: the
    # police get their level-1 notice, not a level 2 earned by the first unit's delay.
    clock.set(at("2021-03-11 17:30"))
    assert [(e.level, e.unit) for e in case_services.cases_escalate_overdue()] == [
        (1, world.police)
    ]
    assert case_services.cases_escalate_overdue() == []
    clock.set(at("2021-03-16 17:30"))  # three working days after the police's notice
    assert [(e.level, e.unit) for e in case_services.cases_escalate_overdue()] == [
        (2, world.police)
    ]
    assert list(
        Escalation.objects.order_by("issued_at").values_list("unit__code", "level", "number")
    ) == [
        (world.sanitation.code, 1, "2021-0001"),
        (world.police.code, 1, "2021-0002"),
        (world.police.code, 2, "2021-0003"),
    ]
    assert Case.objects.get(pk=case.pk).escalation_level == 2


def test_the_office_may_escalate_the_new_unit_at_a_level_the_first_unit_had(
    world, cast, dispatched, clock
):
    case = dispatched()
    case_services.case_escalate(cast.office, case.pk, level=1, note="群众反映强烈")
    refused("already_escalated", 409, case_services.case_escalate, cast.office, case.pk,
            level=1, note="再次督办")  # fmt: skip
    case_services.case_return(cast.handler, case.pk, reason="不属于本单位职责")
    case_services.case_dispatch(
        cast.office, case.pk, unit_id=world.police.pk, deadline=at("2021-03-09 17:30")
    )
    second = case_services.case_escalate(cast.office, case.pk, level=1, note="尽快处置")
    assert (second.level, second.unit) == (1, world.police)
    assert Escalation.objects.filter(case=case).count() == 2

"""Case events become messages in the inbox, e-mail and group robots, exactly once."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.conftest import at
from wenming.cases import outbox
from wenming.cases import services as case_services
from wenming.cases.models import Case, CaseEvent
from wenming.notifications import services
from wenming.notifications.models import (
    Delivery,
    DeliveryAttempt,
    EventReceipt,
    Marker,
    Message,
    Notification,
    UnitChannel,
)

DISPATCH_BODY = "\n".join(
    [
        "问题：铁塔社区垃圾桶满溢未清运",
        "类别：垃圾清运不及时",
        "地点：东昌府区古楼街道铁塔社区",
        "责任单位：市环卫处",
        "处置时限：2021-03-08 10:00",
        "备注：请尽快处理",
        "请及时签收，并在处置时限内整改到位。",
    ]
)


def test_dispatch_reaches_inbox_email_and_robot_once(world, emails, robot, receiver, dispatched):
    case = dispatched()
    message = Message.objects.get()
    assert message.kind == "case_dispatched"
    assert message.subject == "新派遣问题 2021000001，请及时签收"
    assert message.body == DISPATCH_BODY
    assert message.url == f"/cases/{case.pk}/"
    assert message.key == f"event:{CaseEvent.objects.get(case=case, action='dispatch').pk}"

    # Inbox: the handler only (not the office who dispatched, not another unit).
    inbox = list(Notification.objects.values_list("user__username", "message_id", "read_at"))
    assert inbox == [("handler", message.pk, None)]
    # E-mail to the handler, with the absolute link.
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["handler@example.cn"], "新派遣问题 2021000001，请及时签收")
    ]
    assert mail.outbox[0].body == DISPATCH_BODY + f"\n\nhttps://wm.example.cn/cases/{case.pk}/\n"
    # The WeCom robot: its markdown JSON.
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/cgi-bin/webhook/send"
    assert request["query"] == {"key": ["k1"]}
    assert request["content_type"] == "application/json; charset=utf-8"
    quoted = "\n".join(f"> {line}" for line in DISPATCH_BODY.splitlines())
    link = f"https://wm.example.cn/cases/{case.pk}/"
    assert request["json"] == {
        "msgtype": "markdown",
        "markdown": {
            "content": f"### 新派遣问题 2021000001，请及时签收\n\n{quoted}\n\n[{link}]({link})"
        },
    }
    rows = sorted(
        Delivery.objects.values_list("channel", "user__username", "status", "attempts", "address")
    )
    assert rows == [
        ("email", "handler", "sent", 1, "handler@example.cn"),
        ("inapp", "handler", "sent", 1, ""),
        ("wecom", None, "sent", 1, ""),
    ]
    assert list(DeliveryAttempt.objects.values_list("number", "ok", "error")) == [(1, True, "")] * 3


def test_planning_again_creates_nothing(world, emails, robot, receiver, dispatched):
    case = dispatched()
    event = CaseEvent.objects.get(case=case, action="dispatch")
    assert services.process_event(event.pk) == 0
    assert services.sweep_outbox() == 0  # the report event notifies nobody: not planned
    assert services.deliver_due() == 0
    assert Message.objects.count() == 1
    assert Delivery.objects.count() == 3
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert len(receiver.requests) == 1


def test_events_that_notify_nobody(world, cast, clock, django_capture_on_commit_callbacks):
    from tests.notifications.conftest import new_case

    with django_capture_on_commit_callbacks(execute=True):
        new_case(world, cast)
    # A report notifies nobody: the outbox does not even queue it (no receipt, no task).
    assert EventReceipt.objects.count() == 0
    assert Message.objects.count() == 0
    assert services.sweep_outbox() == 0
    assert EventReceipt.objects.count() == 0


def test_return_notifies_the_office(world, emails, dispatched, django_capture_on_commit_callbacks):
    case = dispatched()
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_return(emails.handler, case.pk, reason="不属于本单位职责")
    message = Message.objects.get(kind="case_returned")
    assert message.subject == "问题 2021000001 被退回"
    assert message.body.splitlines()[-3:] == [
        "退回单位：市环卫处",
        "原因：不属于本单位职责",
        "请重新派遣至正确的责任单位。",
    ]
    assert list(message.notifications.values_list("user__username", flat=True)) == ["office"]


def test_rework_and_extension_notify_the_unit(
    world, emails, dispatched, clock, django_capture_on_commit_callbacks
):
    case = dispatched()
    handler, office = emails.handler, emails.office
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_accept(handler, case.pk)
        request = case_services.case_request_extension(
            handler, case.pk, requested_deadline=at("2021-03-10 17:30"), reason="设备检修"
        )
        case_services.case_decide_extension(office, request.pk, approve=False, note="理由不充分")
        case_services.case_submit(handler, case.pk, note="已清运")
        case_services.case_rework(emails.inspector, case.pk, reason="周边仍有散落垃圾")
    subjects = list(
        Notification.objects.filter(user=handler)
        .order_by("pk")
        .values_list("message__kind", "message__subject")
    )
    assert subjects == [
        ("case_dispatched", "新派遣问题 2021000001，请及时签收"),
        ("extension_decided", "问题 2021000001 的延期申请未获批准"),
        ("case_reworked", "问题 2021000001 复查不通过，请返工"),
    ]
    rework = Message.objects.get(kind="case_reworked")
    assert rework.body.splitlines()[-2:] == ["原因：周边仍有散落垃圾", "返工次数：1"]
    assert Notification.objects.exclude(user=handler).count() == 0


def test_failed_robot_retries_with_backoff_and_never_blocks_the_case(
    world, emails, robot, receiver, dispatched, clock
):
    receiver.responses = [(500, {}), (200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    case = dispatched()
    case.refresh_from_db()
    assert case.status == "dispatched"  # the transition stands
    d = Delivery.objects.get(channel="wecom")
    assert (d.status, d.attempts, d.last_error) == ("pending", 1, "HTTP 500")
    assert d.next_attempt_at == at("2021-03-05 15:01")  # 60 s back-off
    # Not due yet: nothing happens.
    clock.set(at("2021-03-05 15:00:30"))
    assert services.deliver_due() == 0
    clock.set(at("2021-03-05 15:01"))
    assert services.deliver_due() == 0
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_error) == (
        "pending",
        2,
        "errcode 93000: invalid webhook url",
    )
    assert d.next_attempt_at == at("2021-03-05 15:03")  # 120 s
    clock.set(at("2021-03-05 15:03"))
    assert services.deliver_due() == 1
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_error, d.sent_at) == (
        "sent",
        3,
        "",
        at("2021-03-05 15:03"),
    )
    assert list(d.attempt_log.values_list("number", "ok", "error")) == [
        (1, False, "HTTP 500"),
        (2, False, "errcode 93000: invalid webhook url"),
        (3, True, ""),
    ]
    assert len(receiver.requests) == 3
    # The other channels were not held up by the robot.
    assert Delivery.objects.filter(channel__in=["inapp", "email"], status="sent").count() == 2


def test_gives_up_after_max_attempts_and_office_retries(
    world, cast, robot, receiver, dispatched, clock, settings
):
    settings.WENMING_NOTIFY_MAX_ATTEMPTS = 2
    robot.url = "http://127.0.0.1:9/closed"  # nothing listens on the discard port
    robot.save()
    dispatched()
    clock.set(at("2021-03-05 16:00"))
    services.deliver_due()
    d = Delivery.objects.get(channel="wecom")
    assert (d.status, d.attempts) == ("failed", 2)
    assert d.last_error.startswith("connection failed")
    clock.set(at("2021-03-05 18:00"))
    assert services.deliver_due() == 0  # failed stays failed

    from wenming.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as e:
        services.delivery_retry(cast.handler, d.pk)
    assert e.value.status == 404
    robot.url = f"{receiver.url}/hook"
    robot.save()
    services.delivery_retry(cast.office, d.pk)
    services.deliver_due()
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("sent", 1)
    assert d.attempt_log.count() == 3
    with pytest.raises(ApplicationError) as e:
        services.delivery_retry(cast.office, d.pk)
    assert (e.value.code, e.value.status) == ("not_failed", 409)


def test_dingtalk_robot_signs_and_sends_markdown(world, cast, receiver, dispatched):
    UnitChannel.objects.create(
        unit=world.sanitation,
        kind="dingtalk",
        name="钉钉群",
        url=f"{receiver.url}/robot/send?access_token=t1",
        secret="SECabc",
    )
    dispatched()
    (request,) = receiver.requests
    assert request["path"] == "/robot/send"
    query = request["query"]
    assert query["access_token"] == ["t1"]
    import base64
    import hashlib
    import hmac

    ts = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"SECabc", f"{ts}\nSECabc".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]
    body = request["json"]
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "新派遣问题 2021000001，请及时签收"
    assert body["markdown"]["text"].startswith("### 新派遣问题 2021000001，请及时签收\n\n> 问题：")


def test_killed_worker_claim_is_taken_over_after_the_lease(world, cast, dispatched, clock):
    # Plan without sending (as if the worker died right after claiming the inbox delivery).
    clock.set(at("2021-03-05 15:00"))
    from tests.notifications.conftest import new_case

    case = new_case(world, cast)
    case_services.case_dispatch(cast.office, case.pk)  # on-commit work not run (test txn)
    services.sweep_outbox()  # plans and delivers: undo the delivery to simulate the death
    Notification.objects.all().delete()
    d = Delivery.objects.get(channel="inapp")
    DeliveryAttempt.objects.filter(delivery=d).update(finished_at=None, ok=None)
    Delivery.objects.filter(pk=d.pk).update(
        status="sending", lease_until=at("2021-03-05 15:02"), sent_at=None
    )
    clock.set(at("2021-03-05 15:01"))
    assert services.deliver_due() == 0  # the lease still holds
    clock.set(at("2021-03-05 15:02:01"))
    assert services.deliver_due() == 1
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("sent", 2)
    assert list(d.attempt_log.values_list("number", "ok")) == [(1, None), (2, True)]
    assert Notification.objects.filter(delivery=d).count() == 1


def test_a_late_finisher_never_duplicates_the_inbox(world, cast, clock):
    from tests.notifications.conftest import new_case

    clock.set(at("2021-03-05 15:00"))
    case = new_case(world, cast)
    case_services.case_dispatch(cast.office, case.pk)
    event = CaseEvent.objects.get(case=case, action="dispatch")
    (delivery_id,) = services.plan_event(event.pk)
    first = services._claim(delivery_id, at("2021-03-05 15:00"))  # worker A claims, stalls
    assert first is not None
    # The lease runs out; worker B reclaims and delivers.
    assert services.deliver_one(delivery_id, at("2021-03-05 15:03")) == "sent"
    # Worker A wakes up and finishes its inbox write: the unique delivery stops it.
    delivery, attempt = first
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            user_id=delivery.user_id, message=delivery.message, delivery=delivery,
            created_at=at("2021-03-05 15:04"),
        )  # fmt: skip
    services._finish(delivery, attempt, None, at("2021-03-05 15:04"))
    assert Notification.objects.count() == 1
    assert Delivery.objects.get(pk=delivery_id).attempts == 2


def test_sweep_plans_events_the_listener_missed_and_moves_its_cursor(world, cast, clock, settings):
    from tests.notifications.conftest import new_case

    settings.WENMING_OUTBOX_GRACE_SECONDS = 600
    clock.set(at("2021-03-05 15:00"))
    case = new_case(world, cast)
    case_services.case_dispatch(cast.office, case.pk)  # no on-commit work in this test txn
    assert Notification.objects.count() == 0
    assert services.sweep_outbox() == 1  # the dispatch (the report notifies nobody)
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["handler"]
    # Within the grace period the cursor stays just behind the events.
    first_event = CaseEvent.objects.order_by("pk").first().pk
    assert Marker.objects.get(name="outbox").value == first_event - 1
    clock.set(at("2021-03-05 15:11"))
    assert services.sweep_outbox() == 0
    assert Marker.objects.get(name="outbox").value == CaseEvent.objects.order_by("pk").last().pk


def test_failing_listener_never_blocks_the_transition(
    world, cast, clock, django_capture_on_commit_callbacks
):
    from tests.notifications.conftest import new_case

    def broken(event_id):
        raise RuntimeError("broker down")

    outbox.register_listener(broken)
    try:
        case = new_case(world, cast)
        with django_capture_on_commit_callbacks(execute=True):
            case_services.case_dispatch(cast.office, case.pk)
    finally:
        outbox.unregister_listener(broken)
    assert Case.objects.get(pk=case.pk).status == "dispatched"
    assert Notification.objects.count() == 1  # the real listener still ran


def test_work_item_and_briefing_notifications(world, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_work_item_returned(
            item_id=7, unit_id=world.sanitation.pk, title="环卫处开展志愿服务", reason="缺少照片",
            url="/briefings/items/7/",
        )  # fmt: skip
        services.notify_work_item_returned(
            item_id=7, unit_id=world.sanitation.pk, title="x", reason="y", url="/z/"
        )  # same item: planned once
        services.notify_briefing_published(
            issue_id=3, title="创城工作简报", number="第6期", url="/briefings/3/",
            unit_ids=[world.police.pk],
        )  # fmt: skip
    rows = sorted(
        Notification.objects.values_list("user__username", "message__subject", "message__body")
    )
    assert rows == [
        ("handler", "工作信息被退回：环卫处开展志愿服务", "原因：缺少照片\n请修改后重新报送。"),
        ("office", "简报已印发：创城工作简报 第6期", "测试市创城办印发了新一期工作简报。"),
        ("other_handler", "简报已印发：创城工作简报 第6期", "测试市创城办印发了新一期工作简报。"),
    ]


def test_sweep_ignores_old_history(world, cast, clock):
    from tests.notifications.conftest import new_case

    clock.set(at("2021-03-05 15:00"))
    case = new_case(world, cast)
    case_services.case_dispatch(cast.office, case.pk)  # no on-commit work in this test txn
    clock.set(at("2021-03-06 15:01"))  # more than 24 hours later
    assert services.sweep_outbox() == 0
    assert Message.objects.count() == 0
    assert Marker.objects.get(name="outbox").value == CaseEvent.objects.order_by("pk").last().pk

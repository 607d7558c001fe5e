"""Inbox page, preferences, digests, the office's delivery log, 督办单 download."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from docx import Document
from docx.shared import Pt

from tests.conftest import at
from wenming.cases import services as case_services
from wenming.core.errors import ApplicationError
from wenming.notifications import services
from wenming.notifications.context import unread_count
from wenming.notifications.models import (
    Delivery,
    Notification,
    UnitChannel,
    UnitPreference,
    UserPreference,
)
from wenming.notifications.sms import MemorySmsBackend


def client_for(user, **kw):
    c = Client(**kw)
    c.force_login(user)
    return c


def test_inbox_lists_and_marks_read(world, cast, dispatched):
    case = dispatched()
    c = client_for(cast.handler)
    page = c.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "新派遣问题 2021000001，请及时签收" in html
    assert 'id="unread-count">未读 1 条<' in html
    assert "处置时限：2021-03-08 10:00" in html
    n = Notification.objects.get()
    assert c.get(f"/notifications/{n.pk}/read/").status_code == 405
    r = c.post(f"/notifications/{n.pk}/read/", {"next": "/notifications/?page=1"})
    assert (r.status_code, r["Location"]) == (302, "/notifications/?page=1")
    n.refresh_from_db()
    assert n.read_at is not None
    first_read = n.read_at
    c.post(f"/notifications/{n.pk}/read/")  # idempotent
    n.refresh_from_db()
    assert n.read_at == first_read
    assert 'id="unread-count">未读 0 条<' in c.get("/notifications/").content.decode()
    # Off-site "next" is ignored; "open" goes to the case.
    r = c.post(f"/notifications/{n.pk}/read/", {"next": "https://evil.example/"})
    assert r["Location"] == "/notifications/"
    r = c.post(f"/notifications/{n.pk}/read/", {"open": "1"})
    assert r["Location"] == f"/cases/{case.pk}/"


def test_inbox_is_private_and_needs_login_and_csrf(world, cast, dispatched):
    dispatched()
    n = Notification.objects.get()
    assert Client().get("/notifications/").status_code == 302
    other = client_for(cast.other_handler)
    assert "2021000001" not in other.get("/notifications/").content.decode()
    assert other.post(f"/notifications/{n.pk}/read/").status_code == 404
    assert client_for(cast.handler).post("/notifications/999999/read/").status_code == 404
    strict = client_for(cast.handler, enforce_csrf_checks=True)
    assert strict.post(f"/notifications/{n.pk}/read/").status_code == 403
    n.refresh_from_db()
    assert n.read_at is None
    with pytest.raises(ApplicationError) as e:
        services.notification_mark_read(cast.other_handler, n.pk)
    assert e.value.status == 404


def test_mark_all_read_and_unread_count_context(world, cast, dispatched, rf):
    dispatched()
    dispatched()
    request = rf.get("/")
    request.user = cast.handler
    assert unread_count(request) == {"notifications_unread": 2}
    assert client_for(cast.handler).post("/notifications/read-all/").status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert unread_count(request) == {"notifications_unread": 0}


def test_preferences_mute_email_sms_and_digest(world, emails, dispatched, clock, settings):
    handler = emails.handler
    c = client_for(handler)
    assert c.get("/notifications/preferences/").status_code == 200
    r = c.post(
        "/notifications/preferences/",
        {"muted_kinds": ["case_reworked"], "sms": "on", "phone": "139-0635-0000", "digest": "on"},
    )
    assert r.status_code == 302
    pref = UserPreference.objects.get(user=handler)
    assert (pref.muted_kinds, pref.email, pref.sms, pref.phone, pref.digest) == (
        ["case_reworked"], False, True, "13906350000", True,
    )  # fmt: skip
    case = dispatched()
    # Inbox at once; SMS held for the digest; no e-mail (turned off).
    rows = sorted(Delivery.objects.values_list("channel", "status"))
    assert rows == [("inapp", "sent"), ("sms", "held")]
    assert mail.outbox == [] and MemorySmsBackend.outbox == []
    # A muted type reaches nobody's channel.
    case_services.case_accept(handler, case.pk)
    case_services.case_submit(handler, case.pk, note="已清运")
    services.sweep_outbox()
    clock.set(at("2021-03-05 16:00"))
    case_services.case_rework(emails.inspector, case.pk, reason="不合格")
    services.sweep_outbox()
    assert Delivery.objects.filter(message__kind="case_reworked").count() == 0
    # The digest: not before 08:00, then once a day.
    clock.set(at("2021-03-06 07:59"))
    assert services.send_digests() == 0
    clock.set(at("2021-03-06 08:00"))
    assert services.send_digests() == 1
    assert services.send_digests() == 0
    assert MemorySmsBackend.outbox == [("13906350000", "【测试市创城办】每日通知汇总：共 1 条")]
    assert Delivery.objects.get(channel="sms").status == "sent"


def test_preference_refusals_change_nothing(world, cast):
    c = client_for(cast.handler)
    for data, code in (
        ({"muted_kinds": ["escalated"]}, 400),  # not offered: form error
        ({"muted_kinds": ["nope"]}, 400),
        ({"sms": "on"}, 400),
        ({"phone": "12345"}, 400),
    ):
        r = c.post("/notifications/preferences/", data)
        assert r.status_code == code, data
    assert UserPreference.objects.count() == 0
    for kwargs, code in (
        ({"muted_kinds": ["escalated"]}, "mandatory_kind"),
        ({"muted_kinds": "due_soon"}, "invalid_kinds"),
        ({"muted_kinds": ["x"]}, "invalid_kinds"),
        ({"sms": True}, "invalid_phone"),
        ({"phone": "1390635000"}, "invalid_phone"),
    ):
        with pytest.raises(ApplicationError) as e:
            services.user_preference_update(cast.handler, **kwargs)
        assert (e.value.code, e.value.status) == (code, 400)
    assert UserPreference.objects.count() == 0


def test_unit_preferences_mute_and_digest_the_robot(
    world, cast, robot, receiver, dispatched, clock
):
    with pytest.raises(ApplicationError) as e:
        services.unit_preference_update(cast.other_handler, world.sanitation.pk, digest=True)
    assert e.value.status == 403
    with pytest.raises(ApplicationError) as e:
        services.unit_preference_update(cast.handler, 999999, digest=True)
    assert e.value.status == 404
    with pytest.raises(ApplicationError) as e:
        services.unit_preference_update(
            cast.handler, world.sanitation.pk, muted_kinds=["escalated"]
        )
    assert e.value.code == "mandatory_kind"
    assert UnitPreference.objects.count() == 0
    services.unit_preference_update(cast.handler, world.sanitation.pk, digest=True)
    dispatched()
    dispatched()
    assert receiver.requests == []
    clock.set(at("2021-03-06 09:00"))
    assert services.send_digests() == 1
    (request,) = receiver.requests
    content = request["json"]["markdown"]["content"]
    assert content.startswith("### 每日通知汇总：共 2 条\n\n> - 03-05 15:00 新派遣问题 2021000001")
    assert Delivery.objects.filter(channel="wecom", status="sent").count() == 2
    services.unit_preference_update(
        cast.office, world.sanitation.pk, muted_kinds=["case_dispatched"]
    )
    dispatched()
    assert Delivery.objects.filter(channel="wecom").count() == 2


def test_office_robot_receives_office_messages(world, cast, receiver, dispatched):
    UnitChannel.objects.create(unit=None, kind="wecom", name="创城办群", url=f"{receiver.url}/o")
    case = dispatched()
    assert receiver.requests == []  # dispatch concerns the unit only
    services.sweep_outbox()
    case_services.case_return(cast.handler, case.pk, reason="不属于本单位")
    services.sweep_outbox()
    (request,) = receiver.requests
    assert request["path"] == "/o"
    assert request["json"]["markdown"]["content"].startswith("### 问题 2021000001 被退回")


def test_delivery_log_for_the_office_only(world, cast, robot, receiver, dispatched):
    receiver.responses = [(502, {})]
    dispatched()
    page = client_for(cast.office).get("/notifications/deliveries/?status=pending")
    assert page.status_code == 200
    html = page.content.decode()
    assert "HTTP 502" in html and "环卫处工作群" in html
    assert client_for(cast.handler).get("/notifications/deliveries/").status_code == 404
    assert client_for(cast.leader).get("/notifications/deliveries/").status_code == 404


def _docx_text(content: bytes) -> tuple[Document, str]:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return doc, "\n".join(parts)


def test_escalation_docx_download_and_layout(world, cast, dispatched, clock):
    world.ninth.leader_name = "王建鹏"
    world.ninth.save()
    dispatched()
    clock.set(at("2021-03-09 10:00"))
    (escalation,) = case_services.cases_escalate_overdue()
    url = f"/notifications/escalations/{escalation.pk}/docx/"
    r = client_for(cast.handler).get(url)
    assert r.status_code == 200
    assert r["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert "filename*=utf-8''%E7%9D%A3%E5%8A%9E%E5%8D%95-2021-0001.docx" in r["Content-Disposition"]
    doc, text = _docx_text(b"".join(r.streaming_content))
    section = doc.sections[0]
    sizes = [
        round(x.mm, 1)
        for x in (section.page_width, section.page_height, section.top_margin,
                  section.bottom_margin, section.left_margin, section.right_margin)
    ]  # fmt: skip
    assert sizes == [210.0, 297.0, 37.0, 35.0, 28.0, 26.0]
    lines = [p.text for p in doc.paragraphs if p.text]
    assert lines[:4] == ["测试市创城办", "督 办 单", "测创城督〔2021〕1号", "市环卫处："]
    assert lines[4] == (
        "你单位承办的第2021000001号问题（铁塔社区垃圾桶满溢未清运），于2021-03-05 15:00派遣，"
        "处置时限为2021-03-08 10:00。截至2021-03-09 10:00，该问题仍未办结，"
        "已超过处置时限7.5个工作小时。现予以督办。"
    )
    assert "一、问题情况" in lines and "二、督办事由" in lines and "三、督办要求" in lines
    assert "反馈时限：2021-03-10 17:30" in lines
    assert lines[-4:] == [
        "测试市创城办",
        "2021年3月9日",
        "抄送：第九网格（王建鹏）。",
        "测试市创城办    2021年3月9日印发",
    ]
    assert "问题编号 | 2021000001" in text
    assert "超期时长 | 7.5 个工作小时" in text
    assert "地点 | 东昌府区 古楼街道 铁塔社区居委会 东昌府区古楼街道铁塔社区" in text
    header = doc.paragraphs[0].runs[0]
    assert str(header.font.color.rgb) == "FF3333"
    body = doc.paragraphs[4].runs[0]
    assert body.font.size == Pt(16)
    assert (
        body._element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        == "仿宋_GB2312"
    )
    # Scoped: another unit's handler and strangers get 404; anonymous users log in.
    assert client_for(cast.other_handler).get(url).status_code == 404
    assert client_for(cast.outsider).get(url).status_code == 404
    assert (
        client_for(cast.handler).get("/notifications/escalations/999999/docx/").status_code == 404
    )
    assert Client().get(url).status_code == 302
    assert client_for(cast.leader).get(url).status_code == 200


def test_escalate_page_for_the_office(world, cast, dispatched):
    case = dispatched()
    url = f"/notifications/cases/{case.pk}/escalate/"
    assert client_for(cast.handler).get(url).status_code == 404
    assert client_for(cast.other_handler).get(url).status_code == 404
    office = client_for(cast.office)
    assert office.get(url).status_code == 200
    r = office.post(url, {"level": "1", "note": ""})
    assert r.status_code == 400
    assert 'data-code="required"' in r.content.decode()
    r = office.post(url, {"level": "7", "note": "x"})
    assert r.status_code == 400
    assert case.escalations.count() == 0
    r = office.post(url, {"level": "1", "note": "群众反映强烈"})
    escalation = case.escalations.get()
    assert r["Location"] == f"/notifications/escalations/{escalation.pk}/docx/"
    r = office.post(url, {"level": "1", "note": "again"})
    assert r.status_code == 409
    assert case.escalations.count() == 1


def test_run_periodic_command(world, cast, dispatched, clock, capsys):
    dispatched()
    clock.set(at("2021-03-08 10:01"))
    call_command("run_periodic")
    out = capsys.readouterr().out
    # planned: the new escalate event (the report event is older than 24 hours: skipped).
    assert out.strip() == "escalated=1 planned=1 reminders=1 digests=0 delivered=0"
    call_command("run_periodic")
    assert capsys.readouterr().out.strip() == (
        "escalated=0 planned=0 reminders=0 digests=0 delivered=0"
    )
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("run_periodic", loop=0)
    assert sorted(
        Notification.objects.filter(user=cast.handler).values_list("message__kind", flat=True)
    ) == ["case_dispatched", "escalated", "overdue"]


def test_clock_sanity():
    assert at("2021-03-05 15:00") + timedelta(hours=1) == at("2021-03-05 16:00")

"""The citizen's pages (form, status page, nearby cases, +1) and the office's triage pages."""

from __future__ import annotations

import re

import pytest

from tests.conftest import TIETA, at
from tests.public.conftest import jpeg, upload
from wenming.cases import services as case_services
from wenming.cases.models import Case
from wenming.public import services
from wenming.public.models import PublicReport, Support

FORM = "/report/"


def form_data(**kw):
    data = {
        "description": "东门垃圾桶满了，没人清运",
        "lat": str(TIETA[0]),
        "lon": str(TIETA[1]),
        "coord_system": "wgs84",
        "category_id": "",
        "phone": "13812341234",
        "address": "",
        "idempotency_key": "form-key-0001",
    }
    data.update(kw)
    return data


def test_the_form_is_chinese_mobile_first_with_a_fresh_key(client, world):
    r = client.get(FORM)
    html = r.content.decode()
    assert r.status_code == 200
    assert "文明随手拍" in html and "使用当前位置" in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    keys = re.findall(r'name="idempotency_key" value="([0-9a-f]{32})"', html)
    assert len(keys) == 1
    again = re.findall(
        r'name="idempotency_key" value="([0-9a-f]{32})"', client.get(FORM).content.decode()
    )
    assert again != keys
    assert 'maxlength="1000"' in html and "/1000" in html
    assert "创城问题" in html and "垃圾清运不及时" in html  # categories grouped by parent


def test_submit_leads_to_the_receipt_with_the_code(client, world):
    r = client.post(FORM, {**form_data(), "photos": [upload()]})
    report = PublicReport.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/report/t/{report.code}/?new=1"
    page = client.get(r["Location"]).content.decode()
    assert report.code in page and "您的查询码" in page
    assert "138****1234" in page and "13812341234" not in page
    assert "等待创城办审核" in page
    assert report.photos.count() == 1
    photo = report.photos.get()
    img = client.get(f"/report/t/{report.code}/photos/{photo.pk}/thumb/")
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg"
    assert b"".join(img.streaming_content)[:3] == b"\xff\xd8\xff"
    # The same photo is not served under another code or id.
    assert client.get(f"/report/t/ZZZZZZZZ/photos/{photo.pk}/thumb/").status_code == 404
    assert client.get(f"/report/t/{report.code}/photos/{photo.pk + 99}/full/").status_code == 404


def test_a_retry_of_the_same_form_gives_the_same_receipt(client, world):
    first = client.post(FORM, form_data())
    again = client.post(FORM, form_data())
    assert first["Location"] == again["Location"]
    assert PublicReport.objects.count() == 1


def test_back_then_send_again_gives_the_same_receipt(client, world, clock):
    """Back after sending shows the form with what was typed but a new key: the same content
    from the same address within 10 minutes is the same report; other content, another
    address or a later time is a new one."""
    clock.set(at("2021-03-05 15:00"))
    first = client.post(FORM, form_data(idempotency_key="form-key-0001"))
    clock.set(at("2021-03-05 15:09"))
    again = client.post(FORM, form_data(idempotency_key="form-key-0002"))
    assert again["Location"] == first["Location"]
    assert PublicReport.objects.count() == 1
    other_place = client.post(
        FORM, form_data(idempotency_key="form-key-0003"), REMOTE_ADDR="10.1.2.3"
    )
    edited = client.post(FORM, form_data(idempotency_key="form-key-0004", description="还是满"))
    clock.set(at("2021-03-05 15:11"))
    later = client.post(FORM, form_data(idempotency_key="form-key-0005"))
    locations = {r["Location"] for r in (first, other_place, edited, later)}
    assert len(locations) == 4 and PublicReport.objects.count() == 4


def test_a_key_refused_for_other_content_is_replaced_on_the_form(client, world):
    client.post(FORM, form_data(idempotency_key="form-key-0001"))
    r = client.post(FORM, form_data(idempotency_key="form-key-0001", description="改了内容"))
    html = r.content.decode()
    assert r.status_code == 409
    assert "改了内容</textarea>" in html
    key = re.findall(r'name="idempotency_key" value="([^"]*)"', html)
    assert len(key) == 1 and re.fullmatch(r"[0-9a-f]{32}", key[0])
    r = client.post(FORM, form_data(idempotency_key=key[0], description="改了内容"))
    assert r.status_code == 302 and PublicReport.objects.count() == 2


def test_a_class_of_problems_is_not_a_category_for_a_report(client, world):
    group = world.category.parent
    r = client.post(FORM, form_data(category_id=str(group.pk)))
    assert r.status_code == 400
    assert f"“{group.name}”是问题大类，请选择其中具体的问题类别。" in r.content.decode()
    assert PublicReport.objects.count() == 0


@pytest.mark.parametrize(
    "kw,status,message",
    [
        ({"lat": "0", "lon": "0"}, 400, "设备未获得定位"),
        ({"lat": "39.9", "lon": "116.4"}, 400, "该位置不在本市范围内"),
        ({"lat": "", "lon": ""}, 400, "请在地图上选择位置，或允许手机使用定位（GPS）。"),
        ({"phone": "123"}, 400, "请填写11位手机号码"),
        ({"description": ""}, 400, "为必填项"),
    ],
)
def test_bad_input_keeps_what_was_typed(client, world, kw, status, message):
    r = client.post(FORM, form_data(address="东门<b>口</b>", **kw))
    html = r.content.decode()
    assert r.status_code == status
    assert message in html, html[html.find("form-error") - 20 : html.find("form-error") + 300]
    assert "东门&lt;b&gt;口&lt;/b&gt;" in html  # kept, as text
    if kw.get("description", None) != "":
        assert "东门垃圾桶满了，没人清运</textarea>" in html
    assert PublicReport.objects.count() == 0


def test_a_bad_photo_asks_for_the_photos_again(client, world):
    r = client.post(FORM, {**form_data(), "photos": [upload("a.jpg", b"not an image")]})
    assert r.status_code == 400
    assert "请重新选择照片。" in r.content.decode()


def test_html_and_nul_are_plain_text_on_the_status_page(client, world):
    r = client.post(FORM, form_data(description="<script>alert(1)</script>垃圾桶满\x00了"))
    page = client.get(r["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;垃圾桶满了" in page
    assert "<script>alert(1)" not in page


def test_rate_limited_submissions_get_a_clear_429(client, world, settings):
    settings.WENMING_PUBLIC_RATE_LIMITS = {"submit_ip": (1, 3600)}
    client.post(FORM, form_data(idempotency_key="form-key-0001"))
    r = client.post(FORM, form_data(idempotency_key="form-key-0002", description="西门也满了"))
    assert r.status_code == 429
    assert "您刚才提交得太频繁了，请" in r.content.decode()
    assert 1 <= int(r["Retry-After"]) <= 3600
    assert PublicReport.objects.count() == 1
    assert "Retry-After" not in client.post(FORM, form_data(lat="0", lon="0"))  # a 400


def test_a_rate_limited_plus_one_says_when_to_retry(client, world, cast, settings):
    settings.WENMING_PUBLIC_RATE_LIMITS = {"support_ip": (1, 3600)}
    case = case_services.case_report(
        cast.inspector, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    assert client.post(f"/report/support/{case.pk}/", {"phone": ""}).status_code == 200
    r = client.post(f"/report/support/{case.pk}/", {"phone": "13812341234"})
    assert r.status_code == 429 and 1 <= int(r["Retry-After"]) <= 3600
    assert case.supports.count() == 1


def test_tracking_lookup(client, world):
    code = client.post(FORM, form_data())["Location"].split("/")[3]
    r = client.get("/report/t/", {"code": f"{code[:4].lower()}-{code[4:]}"})
    assert r.status_code == 302 and r["Location"] == f"/report/t/{code}/"
    r = client.get("/report/t/", {"code": "ABCD2345"})
    assert r.status_code == 404 and "没有找到该查询码" in r.content.decode()
    assert client.get("/report/t/0000/").status_code == 404


def test_nearby_cases_are_offered_with_a_plus_one(client, world, cast):
    case = case_services.case_report(
        cast.inspector,
        title="t",
        category_id=world.category.pk,
        lat=TIETA[0],
        lon=TIETA[1] + 0.0003,
    )
    r = client.get(
        "/report/nearby/",
        {
            "lat": TIETA[0],
            "lon": TIETA[1],
            "coord_system": "wgs84",
            "category_id": world.category.pk,
        },
    )
    html = r.content.decode()
    assert f'id="nearby-{case.pk}"' in html
    assert "相距27米" in html  # 0.0003° of longitude at 36.455° N
    assert "附近50米内7天内已有人反映" in html
    other = client.get(
        "/report/nearby/",
        {"lat": TIETA[0], "lon": TIETA[1], "category_id": world.category_days.pk},
    )
    assert "nearby-cases" not in other.content.decode()
    assert "nearby-cases" not in client.get("/report/nearby/", {"lat": "x"}).content.decode()
    r = client.post(f"/report/support/{case.pk}/", {"phone": ""}, HTTP_HX_REQUEST="true")
    assert "谢谢！已为该问题 +1。" in r.content.decode() and "已有 1 人 +1" in r.content.decode()
    r = client.post(f"/report/support/{case.pk}/", {}, HTTP_HX_REQUEST="true")
    assert "您已经 +1 过了。" in r.content.decode()
    assert Support.objects.filter(case=case).count() == 1
    assert client.post("/report/support/999999/").status_code == 404


def test_suggestion_endpoint(client, world):
    assert client.get("/report/suggest/", {"text": "垃圾桶满了没人清运"}).json() == {
        "id": world.category.pk,
        "code": "CC05",
        "name": "垃圾清运不及时",
    }
    assert client.get("/report/suggest/", {"text": "天气不错"}).json() == {}


# --- triage ---------------------------------------------------------------------------------


def login(client, user):
    client.force_login(user)
    return client


def test_office_sees_the_queue_with_full_phone_numbers(client, world, cast):
    client.post(FORM, form_data())
    report = PublicReport.objects.get()
    login(client, cast.office)
    html = client.get("/report/office/").content.decode()
    assert report.code in html and "13812341234" in html
    detail = client.get(f"/report/office/{report.pk}/").content.decode()
    assert "13812341234" in detail and "受理并列入台账" in detail


@pytest.mark.parametrize("who", ["handler", "inspector", "leader"])
def test_others_may_not_triage(client, world, cast, who):
    client.post(FORM, form_data())
    report = PublicReport.objects.get()
    login(client, getattr(cast, who))
    assert client.get("/report/office/").status_code == 403
    assert client.get(f"/report/office/{report.pk}/").status_code == 403
    r = client.post(f"/report/office/{report.pk}/", {"action": "accept"})
    assert r.status_code == 403
    report.refresh_from_db()
    assert report.status == "pending" and Case.objects.count() == 0


def test_anonymous_triage_goes_to_login(client, world):
    r = client.get("/report/office/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_accept_reject_and_merge_from_the_page(client, world, cast, clock):
    clock.set(at("2021-03-05 09:00"))
    for key in ("form-key-0001", "form-key-0002", "form-key-0003"):
        client.post(FORM, form_data(idempotency_key=key, description=f"垃圾桶满了 {key}"))
    a, b, c = PublicReport.objects.order_by("id")
    login(client, cast.office)
    r = client.post(f"/report/office/{a.pk}/", {"action": "accept", "dispatch": "1"})
    assert r.status_code == 302
    case = Case.objects.get()
    assert (case.status, case.unit) == ("dispatched", world.sanitation)
    r = client.post(f"/report/office/{b.pk}/", {"action": "reject", "reason": ""})
    assert r.status_code == 400 and "为必填项" in r.content.decode()
    client.post(f"/report/office/{b.pk}/", {"action": "reject", "reason": "不在本市"})
    r = client.post(f"/report/office/{c.pk}/", {"action": "merge", "case_number": "NOPE"})
    assert r.status_code == 400
    r = client.post(f"/report/office/{c.pk}/", {"action": "merge", "note": "同一个垃圾桶"})
    assert r.status_code == 400 and "请选择要合并到的问题，或填写问题编号。" in r.content.decode()
    assert "同一个垃圾桶" in r.content.decode()  # the note typed is kept
    page = client.get(f"/report/office/{c.pk}/").content.decode()
    assert f'target="_blank">{case.number}</a>' in page  # candidates by case number
    client.post(
        f"/report/office/{c.pk}/",
        {"action": "merge", "case_number": case.number, "note": "同一个垃圾桶"},
    )
    assert list(PublicReport.objects.order_by("id").values_list("status", "case")) == [
        ("accepted", case.pk),
        ("rejected", None),
        ("merged", case.pk),
    ]
    # The case page's timeline names the merged report, and the office can open it.
    timeline = client.get(f"/cases/{case.pk}/").content.decode().split('id="timeline"')[1]
    link = f'<a href="/report/office/{c.pk}/" class="event-link">查看该反映</a>'
    assert f"市民反映并入本问题 {link}" in timeline and "同一个垃圾桶" in timeline
    client.logout()
    login(client, cast.handler)  # the unit sees that citizens reported it again, not who
    timeline = client.get(f"/cases/{case.pk}/").content.decode().split('id="timeline"')[1]
    assert "市民反映并入本问题" in timeline and "查看该反映" not in timeline
    api = client.get(f"/api/cases/{case.pk}").json()  # nor through the API
    merged = [e for e in api["timeline"] if e["action"] == "merge_report"]
    assert [e["data"] for e in merged] == [{"public_report_id": c.pk}]
    assert c.code not in str(api)
    client.logout()
    page = client.get(f"/report/t/{b.code}/").content.decode()
    assert "不在本市" in page and "未受理" in page
    page = client.get(f"/report/t/{c.code}/").content.decode()
    assert "已交办责任单位" in page
    r = client.post(f"/report/office/{a.pk}/", {"action": "nope"})
    assert r.status_code == 302  # anonymous again: to the login page


def test_photos_are_small_enough_for_phones(world):
    assert len(jpeg()) < 100_000


def test_triage_history_reads_in_chinese_and_the_nav_has_one_entry(client, world, cast, clock):
    # A first-time office user saw "submit" / "accept office" in the history and two
    # 市民反映 links in the menu.
    clock.set(at("2021-03-05 09:00"))
    client.post(FORM, form_data())
    report = PublicReport.objects.get()
    login(client, cast.office)
    client.post(f"/report/office/{report.pk}/", {"action": "accept"})
    html = client.get(f"/report/office/{report.pk}/").content.decode()
    history = html.split('<ol class="timeline small">')[1].split("</ol>")[0]
    # The office's words, not the citizen's ("已收到您的反映" speaks to the citizen).
    assert "已收到您的反映" not in history
    assert "</strong> 提交反映</li>" in history
    assert "受理立案 · office" in history
    assert re.search(r"</strong> (submit|accept)\b", history) is None
    for page in ("/report/office/", f"/report/office/{report.pk}/"):
        nav = client.get(page).content.decode().split("</nav>")[0]
        assert nav.count('href="/report/office/"') == 1


def test_the_case_page_leads_the_office_back_to_the_citizen_report(client, world, cast, clock):
    clock.set(at("2021-03-05 09:00"))
    client.post(FORM, form_data())
    report = PublicReport.objects.get()
    login(client, cast.office)
    client.post(f"/report/office/{report.pk}/", {"action": "accept", "dispatch": "1"})
    case = Case.objects.get()
    link = f'<a href="/report/office/{report.pk}/" id="case-origin">查看市民反映</a>'
    assert link in client.get(f"/cases/{case.pk}/").content.decode()
    login(client, cast.handler)  # the unit sees the case, never the triage page
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert case.number in page and 'id="case-origin"' not in page


def test_the_accept_form_names_the_unit_it_would_dispatch_to(client, world, cast, clock):
    # "同时派遣给建议的责任单位" left the office guessing which unit that is.
    clock.set(at("2021-03-05 09:00"))
    client.post(FORM, form_data())
    report = PublicReport.objects.get()
    login(client, cast.office)
    html = client.get(f"/report/office/{report.pk}/").content.decode()
    assert report.category is not None
    shown = '<div class="text-muted" id="proposed-unit">按此类别和地点，建议派遣给：市环卫处</div>'
    assert shown in html
    client.post(f"/report/office/{report.pk}/", {"action": "accept", "dispatch": "1"})
    assert Case.objects.get().unit == world.sanitation  # what the form said
    html = client.get(f"/report/office/{report.pk}/").content.decode()
    assert 'id="proposed-unit"' not in html  # decided: no form, no proposal


# --- what the office sees of citizens ---------------------------------------------------------


def test_the_case_page_tells_the_office_how_many_citizens_gave_a_plus_one(
    client, world, cast, clock
):
    clock.set(at("2021-03-05 09:00"))
    case = case_services.case_report(
        cast.inspector, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    login(client, cast.office)
    assert 'id="case-supports"' not in client.get(f"/cases/{case.pk}/").content.decode()
    services.public_support_add(case.pk, phone="13812341234", client_ip="10.0.0.1")
    clock.set(at("2021-03-05 10:30"))
    services.public_support_add(case.pk, client_ip="10.0.0.2")
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "市民 +1" in html
    assert "2 位市民表示也遇到了此问题" in html
    assert "最近一次 2021-03-05 10:30" in html


def test_the_office_sees_how_many_citizen_reports_wait_for_triage(client, world, cast):
    client.post(FORM, form_data())
    client.post(FORM, form_data(description="路灯坏了一直不亮", idempotency_key="k-second-1"))
    assert PublicReport.objects.filter(status="pending").count() == 2
    login(client, cast.office)
    todo = client.get("/todo/").content.decode()
    assert 'id="todo-citizen-reports"' in todo and "待审核的市民反映" in todo
    assert '<span class="badge bg-light text-danger" id="nav-citizen-pending">2</span>' in todo
    report = PublicReport.objects.order_by("pk").first()
    services.public_report_reject(cast.office, report.pk, reason="不属于创城范围")
    todo = client.get("/todo/").content.decode()
    assert 'id="nav-citizen-pending">1</span>' in todo
    # Nobody else may triage: no count, no section.
    login(client, cast.handler)
    todo = client.get("/todo/").content.decode()
    assert "todo-citizen-reports" not in todo and "nav-citizen-pending" not in todo


def test_the_login_page_leads_citizens_to_the_form_and_the_tracking_page(client, world):
    html = client.get("/login/").content.decode()
    assert 'href="/report/"' in html and "我要反映（文明随手拍）" in html
    assert 'href="/report/t/"' in html and "凭查询码查进度" in html


def test_the_triage_page_shows_the_areas_of_the_point(client, world, cast):
    client.post(FORM, form_data())
    client.post(FORM, form_data(lat="36.45", lon="116.3", idempotency_key="k-chiping-01"))
    inside, outside = PublicReport.objects.order_by("pk")
    login(client, cast.office)
    html = client.get(f"/report/office/{inside.pk}/").content.decode()
    assert re.search(r'id="report-area">东昌府区 古楼街道 铁塔社区居委会 · 铁塔社区1号网格<', html)
    html = client.get(f"/report/office/{outside.pk}/").content.decode()
    assert re.search(r'id="report-area">茌平区\s+ · <span[^>]*>不在任何单元网格内。</span>', html)


def test_the_triage_page_lists_other_pending_reports_at_the_same_spot(client, world, cast):
    """Citizens are offered only accepted cases, so two reports at one spot before triage do
    not see each other; the office does, on each one's triage page."""
    client.post(FORM, form_data())
    client.post(FORM, form_data(lon=str(TIETA[1] + 0.0002), idempotency_key="k-second-01"))
    client.post(FORM, form_data(lon=str(TIETA[1] + 0.002), idempotency_key="k-far-away-1"))
    first, second, far = PublicReport.objects.order_by("pk")
    login(client, cast.office)
    html = client.get(f"/report/office/{first.pk}/").content.decode()
    listed = re.findall(r'<a href="/report/office/(\d+)/">(\w+)</a>[^<]*· 相距(\d+)米', html)
    assert listed == [(str(second.pk), second.code, "18")]
    # Once the first is accepted its page still leads to the second (to merge it into the
    # case), with the place's areas.
    services.public_report_accept(cast.office, first.pk)
    html = client.get(f"/report/office/{first.pk}/").content.decode()
    assert 'id="report-area">东昌府区 古楼街道 铁塔社区居委会' in html
    assert re.findall(r'<a href="/report/office/(\d+)/">', html) == [str(second.pk)]
    services.public_report_reject(cast.office, second.pk, reason="重复")
    html = client.get(f"/report/office/{first.pk}/").content.decode()
    assert 'id="pending-nearby"' not in html

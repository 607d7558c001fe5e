"""The ledger's pages, tried as anonymous, unprivileged, privileged and constrained users."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from tests.conftest import TIETA, at
from wenming.cases import services
from wenming.cases.models import Case, CaseEvent, CasePhoto


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def new_case(world, user, **kw):
    args = {"title": "垃圾满溢", "category_id": world.category.pk, "lat": TIETA[0], "lon": TIETA[1]}
    args.update(kw)
    return services.case_report(user, **args)


def jpeg(name="p.jpg") -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(buf, "JPEG")
    buf.seek(0)
    buf.name = name
    return buf


@pytest.fixture
def dispatched(world, cast, clock):
    clock.set(at("2021-03-05 15:00"))
    case = new_case(world, cast.inspector)
    services.case_dispatch(cast.office, case.pk)
    clock.set(None)
    return Case.objects.get(pk=case.pk)


PAGES = ["/", "/todo/", "/ledger/", "/cases/new/"]


@pytest.mark.parametrize("url", PAGES + ["/cases/1/"])
def test_anonymous_is_sent_to_login(world, url):
    r = Client().get(url)
    assert r.status_code == 302
    assert r["Location"].startswith("/login/?next=")


def test_login_page_and_wrong_password(world, cast):
    r = Client().get("/login/")
    assert r.status_code == 200
    assert "登录" in r.content.decode()
    r = Client().post("/login/", {"username": "office", "password": "wrong"})
    assert r.status_code == 200
    assert "用户名或密码错误" in r.content.decode()
    r = Client().post("/login/", {"username": "office", "password": "x-test-pass-1"})
    assert r.status_code == 302 and r["Location"] == "/"


def test_lockout_after_repeated_failures(world, cast):
    c = Client()
    for _ in range(5):
        c.post("/login/", {"username": "office", "password": "wrong"}, REMOTE_ADDR="10.9.9.9")
    r = c.post(
        "/login/", {"username": "office", "password": "x-test-pass-1"}, REMOTE_ADDR="10.9.9.9"
    )
    assert r.status_code == 429
    assert "登录失败次数过多" in r.content.decode()
    # Another address is not locked out.
    r = Client().post(
        "/login/", {"username": "office", "password": "x-test-pass-1"}, REMOTE_ADDR="10.9.9.10"
    )
    assert r.status_code == 302


def test_logout_needs_post(world, cast):
    c = login(cast.office)
    assert c.get("/logout/").status_code == 405
    assert c.post("/logout/").status_code == 302
    assert c.get("/todo/").status_code == 302


@pytest.mark.parametrize(
    "role", ["office", "inspector", "handler", "leader", "area_staff", "outsider"]
)
@pytest.mark.parametrize("url", ["/todo/", "/ledger/"])
def test_lists_render_for_every_role(world, cast, dispatched, role, url):
    r = login(getattr(cast, role)).get(url)
    assert r.status_code == 200
    body = r.content.decode()
    if url == "/ledger/":
        sees = role in {"office", "inspector", "handler", "leader", "area_staff"}
    else:  # to-do: only the unit it was dispatched to has something to do
        sees = role == "handler"
    assert (dispatched.number in body) is sees


def test_todo_lists_per_role(world, cast, dispatched):
    body = login(cast.handler).get("/todo/").content.decode()
    assert 'id="todo-to_accept"' in body and dispatched.number in body
    body = login(cast.office).get("/todo/").content.decode()
    assert 'id="todo-to_dispatch"' in body and 'id="todo-to_accept"' not in body
    body = login(cast.inspector).get("/todo/").content.decode()
    assert 'id="todo-to_verify"' in body


def test_an_empty_todo_points_a_leader_to_overdue_cases_and_rankings(world, cast, dispatched):
    # A first-time 市领导 landed on "暂无待办事项" with nowhere to go.
    body = login(cast.leader).get("/todo/").content.decode()
    assert "暂无待办事项" in body
    assert '<a href="/ledger/?overdue=true">查看超期问题</a>' in body
    assert '<a href="/assessment/">查看考核排名</a>' in body
    overdue = login(cast.leader).get("/ledger/?overdue=true")
    assert overdue.status_code == 200 and dispatched.number in overdue.content.decode()
    body = login(cast.area_staff).get("/todo/").content.decode()
    assert "查看超期问题" in body and "查看考核排名" not in body
    body = login(cast.handler).get("/todo/").content.decode()
    assert 'id="todo-elsewhere"' not in body  # it has work waiting


def test_ledger_filters_in_the_url_and_overdue_marks(world, cast, dispatched):
    c = login(cast.office)
    other = new_case(world, cast.office, lat=36.4, lon=116.3)
    body = c.get("/ledger/?status=dispatched").content.decode()
    assert dispatched.number in body and other.number not in body
    assert "已超期" in body  # 2021 deadline, long past
    body = c.get(f"/ledger/?region={world.chiping.pk}").content.decode()
    assert other.number in body and dispatched.number not in body
    r = c.get("/ledger/?status=nonsense&date_from=2021-13-40")
    assert r.status_code == 400
    assert "部分筛选条件无效" in r.content.decode()
    r = c.get("/ledger/?cursor=garbage")
    assert r.status_code == 400


def test_ledger_next_page_keeps_filters(world, cast):
    for i in range(55):
        Case.objects.create(
            number=f"X{i:04d}",
            title=f"t{i}",
            category=world.category,
            source="office",
            lat=TIETA[0],
            lon=TIETA[1],
            reported_at=at("2021-03-01 09:00"),
            subdistrict=world.gulou,
        )
    c = login(cast.office)
    r = c.get(f"/ledger/?region={world.gulou.pk}&sort=number")
    body = r.content.decode()
    assert "X0049" in body and "X0050" not in body
    next_url = r.context["next_url"]
    assert f"region={world.gulou.pk}" in next_url and "sort=number" in next_url
    body = c.get("/ledger/" + next_url).content.decode()
    assert "X0050" in body and "X0054" in body and "X0049" not in body


def test_case_page_scope_and_actions(world, cast, dispatched):
    url = f"/cases/{dispatched.pk}/"
    assert login(cast.other_handler).get(url).status_code == 404
    assert login(cast.outsider).get(url).status_code == 404
    assert login(cast.handler).get("/cases/999999/").status_code == 404
    r = login(cast.handler).get(url)
    assert r.status_code == 200
    assert [a["name"] for a in r.context["actions"]] == ["accept", "return", "request_extension"]
    assert [a["name"] for a in login(cast.office).get(url).context["actions"]] == []
    assert [a["name"] for a in login(cast.leader).get(url).context["actions"]] == []
    body = r.content.decode()
    assert "铁塔社区居委会" in body and "第九网格" in body
    assert r.context["map"]["point"] == [TIETA[0], TIETA[1]]
    assert r.context["map"]["tile_url"] == ""


def test_map_point_is_converted_for_gcj02_tiles(world, cast, dispatched, settings):
    settings.WENMING_MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    settings.WENMING_MAP_TILE_DATUM = "gcj02"
    ctx = login(cast.office).get(f"/cases/{dispatched.pk}/").context["map"]
    lat, lon = ctx["point"]
    # GCJ-02 shifts 聊城 about +0.0057° east and under 0.0001° north.
    assert round(lon - TIETA[1], 4) == 0.0057
    assert abs(lat - TIETA[0]) < 0.0002
    assert ctx["shapes"][0]["geometry"]["coordinates"][0][0][0] != 115.98


def test_walk_a_case_through_its_life_in_the_pages(world, cast, dispatched):
    handler, inspector = login(cast.handler), login(cast.inspector)
    pk = dispatched.pk
    r = handler.post(f"/cases/{pk}/do/accept/", {"note": "收到"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 204 and r["HX-Redirect"] == f"/cases/{pk}/"
    r = handler.post(f"/cases/{pk}/do/submit/", {"note": "已清运", "photos": [jpeg()]})
    assert r.status_code == 302
    assert CasePhoto.objects.filter(case_id=pk, kind="after").count() == 1
    r = inspector.post(f"/cases/{pk}/do/rework/", {"reason": "未清理干净"})
    assert r.status_code == 302
    handler.post(f"/cases/{pk}/do/submit/", {"note": "已彻底清理"})
    inspector.post(f"/cases/{pk}/do/verify/", {"note": "合格"})
    case = Case.objects.get(pk=pk)
    assert (case.status, case.rework_count) == ("closed", 1)
    body = login(cast.office).get(f"/cases/{pk}/").content.decode()
    for text in ["已销号", "返工", "未清理干净", "复查通过"]:
        assert text in body


def test_refused_action_keeps_input_in_place(world, cast, dispatched):
    handler = login(cast.handler)
    pk = dispatched.pk
    handler.post(f"/cases/{pk}/do/accept/", {})
    before = list(CaseEvent.objects.filter(case_id=pk).values_list("seq", flat=True))
    r = handler.post(f"/cases/{pk}/do/return/", {"reason": "x"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422  # accepted cases cannot be returned
    assert "不能执行“退回”" in r.content.decode()
    r = handler.post(
        f"/cases/{pk}/do/submit/",
        {"note": "写了很长的说明", "photos": [io.BytesIO(b"not an image")]},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 422
    body = r.content.decode()
    assert "写了很长的说明" in body  # the user's input is kept
    assert 'id="action-submit"' in body
    r = handler.post(f"/cases/{pk}/do/submit/", {"note": ""})
    assert r.status_code == 400
    assert "为必填项" in r.content.decode()
    assert list(CaseEvent.objects.filter(case_id=pk).values_list("seq", flat=True)) == before
    assert Case.objects.get(pk=pk).status == "accepted"
    assert handler.post(f"/cases/{pk}/do/bogus/", {}).status_code == 404
    assert (
        login(cast.other_handler).post(f"/cases/{pk}/do/submit/", {"note": "x"}).status_code == 404
    )


def test_new_case_page(world, cast):
    c = login(cast.inspector)
    r = c.get("/cases/new/")
    assert r.status_code == 200
    cats = {x["code"] for x in r.context["categories"]}
    assert "CC05" in cats and "CC" not in cats  # leaves only
    denied = login(cast.handler).get("/cases/new/")
    assert denied.status_code == 403
    assert "您的账号无权执行此操作" in denied.content.decode()
    data = {
        "title": "乱贴小广告",
        "category_id": world.category.pk,
        "lat": "0",
        "lon": "0",
        "address": "东昌路",
        "description": "电线杆上",
    }
    r = c.post("/cases/new/", data)
    assert r.status_code == 400
    body = r.content.decode()
    assert "设备未获得定位" in body and "乱贴小广告" in body and "电线杆上" in body
    assert Case.objects.count() == 0
    data.update(lat=str(TIETA[0]), lon=str(TIETA[1]), photos=[jpeg("a.jpg"), jpeg("b.jpg")])
    r = c.post("/cases/new/", data)
    assert r.status_code == 302
    case = Case.objects.get()
    assert r["Location"] == f"/cases/{case.pk}/"
    assert (case.source, case.community) == ("inspection", world.tieta)
    assert CasePhoto.objects.filter(case=case, kind="before").count() == 2


def test_new_case_from_gcj02_map_click_is_stored_in_wgs84(world, cast):
    from wenming.core.datum import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(TIETA[1], TIETA[0])
    r = login(cast.office).post(
        "/cases/new/",
        {
            "title": "t",
            "category_id": world.category.pk,
            "lat": glat,
            "lon": glon,
            "datum": "gcj02",
        },
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert abs(case.lat - TIETA[0]) < 1e-6 and abs(case.lon - TIETA[1]) < 1e-6


def test_extension_decision_in_the_page(world, cast, dispatched):
    later = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    req = services.case_request_extension(
        cast.handler, dispatched.pk, requested_deadline=later, reason="等待配件"
    )
    office = login(cast.office)
    body = office.get("/todo/").content.decode()
    assert "等待配件" in body
    r = office.post(
        f"/cases/{dispatched.pk}/extensions/{req.pk}/decide/", {"approve": "0", "note": ""}
    )
    assert r.status_code == 400
    assert Case.objects.get(pk=dispatched.pk).deadline == dispatched.deadline
    r = office.post(f"/cases/{dispatched.pk}/extensions/{req.pk}/decide/", {"approve": "1"})
    assert r.status_code == 302
    assert Case.objects.get(pk=dispatched.pk).deadline == later
    r = login(cast.handler).post(
        f"/cases/{dispatched.pk}/extensions/{req.pk}/decide/", {"approve": "1"}
    )
    assert r.status_code == 400  # decided already / not office: refused in place


def test_stale_page_cannot_close_a_case(world, cast, dispatched):
    """A form rendered before someone else moved the case is refused, not applied."""
    handler, inspector = login(cast.handler), login(cast.inspector)
    pk = dispatched.pk
    handler.post(f"/cases/{pk}/do/accept/", {})
    handler.post(f"/cases/{pk}/do/submit/", {"note": "done"})
    seen = Case.objects.get(pk=pk).version
    inspector.post(f"/cases/{pk}/do/rework/", {"reason": "no", "expected_version": seen})
    handler.post(f"/cases/{pk}/do/submit/", {"note": "again"})
    before = Case.objects.get(pk=pk)
    r = inspector.post(f"/cases/{pk}/do/verify/", {"expected_version": seen})
    assert r.status_code == 400
    assert "该问题刚被他人修改" in r.content.decode()
    after = Case.objects.get(pk=pk)
    assert (
        (after.status, after.version) == (before.status, before.version) == ("submitted", seen + 2)
    )


def test_control_characters_are_dropped_not_refused(world, cast):
    r = login(cast.office).post(
        "/cases/new/",
        {
            "title": "a\x00b\x07c\u202ed",
            "category_id": world.category.pk,
            "lat": TIETA[0],
            "lon": TIETA[1],
        },
    )
    assert r.status_code == 302
    assert Case.objects.get().title == "abcd"


def test_a_class_of_problems_is_not_a_category(world, cast):
    r = login(cast.office).post(
        "/cases/new/",
        {"title": "t", "category_id": world.parent_category.pk, "lat": TIETA[0], "lon": TIETA[1]},
    )
    assert r.status_code == 400
    assert "是问题大类" in r.content.decode()
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "query",
    [
        "unit=99999999999999999999999",
        "supervision_grid=9223372036854775808",
        "date_from=0001-01-01",
    ],
)
def test_out_of_range_filters_are_400(world, cast, query):
    assert login(cast.office).get(f"/ledger/?{query}").status_code == 400
    r = login(cast.office).get(f"/api/cases?{query}")
    assert r.status_code == 400 and set(r.json()) == {"code", "message", "detail"}


def test_menu_shows_new_case_only_to_reporters(world, cast):
    assert "新建问题" in login(cast.inspector).get("/todo/").content.decode()
    assert "新建问题" not in login(cast.handler).get("/todo/").content.decode()


def test_a_merge_links_both_cases_on_their_pages(world, cast, dispatched):
    duplicate = new_case(world, cast.inspector)
    services.case_merge(cast.office, duplicate.pk, into_id=dispatched.pk, note="同一处")
    office = login(cast.office)
    timeline = office.get(f"/cases/{dispatched.pk}/").content.decode().split('id="timeline"')[1]
    link = f'<a href="/cases/{duplicate.pk}/" class="event-link">{duplicate.number}</a>'
    assert f"重复问题并入本问题 {link}" in timeline and "同一处" in timeline
    timeline = office.get(f"/cases/{duplicate.pk}/").content.decode().split('id="timeline"')[1]
    assert f'<a href="/cases/{dispatched.pk}/" class="event-link">并入后的问题</a>' in timeline
    # The unit sees the case kept but not the duplicate: named, not linked (it would 404).
    unit = login(cast.handler)
    assert unit.get(f"/cases/{duplicate.pk}/").status_code == 404
    timeline = unit.get(f"/cases/{dispatched.pk}/").content.decode().split('id="timeline"')[1]
    assert f'<span class="event-link">{duplicate.number}</span>' in timeline
    assert f'href="/cases/{duplicate.pk}/"' not in timeline

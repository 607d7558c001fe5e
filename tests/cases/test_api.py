"""The ledger's JSON API: auth, filters, keyset pages, transitions, error shapes."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.conftest import TIETA, at
from wenming.cases import services
from wenming.cases.models import Case, CaseEvent
from wenming.org.models import ApiToken


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, url: str, body: dict | str, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return c.post(url, data=data, content_type="application/json", **extra)


def new_case(world, user, **kw):
    args = {"title": "垃圾满溢", "category_id": world.category.pk, "lat": TIETA[0], "lon": TIETA[1]}
    args.update(kw)
    return services.case_report(user, **args)


def test_anonymous_gets_401_json(world):
    r = Client().get("/api/cases")
    assert r.status_code == 401
    assert r.json() == {
        "code": "unauthenticated",
        "message": "请登录或提供有效的 API 令牌。",
        "detail": {},
    }


def test_token_auth(world, cast):
    ApiToken.objects.create(user=cast.office, name="12345", key_hash=ApiToken.hash("s3cret-token"))
    new_case(world, cast.office)
    r = Client().get("/api/cases", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert r.status_code == 200
    assert len(r.json()["items"]) == 1
    r = Client().get("/api/cases", HTTP_AUTHORIZATION="Bearer wrong")
    assert r.status_code == 401
    # Token clients need no CSRF token to write.
    r = post(
        Client(enforce_csrf_checks=True),
        "/api/cases",
        {"title": "t", "category_id": world.category.pk, "lat": TIETA[0], "lon": TIETA[1]},
        HTTP_AUTHORIZATION="Bearer s3cret-token",
    )
    assert r.status_code == 201


def test_session_write_needs_csrf(world, cast):
    c = Client(enforce_csrf_checks=True)
    c.force_login(cast.office)
    r = post(
        c,
        "/api/cases",
        {"title": "t", "category_id": world.category.pk, "lat": 36.455, "lon": 115.985},
    )
    assert r.status_code == 403
    assert Case.objects.count() == 0


def test_report_and_full_flow_through_the_api(world, cast, clock):
    clock.set(at("2021-03-05 15:00"))
    office, handler, inspector = (
        client_for(cast.office),
        client_for(cast.handler),
        client_for(cast.inspector),
    )
    r = post(
        inspector,
        "/api/cases",
        {
            "title": "铁塔社区垃圾满溢",
            "category_id": world.category.pk,
            "lat": TIETA[0],
            "lon": TIETA[1],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    cid = body["id"]
    assert body["status"] == "reported"
    assert body["subdistrict"] == {"id": world.gulou.pk, "name": "古楼街道"}
    assert body["community"] == {"id": world.tieta.pk, "name": "铁塔社区居委会"}
    assert body["grid_id"] == world.grid_tieta.pk
    assert body["supervision_grid"] == {"id": world.ninth.pk, "name": "第九网格"}
    assert body["proposed_unit"] == {"id": world.sanitation.pk, "name": "市环卫处"}
    r = post(office, f"/api/cases/{cid}/dispatch", {})
    assert r.json()["deadline"] == "2021-03-08T10:00:00+08:00"
    for c, action, body in [
        (handler, "accept", {}),
        (handler, "submit", {"note": "已清运"}),
        (inspector, "rework", {"reason": "仍有垃圾"}),
        (handler, "submit", {"note": "已清理"}),
        (inspector, "verify", {}),
    ]:
        r = post(c, f"/api/cases/{cid}/{action}", body)
        assert r.status_code == 200, (action, r.content)
    detail = office.get(f"/api/cases/{cid}").json()
    assert detail["status"] == "closed"
    assert detail["rework_count"] == 1
    assert [e["action"] for e in detail["timeline"]] == [
        "report",
        "dispatch",
        "accept",
        "submit",
        "rework",
        "submit",
        "verify",
    ]
    assert detail["timeline"][4]["actor"] == "inspector"
    assert detail["timeline"][4]["note"] == "仍有垃圾"


def test_refusals_are_json_with_chinese_messages(world, cast):
    case = new_case(world, cast.office)
    r = post(client_for(cast.handler), f"/api/cases/{case.pk}/accept", {})
    assert r.status_code == 404  # not dispatched to the handler's unit: invisible
    r = post(client_for(cast.leader), f"/api/cases/{case.pk}/dispatch", {})
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert r.json()["message"] == "只有创城办可以执行此操作。"
    r = post(client_for(cast.office), f"/api/cases/{case.pk}/verify", {})
    assert r.status_code == 409
    assert r.json() == {
        "code": "invalid_transition",
        "message": "该问题当前状态为“已上报”，不能执行“复查通过”。",
        "detail": {"status": "reported", "action": "verify"},
    }
    assert Case.objects.get(pk=case.pk).version == 1
    assert CaseEvent.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(
    "body,code",
    [
        ("not json", "invalid_input"),
        ({"title": "t", "category_id": "abc", "lat": 36.4, "lon": 115.9}, "invalid_input"),
        ({"title": "t", "category_id": 1, "lat": "north", "lon": 115.9}, "invalid_input"),
        ({"category_id": 1, "lat": 36.4, "lon": 115.9}, "invalid_input"),
        ({"title": "x" * 201, "category_id": "CAT", "lat": 36.455, "lon": 115.985}, "too_long"),
        ({"title": "t", "category_id": 999999, "lat": 36.455, "lon": 115.985}, "unknown_category"),
        ({"title": "t", "category_id": "CAT", "lat": 0, "lon": 0}, "invalid_location"),
        ({"title": "t", "category_id": "CAT", "lat": 39.9, "lon": 116.4}, "outside_city"),
        ({"title": "t", "category_id": "CAT"}, "location_required"),
        ({"title": "\u0000", "category_id": "CAT", "lat": 36.455, "lon": 115.985}, "required"),
    ],
)
def test_bad_report_input_is_400_and_writes_nothing(world, cast, body, code):
    if isinstance(body, dict) and body.get("category_id") == "CAT":
        body["category_id"] = world.category.pk
    r = post(client_for(cast.office), "/api/cases", body)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == code
    assert set(r.json()) == {"code", "message", "detail"}
    assert Case.objects.count() == 0


def test_unknown_ids_are_404(world, cast):
    c = client_for(cast.office)
    assert c.get("/api/cases/999999").status_code == 404
    assert c.get("/api/cases/999999").json()["code"] == "not_found"
    assert post(c, "/api/cases/999999/dispatch", {}).status_code == 404
    assert post(c, "/api/extensions/999999/decide", {"approve": True}).status_code == 404
    assert c.get("/api/cases/abc").status_code in (400, 404)


def test_list_filters_are_exact(world, cast, clock):
    clock.set(at("2021-03-05 10:00"))
    a = new_case(world, cast.office)
    b = new_case(world, cast.office, category_id=world.category_days.pk, source="hotline")
    clock.set(at("2021-04-05 10:00"))
    c = new_case(world, cast.office, lat=36.4, lon=116.3)  # 茌平区, no grid
    services.case_dispatch(cast.office, a.pk)
    office = client_for(cast.office)

    def ids(query):
        r = office.get("/api/cases?" + query)
        assert r.status_code == 200, r.content
        return [row["id"] for row in r.json()["items"]]

    assert ids("") == [c.pk, b.pk, a.pk]
    assert ids("status=dispatched") == [a.pk]
    assert ids("status=dispatched&status=reported") == [c.pk, b.pk, a.pk]
    assert ids("category=CC05") == [c.pk, a.pk]
    assert ids("category=CC") == []  # exact, never a prefix or substring
    assert ids(f"category_id={world.category_days.pk}") == [b.pk]
    assert ids(f"category={world.category_days.pk}") == []  # a code, never an id
    assert ids("source=hotline") == [b.pk]
    assert ids(f"region={world.gulou.pk}") == [b.pk, a.pk]
    assert ids(f"region={world.chiping.pk}") == [c.pk]
    assert ids(f"grid={world.grid_tieta.pk}") == [b.pk, a.pk]
    assert ids(f"unit={world.sanitation.pk}") == [a.pk]
    assert ids("date_from=2021-04-01") == [c.pk]
    assert ids("date_to=2021-03-05") == [b.pk, a.pk]
    clock.set(at("2021-04-07 10:00"))  # 04-05 is 清明: a is due 04-06 14:00
    assert ids("overdue=true") == [a.pk]
    assert ids("overdue=false") == [c.pk, b.pk]
    r = office.get("/api/cases?status=dispatched&with_counts=true")
    assert r.json()["counts"] == {"dispatched": 1, "reported": 2}
    assert office.get("/api/cases?status=dispatched").json()["counts"] is None
    assert r.json()["items"][0]["overdue"] is True
    for bad in [
        "status=bogus",
        "source=x",
        "sort=title",
        "cursor=%%%",
        "limit=0",
        "limit=500",
        "unit=abc",
        "overdue=maybe",
        "date_from=2021-13-01",
        "category=%00",
    ]:
        r = office.get("/api/cases?" + bad)
        assert r.status_code == 400, (bad, r.content)
        assert set(r.json()) == {"code", "message", "detail"}


def test_keyset_pages_cover_everything_once(world, cast, clock):
    clock.set(at("2021-03-01 09:00"))
    made = []
    for i in range(7):
        case = new_case(world, cast.office, title=f"c{i}")
        if i % 3:
            clock.set(at(f"2021-03-0{1 + i % 2} {9 + (i % 2):02d}:00"))
            services.case_dispatch(cast.office, case.pk)
        made.append(case.pk)
    office = client_for(cast.office)
    for sort in ["deadline", "-deadline", "reported_at", "-reported_at"]:
        seen, cursor = [], None
        while True:
            q = f"/api/cases?sort={sort}&limit=2" + (f"&cursor={cursor}" if cursor else "")
            body = office.get(q).json()
            seen += [row["id"] for row in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(made), sort
        assert len(seen) == len(set(seen))
    # Deadline order: dated ones first by deadline then id, undated (not dispatched) last.
    body = office.get("/api/cases?sort=deadline&limit=50").json()
    dated = [r for r in body["items"] if r["deadline"]]
    assert [r["deadline"] for r in dated] == sorted(r["deadline"] for r in dated)
    assert all(r["deadline"] is None for r in body["items"][len(dated) :])


def test_scope_in_list_and_detail(world, cast):
    a = new_case(world, cast.office)
    b = new_case(world, cast.office, lat=36.4, lon=116.3)  # 茌平区, outside 古楼街道
    services.case_dispatch(cast.office, a.pk)
    assert [r["id"] for r in client_for(cast.handler).get("/api/cases").json()["items"]] == [a.pk]
    assert client_for(cast.handler).get(f"/api/cases/{b.pk}").status_code == 404
    assert [r["id"] for r in client_for(cast.area_staff).get("/api/cases").json()["items"]] == [
        a.pk
    ]
    assert client_for(cast.other_handler).get("/api/cases").json()["items"] == []
    assert client_for(cast.outsider).get(f"/api/cases/{a.pk}").status_code == 404
    assert len(client_for(cast.leader).get("/api/cases").json()["items"]) == 2


def test_extension_endpoints(world, cast, clock):
    clock.set(at("2021-03-05 15:00"))
    case = new_case(world, cast.office)
    services.case_dispatch(cast.office, case.pk)
    h = client_for(cast.handler)
    r = post(
        h,
        f"/api/cases/{case.pk}/extensions",
        {"requested_deadline": "2021-03-10T17:30:00", "reason": "x"},
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_deadline"  # naive
    r = post(
        h,
        f"/api/cases/{case.pk}/extensions",
        {"requested_deadline": "2021-03-10T17:30:00+08:00", "reason": "需要采购"},
    )
    assert r.status_code == 201
    rid = r.json()["id"]
    r = post(client_for(cast.office), f"/api/extensions/{rid}/decide", {"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert (
        client_for(cast.office).get(f"/api/cases/{case.pk}").json()["deadline"]
        == "2021-03-10T17:30:00+08:00"
    )


def test_reference_endpoints(world, cast):
    c = client_for(cast.office)
    r = c.get(f"/api/locate?lat={TIETA[0]}&lon={TIETA[1]}")
    assert r.json() == {
        "lat": 36.455,
        "lon": 115.985,
        "county": "东昌府区",
        "subdistrict": "古楼街道",
        "community": "铁塔社区居委会",
        "grid_id": world.grid_tieta.pk,
        "grid": "铁塔社区1号网格",
        "supervision_grid_id": world.ninth.pk,
        "near_boundary": [],
    }
    assert c.get("/api/locate?lat=0&lon=0").status_code == 400
    assert c.get("/api/locate?lat=x&lon=0").status_code == 400
    assert [x["code"] for x in c.get("/api/regions?level=county").json()] == ["371502", "371503"]
    assert c.get("/api/regions").status_code == 400
    assert c.get("/api/regions?level=planet").status_code == 400
    assert "CC05" in [x["code"] for x in c.get("/api/categories").json()]
    assert len(c.get("/api/units").json()) == 3
    assert Client().get("/api/docs").status_code == 200
    spec = Client().get("/api/openapi.json").json()
    assert "/api/cases/{case_id}/dispatch" in spec["paths"]


def _listed_cases(world, cast, clock):
    """Cases in every shape a ledger row can take: dispatched and overdue, accepted and
    reworked, outside any subdistrict and unit grid, and merely reported."""
    clock.set(at("2021-03-05 10:00"))
    a = new_case(world, cast.office, title="逾期")
    services.case_dispatch(cast.office, a.pk)
    b = new_case(world, cast.office, title="返工", category_id=world.category_days.pk)
    services.case_dispatch(cast.office, b.pk, unit_id=world.sanitation.pk)
    services.case_accept(cast.handler, b.pk)
    services.case_submit(cast.handler, b.pk, note="已整改")
    services.case_rework(cast.office, b.pk, reason="不彻底")
    c = new_case(world, cast.office, title="茌平", lat=36.4, lon=116.3)
    d = new_case(world, cast.office, title="刚上报")
    clock.set(at("2021-04-07 10:00"))
    return a, b, c, d


def test_list_answer_has_exactly_the_schema_shape(world, cast, clock):
    """GET /api/cases writes its JSON without passing it through CasePage: the answer must be
    what validating it against CasePage and rendering it with Ninja gives, key for key."""
    from ninja.renderers import JSONRenderer

    from wenming.cases.api import CasePage, CaseRow

    a, b, c, d = _listed_cases(world, cast, clock)
    office = client_for(cast.office)
    for query in ("", "?with_counts=true", "?sort=deadline&limit=2", "?status=accepted"):
        r = office.get("/api/cases" + query)
        assert r.status_code == 200
        assert r["Content-Type"] == "application/json; charset=utf-8"
        body = r.json()
        assert set(body) == {"items", "next_cursor", "counts"}
        for item in body["items"]:
            assert list(item) == list(CaseRow.model_fields)
        validated = CasePage.model_validate(body).model_dump()
        rendered = JSONRenderer().render(None, validated, response_status=200)
        assert json.loads(rendered) == body, query
    items = {row["id"]: row for row in office.get("/api/cases").json()["items"]}
    assert items[a.pk]["overdue"] is True
    assert items[a.pk]["deadline"] == "2021-03-05T15:30:00+08:00"  # 4 working hours
    assert items[a.pk]["overdue_hours"] == 786.5
    assert items[a.pk]["unit"] == {"id": world.sanitation.pk, "name": world.sanitation.name}
    assert items[a.pk]["subdistrict"] == {"id": world.gulou.pk, "name": "古楼街道"}
    assert items[a.pk]["status_label"] == "已派遣"
    assert items[a.pk]["reported_at"] == "2021-03-05T10:00:00+08:00"
    assert items[b.pk]["rework_count"] == 1 and items[b.pk]["status_label"] == "整改中"
    assert items[c.pk]["subdistrict"] is None and items[c.pk]["community"] is None
    assert items[c.pk]["grid_id"] is None and items[c.pk]["unit"] is None
    assert items[d.pk]["deadline"] is None and items[d.pk]["overdue_hours"] is None
    # The OpenAPI document still describes the answer as CasePage.
    schema = office.get("/api/openapi.json").json()
    ok = schema["paths"]["/api/cases"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CasePage"}


def test_values_page_equals_the_model_page(world, cast, clock):
    """ledger_page_values (the API's) and ledger_page (the ledger page's) give the same rows,
    in the same order, with the same cursors, and the same row dicts."""
    from django.utils import timezone

    from wenming.cases.api import _row, _row_values
    from wenming.cases.selectors import LedgerFilter, ledger_page, ledger_page_values

    made = _listed_cases(world, cast, clock)
    now = timezone.now()
    for sort in ("deadline", "-deadline", "reported_at", "-reported_at", "number", "-number"):
        for f in (LedgerFilter(), LedgerFilter(region=world.gulou.pk)):
            cursor, seen = None, []
            while True:
                models, next_model = ledger_page(cast.office, f, sort=sort, limit=1, cursor=cursor)
                values, next_values = ledger_page_values(
                    cast.office, f, sort=sort, limit=1, cursor=cursor
                )
                assert next_values == next_model
                assert [_row_values(v, now) for v in values] == [_row(m, now) for m in models]
                seen += [v["id"] for v in values]
                cursor = next_model
                if not cursor:
                    break
            expected = made if f.region is None else [m for m in made if m.subdistrict_id]
            assert sorted(seen) == sorted(m.pk for m in expected), (sort, f)


def test_list_query_count(world, cast, clock, django_assert_num_queries):
    """The first page costs: session, user, memberships, the region's level, the page (the
    counts, when asked, read the level again); with a token: token (with its user),
    memberships, level, page. No count unless asked."""
    _listed_cases(world, cast, clock)
    office = client_for(cast.office)
    url = f"/api/cases?status=dispatched&status=accepted&region={world.gulou.pk}&sort=deadline"
    with django_assert_num_queries(5):
        assert len(office.get(url).json()["items"]) == 2
    with django_assert_num_queries(7):
        assert office.get(url + "&with_counts=true").json()["counts"] == {
            "dispatched": 1,
            "accepted": 1,
            "reported": 1,
        }
    ApiToken.objects.create(user=cast.office, name="t", key_hash=ApiToken.hash("tok-12345678"))
    token = Client(HTTP_AUTHORIZATION="Bearer tok-12345678")
    token.get(url)  # the first use records last_used_at
    with django_assert_num_queries(4):
        assert len(token.get(url).json()["items"]) == 2

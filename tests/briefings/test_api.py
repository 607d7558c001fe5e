"""JSON API of work information and issues."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client

from tests.briefings.conftest import REAL
from wenming.briefings import services
from wenming.briefings.models import WorkItem
from wenming.briefings.parse import parse_file


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, url: str, body: dict):
    return c.post(url, data=json.dumps(body), content_type="application/json")


def test_unit_submits_and_office_returns_then_accepts(world, cast):
    unit = client_for(cast.handler)
    body = {
        "unit_id": world.sanitation.pk,
        "headline": "市环卫处 开展清洁行动",
        "date": "2021-03-03",
        "paragraphs": ["3月3日，市环卫处开展清洁行动。"],
    }
    r = post(unit, "/api/briefings/work-items", body)
    assert r.status_code == 201, r.content
    item = r.json()
    assert (item["status"], item["status_label"], item["unit_name"]) == (
        "submitted",
        "已报送",
        "市环卫处",
    )
    office = client_for(cast.office)
    r = post(office, f"/api/briefings/work-items/{item['id']}/return", {"reason": "请补充照片"})
    assert (r.status_code, r.json()["status"], r.json()["return_reason"]) == (
        200,
        "returned",
        "请补充照片",
    )
    r = unit.get(f"/api/briefings/work-items/{item['id']}")
    assert r.json()["status"] == "returned"
    services.work_item_submit(cast.handler, item["id"])
    r = post(
        office,
        f"/api/briefings/work-items/{item['id']}/accept",
        {"headline": "市环卫处 开展城市清洁行动"},
    )
    assert (r.json()["status"], r.json()["headline"]) == ("accepted", "市环卫处 开展城市清洁行动")


def test_refusals_are_json_and_change_nothing(world, cast):
    other = client_for(cast.other_handler)
    body = {"unit_id": world.sanitation.pk, "headline": "x", "date": "2021-03-03",
            "paragraphs": ["y"]}  # fmt: skip
    r = post(other, "/api/briefings/work-items", body)
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    r = post(client_for(cast.handler), "/api/briefings/work-items", {**body, "paragraphs": []})
    assert (r.status_code, r.json()["code"], r.json()["message"]) == (
        400,
        "required",
        "请至少写一段正文。",
    )
    r = post(client_for(cast.handler), "/api/briefings/work-items", {**body, "date": "soon"})
    assert (r.status_code, r.json()["code"]) == (400, "invalid_input")
    assert WorkItem.objects.count() == 0
    item = services.work_item_create(
        cast.handler, unit=world.sanitation, headline="甲", date=dt.date(2021, 3, 3),
        paragraphs=["乙。"],
    )  # fmt: skip
    r = other.get(f"/api/briefings/work-items/{item.pk}")
    assert r.status_code == 404
    r = post(client_for(cast.handler), f"/api/briefings/work-items/{item.pk}/accept", {})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert Client().get("/api/briefings/work-items").status_code == 401


def test_issues_list_and_detail(world, cast, series, real_bytes):
    issue = services.issue_import(cast.office, parse_file(REAL.name, real_bytes))
    draft = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 14))
    r = client_for(cast.handler).get("/api/briefings/issues")
    assert [(i["id"], i["number"]) for i in r.json()] == [(issue.pk, 6)]
    r = client_for(cast.office).get("/api/briefings/issues")
    assert {i["id"] for i in r.json()} == {issue.pk, draft.pk}
    r = client_for(cast.leader).get(f"/api/briefings/issues/{issue.pk}")
    data = r.json()
    assert (data["year"], data["number"], data["copies"], len(data["articles"])) == (
        2021,
        6,
        260,
        5,
    )
    assert data["articles"][4]["headline"] == "古楼街道 规范城市物业管理"
    assert data["toc"][4] == "古楼街道规范城市物业企业管理"
    assert client_for(cast.handler).get(f"/api/briefings/issues/{draft.pk}").status_code == 404
    assert client_for(cast.outsider).get("/api/briefings/issues").json() == []


def test_ids_beyond_bigint_are_404_not_500(world, cast, series):
    huge = 2**70
    office = client_for(cast.office)
    assert office.get(f"/api/briefings/work-items/{huge}").status_code == 404
    assert office.get(f"/api/briefings/issues/{huge}").status_code == 404
    r = post(office, f"/api/briefings/work-items/{huge}/accept", {})
    assert r.status_code == 404
    body = {"unit_id": huge, "headline": "x", "date": "2021-03-03", "paragraphs": ["y"]}
    assert post(office, "/api/briefings/work-items", body).status_code == 404
    assert office.get(f"/briefings/items/{huge}/").status_code == 404
    assert office.get(f"/briefings/issues/{huge}/").status_code == 404
    r = office.post("/briefings/issues/new/", {"series": str(huge), "date": "2021-03-07"})
    assert r.status_code == 302
    issue = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 7))
    r = office.post(
        f"/briefings/issues/{issue.pk}/",
        {
            "date": "2021-03-07",
            "copies": "0",
            "op": "add_items",
            "items": [str(huge)],
        },
    )
    assert r.status_code == 404
    r = office.post(
        f"/briefings/issues/{issue.pk}/",
        {"date": "2021-03-07", "copies": "0", "op": f"apply_report:{huge}"},
    )
    assert r.status_code == 302

"""Open311 GeoReport v2 under /open311/v2/: every resource in JSON and XML, errors, filters,
and conformance with the spec examples and real cities' captures (parsed as clients do)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import xmltodict
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import TIETA, at
from wenming.cases import services as case_services
from wenming.cases.models import Case, Status
from wenming.core.datum import wgs84_to_gcj02
from wenming.public import services
from wenming.public.models import PublicReport, ServiceAttribute
from wenming.public.open311 import to_xml
from wenming.public.statuses import FMS_STATUSES, STATUS_MAP

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "open311"
SPEC = DATA / "spec_examples"
REAL = DATA / "real_city"
BASE = "/open311/v2"

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def spec_json(name: str):
    """A spec example as JSON; two are invalid as published (numbers with leading zeros,
    e.g. ``"service_code":006``), which we quote before parsing so their shape can be used."""
    text = (SPEC / name).read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        import re

        return json.loads(re.sub(r"(:\s*)(0\d+)(\s*[,}\n])", r'\1"\2"\3', text))


def post(client, data, fmt="json", **extra):
    return client.post(f"{BASE}/requests.{fmt}", data, **extra)


def errors(response):
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"code", "description"}
    assert body[0]["code"] == response.status_code
    return body[0]


def xml_errors(response):
    assert response["Content-Type"].startswith("text/xml")
    doc = xmltodict.parse(response.content)
    return doc["errors"]["error"]


@pytest.fixture
def posted(client, world, hotline):
    """One request posted by the trusted hotline at 铁塔社区: its case."""
    _client, key = hotline
    r = post(
        client,
        {
            "api_key": key,
            "service_code": world.category.code,
            "lat": TIETA[0],
            "long": TIETA[1],
            "address_string": "铁塔社区东门",
            "description": "垃圾桶满了",
            "phone": "13812341234",
            "first_name": "张",
        },
    )
    assert r.status_code == 200, r.content
    return Case.objects.get(number=r.json()[0]["service_request_id"])


# --- discovery and services --------------------------------------------------------------


def test_discovery_in_json_and_xml(client, world):
    j = client.get(f"{BASE}/discovery.json").json()
    assert j["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert j["endpoints"][0]["url"] == "http://testserver/open311/v2/"
    assert j["endpoints"][0]["formats"] == ["application/json", "text/xml"]
    assert datetime.fromisoformat(j["changeset"]).utcoffset() == timedelta(hours=8)
    x = xmltodict.parse(client.get(f"{BASE}/discovery.xml").content)["discovery"]
    assert x["endpoints"]["endpoint"]["formats"]["format"] == ["application/json", "text/xml"]
    assert x["endpoints"]["endpoint"]["url"] == "http://testserver/open311/v2/"
    # A client learns whom to ask for an api_key (the office registers clients).
    assert j["key_service"] == "api_key 由创城办登记发放，请联系创城办。"
    assert x["key_service"] == "api_key 由创城办登记发放，请联系创城办。"


def test_discovery_names_the_office_as_contact(client, world, settings):
    settings.WENMING_OPEN311_CONTACT = ""
    settings.WENMING_OFFICE_NAME = "聊城市创建全国文明城市工作办公室"
    assert client.get(f"{BASE}/discovery.json").json()["contact"] == settings.WENMING_OFFICE_NAME
    settings.WENMING_OPEN311_CONTACT = "0635-12345"
    assert client.get(f"{BASE}/discovery.json").json()["contact"] == "0635-12345"


def test_services_are_the_leaf_categories_grouped_by_their_tree(client, world):
    r = client.get(f"{BASE}/services.json")
    assert r["Content-Type"] == "application/json; charset=utf-8"
    body = r.json()
    assert [s["service_code"] for s in body] == ["CC03", "CC05", "ZZ"]
    cc05 = body[1]
    assert cc05 == {
        "service_code": "CC05",
        "service_name": "垃圾清运不及时",
        "description": "《聊城市文明行为促进条例》",
        "metadata": False,
        "type": "realtime",
        "keywords": "垃圾桶满, 垃圾满, 溢出, 没人清运, 没清运, 清运",
        "group": "创城问题",
    }
    assert body[2]["group"] == "无时限"  # a root without children is its own group
    # The spec example's keys, in a client's eyes, are exactly ours.
    assert [set(s) for s in spec_json("services.json")] == [set(cc05)] * 3


def test_services_xml_has_the_shape_of_the_spec_and_real_cities(client, world):
    ours = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    spec = ET.fromstring((SPEC / "services.xml").read_bytes())
    sf = ET.fromstring(
        (REAL / "sanfrancisco_services_2010_codeforamerica-open311-gem.xml").read_bytes()
    )
    giessen = ET.fromstring((REAL / "giessen_services_open311status.xml").read_bytes())
    tags = lambda root: {child.tag for s in root for child in s}  # noqa: E731
    assert ours.tag == spec.tag == sf.tag == giessen.tag == "services"
    assert {s.tag for s in ours} == {"service"}
    assert tags(ours) == tags(spec) == tags(sf)
    assert tags(giessen) <= tags(ours)
    # georeport's way of reading it:
    parsed = xmltodict.parse(client.get(f"{BASE}/services.xml").content)["services"]["service"]
    assert parsed[1]["service_code"] == "CC05" and parsed[1]["metadata"] == "false"


def test_service_definition_with_attributes(client, world):
    ServiceAttribute.objects.create(
        category=world.category,
        code="ticket",
        datatype="string",
        required=True,
        description="12345工单编号",
        order=1,
    )
    ServiceAttribute.objects.create(
        code="severity",
        datatype="singlevaluelist",
        description="严重程度",
        order=2,
        values=[{"key": "1", "name": "一般"}, {"key": "2", "name": "严重"}],
    )
    body = client.get(f"{BASE}/services/CC05.json").json()
    spec = spec_json("service_definition_DMV66.json")
    assert set(body) == set(spec)
    assert [set(a) for a in body["attributes"]] == [set(spec["attributes"][0])] * 2
    assert body["attributes"][0] == {
        "variable": True,
        "code": "ticket",
        "datatype": "string",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "12345工单编号",
        "values": [],
    }
    assert body["attributes"][1]["values"] == [
        {"key": "1", "name": "一般"},
        {"key": "2", "name": "严重"},
    ]
    x = xmltodict.parse(client.get(f"{BASE}/services/CC05.xml").content)["service_definition"]
    assert x["attributes"]["attribute"][1]["values"]["value"][1] == {"key": "2", "name": "严重"}
    services_list = client.get(f"{BASE}/services.json").json()
    assert all(s["metadata"] is True for s in services_list)  # a global attribute applies to all
    # A service with only the global attribute.
    assert [a["code"] for a in client.get(f"{BASE}/services/CC03.json").json()["attributes"]] == [
        "severity"
    ]


def test_unknown_service_is_404_in_both_formats(client, world):
    r = client.get(f"{BASE}/services/NOPE.json")
    assert r.status_code == 404
    assert errors(r)["description"] == "服务代码 NOPE 不存在。"
    r = client.get(f"{BASE}/services/NOPE.xml")
    assert r.status_code == 404 and xml_errors(r)["code"] == "404"


# --- POST requests -----------------------------------------------------------------------


def test_trusted_post_becomes_a_case_at_once(client, world, cast, hotline, clock):
    clock.set(at("2021-03-05 15:00"))
    _c, key = hotline
    r = post(
        client,
        {
            "api_key": key,
            "service_code": "CC05",
            "lat": str(TIETA[0]),
            "long": str(TIETA[1]),
            "description": "垃圾桶满了",
            "phone": "13812341234",
            "first_name": "张",
            "account_id": "A-7",
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body[0]) == set(spec_json("post_requests_response.json")[0])
    case = Case.objects.get()
    assert body == [
        {
            "service_request_id": case.number,
            "service_notice": "已收到，创城办将交办给责任单位。",
            "account_id": "A-7",
        }
    ]
    assert (case.source, case.status, case.category) == ("hotline", "reported", world.category)
    assert case.proposed_unit == world.sanitation
    report = PublicReport.objects.get()
    assert (report.channel, report.status, report.case) == ("open311", "accepted", case)
    assert report.phone == "13812341234"
    assert report.contact == {"first_name": "张", "account_id": "A-7"}
    assert case.events.get().data["open311_client_id"] == hotline[0].pk


def _statement(sql: str) -> str:
    """ "INSERT cases_case", "SELECT core_referencestamp", "SAVEPOINT" … of one SQL text."""
    words = sql.replace('"', "").split()
    verb = words[0].upper()
    if verb == "INSERT":
        return f"INSERT {words[2]}"
    if verb == "UPDATE":
        return f"UPDATE {words[1]}"
    if verb == "SELECT":
        return f"SELECT {words[words.index('FROM') + 1].split('.')[0]}"
    return verb


def test_trusted_post_writes_only_what_it_must(client, world, hotline):
    """The intake path is the hot one (bench/open311.py). Client, category, attributes, the
    user's roles, the located areas and the routing rules come from the process's caches,
    checked by one read of the reference stamps; the recurrence candidates are read before
    the write transaction; in it the case number, the case, the report (written accepted,
    pointing to the case), the case's event and the report's two events (one statement on
    SQLite, one each on PostgreSQL: see wenming.core.inserts). No notification work: nobody
    is told of a report."""
    form = {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    assert post(client, form).status_code == 200  # fills the caches
    with CaptureQueriesContext(connection) as ctx:
        assert post(client, {**form, "description": "又满了"}).status_code == 200
    assert [_statement(q["sql"]) for q in ctx.captured_queries] == [
        "SELECT core_referencestamp",
        "SELECT cases_case",  # the recurrence rule's candidates
        "SAVEPOINT",  # BEGIN outside the test's transaction
        "UPDATE core_sequence",
        "INSERT cases_case",
        "INSERT public_publicreport",
        "INSERT cases_caseevent",
        *["INSERT public_publicreportevent"] * (2 if connection.vendor == "postgresql" else 1),
        "RELEASE",  # COMMIT
    ]
    report = PublicReport.objects.order_by("pk").last()
    assert (report.status, report.case.number) == ("accepted", Case.objects.latest("pk").number)
    assert report.decided_by == hotline[0].user
    assert report.decided_at == report.submitted_at == report.case.reported_at
    submitted, accepted = report.events.order_by("pk")
    assert (submitted.action, accepted.action) == ("submit", "accept")
    assert submitted.at <= accepted.at
    assert report.case.events.get().data["public_report_id"] == report.pk
    assert Case.objects.count() == 2
    assert report.case.recurrence_of == Case.objects.earliest("pk")


def test_post_in_xml_answers_in_xml(client, world, hotline):
    r = post(
        client,
        {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]},
        "xml",
    )
    assert r.status_code == 200
    ours = ET.fromstring(r.content)
    spec = ET.fromstring((SPEC / "post_requests_response.xml").read_bytes())
    assert [c.tag for c in ours[0]] == [c.tag for c in spec[0]]
    assert ours[0].find("service_request_id").text == Case.objects.get().number


def test_untrusted_post_waits_for_triage_with_a_token(client, world, cast, partner):
    r = post(
        client, {"api_key": partner[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    )
    report = PublicReport.objects.get()
    assert r.json() == [
        {
            "token": report.code,
            "service_notice": "已收到，创城办受理后生成服务请求。",
            "account_id": None,
        }
    ]
    assert Case.objects.count() == 0
    token = client.get(f"{BASE}/tokens/{report.code}.json").json()
    assert token == [{"service_request_id": None, "token": report.code}]
    assert [set(t) for t in token] == [set(t) for t in spec_json("request_id_from_token.json")]
    services.public_report_accept(cast.office, report.pk)
    number = Case.objects.get().number
    assert client.get(f"{BASE}/tokens/{report.code}.json").json()[0]["service_request_id"] == number
    x = xmltodict.parse(client.get(f"{BASE}/tokens/{report.code}.xml").content)
    assert x["service_requests"]["request"] == {"service_request_id": number, "token": report.code}
    assert Case.objects.get().source == "hotline"
    assert client.get(f"{BASE}/tokens/ZZZZZZZZ.json").status_code == 404


def test_an_address_without_coordinates_waits_for_the_office(client, world, cast, hotline):
    r = post(
        client, {"api_key": hotline[1], "service_code": "CC05", "address_string": "铁塔社区东门"}
    )
    report = PublicReport.objects.get()
    assert "token" in r.json()[0] and report.lat is None
    with pytest.raises(Exception) as exc:
        services.public_report_accept(cast.office, report.pk)
    assert exc.value.code == "location_required"
    lon, lat = wgs84_to_gcj02(TIETA[1], TIETA[0])
    services.public_report_accept(cast.office, report.pk, lat=lat, lon=lon, coord_system="gcj02")
    case = Case.objects.get()
    assert case.lat == pytest.approx(TIETA[0], abs=1e-7) and case.address == "铁塔社区东门"


def test_coord_system_extension_converts_gcj02(client, world, hotline):
    lon, lat = wgs84_to_gcj02(TIETA[1], TIETA[0])
    post(
        client,
        {
            "api_key": hotline[1],
            "service_code": "CC05",
            "lat": lat,
            "long": lon,
            "coord_system": "gcj02",
        },
    )
    case = Case.objects.get()
    assert (case.lat, case.lon) == (
        pytest.approx(TIETA[0], abs=1e-7),
        pytest.approx(TIETA[1], abs=1e-7),
    )


@pytest.mark.parametrize(
    "data,status,description",
    [
        ({}, 403, "需要 api_key。"),
        ({"api_key": "wrong"}, 403, "api_key 无效。"),
        ({"service_code": ""}, 400, "缺少 service_code。"),
        ({"service_code": "NOPE"}, 404, "服务代码 NOPE 不存在。"),
        ({"lat": "", "long": ""}, 400, "需要位置：lat 和 long，或 address_string。"),
        ({"long": ""}, 400, "lat 和 long 必须同时提供。"),
        ({"lat": 0, "long": 0}, 400, None),
        ({"lat": 39.9, "long": 116.4}, 400, None),
        ({"lat": "x", "long": "y"}, 400, None),
        ({"coord_system": "mars"}, 400, "坐标系无效，请使用 wgs84、gcj02 或 bd09。"),
        ({"description": "长" * 4001}, 400, None),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url 必须是 http 或 https 地址。"),
        ({"phone": "1"}, 400, None),
        ({"attribute[nope]": "1"}, 400, "该服务没有属性 nope。"),
        ({"jurisdiction_id": "elsewhere"}, 404, "jurisdiction_id 无效。"),
    ],
)
def test_post_refusals_write_nothing(client, world, hotline, data, status, description):
    form = {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    form.update(data)
    if not data:
        del form["api_key"]
    r = post(client, form)
    assert r.status_code == status
    err = errors(r)
    if description:
        assert err["description"] == description
    assert PublicReport.objects.count() == 0 and Case.objects.count() == 0


def test_403_matches_the_spec_example_in_both_formats(client, world):
    r = post(client, {"service_code": "CC05"}, "xml")
    assert r.status_code == 403
    ours = ET.fromstring(r.content)
    text = (SPEC / "error_403.xml.http").read_text()
    spec = ET.fromstring(text[text.index("<?xml") :].encode())
    assert ours.tag == spec.tag == "errors"
    assert [c.tag for c in ours[0]] == [c.tag for c in spec[0]] == ["code", "description"]
    assert ours[0].find("code").text == spec[0].find("code").text == "403"
    text = (SPEC / "error_403.json.http").read_text()
    spec = json.loads(text[text.index("[") :])
    r = post(client, {"service_code": "CC05"})
    assert [set(e) for e in r.json()] == [set(e) for e in spec]


def test_attributes_are_checked_and_kept(client, world, hotline):
    ServiceAttribute.objects.create(
        category=world.category,
        code="ticket",
        datatype="string",
        required=True,
        description="工单号",
    )
    ServiceAttribute.objects.create(
        code="kinds",
        datatype="multivaluelist",
        description="类型",
        values=[{"key": "a", "name": "甲"}, {"key": "b", "name": "乙"}],
    )
    form = {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    r = post(client, form)
    assert r.status_code == 400 and errors(r)["description"] == "属性 ticket 为必填项：工单号"
    r = post(client, {**form, "attribute[ticket]": "T1", "attribute[kinds][]": ["a", "c"]})
    assert r.status_code == 400 and errors(r)["description"] == "属性 kinds 的取值不在可选列表中。"
    assert Case.objects.count() == 0
    r = post(client, {**form, "attribute[ticket]": "T1", "attribute[kinds][]": ["a", "b"]})
    assert r.status_code == 200
    assert Case.objects.get().events.get().data["attributes"] == {
        "ticket": "T1",
        "kinds": ["a", "b"],
    }


def test_idempotency_key_header_prevents_a_second_case(client, world, hotline):
    form = {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    first = post(client, form, HTTP_IDEMPOTENCY_KEY="hotline-ticket-0001").json()
    again = post(client, form, HTTP_IDEMPOTENCY_KEY="hotline-ticket-0001").json()
    assert first == again and Case.objects.count() == 1


def test_a_client_whose_user_may_not_report_gets_403(client, world, cast):
    _c, key = services.open311_client_create(
        cast.office, name="外部", user_id=cast.handler.pk, trusted=True
    )
    r = post(client, {"api_key": key, "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]})
    assert r.status_code == 403
    assert PublicReport.objects.count() == 0 and Case.objects.count() == 0


def test_inactive_clients_are_refused(client, world, hotline):
    hotline[0].is_active = False
    hotline[0].save()
    r = post(
        client, {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    )
    assert r.status_code == 403


# --- GET requests ------------------------------------------------------------------------


def test_one_request_in_json_and_xml_like_the_spec(client, world, cast, posted, clock):
    r = client.get(f"{BASE}/requests/{posted.number}.json")
    body = r.json()
    assert len(body) == 1
    item = body[0]
    assert list(item) == REQUEST_FIELDS
    assert list(item) == list(spec_json("request_638344.json")[0])
    assert item["service_request_id"] == posted.number
    assert (item["status"], item["status_notes"]) == ("open", "已受理，正在派遣")
    assert (item["service_code"], item["service_name"]) == ("CC05", "垃圾清运不及时")
    assert item["description"] is None  # no key: the reporter's words stay private
    assert (item["lat"], item["long"], item["address"]) == (TIETA[0], TIETA[1], "铁塔社区东门")
    requested = datetime.fromisoformat(item["requested_datetime"])
    assert requested.utcoffset() == timedelta(hours=8)
    assert requested == posted.reported_at.replace(microsecond=0)  # whole seconds
    assert item["expected_datetime"] is None and item["agency_responsible"] is None
    x = ET.fromstring(client.get(f"{BASE}/requests/{posted.number}.xml").content)
    spec = ET.fromstring((SPEC / "request_638344.xml").read_bytes())
    toronto = ET.fromstring((REAL / "toronto_requests_single_2018_open311status.xml").read_bytes())
    assert x.tag == spec.tag == toronto.tag == "service_requests"
    assert [c.tag for c in x[0]] == [c.tag for c in spec[0]]
    assert {c.tag for c in toronto[0]} == {c.tag for c in x[0]}
    assert client.get(f"{BASE}/requests/NOPE.json").status_code == 404


def test_the_case_life_shows_in_status_dates_and_unit(client, world, cast, posted, clock):
    clock.set(at("2021-03-08 09:00"))
    case_services.case_dispatch(cast.office, posted.pk)
    case_services.case_accept(cast.handler, posted.pk)
    clock.set(at("2021-03-08 10:00"))
    case_services.case_submit(cast.handler, posted.pk, note="已清运")
    case_services.case_verify(cast.inspector, posted.pk)
    item = client.get(f"{BASE}/requests/{posted.number}.json?extensions=true").json()[0]
    posted.refresh_from_db()
    assert (item["status"], item["status_notes"]) == ("closed", "已办结")
    assert item["agency_responsible"] == "市环卫处"
    assert item["updated_datetime"] == "2021-03-08T10:00:00+08:00"
    assert (
        item["expected_datetime"]
        == posted.deadline.astimezone(timezone.get_default_timezone()).isoformat()
    )
    assert item["extended_attributes"] == {
        "fixmystreet_status": "fixed",
        "detailed_status": "closed",
    }


def test_a_key_shows_descriptions_in_the_clients_scope(client, world, cast, posted, hotline):
    item = client.get(f"{BASE}/requests/{posted.number}.json", {"api_key": hotline[1]}).json()[0]
    assert item["description"] == "垃圾桶满了"
    r = client.get(f"{BASE}/requests.json", {"api_key": "wrong"})
    assert r.status_code == 403
    # A client acting as a unit handler sees only its unit's cases.
    _c, key = services.open311_client_create(
        cast.office, name="环卫", user_id=cast.other_handler.pk
    )
    assert client.get(f"{BASE}/requests.json", {"api_key": key}).json() == []


def make_cases(world, cast, clock, days_ago: list[int], now="2021-06-30 12:00"):
    cases = []
    for d in days_ago:
        clock.set(at(now) - timedelta(days=d))
        cases.append(
            case_services.case_report(
                cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
            )
        )
    clock.set(at(now))
    return cases


def test_filters_by_id_code_status_and_dates(client, world, cast, clock):
    old, a, b, c = make_cases(world, cast, clock, [100, 30, 20, 10])
    other = case_services.case_report(
        cast.office, title="t", category_id=world.category_days.pk, lat=TIETA[0], lon=TIETA[1]
    )
    case_services.case_reject(cast.office, b.pk, reason="重复")
    ids = lambda r: [i["service_request_id"] for i in r.json()]  # noqa: E731
    get = lambda **q: client.get(f"{BASE}/requests.json", q)  # noqa: E731
    # Default: the last 90 days, newest first.
    assert ids(get()) == [other.number, c.number, b.number, a.number]
    assert ids(get(service_code="CC05")) == [c.number, b.number, a.number]
    assert ids(get(service_code="CC05,CC03")) == [other.number, c.number, b.number, a.number]
    assert ids(get(status="closed")) == [b.number]
    assert ids(get(status="open", service_code="CC05")) == [c.number, a.number]
    assert ids(get(status="no_further_action")) == [b.number]
    assert ids(get(status="open,closed")) == ids(get())
    # service_request_id overrides everything else, even the date window.
    assert ids(get(service_request_id=f"{old.number},{a.number}", status="closed")) == [
        a.number,
        old.number,
    ]
    assert ids(get(start_date="2021-03-01T00:00:00+08:00", end_date="2021-04-01T00:00:00Z")) == [
        old.number
    ]
    assert ids(get(start_date="2021-06-01", end_date="2021-06-10")) == [b.number]
    # Only an end: the 90 days before it.
    assert ids(get(end_date="2021-06-21")) == [c.number, b.number, a.number]


def test_date_window_boundaries(client, world, cast, clock):
    (a,) = make_cases(world, cast, clock, [30])  # 2021-05-31 12:00 +08:00
    get = lambda **q: client.get(f"{BASE}/requests.json", q)  # noqa: E731
    assert len(get(start_date="2021-05-31T12:00:00+08:00").json()) == 1
    assert len(get(start_date="2021-05-31T04:00:01Z").json()) == 0
    assert len(get(end_date="2021-05-31").json()) == 1  # a date alone ends at its last second
    assert len(get(end_date="2021-05-30").json()) == 0
    # A "+" that a client forgot to encode arrives as a space: still read as the offset.
    assert len(client.get(f"{BASE}/requests.json?start_date=2021-05-31T12:00:00+08:00").json()) == 1


@pytest.mark.parametrize(
    "query,description",
    [
        ("start_date=2021-01-01&end_date=2021-04-02", "start_date 与 end_date 相差不能超过90天。"),
        ("start_date=2021-04-02&end_date=2021-01-01", "end_date 早于 start_date。"),
        ("start_date=yesterday", "start_date 不是有效的日期时间，例如 2021-03-05T00:00:00+08:00。"),
        ("status=pending", "状态 pending 无效，请使用 open 或 closed。"),
        ("page_size=0", "page_size 必须在 1 到 1000 之间。"),
        ("page_size=1001", "page_size 必须在 1 到 1000 之间。"),
        ("page=x", "page 必须是整数。"),
        ("jurisdiction_id=elsewhere", None),
    ],
)
def test_bad_queries_are_400_or_404(client, world, query, description):
    r = client.get(f"{BASE}/requests.json?{query}")
    assert r.status_code == (404 if "jurisdiction" in query else 400)
    if description:
        assert errors(r)["description"] == description
    r = client.get(f"{BASE}/requests.xml?{query}")
    assert r["Content-Type"].startswith("text/xml")


def test_a_window_of_exactly_90_days_is_allowed(client, world):
    r = client.get(f"{BASE}/requests.json?start_date=2021-01-01&end_date=2021-04-01")
    assert r.status_code == 200 and r.json() == []


def test_default_limit_is_1000_and_pages_follow(client, world, cast):
    case = case_services.case_report(
        cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    now = timezone.now()
    Case.objects.bulk_create(
        [
            Case(
                number=f"X{i:06d}",
                title="t",
                category=world.category,
                source="hotline",
                lat=TIETA[0],
                lon=TIETA[1],
                reported_at=now - timedelta(minutes=i + 1),
            )
            for i in range(1000)
        ]
    )
    body = client.get(f"{BASE}/requests.json").json()
    assert len(body) == 1000
    assert body[0]["service_request_id"] == case.number
    assert body[-1]["service_request_id"] == "X000998"
    page2 = client.get(f"{BASE}/requests.json?page=2").json()
    assert [i["service_request_id"] for i in page2] == ["X000999"]
    assert len(client.get(f"{BASE}/requests.json?page_size=10&page=3").json()) == 10


def test_status_map_is_exhaustive_and_consistent():
    assert set(STATUS_MAP) == set(Status.values)
    assert {o.open311 for o in STATUS_MAP.values()} == {"open", "closed"}
    assert all(o.fms in FMS_STATUSES for o in STATUS_MAP.values())
    closed = {s for s, o in STATUS_MAP.items() if o.open311 == "closed"}
    assert closed == {"closed", "rejected", "merged"}


def test_merged_requests_name_the_surviving_one(client, world, cast):
    a = case_services.case_report(
        cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    b = case_services.case_report(
        cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    case_services.case_merge(cast.office, b.pk, into_id=a.pk)
    item = client.get(f"{BASE}/requests/{b.number}.json?extensions=true").json()[0]
    assert item["status"] == "closed"
    assert item["status_notes"] == f"已与请求 {a.number} 合并办理"
    assert item["extended_attributes"]["fixmystreet_status"] == "duplicate"


def test_photos_give_a_media_url(client, world, cast):
    from tests.public.conftest import upload

    case = case_services.case_report(
        cast.office,
        title="t",
        category_id=world.category.pk,
        lat=TIETA[0],
        lon=TIETA[1],
        photos=[upload()],
    )
    url = client.get(f"{BASE}/requests/{case.number}.json").json()[0]["media_url"]
    assert url.startswith("http://testserver/media/cases/") and url.endswith(".jpg")


def test_output_is_always_valid_even_with_control_characters(client, world, cast, hotline):
    case = case_services.case_report(
        cast.office,
        title="t",
        category_id=world.category.pk,
        lat=TIETA[0],
        lon=TIETA[1],
        address="东门 & <西门>",
    )
    # The services strip control characters; rows written by other means (imports, older
    # data) may still hold them, and XML 1.0 cannot carry them at all.
    Case.objects.filter(pk=case.pk).update(description='坏\x01字符\x1f & <tag> "引号"')
    x = client.get(f"{BASE}/requests/{case.number}.xml", {"api_key": hotline[1]}).content
    root = ET.fromstring(x)  # well-formed
    assert root[0].find("description").text == '坏字符 & <tag> "引号"'
    assert root[0].find("address").text == "东门 & <西门>"
    j = client.get(f"{BASE}/requests/{case.number}.json", {"api_key": hotline[1]}).content
    assert json.loads(j)[0]["description"] == '坏\x01字符\x1f & <tag> "引号"'


def test_the_published_spec_examples_are_not_all_valid_json_but_ours_is(client, world, posted):
    invalid = []
    for path in sorted(SPEC.glob("*.json")):
        try:
            json.loads(path.read_text())
        except json.JSONDecodeError:
            invalid.append(path.name)
    # Numbers with leading zeros ("service_code":006) are not JSON.
    assert invalid == ["request_638344.json", "requests.json", "services.json"]
    for url in (
        "services.json",
        "requests.json",
        f"requests/{posted.number}.json",
        "discovery.json",
    ):
        json.loads(client.get(f"{BASE}/{url}").content)


def test_real_city_request_lists_have_our_shape(client, world, posted):
    ours = client.get(f"{BASE}/requests.json?extensions=true").json()
    chicago = json.loads((REAL / "chicago_requests_2014_open311status.json").read_text())
    rostock = json.loads(
        (REAL / "rostock_klarschiff_citysdk_requests_2020_adapted.json").read_text()
    )
    spec = spec_json("requests.json")
    assert all(set(item) <= set(ours[0]) for item in chicago)
    assert set(spec[0]) == set(REQUEST_FIELDS)
    # Rostock's CitySDK adds extended_attributes (as we do) and misspells address_id.
    assert set(rostock[0]) - {"adress_id"} <= set(ours[0]) | {"extended_attributes"}
    for item in chicago + [ours[0]]:
        assert datetime.fromisoformat(item["requested_datetime"]).utcoffset() is not None
    many = ET.fromstring((REAL / "toronto_requests_many_open311status.xml").read_bytes())
    x = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    assert {c.tag for c in many[0]} == {c.tag for c in x[0]}


def test_service_request_updates_use_fixmystreet_statuses(client, world, cast, clock):
    clock.set(at("2021-03-05 09:00"))
    case = case_services.case_report(
        cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    clock.set(at("2021-03-05 10:00"))
    case_services.case_dispatch(cast.office, case.pk, note="内部备注")
    case_services.case_accept(cast.handler, case.pk)
    body = client.get(
        f"{BASE}/servicerequestupdates.json", {"start_date": "2021-03-05", "end_date": "2021-03-06"}
    ).json()["service_request_updates"]
    assert [(u["service_request_id"], u["status"], u["description"]) for u in body] == [
        (case.number, "open", "已列入问题台账"),
        (case.number, "action_scheduled", "已交办责任单位"),
        (case.number, "in_progress", "责任单位已开始整改"),
    ]
    assert body[1]["updated_datetime"] == "2021-03-05T10:00:00+08:00"
    x = xmltodict.parse(
        client.get(f"{BASE}/servicerequestupdates.xml", {"start_date": "2021-03-05"}).content
    )
    assert [u["status"] for u in x["service_request_updates"]["request_update"]] == [
        "open",
        "action_scheduled",
        "in_progress",
    ]


def test_unknown_resources_and_methods(client, world):
    r = client.get(f"{BASE}/nothing.json")
    assert r.status_code == 404 and errors(r)["code"] == 404
    r = client.get(f"{BASE}/services.html")
    assert r.status_code == 404
    r = client.post(f"{BASE}/services.json")
    assert r.status_code == 405 and r["Allow"] == "GET"
    r = client.delete(f"{BASE}/requests.json")
    assert r.status_code == 405


def test_xml_writer_escapes_and_names_items():
    text = to_xml("services", [{"service_code": "A&B", "metadata": True, "keywords": None}])
    assert text == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<services><service><service_code>A&amp;B</service_code>"
        "<metadata>true</metadata><keywords/></service></services>"
    )


def test_request_lists_are_cached_until_the_ledger_changes(client, world, cast, settings):
    settings.WENMING_OPEN311_CACHE_SECONDS = 60
    report = lambda: case_services.case_report(  # noqa: E731
        cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    a = report()
    first = client.get(f"{BASE}/requests.json").json()
    assert [i["service_request_id"] for i in first] == [a.number]
    b = report()  # a new event: the cached page is not reused
    assert [i["service_request_id"] for i in client.get(f"{BASE}/requests.json").json()] == [
        b.number,
        a.number,
    ]
    case_services.case_dispatch(cast.office, a.pk)
    item = client.get(f"{BASE}/requests.json").json()[1]
    assert item["agency_responsible"] == "市环卫处"
    # A renamed unit writes no case event: it shows once the cache time is over.
    world.sanitation.name = "市环境卫生管理处"
    world.sanitation.save()
    assert client.get(f"{BASE}/requests.json").json()[1]["agency_responsible"] == "市环卫处"
    settings.WENMING_OPEN311_CACHE_SECONDS = 0
    assert client.get(f"{BASE}/requests.json").json()[1]["agency_responsible"] == "市环境卫生管理处"
    # Other formats, queries and clients have their own entries.
    settings.WENMING_OPEN311_CACHE_SECONDS = 60
    x = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    assert len(x) == 2
    assert len(client.get(f"{BASE}/requests.json", {"status": "closed"}).json()) == 0


def test_a_posted_media_url_is_given_back(client, world, hotline):
    form = {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    r = post(client, {**form, "media_url": "https://img.example.cn/12345/a.jpg"})
    number = r.json()[0]["service_request_id"]
    post(client, form)  # another request without media
    items = client.get(f"{BASE}/requests.json").json()
    assert [(i["service_request_id"] == number, i["media_url"]) for i in items] == [
        (False, None),
        (True, "https://img.example.cn/12345/a.jpg"),
    ]


def test_anonymous_reads_can_be_narrowed_or_closed(client, world, cast, settings, hotline):
    settings.WENMING_OPEN311_CACHE_SECONDS = 0
    mine = case_services.case_report(
        cast.office,
        title="t",
        category_id=world.category.pk,
        lat=TIETA[0],
        lon=TIETA[1],
        source="public",
    )
    case_services.case_report(
        cast.inspector, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    settings.WENMING_OPEN311_PUBLIC_SOURCES = ["public", "hotline"]
    ids = [i["service_request_id"] for i in client.get(f"{BASE}/requests.json").json()]
    assert ids == [mine.number]
    assert len(client.get(f"{BASE}/requests.json", {"api_key": hotline[1]}).json()) == 2
    settings.WENMING_OPEN311_ANONYMOUS_READ = False
    r = client.get(f"{BASE}/requests.json")
    assert r.status_code == 403 and errors(r)["description"] == "需要 api_key。"
    assert client.get(f"{BASE}/requests/{mine.number}.json").status_code == 403
    assert client.get(f"{BASE}/requests.json", {"api_key": hotline[1]}).status_code == 200

"""Real third-party Open311 clients from PyPI against a live server on loopback.

- ``georeport`` (0.3.1, requests + xmltodict): reads only (its README: it "does not currently
  support the creation of new 311 service requests"), in JSON and in XML.
- ``civicbot`` (0.4.0, urllib): reads in JSON, and a real form-encoded POST through
  ``create_request(dry_run=False, confirm="SEND", api_key=...)``.
"""

from __future__ import annotations

import pytest

from tests.conftest import TIETA
from wenming.cases import services as case_services
from wenming.cases.models import Case
from wenming.public import services
from wenming.public.models import PublicReport, ServiceAttribute

georeport = pytest.importorskip("georeport")
civicbot = pytest.importorskip("civicbot")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(live_server, world, cast):
    ServiceAttribute.objects.create(
        category=world.category,
        code="ticket",
        datatype="string",
        required=True,
        description="12345工单编号",
    )
    ServiceAttribute.objects.create(
        category=world.category,
        code="severity",
        datatype="singlevaluelist",
        description="严重程度",
        order=2,
        values=[{"key": "1", "name": "一般"}, {"key": "2", "name": "严重"}],
    )
    return f"{live_server.url}/open311/v2"


def civic_client(base):
    from civicbot import Endpoint, HttpTransport, Open311Client
    from civicbot.http import RateLimiter

    endpoint = Endpoint(id="wenming", name="聊城创城", base_url=base, write=True)
    # The default transport waits 0.5 s between calls to one host (politeness); loopback
    # needs none.
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    return Open311Client(endpoint, transport=transport)


def test_civicbot_lists_reads_posts_reads_back_and_filters(server, world, cast):
    _client, key = services.open311_client_create(
        cast.office, name="12345热线", user_id=cast.office.pk, trusted=True
    )
    bot = civic_client(server)
    listed = bot.list_services()
    assert [s["service_code"] for s in listed] == ["CC03", "CC05", "ZZ"]
    definition = bot.get_service_definition("CC05")
    assert [a["code"] for a in definition["attributes"]] == ["ticket", "severity"]
    # The client validates against our definition first (a missing required attribute).
    with pytest.raises(civicbot.ValidationError):
        bot.create_request("CC05", lat=TIETA[0], lng=TIETA[1], validate_remote=True)
    prepared = bot.create_request(
        "CC05",
        dry_run=False,
        confirm="SEND",
        api_key=key,
        validate_remote=True,
        lat=TIETA[0],
        lng=TIETA[1],
        address_string="铁塔社区东门",
        description="东门垃圾桶满了，没人清运",
        phone="13812341234",
        attributes={"ticket": "T-2021-0001", "severity": "2"},
    )
    case = Case.objects.get()
    assert prepared.response == [
        {
            "service_request_id": case.number,
            "service_notice": "已收到，创城办将交办给责任单位。",
            "account_id": None,
        }
    ]
    assert case.source == "hotline" and case.events.get().data["attributes"] == {
        "ticket": "T-2021-0001",
        "severity": "2",
    }
    back = bot.get_request(case.number)
    assert (back["service_request_id"], back["status"], back["service_code"]) == (
        case.number,
        "open",
        "CC05",
    )
    assert back["lat"] == TIETA[0] and back["address"] == "铁塔社区东门"
    other = case_services.case_report(
        cast.office, title="t", category_id=world.category_days.pk, lat=TIETA[0], lon=TIETA[1]
    )
    assert [r["service_request_id"] for r in bot.list_requests(service_code="CC05")] == [
        case.number
    ]
    assert [r["service_request_id"] for r in bot.list_requests(status="open")] == [
        other.number,
        case.number,
    ]
    assert bot.list_requests(status="closed") == []
    assert [
        r["service_request_id"]
        for r in bot.list_requests(service_request_ids=[other.number], page_size=5)
    ] == [other.number]
    # A wrong key: the client surfaces our 403 error list.
    with pytest.raises(civicbot.HttpError) as exc:
        bot.create_request(
            "CC05",
            dry_run=False,
            confirm="SEND",
            api_key="wrong",
            lat=TIETA[0],
            lng=TIETA[1],
            attributes={"ticket": "x"},
        )
    assert exc.value.status == 403 and '"code":403' in exc.value.body
    assert Case.objects.count() == 2


def test_civicbot_gets_a_token_from_an_untrusted_client(server, world, cast):
    _client, key = services.open311_client_create(
        cast.office, name="合作平台", user_id=cast.office.pk, trusted=False
    )
    bot = civic_client(server)
    prepared = bot.create_request(
        "CC05",
        dry_run=False,
        confirm="SEND",
        api_key=key,
        lat=TIETA[0],
        lng=TIETA[1],
        attributes={"ticket": "T-1"},
    )
    token = prepared.response[0]["token"]
    assert bot.get_token(token) == [{"service_request_id": None, "token": token}]
    services.public_report_accept(cast.office, PublicReport.objects.get().pk)
    assert bot.get_token(token) == [
        {"service_request_id": Case.objects.get().number, "token": token}
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_definitions_and_requests(server, world, cast, fmt):
    from georeport import GeoReport

    a = case_services.case_report(
        cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    b = case_services.case_report(
        cast.office, title="t", category_id=world.category_days.pk, lat=TIETA[0], lon=TIETA[1]
    )
    case_services.case_reject(cast.office, b.pk, reason="重复")
    geo = GeoReport(server, output_format=fmt)
    listed = geo.get_service_list()
    assert [s["service_code"] for s in listed] == ["CC03", "CC05", "ZZ"]
    assert listed[1]["group"] == "创城问题"
    definition = geo.get_service_definition("CC05")
    attrs = definition["attributes"]
    if fmt == "xml":
        attrs = attrs["attribute"]
    assert [x["code"] for x in attrs] == ["ticket", "severity"]
    one = geo.get_service_request(a.number)
    assert (one["service_request_id"], one["status"]) == (a.number, "open")
    closed = geo.get_service_requests(status="closed")
    if fmt == "xml":  # xmltodict gives a dict for a single element
        closed = [closed]
    assert [r["service_request_id"] for r in closed] == [b.number]
    both = geo.get_service_requests(service_code="CC05,CC03")
    assert [r["service_request_id"] for r in both] == [b.number, a.number]
    assert [
        r["service_request_id"]
        for r in geo.get_service_requests(service_request_id=f"{a.number},{b.number}")
    ] == [b.number, a.number]
    with pytest.raises(Exception) as exc:
        geo.get_service_requests(start_date="2021-01-01", end_date="2021-06-01")
    assert exc.value.response.status_code == 400

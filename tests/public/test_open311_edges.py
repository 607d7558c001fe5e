"""Open311 edge cases found by a reviewer acting as a hostile client: each answer is an
Open311 error list (never Django's HTML page or a 500), and nothing is stored on a refusal."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import TIETA
from tests.public.test_open311 import BASE, errors, post
from wenming.cases import services as case_services
from wenming.cases.models import Case
from wenming.core.text import clean_text
from wenming.public.models import PublicReport, ServiceAttribute


@pytest.mark.parametrize(
    "path,query",
    [
        ("requests.json", {"start_date": "0001-01-01"}),
        ("requests.json", {"end_date": "0001-01-01"}),
        ("requests.json", {"start_date": "0001-01-01T00:00:00+14:00"}),
        ("requests.json", {"end_date": "9999-12-31T23:59:59-14:00"}),
        ("servicerequestupdates.json", {"start_date": "0001-01-01"}),
    ],
)
def test_dates_at_the_calendars_edges_are_a_400(client, world, path, query):
    r = client.get(f"{BASE}/{path}", query)
    assert r.status_code == 400
    name = next(iter(query))
    assert errors(r)["description"] == f"{name} 必须在 1900 年到 2999 年之间。"


def test_dates_at_the_calendars_edges_in_xml(client, world):
    r = client.get(f"{BASE}/requests.xml", {"end_date": "0001-01-01"})
    assert r.status_code == 400
    root = ET.fromstring(r.content)
    assert root[0].find("code").text == "400"


def test_a_key_reused_with_other_media_attributes_or_contact_is_refused(client, world, hotline):
    ServiceAttribute.objects.create(
        category=None, code="note", datatype="string", description="备注", order=1
    )
    form = {
        "api_key": hotline[1],
        "service_code": "CC05",
        "lat": TIETA[0],
        "long": TIETA[1],
        "description": "fp",
        "media_url": "https://a.example/1.jpg",
        "attribute[note]": "one",
    }
    key = {"HTTP_IDEMPOTENCY_KEY": "fpTEST123456"}
    first = post(client, form, **key)
    assert first.status_code == 200
    for change in (
        {"media_url": "https://b.example/2.jpg"},
        {"attribute[note]": "two"},
        {"first_name": "X"},
    ):
        r = post(client, {**form, **change}, **key)
        assert r.status_code == 400
        assert errors(r)["description"] == "该表单已用其他内容提交过，请刷新页面。"
    assert post(client, form, **key).json() == first.json()  # the same content: the first
    assert PublicReport.objects.count() == 1 and Case.objects.count() == 1
    assert PublicReport.objects.get().media_url == "https://a.example/1.jpg"


def test_a_short_idempotency_key_is_refused_before_the_clients_prefix(client, world, hotline):
    form = {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    r = post(client, form, HTTP_IDEMPOTENCY_KEY="short")
    assert r.status_code == 400
    assert errors(r)["description"] == (
        "Idempotency-Key 须为 8 到 64 个字符，只能包含 A-Z、a-z、0-9、_ 和 -。"
    )
    assert PublicReport.objects.count() == 0


def test_a_media_url_with_spaces_is_refused(client, world, hotline):
    form = {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    r = post(client, {**form, "media_url": "https://example.com/a b.jpg"})
    assert r.status_code == 400
    assert PublicReport.objects.count() == 0


def test_too_many_fields_is_an_open311_400(client, world, hotline, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    form = {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    form.update({f"attribute[x{i}]": "v" for i in range(60)})
    r = post(client, form)
    assert r.status_code == 400
    assert errors(r)["description"] == "请求过大（字段过多或数据过多）。"
    assert PublicReport.objects.count() == 0


def test_the_cached_list_is_per_host(client, world, cast, settings):
    from tests.public.conftest import upload

    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    case = case_services.case_report(
        cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1],
        photos=[upload()],
    )  # fmt: skip
    path = f"{BASE}/requests.json"
    here = client.get(path).json()[0]["media_url"]
    there = client.get(path, HTTP_HOST="localhost").json()[0]["media_url"]
    assert here.startswith("http://testserver/media/cases/")
    assert there == here.replace("http://testserver/", "http://localhost/")
    assert client.get(path).json()[0]["service_request_id"] == case.number


def test_a_carriage_return_survives_xml(client, world, cast, hotline):
    case = case_services.case_report(
        cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1],
        description="第一行\r\n第二行",
    )  # fmt: skip
    x = client.get(f"{BASE}/requests/{case.number}.xml", {"api_key": hotline[1]}).content
    assert ET.fromstring(x)[0].find("description").text == "第一行\r\n第二行"
    j = client.get(f"{BASE}/requests/{case.number}.json", {"api_key": hotline[1]}).json()
    assert j[0]["description"] == "第一行\r\n第二行"


def test_noncharacters_are_stripped_on_input():
    assert clean_text("a\ufffeb\uffffc", "description", "描述", max_length=10) == "abc"

"""Open311 edge cases found by a reviewer acting as a hostile client: each answer is an
Open311 error list (never Django's HTML page or a 500), and nothing is stored on a refusal."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError

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
        assert r.status_code == 409
        assert errors(r)["description"] == "该 Idempotency-Key 已用于内容不同的另一请求。"
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


def test_attribute_values_must_be_key_name_objects(db):
    attribute = ServiceAttribute(code="size", datatype="singlevaluelist", description="大小")
    for bad, message in (
        (["s", "l"], '选项须为对象列表，例如 {"key": "s", "name": "小"}。'),
        ({"key": "s"}, '选项须为对象列表，例如 {"key": "s", "name": "小"}。'),
        ([{"key": "s"}, {"key": "s", "name": "小"}], "每个选项的 key 不能重复。"),
    ):
        attribute.values = bad
        with pytest.raises(ValidationError) as exc:
            attribute.full_clean()
        assert exc.value.message_dict == {"values": [message]}
    attribute.values = [{"key": "s", "name": "小"}, {"key": "l", "name": "大"}]
    attribute.full_clean()


def test_values_stored_as_plain_texts_still_serve(client, world, hotline):
    """Rows written before the check (or by SQL) must not break the service."""
    attribute = ServiceAttribute.objects.create(
        category=world.category, code="size", datatype="singlevaluelist", description="大小"
    )
    ServiceAttribute.objects.filter(pk=attribute.pk).update(values=["s", "l", {"bad": 1}])
    r = client.get("/open311/v2/services/CC05.json")
    assert r.status_code == 200
    assert r.json()["attributes"][0]["values"] == [
        {"key": "s", "name": "s"},
        {"key": "l", "name": "l"},
    ]
    form = {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    assert post(client, {**form, "attribute[size]": "s"}).status_code == 200
    r = post(client, {**form, "attribute[size]": "m"})
    assert r.status_code == 400
    assert PublicReport.objects.get().attributes == {"size": "s"}


def test_a_class_of_problems_is_not_a_service(client, world, partner):
    """services.json lists specific categories only; a 大类's code is unknown everywhere."""
    assert client.get("/open311/v2/services/CC.json").status_code == 404
    r = post(
        client,
        {"api_key": partner[1], "service_code": "CC", "lat": TIETA[0], "long": TIETA[1]},
    )
    assert r.status_code == 404
    assert errors(r)["description"] == "服务代码 CC 不存在。"
    assert PublicReport.objects.count() == 0


def test_a_resent_place_spelt_otherwise_is_the_same_request(client, world, hotline):
    form = {"api_key": hotline[1], "service_code": "CC05", "lat": "36.4550", "long": "115.985"}
    key = {"HTTP_IDEMPOTENCY_KEY": "spelling-0001"}
    first = post(client, form, **key)
    again = post(client, {**form, "lat": "36.455", "long": "115.98500"}, **key)
    assert (first.status_code, again.json()) == (200, first.json())
    assert PublicReport.objects.count() == 1 and Case.objects.count() == 1

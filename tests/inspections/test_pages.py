"""Pages of the inspections app: who sees what, planning form errors keep the input, the
checklist send endpoint, a unit's results; no N+1 on the lists."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.inspections.conftest import answers_for, new_uuid
from wenming.inspections import services
from wenming.inspections.models import InspectionRound, Point, PointType, PointUnit, Submission


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def rnd(world, cast, scene):
    return services.round_plan(
        cast.office,
        name="第九网格督查",
        starts_on="2021-03-05",
        ends_on="2021-03-05",
        point_ids=[scene.crossing.pk, scene.compound.pk],
        inspector_ids=[cast.inspector.pk],
    )


def test_round_pages_by_role(world, cast, scene, rnd):
    for user in (cast.office, cast.leader, cast.inspector):
        c = client(user)
        assert c.get("/inspections/").status_code == 200
        assert c.get(f"/inspections/rounds/{rnd.pk}/").status_code == 200
        assert c.get(f"/inspections/rounds/{rnd.pk}/report/").status_code == 200
        assert c.get(f"/inspections/rounds/{rnd.pk}/points/{scene.crossing.pk}/").status_code == 200
    for user in (cast.handler, cast.area_staff, cast.outsider):
        c = client(user)
        assert "第九网格督查" not in c.get("/inspections/").content.decode()
        assert c.get(f"/inspections/rounds/{rnd.pk}/").status_code == 404
        assert c.get(f"/inspections/rounds/{rnd.pk}/report/").status_code == 404
    page = client(cast.inspector).get(f"/inspections/rounds/{rnd.pk}/points/{scene.crossing.pk}/")
    html = page.content.decode()
    assert 'id="checklist"' in html and "无行人闯红灯、乱穿马路、翻越护栏" in html
    assert html.count('class="card mb-2 criterion"') == 14
    leader_page = client(cast.leader).get(
        f"/inspections/rounds/{rnd.pk}/points/{scene.crossing.pk}/"
    )
    assert 'id="checklist"' not in leader_page.content.decode()  # not assigned to this round
    assert Client().get("/inspections/").status_code == 302
    sw = Client().get("/inspections/sw.js")
    assert sw.status_code == 200 and sw["Content-Type"].startswith("text/javascript")
    assert b"wenming-checklists-v1" in sw.content


def test_plan_form_keeps_input_on_error(world, cast, scene):
    c = client(cast.office)
    assert c.get("/inspections/rounds/new/").status_code == 200
    r = c.post(
        "/inspections/rounds/new/",
        {
            "name": "第九网格督查",
            "kind": "planned",
            "starts_on": "2021-03-05",
            "ends_on": "2021-03-01",
            "point_codes": "P-0901",
            "supervision_grid_ids": [str(world.ninth.pk)],
            "inspector_ids": [str(cast.inspector.pk)],
        },
    )
    html = r.content.decode()
    assert r.status_code == 400 and "结束日期早于开始日期。" in html
    assert 'value="第九网格督查"' in html and "P-0901" in html
    assert f'<option value="{world.ninth.pk}" selected>' in html
    r = c.post(
        "/inspections/rounds/new/",
        {
            "name": "x",
            "kind": "planned",
            "starts_on": "2021-03-05",
            "ends_on": "2021-03-05",
            "point_codes": "NOPE",
        },
    )
    assert r.status_code == 400 and "未知的点位编码：NOPE" in r.content.decode()
    assert InspectionRound.objects.count() == 0
    assert client(cast.inspector).get("/inspections/rounds/new/").status_code == 403
    r = client(cast.handler).post("/inspections/rounds/new/", {"name": "x"})
    assert r.status_code == 403 and InspectionRound.objects.count() == 0


def test_send_endpoint_is_idempotent_and_reports_errors(world, cast, scene, rnd):
    c = client(cast.inspector)
    url = f"/inspections/rounds/{rnd.pk}/points/{scene.crossing.pk}/send/"
    payload = {
        "uuid": new_uuid(),
        "answers": answers_for(rnd, scene.crossing, {scene.red_light: "闯红灯"}),
        "lat": 36.452,
        "lon": 115.983,
    }
    r = c.post(url, {"payload": json.dumps(payload)})
    assert r.status_code == 201
    body = r.json()
    assert (
        body["created"]
        and len(body["cases"]) == 1
        and body["cases"][0]["unit"] == "市公安局交警支队"
    )
    r = c.post(url, {"payload": json.dumps(payload)})
    assert r.status_code == 200 and not r.json()["created"]
    assert r.json()["submission_id"] == body["submission_id"]
    bad = {**payload, "uuid": new_uuid(), "answers": payload["answers"][:-1]}
    r = c.post(
        f"/inspections/rounds/{rnd.pk}/points/{scene.compound.pk}/send/",
        {"payload": json.dumps(bad)},
    )
    assert r.status_code == 400 and r.json()["code"] in ("incomplete", "invalid_input")
    r = c.post(url, {"payload": "{not json"})
    assert r.status_code == 400
    assert Submission.objects.count() == 1
    # The submitted checklist's page; the unit sees its own results only.
    sub_url = body["url"]
    assert c.get(sub_url).status_code == 200
    police = client(cast.other_handler)
    assert police.get(sub_url).status_code == 200
    mine = police.get("/inspections/my-results/").content.decode()
    assert "东昌路卫育路路口" in mine and "无行人闯红灯" in mine
    assert client(cast.handler).get(sub_url).status_code == 404
    assert (
        "东昌路卫育路路口"
        not in client(cast.handler).get("/inspections/my-results/").content.decode()
    )


def test_standard_points_and_import_pages(world, cast, scene, tmp_path):
    c = client(cast.office)
    html = c.get("/inspections/standard/").content.decode()
    assert 'id="example-note"' in html and "设垃圾分类收集容器" in html
    assert c.get("/inspections/points/").status_code == 200
    from tests.inspections.test_import_standard import GOOD, write_csv

    path = write_csv(
        tmp_path,
        [
            *GOOD,
            [
                "A",
                "交通秩序",
                "A-01",
                "路口秩序",
                "A-01-01",
                "重复",
                "1",
                "",
                "实地考察",
                "交通路口",
                "CC07",
                "",
            ],
        ],
    )
    with open(path, "rb") as fh:
        r = c.post("/inspections/import/standard/", {"file": fh, "code": "2021", "name": "手册"})
    assert r.status_code == 400 and "测评标准编码重复；第 2 行已使用。" in r.content.decode()
    with open(write_csv(tmp_path, GOOD), "rb") as fh:
        r = c.post("/inspections/import/standard/", {"file": fh, "code": "2021", "name": "手册"})
    assert r.status_code == 302
    assert client(cast.inspector).get("/inspections/import/standard/").status_code == 403


def test_lists_do_not_query_per_row(world, cast, scene, rnd, django_assert_max_num_queries):
    t = PointType.objects.get(name="小区")
    for i in range(30):
        p = Point.objects.create(
            code=f"PX{i:02d}", name=f"小区{i}", point_type=t, lat=36.455, lon=115.985,
            supervision_grid=world.ninth, community=world.tieta,
        )  # fmt: skip
        PointUnit.objects.create(point=p, unit=world.gulou_office)
    big = services.round_plan(
        cast.office,
        name="大轮次",
        starts_on="2021-03-06",
        ends_on="2021-03-07",
        supervision_grid_ids=[world.ninth.pk],
        inspector_ids=[cast.inspector.pk],
    )
    for p in big.points.all()[:10]:
        services.checklist_submit(
            cast.inspector,
            round_id=big.pk,
            point_id=p.pk,
            uuid=new_uuid(),
            answers=answers_for(big, p),
        )
    c = client(cast.office)
    for url in (
        f"/inspections/rounds/{big.pk}/",
        f"/inspections/rounds/{big.pk}/report/",
        "/inspections/points/",
        "/inspections/",
    ):
        with django_assert_max_num_queries(20):
            assert c.get(url).status_code == 200


def test_point_words_read_as_points_not_score(world, cast, scene, rnd):
    """“Points” in this app means 点位 (places), not 分值 (the assessment's score points)."""
    c = client(cast.office)
    services.checklist_submit(
        cast.inspector,
        round_id=rnd.pk,
        point_id=scene.crossing.pk,
        uuid=new_uuid(),
        answers=answers_for(rnd, scene.crossing, {scene.red_light: "闯红灯"}),
    )
    index = c.get("/inspections/").content.decode()
    assert '">点位</a>' in index and "分值" not in index
    points = c.get("/inspections/points/").content.decode()
    assert "<title>点位" in points and '<h1 class="h4 mb-0">点位 ' in points
    report = c.get(f"/inspections/rounds/{rnd.pk}/report/").content.decode()
    assert "<th>不符合次数</th><th>点位</th>" in report and "分值" not in report


def test_report_deductions_have_two_decimals_everywhere(world, cast, scene, rnd):
    services.checklist_submit(
        cast.inspector,
        round_id=rnd.pk,
        point_id=scene.crossing.pk,
        uuid=new_uuid(),
        answers=answers_for(rnd, scene.crossing, {scene.red_light: "闯红灯"}),
    )
    html = client(cast.office).get(f"/inspections/rounds/{rnd.pk}/report/").content.decode()
    by_unit = html.split('id="by-unit"')[1].split("</table>")[0]
    # 市公安局交警支队: 14 checked, 13 met, 1 failed, 1.00 deducted (the example's deduction 1).
    assert "<td>市公安局交警支队</td><td>14</td><td>13</td><td>1</td><td>1.00</td>" in by_unit


def test_import_of_an_empty_file_says_why(world, cast, tmp_path):
    """A 0-byte upload used to answer 200 with an unchanged page and no message."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client(cast.office)
    before = Point.objects.count()
    for what in ("points", "standard"):
        r = c.post(
            f"/inspections/import/{what}/",
            {"file": SimpleUploadedFile("点位.xlsx", b""), "code": "V9", "name": "手册"},
        )
        html = r.content.decode()
        assert r.status_code == 400, what
        assert 'id="form-errors"' in html and "文件（.xlsx 或 .csv）：所提交的是空文件。" in html
        if what == "standard":
            assert 'value="V9"' in html and 'value="手册"' in html
    assert Point.objects.count() == before


def test_round_of_100_points_pages_stay_flat(
    world, cast, scene, django_assert_max_num_queries, django_assert_num_queries
):
    """A round of 100 points planned from a supervision grid, every point inspected, compared
    with a previous round: the list and report pages use a fixed number of queries."""
    t = PointType.objects.get(name="交通路口")
    points = Point.objects.bulk_create(
        Point(
            code=f"PC{i:03d}", name=f"路口{i}", point_type=t, lat=36.452, lon=115.983,
            supervision_grid=world.ninth, community=world.tieta, grid=world.grid_tieta,
        )
        for i in range(98)
    )  # fmt: skip
    PointUnit.objects.bulk_create(PointUnit(point=p, unit=world.police) for p in points)
    PointUnit.objects.bulk_create(
        PointUnit(point=p, unit=world.gulou_office, category=scene.red_light.category)
        for p in points[::2]
    )

    def plan(name, day):
        return services.round_plan(
            cast.office,
            name=name,
            starts_on=day,
            ends_on=day,
            supervision_grid_ids=[world.ninth.pk],
            inspector_ids=[cast.inspector.pk],
        )

    def inspect(r, only=None):
        for i, p in enumerate(Point.objects.filter(round_points__round=r).order_by("code")):
            if only is not None and i >= only:
                break
            fail = {scene.red_light: "闯红灯"} if p.point_type_id == t.pk and i % 3 == 0 else {}
            services.checklist_submit(
                cast.inspector,
                round_id=r.pk,
                point_id=p.pk,
                uuid=new_uuid(),
                answers=answers_for(r, p, fail),
            )

    first = plan("第一轮", "2021-03-01")
    inspect(first, only=30)
    big = plan("第二轮", "2021-03-08")
    assert big.points.count() == 100
    inspect(big)
    sub = Submission.objects.filter(round=big).order_by("id").first()
    office = client(cast.office)
    report = office.get(f"/inspections/rounds/{big.pk}/report/").content.decode()
    assert "已检查 100 / 100 个点位" in report
    assert "（上一轮 DC2021001: " in report  # compared with the previous round
    urls = (
        f"/inspections/rounds/{big.pk}/",
        f"/inspections/rounds/{big.pk}/report/",
        f"/inspections/rounds/{big.pk}/points/{sub.point_id}/",
        f"/inspections/checklists/{sub.pk}/",
        "/inspections/points/",
        "/inspections/",
    )
    for url in urls:
        with django_assert_max_num_queries(20):
            assert office.get(url).status_code == 200, url
    police = client(cast.other_handler)
    with django_assert_max_num_queries(12):
        html = police.get("/inspections/my-results/").content.decode()
    assert html.count("<tr") == 201  # the newest 200 results, and the header
    with django_assert_max_num_queries(12):
        assert police.get(f"/inspections/checklists/{sub.pk}/").status_code == 200
    # The report's query count does not grow with the points inspected: 5 points compared
    # with 100 take as many queries as 100 compared with 30.
    third = plan("第三轮", "2021-03-15")
    inspect(third, only=5)
    with django_assert_num_queries(_count(office, f"/inspections/rounds/{third.pk}/report/")):
        office.get(f"/inspections/rounds/{big.pk}/report/")


def _count(c, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        c.get(url)
    return len(ctx.captured_queries)


def test_checklist_of_a_closed_round_says_so(world, cast, scene, rnd):
    """An inspector of a closed round was told that only the round's inspectors may submit."""
    services.round_close(cast.office, rnd.pk)
    html = (
        client(cast.inspector)
        .get(f"/inspections/rounds/{rnd.pk}/points/{scene.crossing.pk}/")
        .content.decode()
    )
    assert 'id="round-closed">该督查轮次已结束。</div>' in html
    assert 'id="checklist"' not in html and "只有本轮次的督查人员" not in html


def test_out_of_range_ids_are_not_found_not_500(world, cast, scene, rnd):
    c = client(cast.office)
    huge = "99999999999999999999"
    r = c.get(f"/inspections/points/?supervision_grid={huge}&point_type={huge}&page=abc")
    assert r.status_code == 200 and '<small class="text-muted">2</small>' in r.content.decode()
    r = c.get(f"/inspections/points/?supervision_grid={world.ninth.pk}")
    assert '<small class="text-muted">2</small>' in r.content.decode()
    assert c.get(f"/inspections/rounds/{huge}/report/").status_code == 404
    r = client(cast.inspector).post(
        f"/inspections/rounds/{huge}/points/{huge}/send/",
        {"payload": json.dumps({"uuid": new_uuid(), "answers": []})},
    )
    assert r.status_code == 404 and Submission.objects.count() == 0


def test_checklist_photo_button_and_way_back_are_chinese(world, cast, scene, rnd):
    """The bare file input showed the browser's English “Choose Files / No file chosen”."""
    html = (
        client(cast.inspector)
        .get(f"/inspections/rounds/{rnd.pk}/points/{scene.crossing.pk}/")
        .content.decode()
    )
    red = scene.red_light.pk
    assert (
        f'<label class="btn btn-outline-secondary btn-sm" for="photo-{red}">拍照或添加照片</label>'
        in html
    )
    assert '<input class="visually-hidden" type="file" accept="image/*"' in html
    assert f'data-round-url="/inspections/rounds/{rnd.pk}/"' in html
    texts = json.loads(html.split('id="checklist-text" type="application/json">')[1].split("<")[0])
    assert texts["back"] == "返回本轮点位列表"
    assert texts["loginAgain"] == "登录已失效。检查表仍保存在本设备上，重新登录后将自动发送。"


def test_checklists_without_gps_are_marked_like_far_ones(world, cast, scene, rnd):
    """Refusing the phone's location avoided the 200 m flag without a trace in the lists."""
    from tests.inspections.conftest import CROSSING

    services.checklist_submit(
        cast.inspector,
        round_id=rnd.pk,
        point_id=scene.crossing.pk,
        uuid=new_uuid(),
        answers=answers_for(rnd, scene.crossing),
        lat=CROSSING[0],
        lon=CROSSING[1] + 0.003,  # about 270 m east
    )
    services.checklist_submit(
        cast.inspector,
        round_id=rnd.pk,
        point_id=scene.compound.pk,
        uuid=new_uuid(),
        answers=answers_for(rnd, scene.compound),
    )
    c = client(cast.office)
    for url in (f"/inspections/rounds/{rnd.pk}/", f"/inspections/rounds/{rnd.pk}/report/"):
        html = c.get(url).content.decode()
        assert html.count('<span class="badge text-bg-warning">偏离点位</span>') == 1, url
        assert html.count('<span class="badge text-bg-light border no-gps">无定位</span>') == 1


def test_a_case_from_an_inspection_links_to_its_checklist_row(world, cast, scene, rnd):
    # A first-time user on a case opened by an inspection could not get to the round,
    # point and criterion behind it.
    from wenming.cases import services as case_services
    from wenming.cases.models import Case
    from wenming.inspections.models import Finding

    sub, _ = services.checklist_submit(
        cast.inspector,
        round_id=rnd.pk,
        point_id=scene.crossing.pk,
        uuid=new_uuid(),
        answers=answers_for(rnd, scene.crossing, {scene.red_light: "闯红灯"}),
    )
    finding = Finding.objects.get()
    case = finding.case
    assert case.unit == world.police
    url = f"/inspections/cases/{case.pk}/checklist/"
    for user in (cast.office, cast.leader, cast.inspector, cast.other_handler):
        c = client(user)
        page = c.get(f"/cases/{case.pk}/").content.decode()
        assert f'<a href="{url}" id="case-origin">查看检查表</a>' in page
        r = c.get(url)
        assert r.status_code == 302
        assert r["Location"] == f"/inspections/checklists/{sub.pk}/#result-{finding.result_id}"
        assert f'id="result-{finding.result_id}"' in c.get(r["Location"]).content.decode()
    # Not the handler's checklist (another unit's results only): no way in.
    assert client(cast.handler).get(url).status_code == 404
    # A case not opened by an inspection has no checklist, and its page no such link.
    other = case_services.case_report(
        cast.office, title="手工登记", category_id=case.category_id, lat=case.lat, lon=case.lon
    )
    assert client(cast.office).get(f"/inspections/cases/{other.pk}/checklist/").status_code == 404
    assert 'id="case-origin"' not in client(cast.office).get(f"/cases/{other.pk}/").content.decode()
    assert client(cast.office).get("/inspections/cases/99999999999/checklist/").status_code == 404
    assert Case.objects.count() == 2

"""Assessment pages: who sees what (office, leader, unit handler, others, anonymous)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.assessment.conftest import AS_OF, open_red_list
from wenming.assessment import services
from wenming.assessment.models import Adjustment, Publication, SchemeVersion
from wenming.assessment.scoring import DEFAULT_CONFIG

P = "period=2021-03"


@pytest.fixture(autouse=True)
def _no_external_inputs(monkeypatch):
    monkeypatch.setattr(
        "wenming.assessment.ranking.external_inputs", lambda start, end: (None, None)
    )


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_anonymous_is_sent_to_login(client, world):
    for url in (
        "/assessment/",
        "/assessment/explain/?indicator=report",
        "/assessment/published/",
        "/assessment/export.xlsx",
    ):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/")
    r = client.post("/assessment/publish/", {"period": "2021-03"})
    assert r.status_code == 302 and Publication.objects.count() == 0


def test_office_sees_live_ranking_with_links(
    client, cast, world, march, django_assert_max_num_queries
):
    client.force_login(cast.office)
    client.get(f"/assessment/?{P}")  # warm the session and scheme queries
    with django_assert_max_num_queries(30):
        r = client.get(f"/assessment/?{P}")
    body = r.content.decode()
    assert r.status_code == 200
    assert "市环卫处" in body and "41.7" in body and 'id="red-list"' in body
    assert (
        f"/assessment/explain/?period=2021-03&amp;indicator=in_time_archive&amp;group=unit&amp;key={world.sanitation.pk}"
        in body
    )
    assert 'id="publish-form"' in body
    assert "按期结案率" in body  # the help lists every formula


def test_explain_lists_exactly_the_cases(client, cast, world, march):
    url = f"/assessment/explain/?{P}&indicator=in_time_archive&key={world.sanitation.pk}"
    body = get(client, cast.office, url).content.decode()
    assert len(re.findall(r'href="/cases/\d+/"', body)) == 2
    assert march.a.number in body and march.c.number in body and march.b.number not in body
    den = get(
        client,
        cast.office,
        f"/assessment/explain/?{P}&indicator=dispose_rate&part=denominator&key={world.sanitation.pk}",
    )
    assert len(re.findall(r'href="/cases/\d+/"', den.content.decode())) == 6


def test_unit_handler_sees_own_cases_never_others(client, cast, world, march):
    own = get(
        client,
        cast.handler,
        f"/assessment/explain/?{P}&indicator=overtime_to_dispose&key={world.sanitation.pk}",
    )
    assert own.status_code == 200 and march.d.number in own.content.decode()
    for url in (
        f"/assessment/explain/?{P}&indicator=report&key={world.police.pk}",
        f"/assessment/explain/?{P}&indicator=report",  # cases without a unit
        f"/assessment/explain/?{P}&indicator=report&group=city",
        f"/assessment/explain/?{P}&indicator=report&group=grid&key={world.ninth.pk}",
        f"/assessment/indicators/?{P}",
        "/assessment/export.xlsx",
        f"/assessment/trend/?unit={world.police.pk}",
    ):
        assert get(client, cast.handler, url).status_code == 404, url
    page = get(client, cast.handler, f"/assessment/?{P}").content.decode()
    assert 'id="own-scores"' in page and "市环卫处" in page
    assert "市公安局交警支队" not in page  # no live figures of others
    assert 'id="publish-form"' not in page
    assert (
        get(client, cast.handler, f"/assessment/trend/?unit={world.sanitation.pk}").status_code
        == 200
    )


def test_published_ranking_is_public_but_case_details_are_not(client, cast, world, march, clock):
    clock.set(AS_OF)
    pub = services.assessment_publish(cast.office, "2021-03")
    for user in (cast.handler, cast.other_handler, cast.outsider, cast.leader):
        r = get(client, user, f"/assessment/published/{pub.pk}/")
        assert r.status_code == 200
        body = r.content.decode()
        assert "市环卫处" in body and "市公安局交警支队" in body and "41.7" in body
    san = f"/assessment/published/{pub.pk}/unit/{world.sanitation.pk}/?indicator=overtime_archive"
    r = get(client, cast.handler, san)
    assert r.status_code == 200 and march.b.number in r.content.decode()
    assert get(client, cast.other_handler, san).status_code == 404
    assert get(client, cast.outsider, san).status_code == 404
    assert get(client, cast.leader, san).status_code == 200
    police = f"/assessment/published/{pub.pk}/unit/{world.police.pk}/"
    assert get(client, cast.handler, police).status_code == 404
    assert get(client, cast.other_handler, police).status_code == 200
    assert (
        get(
            client,
            cast.office,
            f"/assessment/published/{pub.pk}/unit/{world.sanitation.pk}/?indicator=nope",
        ).status_code
        == 404
    )


def test_publish_page_flow(client, cast, world, march, clock):
    clock.set(AS_OF)
    client.force_login(cast.handler)
    assert client.post("/assessment/publish/", {"period": "2021-03"}).status_code == 403
    client.force_login(cast.office)
    r = client.post("/assessment/publish/", {"period": "2021-03"})
    pub = Publication.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/assessment/published/{pub.pk}/"
    r = client.post("/assessment/publish/", {"period": "2021-03", "note": ""})
    assert r.status_code == 400 and "请说明本次更正的内容" in r.content.decode()
    r = client.post("/assessment/publish/", {"period": "2021-99"})
    assert r.status_code == 400 and "2021-99" in r.content.decode()
    assert Publication.objects.count() == 1


def test_bad_period_is_a_clear_400(client, cast, world):
    r = get(client, cast.office, "/assessment/?period=2021-13")
    assert r.status_code == 400 and "无法识别的考核周期" in r.content.decode()
    assert 'value="2021-13"' in r.content.decode()


def test_export_live_and_published(client, cast, world, march, clock):
    open_red_list()
    clock.set(AS_OF)
    r = get(client, cast.office, f"/assessment/export.xlsx?{P}")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(ws.values)
    assert rows[0][:8] == (
        "单位类型",
        "排名",
        "上期排名",
        "责任单位",
        "得分",
        "等次",
        "榜单",
        "原因",
    )
    san = next(row for row in rows if row[3] == "市环卫处")
    assert san[1] == 1 and san[4] == 41.67 and san[6] == "红榜"
    assert san[rows[0].index("按期结案率 (%)")] == 33.3
    pub = services.assessment_publish(cast.office, "2021-03")
    r = get(client, cast.other_handler, f"/assessment/published/{pub.pk}/export.xlsx")
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.values)
    assert len(rows) == 4 and rows[1][3] == "市环卫处"


def test_scheme_page_saves_a_new_version_and_keeps_input_on_error(client, cast, world):
    client.force_login(cast.office)
    scheme = SchemeVersion.objects.get().scheme
    data = {
        "scheme": scheme.pk,
        "w_archive_rate": "60",
        "w_in_time_archive_rate": "30",
        "p_escalation": "1",
        "penalty_cap": "10",
        "board_size": "2",
        "min_dispatched": "0",
        "no_data": "exclude",
        "grades": "优秀:90, 良好:75, 一般:0",
        "note": "调整权重",
    }
    r = client.post("/assessment/schemes/", data)
    assert r.status_code == 400 and "权重之和必须为 100" in r.content.decode()
    assert 'value="调整权重"' in r.content.decode() and 'value="60"' in r.content.decode()
    assert SchemeVersion.objects.count() == 1
    data["w_rework_rate"] = "10"
    r = client.post("/assessment/schemes/", data)
    assert r.status_code == 302, r.content.decode()[-3000:]
    v2 = SchemeVersion.objects.get(number=2)
    assert v2.config["weights"] == {
        "archive_rate": 60,
        "in_time_archive_rate": 30,
        "rework_rate": 10,
    }
    assert v2.config["grades"] == [["优秀", 90], ["良好", 75], ["一般", 0]]
    client.force_login(cast.handler)
    assert client.post("/assessment/schemes/", data).status_code == 404
    assert SchemeVersion.objects.count() == 2


def test_adjustment_page(client, cast, world):
    client.force_login(cast.office)
    r = client.post(
        "/assessment/adjustments/?period=2021-03",
        {"period": "2021-03", "unit_id": world.police.pk, "points": "abc", "reason": "表扬"},
    )
    assert r.status_code == 400 and 'value="abc"' in r.content.decode()
    r = client.post(
        "/assessment/adjustments/?period=2021-03",
        {"period": "2021-03", "unit_id": world.police.pk, "points": "2", "reason": "表扬"},
    )
    assert r.status_code == 302
    assert Adjustment.objects.get().points == 2


def test_bad_query_parameters(client, cast, world):
    client.force_login(cast.office)
    assert (
        client.get("/assessment/explain/?period=2021-03&indicator=report&key=abc").status_code
        == 404
    )
    r = client.get("/assessment/explain/?period=2021-03&indicator=happiness")
    assert r.status_code == 400 and "未知指标" in r.content.decode()
    r = client.get("/assessment/indicators/?period=2021-03&group=street")
    assert r.status_code == 400 and "未知的统计口径" in r.content.decode()
    assert client.get("/assessment/published/999999/").status_code == 404
    assert client.get("/assessment/trend/?months=abc").status_code == 200
    client.force_login(cast.handler)
    r = client.get("/assessment/trend/")
    assert r.status_code == 200 and r.context["unit_id"] == world.sanitation.pk


def test_live_unit_page_explains_the_score(client, cast, world, march):
    url = f"/assessment/unit/{world.sanitation.pk}/?{P}"
    r = get(client, cast.handler, url)
    body = r.content.decode()
    assert r.status_code == 200 and "41.7" in body and 'id="score-parts"' in body
    assert f"indicator=overtime_to_dispose&amp;group=unit&amp;key={world.sanitation.pk}" in body
    assert get(client, cast.other_handler, url).status_code == 404
    assert get(client, cast.outsider, url).status_code == 404
    assert get(client, cast.leader, url).status_code == 200
    assert get(client, cast.office, f"/assessment/unit/999999/?{P}").status_code == 404


def test_ranking_tables_fit_a_phone(client, cast, world, march, clock):
    """Unit names never wrap, the scheme column hides below md, the tables scroll."""
    live = get(client, cast.office, f"/assessment/?{P}").content.decode()
    clock.set(AS_OF)
    pub = services.assessment_publish(cast.office, "2021-03")
    published = get(client, cast.handler, f"/assessment/published/{pub.pk}/").content.decode()
    for body in (live, published):
        assert '<div class="table-responsive"><table class="table table-sm' in body
        assert '<td class="text-nowrap unit-name">市环卫处</td>' in body
        assert '<th class="d-none d-md-table-cell">考核方案</th>' in body
        assert '<td class="small d-none d-md-table-cell">默认考核方案 v1</td>' in body
        assert body.count("d-none d-md-table-cell") == 1 + 2  # the head, two ranked units


def test_red_list_floor_is_explained_and_editable(client, cast, world, march):
    body = get(client, cast.office, f"/assessment/?{P}").content.decode()
    red = body[body.index('id="red-list"') : body.index('id="black-list"')]
    assert "市环卫处" not in red  # 41.67 (D) is below the floor
    assert "得分不低于 75 的单位才可上红榜，得分达到 90 及以上的单位不上黑榜" in red
    scheme = SchemeVersion.objects.get().scheme
    form = get(client, cast.office, f"/assessment/schemes/?scheme={scheme.pk}").content.decode()
    assert 'name="red_min_score" id="f-redmin" value="75"' in form
    assert 'name="black_max_score" id="f-blackmax" value="90"' in form
    data = {
        "scheme": scheme.pk,
        "w_archive_rate": "100",
        "penalty_cap": "10",
        "board_size": "2",
        "min_dispatched": "0",
        "no_data": "exclude",
        "grades": "A:90, B:75, C:0",
        "red_min_score": "七十",
        "black_max_score": "",
        "note": "红榜门槛",
    }
    r = client.post("/assessment/schemes/", data)
    assert r.status_code == 400
    assert (
        "红榜最低得分 必须是数字。" in r.content.decode() and 'value="七十"' in r.content.decode()
    )
    assert SchemeVersion.objects.count() == 1
    data["red_min_score"] = "40"
    assert client.post("/assessment/schemes/", data).status_code == 302
    v2 = SchemeVersion.objects.get(number=2)
    assert (v2.config["red_min_score"], v2.config["black_max_score"]) == (40, 90)


def test_units_land_on_the_newest_published_period(client, cast, world, march, clock):
    from wenming.assessment.views import default_period

    fallback = default_period()
    assert fallback.key != "2021-03"
    before = get(client, cast.handler, "/assessment/").content.decode()
    assert f'<small class="text-muted">{fallback.label}</small>' in before
    assert "本期排名尚未发布" in before
    clock.set(AS_OF)
    pub = services.assessment_publish(cast.office, "2021-03")
    after = get(client, cast.handler, "/assessment/").content.decode()
    assert '<small class="text-muted">2021年3月</small>' in after
    assert f'href="/assessment/published/{pub.pk}/"' in after and "本期排名尚未发布" not in after
    # An explicit period still wins; the office keeps landing on the month to rank.
    explicit = get(client, cast.handler, f"/assessment/?period={fallback.key}").content.decode()
    assert "本期排名尚未发布" in explicit
    office = get(client, cast.office, "/assessment/").content.decode()
    assert f'<small class="text-muted">{fallback.label}</small>' in office


def test_indicator_rate_headers_name_their_denominator(client, cast, world, march):
    body = get(client, cast.office, f"/assessment/indicators/?{P}").content.decode()
    assert '<th class="text-end">按期处置率（÷派遣数）</th>' in body
    assert '<th class="text-end">返工率（÷派遣数）</th>' in body
    assert '<th class="text-end">超期未处置率（÷派遣数）</th>' in body
    default = SchemeVersion.objects.get().scheme
    cfg = {**DEFAULT_CONFIG, "denominators": {**DEFAULT_CONFIG["denominators"], "dispose": "due"}}
    services.scheme_version_create(cast.office, default.pk, config=cfg, note="按到期计")
    body = get(client, cast.office, f"/assessment/indicators/?{P}").content.decode()
    assert '<th class="text-end">按期处置率（÷到期应处置数）</th>' in body
    assert '<th class="text-end">处置率（÷到期应处置数）</th>' in body
    assert '<th class="text-end">结案率（÷派遣数）</th>' in body
